"""The administration pages' renderer: their templates, then the console's frame."""

from __future__ import annotations

from pathlib import Path

from shared.console import Console

CONSOLE = Console(Path(__file__).parent / "templates", css="admin.css.j2")

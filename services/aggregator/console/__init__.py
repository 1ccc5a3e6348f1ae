"""The aggregator's console pages: the home (/) and a directive's page (/directives/{id}),
built from the roll-up (``views.py``, ``directive_view.py``) and rendered in the shared
layout by ``CONSOLE`` (the routes are ``entrypoints/console.py``)."""

from __future__ import annotations

from pathlib import Path

from shared.console import Console

# Made when the routes' module is imported, before the app: its style sheet is then in
# every service's Content-Security-Policy (shared.console.page_styles).
CONSOLE = Console(Path(__file__).parent / "templates", css="home.css.j2")

"""``Console``: renders a service's console page inside the shared layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from shared.auth.login import role_names, unit_name
from shared.auth.principal import Principal
from shared.auth.roles import Action
from shared.web import StyleSheet, csrf_field

_TEMPLATES = Path(__file__).parent / "templates"
_OWN = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True)
# Every service allows it in its Content-Security-Policy (shared.service).
STYLE = StyleSheet(_OWN.get_template("console/console.css.j2").render())
# The pages' own style sheets (``Console(..., css=...)``), allowed by every service's
# policy as the shared one is: made when a service's page modules are imported, before
# its app is built.
_PAGE_STYLES: list[StyleSheet] = []


def page_styles() -> tuple[StyleSheet, ...]:
    return tuple(_PAGE_STYLES)


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    action: Action | None = None  # shown only to an account whose roles allow it


# The whole site's navigation; the path prefixes are those the front (and the staff
# Ingress) route to the service that owns each page.
NAVIGATION = (
    NavItem("/", "Trang chủ"),
    NavItem("/issue", "Ban hành văn bản", Action.DIRECTIVE_PREVIEW),
    NavItem("/reviews", "Duyệt báo cáo", Action.REPORT_REVIEW),
    NavItem("/units", "Đơn vị", Action.DIRECTIVE_READ),
    NavItem("/accounts", "Tài khoản", Action.ACCOUNT_MANAGE),
    NavItem("/audit", "Nhật ký thao tác", Action.AUDIT_READ),
)


def navigation(principal: Principal, current: str) -> list[dict[str, Any]]:
    """The items ``principal`` may use, the one ``current`` (a path) is under marked."""

    def is_current(item: NavItem) -> bool:
        if item.href == "/":
            return current == "/" or current.startswith("/directives/")
        return current == item.href or current.startswith(item.href + "/")

    return [
        {"href": item.href, "label": item.label, "current": is_current(item)}
        for item in NAVIGATION
        if item.action is None or principal.may(item.action)
    ]


class Console:
    """One per service: ``Console(Path(__file__).parent / "templates")``; its templates
    ``{% extends "console/layout.html.j2" %}`` and fill ``{% block content %}``."""

    def __init__(self, templates: Path | None = None, css: str | None = None) -> None:
        """``css``: a template in ``templates`` holding these pages' own style sheet,
        written after the shared one (inline, allowed by its hash)."""
        loaders = [FileSystemLoader(templates)] if templates else []
        self.env = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(_TEMPLATES)]),
            autoescape=True,  # every template, whatever its name
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        self.env.globals["style"] = STYLE.markup
        self.env.globals["page_style"] = ""
        if css:
            sheet = StyleSheet(self.env.get_template(css).render())
            _PAGE_STYLES.append(sheet)
            self.env.globals["page_style"] = sheet.markup

    def render(self, request: Request, principal: Principal, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(
            principal=principal,
            unit_name=unit_name(request, principal.unit_id),
            roles=role_names(principal.roles),
            nav=navigation(principal, request.url.path),
            csrf=csrf_field(request),
            **context,
        )

    def page(
        self,
        request: Request,
        principal: Principal,
        template: str,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """The page as a response; a console page is about one account, so no cache
        keeps it."""
        return HTMLResponse(
            self.render(request, principal, template, **context),
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

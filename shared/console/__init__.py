"""The staff console's frame, shared by the pages of every service: one layout (the site's
name, the navigation the signed-in account may use, who is signed in and a sign-out
button), one style sheet, and the macros the pages draw with (a progress bar, a status
badge). Each service renders its own pages with ``Console`` (its own templates first,
then these), so a page's logic stays with the service that owns its data while the staff
see one site: ``chidao.runtime.front`` in the embedded runtime, and the staff Ingress in
production, put the four services behind one address (docs/architecture.md, "The staff
console")."""

from shared.console.layout import STYLE, Console, NavItem, navigation, page_styles

__all__ = ["STYLE", "Console", "NavItem", "navigation", "page_styles"]

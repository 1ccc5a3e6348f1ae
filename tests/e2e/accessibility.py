"""axe-core, run in the same headless Chromium as the page: the serious and critical
violations of a console page, in words a reviewer can act on.

axe-core is installed by `.ci/run` from npm (tests/e2e/axe/package-lock.json pins it);
without it the check skips, saying so. The script is evaluated by WebDriver (the DevTools
protocol), not loaded by the page, so the pages' Content-Security-Policy (no script at
all) stays as it is in production."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(driver) -> list[str]:
    """The serious and critical violations on the page the driver shows: one line each,
    the rule, its help text and the first elements it names."""
    if not AXE.exists():
        pytest.skip(
            f"axe-core is not installed ({AXE}): run `npm ci` in tests/e2e/axe "
            "(.ci/run does) to check the pages' accessibility"
        )
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));"
    )
    found = []
    for violation in result:
        if violation.get("impact") not in BLOCKING:
            continue
        targets = ", ".join(str(n.get("target")) for n in violation.get("nodes", [])[:3])
        found.append(f"{violation['impact']}: {violation['id']}: {violation['help']} ({targets})")
    return found


def assert_accessible(driver, page: str) -> None:
    found = violations(driver)
    assert not found, f"{page}: axe-core found serious or critical problems:\n" + "\n".join(found)

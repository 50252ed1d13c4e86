"""What the console's browser tests share: the server and its keys, a watched page, screenshots,
and the accessibility check (axe-core, vendored in ``tests/e2e/vendor``).

The fixtures built on these live in ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "console"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Console:
    """The server's base URL and keys: the demo forwarder key serve printed, and a planner's."""

    base: str
    forwarder: str
    planner: str


@dataclass
class Watched:
    """What a page did: console errors and every address it asked for."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the page as ``artifacts/console/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", animations="disabled")  # popups fade in


def open_with_key(page: Page, console: Console, key: str) -> None:
    page.goto(f"{console.base}/")
    page.fill("#key-form input[name=key]", key)
    page.click("#key-form button[type=submit]")
    expect(page.locator("#network-counts")).to_contain_text("locations")


def assert_stayed_home(watched: Watched, console: Console, *expected: str) -> None:
    """No console errors but the ``expected`` ones (Chromium logs each 4xx answer); no request
    left the server."""
    assert len(watched.errors) == len(expected), watched.errors
    for error, wanted in zip(watched.errors, expected, strict=True):
        assert wanted in error
    outside = [
        url for url in watched.requests if not url.startswith((console.base, "data:", "blob:"))
    ]
    assert outside == []


def serious_violations(page: Page, context: str = "document") -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of WCAG 2.2 A/AA on the page as it is now.

    Each is ``{"id", "impact", "help", "targets"}``: the rule, its impact, what it asks and the
    CSS selectors of the offending elements.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (context) => {
          const result = await axe.run(context === "document" ? document : context, {
            runOnly: {type: "tag",
                      values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
          });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                          targets: v.nodes.map((n) => n.target.join(" "))}));
        }""",
        context,
    )
    return found


def assert_accessible(page: Page, view: str) -> None:
    """No serious or critical axe-core violation on ``view`` (named in the failure)."""
    violations = serious_violations(page)
    assert violations == [], f"{view}: {violations}"

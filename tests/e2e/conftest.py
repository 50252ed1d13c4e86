"""Fixtures of the console's browser tests: one ``corridor serve`` for the session, one headless
Chromium, and pages at desktop and phone sizes that record errors and requests."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
from sqlalchemy.orm import Session

from app.auth import create_key
from app.db.engine import make_engine, writing
from app.roles import Role
from tests.e2e.browsing import CHROMIUM, DESKTOP, PHONE, Console, Watched
from tests.e2e.server import running


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    with running(folder) as base:
        printed = (folder / "serve.log").read_text()
        demo = re.search(r"Authorization: Bearer (cor_\S+?)'", printed)
        assert demo, printed
        # in this process rather than with the CLI (tests/e2e/test_serve.py covers that): a
        # second interpreter start would cost more than the rest of a test
        engine = make_engine(f"sqlite:///{folder / 'serve.db'}")
        with Session(engine) as session, writing(session):
            planner = create_key(session, "demo", Role.PLANNER, "console tests")
        engine.dispose()
        yield Console(base, demo[1], planner)


# per module, not per session: Playwright's sync API keeps an event loop running while it is
# open, and the tests after the browser tests (anyio's, the service's) need to run their own
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def watched_page(browser: Browser, viewport: dict[str, int]) -> Iterator[tuple[Page, Watched]]:
    context = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
    opened = context.new_page()
    watched = Watched()

    def console_message(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    def request(asked: Request) -> None:
        watched.requests.append(asked.url)

    opened.on("console", console_message)
    opened.on("pageerror", lambda error: watched.errors.append(str(error)))
    opened.on("request", request)
    yield opened, watched
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, Watched]]:
    """A page at 1440x900."""
    yield from watched_page(browser, DESKTOP)


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, Watched]]:
    """A page at 390x844, a phone's screen."""
    yield from watched_page(browser, PHONE)

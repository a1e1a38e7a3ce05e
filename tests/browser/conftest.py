"""Browser tests: Playwright driving Debian's Chromium against the site served by Daphne in a
subprocess (the embedded stack: in-process pipeline) on the test database."""

from __future__ import annotations

import os

import pytest

from tests import servers

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker):
    """The site at a base URL, served by a real ASGI server process for the whole session."""
    with django_db_blocker.unblock():
        with servers.asgi_server() as (base_url, _process):
            yield base_url


@pytest.fixture(scope="module")
def browser(require_chromium_session, live_site):
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this
    thread, so Django's async-safety check is lifted while (and only while) it runs."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=require_chromium_session, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def require_chromium_session():
    import shutil

    from tests.conftest import CHROMIUM, require

    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    require(path is not None, f"Chromium not found at {CHROMIUM}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        require(False, "the playwright package is not installed")
    return path


@pytest.fixture
def page(browser, live_site, transactional_db):
    context = browser.new_context(base_url=live_site, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()


def sign_up(page, username: str, password: str = "a-long-pass-phrase-9") -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/chat/")


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/chat/**")

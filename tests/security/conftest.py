"""The browser fixtures (Playwright on Chromium against a Daphne process), shared with
tests/browser/ for the XSS tests."""

from tests.browser.conftest import browser, live_site, page, require_chromium_session  # noqa: F401

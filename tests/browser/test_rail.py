"""A person in Chromium whose assistant reply turns harmful mid-stream: the page shows the checked
start as it streams, then the refusal over it; the harmful text never reaches the page. The site
runs with the language-model responder against the fake Messages API (tests/fakes), the output
rail on its default classifier (`hybrid`). Every step waits for the server's frames."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conversations.responders import texts
from tests import servers
from tests.browser.conftest import new_page, send, sign_up
from tests.fakes.anthropic_server import FakeAnthropic, Reply
from tests.moderation.test_rail_pipeline import BENIGN_START, HARMFUL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake_model():
    fake = FakeAnthropic(chunk_delay=0.01).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def rail_site(django_db_setup, django_db_blocker, fake_model):
    with django_db_blocker.unblock():
        with servers.asgi_server(
            RESPONDER="anthropic",
            ANTHROPIC_API_KEY="test-key-not-secret",
            ANTHROPIC_BASE_URL=fake_model.base_url,
            ANTHROPIC_MAX_RETRIES="0",
            CLASSIFIER_BACKEND="offline",
            RAIL_CLASSIFIER_BACKEND="hybrid-output",
        ) as (base_url, _process):
            yield base_url


@pytest.fixture
def rail_page(browser, rail_site, transactional_db):
    with new_page(browser, rail_site) as page:
        yield page
    assert page.js_errors == []


def test_a_reply_that_turns_harmful_is_replaced_on_the_page_by_the_refusal(rail_page, fake_model):
    page = rail_page
    sign_up(page, "rail-reader")
    page.click("[data-testid=start-chat]")
    page.wait_for_url(re.compile(r"/chat/[0-9a-f-]{36}/$"))
    fake_model.script(Reply(text=[word + " " for word in (BENIGN_START + HARMFUL).split(" ")], chunk_delay=0.01))
    since = page.ws.mark()
    _created, reply_message = send(page, "Tell me about the pipes in my old house.")
    deltas = [f for f in page.ws.received[since[1] :] if f.get("type") == "assistant.delta"]
    assert deltas and "black powder" not in "".join(f["delta"] for f in deltas)  # only checked text streamed
    assert reply_message["content"] == texts.withheld()  # what assistant.completed carried
    reply = page.locator("#thread li[data-role=assistant]").last
    expect(reply).to_contain_text("I stopped that reply")
    expect(reply).not_to_contain_text("Pipes in old houses")  # the streamed start was replaced
    expect(page.locator("#thread")).not_to_contain_text("black powder")

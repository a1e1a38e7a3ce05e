"""The user's language: their setting, else Accept-Language; the assistant's fixed words, the
statement of reasons (stored with its language) and the page in every shipped language; the
catalogues in step with the code, complete and compiled; the end-confirmation buttons' texts
understood by the policy. (The ending page, the review decision and notices and the error pages
in the user's language: tests/moderation/test_ending_languages.py.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from conversations import regions, selectors, services
from conversations.models import Ending, Message
from conversations.responders import texts
from moderation import intents
from moderation.models import Feedback, Review
from tests.conftest import require
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db

LOCALE = Path(django_settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in django_settings.LANGUAGES]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_nine_languages_are_shipped():
    assert LANGUAGES == ["en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr"]


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_catalogue_is_complete_keeps_its_placeholders_and_is_compiled(code, domain):
    po = polib.pofile(str(LOCALE / code / "LC_MESSAGES" / f"{domain}.po"))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    for entry in po:
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translated in translations:
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid
    mo = polib.mofile(str(LOCALE / code / "LC_MESSAGES" / f"{domain}.mo"))
    compiled = {entry.msgid: entry.msgstr or dict(entry.msgstr_plural) for entry in mo if entry.msgid}
    source = {entry.msgid: entry.msgstr or dict(entry.msgstr_plural) for entry in po}
    assert compiled == source, "the .mo is stale: run `make messages`"


def catalogue_entries(path: Path) -> dict:
    """Every entry of a .po file by its key, with what a rebuild could change about it."""
    entries = {}
    for entry in polib.pofile(str(path)):
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        entries[key] = (entry.msgstr, dict(entry.msgstr_plural), entry.fuzzy, entry.obsolete)
    return entries


@pytest.fixture(scope="module")
def rebuilt_locale(tmp_path_factory):
    """locale/ as `make messages` would rebuild it now from the code: the target itself, run on a
    copy of the tree (the working tree is left alone)."""
    tools = ("xgettext", "msgmerge", "msgfmt", "make")
    require(all(shutil.which(tool) for tool in tools), "GNU gettext or make missing (apt-get install gettext make)")
    tree = tmp_path_factory.mktemp("rebuild") / "chatsite"
    skip = shutil.ignore_patterns(".git", ".venv", "var", "tests", "__pycache__", ".*_cache", "*.png", "*.whl")
    shutil.copytree(django_settings.BASE_DIR, tree, ignore=skip)
    # The virtualenv and the secret are the caller's (SECRET_KEY is in the environment).
    command = ["make", "-s", "messages", f"PY={sys.executable}", "-o", ".venv/.installed-dev", "-o", "var/secret_key"]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    return tree / "locale"


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_catalogues_hold_exactly_the_strings_of_the_code(rebuilt_locale, code, domain):
    committed = catalogue_entries(LOCALE / code / "LC_MESSAGES" / f"{domain}.po")
    rebuilt = catalogue_entries(rebuilt_locale / code / "LC_MESSAGES" / f"{domain}.po")
    new_in_code = sorted(key[1] for key in rebuilt.keys() - committed.keys())
    gone_from_code = sorted(key[1] for key in committed.keys() - rebuilt.keys())
    assert new_in_code == [], "strings the catalogue lacks: run `make messages` and translate them"
    assert gone_from_code == [], "strings the code no longer has: run `make messages`"
    changed = sorted(key[1] for key in committed if committed[key] != rebuilt[key])
    assert changed == [], "entries a rebuild changes (fuzzy matches?): run `make messages` and check them"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_review_reasons_and_the_report_status_are_translated(code):
    labels = [label for reasons in Review.REASONS.values() for label in reasons.values()]
    labels += [*Feedback.Kind.labels, *Feedback.Status.labels]
    with translation.override("en"):
        english = [str(label) for label in labels]
    with translation.override(code):
        local = [str(label) for label in labels]
    assert [en for en, translated in zip(english, local, strict=True) if translated == en] == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_end_buttons_send_what_the_policy_reads_as_yes_and_as_carry_on(code):
    with translation.override(code):
        answers = texts.confirm_end_answers()
    assert intents.confirms(answers["end"]), answers["end"]
    assert not intents.confirms(answers["keep"]) and not intents.asks_to_end(answers["keep"]), answers["keep"]


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_assistants_fixed_words_are_written_in_the_readers_language(code):
    with translation.override("en"):
        english = [texts.warn(category_label="Cyber attack"), texts.crisis_support(), texts.confirm_end()]
    with translation.override(code):
        local = [texts.warn(category_label="Cyber attack"), texts.crisis_support(), texts.confirm_end()]
    for en, translated in zip(english, local, strict=True):
        assert translated != en and translated.count("\n") == en.count("\n")
    with translation.override(code):
        label = translation.gettext("Cyber attack")
    assert label != "Cyber attack" and label in local[0]


@pytest.mark.django_db(transaction=True)
def test_replies_and_the_statement_of_reasons_are_in_the_users_language_which_is_stored(user):
    services.preference_set_language(user=user, language="de")
    conv = conversation(user)
    assert selectors.conversation_language(conv.id) == "de"

    asked = post(user, conv, "Please end this conversation.")  # the on-commit hook runs the pipeline
    reply = Message.objects.get(parent=asked)
    assert reply.action == "confirm_end" and "Soll ich diesen Chat beenden?" in reply.content
    with translation.override("de"):
        yes = texts.confirm_end_answers()["end"]
    post(user, conv, yes, parent=reply)  # what the "End this chat" button sends
    ending = Ending.objects.get(conversation=conv)
    assert ending.reason == "user_request" and ending.language == "de"
    assert ending.statement.startswith("Du wolltest diesen Chat beenden")


def test_the_language_follows_the_browser_until_the_user_chooses_one(user):
    client = Client(headers={"accept-language": "es-ES,es;q=0.9"})
    client.force_login(user)
    conv = conversation(user)
    page = client.get(f"/chat/{conv.id}/")
    assert '<html lang="es">' in page.content.decode() and "Chat nuevo" in page.content.decode()
    assert selectors.conversation_language(conv.id) == "es"  # remembered for the workers

    response = client.post("/settings/", {"language": "pl"})
    assert response.status_code == 302
    page = client.get(f"/chat/{conv.id}/").content.decode()
    assert '<html lang="pl">' in page and "Nowy czat" in page
    assert selectors.conversation_language(conv.id) == "pl"

    fresh = Client(headers={"accept-language": "es"})
    fresh.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123"})
    assert '<html lang="pl">' in fresh.get("/chat/").content.decode()  # the setting follows the login

    client.post("/settings/", {"language": ""})
    assert '<html lang="es">' in client.get("/chat/").content.decode()


def test_an_unknown_language_is_refused_and_changes_nothing(user):
    client = Client()
    client.force_login(user)
    client.post("/settings/", {"language": "xx"})
    assert selectors.preference_of(user=user) is None


def test_the_page_catalogue_serves_the_translations():
    response = Client().get("/jsi18n/", headers={"accept-language": "tr"})
    assert response.status_code == 200 and "Asistan yaz" in response.content.decode()


def test_region_hints_put_the_browsers_country_before_the_languages_countries():
    assert regions.hints("de-AT,de;q=0.9,en;q=0.5", "de") == ["Austria", "Germany", "Switzerland"]
    assert regions.hints("en-GB", "en")[:2] == ["United Kingdom", "United States"]
    assert regions.hints("", "tr") == ["Turkey", "Türkiye"]

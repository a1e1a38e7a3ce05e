"""The user's side of an ending in the user's own language, whatever the browser asks for: the
ending page (statement, category, report status), the review decision with its reason, the
notice of the decision on the chat pages (and the live notice's template), and the error pages.
The expected words are written out per language: a missing or English catalogue entry fails."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import path
from django.utils import translation
from django.views import defaults

from chatsite import urls as site_urls
from conversations import services as conversation_services
from moderation.models import Review
from moderation.services import reviews
from tests.moderation.test_console_support import build_ending

pytestmark = pytest.mark.django_db

PAGES = {
    "de": {
        "title": "Dieser Chat wurde beendet",
        "ended": r"Beendet am [\d-]+ [\d:]+ · ABC-Waffen\.",
        "not_a_ban": "Das wurde automatisch entschieden. Es ist keine Sperre.",
        "received": ("Eingegangen", "Danke, eine Person sieht sich das an."),
        "decided": ("Entschieden", "Von einer Person entschieden am"),
        "decision": "Die Entscheidung",
        "upheld": (
            "Eine Person hat einen deiner beendeten Chats geprüft und das Beenden bestätigt.",
            "Geprüft: bestätigt.",
            "Im Chat wurde weiter nach Inhalten gefragt, bei denen wir nicht helfen – auch nachdem der Assistent "
            "abgelehnt und gewarnt hatte.",
        ),
        "overturned": (
            "Eine Person hat einen deiner beendeten Chats geprüft und ihn wieder geöffnet.",
            "Wieder geöffnet: Eine Person hat das Beenden geprüft",
            "Unser automatisches System hat deine Nachrichten falsch eingeschätzt: Darin wurde nicht nach "
            "schädlichen Inhalten gefragt.",
        ),
        "see": "Entscheidung und Begründung ansehen",
        "403": "Diese Seite kannst du nicht öffnen",
        "404": "Hier ist nichts",
        "500": "Bei uns ist etwas schiefgelaufen",
    },
    "tr": {
        "title": "Bu sohbet sonlandırıldı",
        "ended": r"[\d-]+ [\d:]+ tarihinde sonlandırıldı · KBRN silahları\.",
        "not_a_ban": "Otomatik olarak karar verildi. Bu bir yasaklama değil.",
        "received": ("Alındı", "Teşekkürler, bir kişi bunu inceleyecek."),
        "decided": ("Karara bağlandı", "tarihinde bir kişi tarafından karara bağlandı."),
        "decision": "Karar",
        "upheld": (
            "Bir kişi sonlandırılan sohbetlerinizden birini inceledi ve sonlandırmayı onayladı.",
            "İncelendi: onaylandı.",
            "Asistan reddettikten ve uyardıktan sonra da sohbette yardım etmediğimiz içerikler istenmeye devam etti.",
        ),
        "overturned": (
            "Bir kişi sonlandırılan sohbetlerinizden birini inceledi ve yeniden açtı.",
            "Yeniden açıldı: bir kişi bu sonlandırmayı inceledi",
            "Otomatik sistemimiz mesajlarınızı yanlış yorumladı: mesajlarınızda zararlı bir içerik istenmiyordu.",
        ),
        "see": "Kararı ve gerekçesini görün",
        "403": "Bu sayfayı açamazsınız",
        "404": "Burada bir şey yok",
        "500": "Bizim tarafımızda bir şeyler ters gitti",
    },
}
REASON = {"upheld": "repeated_harm", "overturned": "misread"}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def reader(user, language: str) -> Client:
    """The user's browser asks for English; their setting says `language`."""
    conversation_services.preference_set_language(user=user, language=language)
    client = Client(headers={"accept-language": "en-GB,en;q=0.9"})
    client.force_login(user)  # the setting is copied into the session at login
    return client


@pytest.mark.parametrize("verdict", ["upheld", "overturned"])
@pytest.mark.parametrize("code", ["de", "tr"])
def test_the_ending_page_the_decision_and_its_notice_speak_the_users_language(chat_user, moderator, code, verdict):
    words = PAGES[code]
    notice, outcome, reason = words[verdict]
    client = reader(chat_user, code)
    ending = build_ending(chat_user)
    assert ending.language == code

    client.post(f"/endings/{ending.id}/", {"kind": "unexpected"})
    page = text_of(client.get(f"/endings/{ending.id}/"))
    assert f'<html lang="{code}">' in page and f"<h1>{words['title']}</h1>" in page
    assert re.search(words["ended"], page) and words["not_a_ban"] in page  # the category in words
    step, thanks = words["received"]
    assert re.search(rf'aria-current="step"[^>]*>{step}</li>', page) and thanks in page
    assert "This chat was ended" not in page and "Thanks, a person will review this." not in page

    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict=verdict, reason=REASON[verdict])
    chat = text_of(client.get("/chat/"))
    assert chat.count(notice) == 2  # the unread notice, and the live one's <template> for this verdict
    assert words["see"] in chat and "A person reviewed an ended chat of yours" not in chat

    page = text_of(client.get(f"/endings/{ending.id}/"))
    step, decided_on = words["decided"]
    assert outcome in page and f"<h2>{words['decision']}</h2>" in page
    assert f'data-testid="decision-reason">{reason}</p>' in page
    assert re.search(rf'aria-current="step"[^>]*>{step}</li>', page) and decided_on in page
    with translation.override("en"):
        english_reason = str(Review.REASONS[verdict][REASON[verdict]])
    assert english_reason not in page and "The decision" not in page


def boom(request):
    raise RuntimeError("a failure for the 500 page (no user text)")


urlpatterns = [path("boom/", boom), *site_urls.urlpatterns]


@pytest.mark.parametrize("code", ["de", "tr"])
def test_the_error_pages_speak_the_users_language(chat_user, settings, code):
    settings.ROOT_URLCONF = __name__
    client = reader(chat_user, code)
    client.raise_request_exception = False
    for url, status in (("/moderation/", 403), ("/no-such-page/", 404), ("/boom/", 500)):
        response = client.get(url)
        page = text_of(response)
        assert response.status_code == status and f'<html lang="{code}">' in page, url
        assert f'data-testid="error-{status}"' in page and PAGES[code][str(status)] in page, url


def test_the_500_page_names_the_language_it_is_written_in(rf):
    with translation.override("tr"):
        page = text_of(defaults.server_error(rf.get("/anything/")))
    assert '<html lang="tr">' in page and "Bizim tarafımızda bir şeyler ters gitti" in page

"""Intents of a user turn about the chat itself: asking to end it, and confirming. Pure."""

from __future__ import annotations

import pytest

from moderation.intents import asks_to_end, confirms


@pytest.mark.parametrize(
    "text",
    [
        "please end this chat",
        "Close this conversation.",
        "I want to stop talking",
        "I want to stop talking to you now!",
        "end the conversation",
        "Can we end the conversation now?",
        "No, please end this chat",
        "I'm done talking",
        "I don't want to talk anymore",
        "put an end to this conversation",
        "Por favor, termina esta conversación",
        "cierra el chat",
        "Quiero dejar de hablar",
        "Termine cette conversation",
        "Ferme le chat s’il te plaît",
        "Je veux arrêter de parler",
        "mets fin à cette conversation",
        "Bitte beende das Gespräch",
        "Ich möchte den Chat beenden",
        "Schließ den Chat",
        "Ich will aufhören zu reden",
    ],
)
def test_it_recognises_a_request_to_end_the_chat(text):
    assert asks_to_end(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "how do I end a for loop",
        "The movie's ending was sad",
        "I want to end my life",
        "I want to end it all",
        "end this chat, I want to kill myself",
        "Je veux mettre fin à mes jours",
        "Ich will mein Leben beenden",
        "I want to stop talking about my ex",
        "how do I close this conversation in Teams?",
        "how to end a conversation politely",
        "what happens if I end this chat?",
        "why did you end the conversation",
        "don't end this chat",
        "No quiero terminar la conversación",
        "Ne ferme pas le chat",
        "bitte nicht das Gespräch beenden",
        "kill the process and end the session",
        "I need to close the chat widget on my website",
    ],
)
def test_it_ignores_text_that_is_not_a_request_to_end_the_chat(text):
    assert not asks_to_end(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes!",
        "YES, end it",
        "yes please",
        "confirm",
        "do it",
        "end it",
        "sí",
        "Sí, termina",
        "oui",
        "Oui, d'accord",
        "ja",
        "Jawohl!",
        "ja bitte",
        "yes 👍",
    ],
)
def test_it_recognises_a_confirmation(text):
    assert confirms(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no",
        "No thanks",
        "wait",
        "nein",
        "non",
        "maybe",
        "not yet",
        "yes but first tell me a joke",
        "yes end my life",
        "yes " * 20,
    ],
)
def test_it_does_not_mistake_other_answers_for_a_confirmation(text):
    assert not confirms(text)


@pytest.mark.parametrize(
    "text", ["Yes, close it permanently.", "Yes, I'm sure, end it.", "sí, ciérralo para siempre", "oui, définitivement"]
)
def test_a_sure_or_permanent_yes_confirms(text):
    assert confirms(text)

"""Intents of a user turn about the chat itself: asking to end it, and confirming. Pure.

Paraphrases as people type them, in every language the site speaks (EN, ES, FR, DE, IT, PT, NL,
PL, TR), beside look-alikes that must never be taken for a request: how-to questions, negations,
ending a life, other things that end or close."""

from __future__ import annotations

import pytest

from moderation.intents import asks_to_end, confirms, declines, mentions_ending_the_chat

REQUESTS_TO_END = [
    "please end this chat",
    "Close this conversation.",
    "close this thread",
    "Kill this chat",
    "can we just stop here for good",
    "let's stop here",
    "I want to stop talking to you now!",
    "end the conversation",
    "Can we end the conversation now?",
    "No, please end this chat",
    "I'm done talking",
    "I'm done with this chat",
    "I don't want to talk anymore",
    "put an end to this conversation",
    "lock this conversation please",
    "let's wrap this up here",
    "ok that's enough, end it",
    "Por favor, termina esta conversación",
    "cierra este hilo",
    "cierra el chat ya",
    "terminemos aquí",
    "dejémoslo aquí para siempre",
    "Quiero dejar de hablar",
    "ya no quiero hablar más",
    "Termine cette conversation",
    "Ferme le chat s’il te plaît",
    "arrêtons-nous là",
    "on arrête là pour de bon",
    "Je veux arrêter de parler",
    "je ne veux plus discuter",
    "mets fin à cette conversation",
    "clôture l'échange",
    "Bitte beende das Gespräch",
    "Ich möchte den Chat beenden",
    "Schließ den Chat",
    "brich das Gespräch ab",
    "mach den Chat zu",
    "lass uns hier aufhören",
    "Ich will aufhören zu reden",
    "chiudi questa chat",
    "chiudiamo la conversazione",
    "finiamola qui",
    "voglio smettere di parlare",
    "non voglio più parlare",
    "encerra esta conversa",
    "fecha o chat por favor",
    "vamos parar por aqui",
    "não quero mais conversar",
    "beëindig dit gesprek",
    "sluit de chat alsjeblieft",
    "laten we hier stoppen",
    "ik wil niet meer praten",
    "zakończ tę rozmowę",
    "zamknij ten czat",
    "skończmy na tym",
    "nie chcę już rozmawiać",
    "bu sohbeti bitirelim",
    "sohbeti kapat",
    "konuşmayı sonlandırır mısın",
    "sohbeti bitirmek istiyorum",
    "artık konuşmak istemiyorum",
    "burada bitirelim",
    "ok bro end this chat pls",
    "termina el chat please",
    # earlier phrasings, still recognised
    "I want to stop talking",
    "end the conversation",
    "cierra el chat",
    "Termine cette conversation",
    "Bitte beende das Gespräch",
    "Schließ den Chat",
]

NOT_REQUESTS_TO_END = [
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
    "let's stop here and recap what we learned",
    "sohbeti kapatma",
    "bu sohbeti bitirmeyelim",
    "nie zamykaj tego czatu",
    "non chiudere la chat",
    "não feche a conversa",
    "sluit de chat niet",
    "Ich freue mich, den Chat zu nutzen",
    "how do I end a conversation with a toxic friend",
    "stop the bleeding",
    "I want to kill my boss",
    "quiero acabar con todo",
    "farla finita",
    "como cierro el chat en whatsapp?",
    "wie beende ich einen chat in teams",
    "we stoppen met roken",
    "hoe sluit ik een gesprek af",
    "",
    "how do I close this conversation in Teams?",
    "Je veux mettre fin à mes jours",
]

CONFIRMATIONS = [
    "yes",
    "Yes. I understand it's permanent. End it.",
    "Sí, estoy seguro.",
    "yes please",
    "oui, d'accord",
    "ja, ich bin sicher",
    "sì, chiudila",
    "sim, pode encerrar",
    "ja, sluit maar",
    "tak, zamknij",
    "evet eminim",
    "evet, kapat",
    "yes 👍",
    "Yes!",
    "YES, end it",
    "confirm",
    "do it",
    "end it",
    "sí",
    "Sí, termina",
    "oui",
    "ja",
    "Jawohl!",
    "ja bitte",
    "Yes, close it permanently.",
    "Yes, I'm sure, end it.",
    "sí, ciérralo para siempre",
    "oui, définitivement",
    "Sì, sono sicuro, chiudi.",
    "Sim, tenho certeza.",
    "Ja, ik weet het zeker.",
    "Tak, jestem pewien.",
    "Evet, eminim. Kapat.",
]

NOT_CONFIRMATIONS = [
    "no",
    "wait",
    "yes but first tell me a joke",
    "yes end my life",
    "yes?",
    "not yet",
    "Keep chatting",
    "nah",
    "no, keep going",
    "hayır",
    "nie",
    "nee",
    "maybe later",
    "",
    "No thanks",
    "nein",
    "non",
    "maybe",
    "no, non chiudere",
    "não, espera",
    "yes " * 20,
    "yes, but can I keep the transcript?",
]


@pytest.mark.parametrize("text", REQUESTS_TO_END)
def test_it_recognises_a_request_to_end_the_chat(text):
    assert asks_to_end(text)


@pytest.mark.parametrize("text", NOT_REQUESTS_TO_END)
def test_it_ignores_text_that_is_not_a_request_to_end_the_chat(text):
    assert not asks_to_end(text)


@pytest.mark.parametrize("text", CONFIRMATIONS)
def test_it_recognises_a_confirmation(text):
    assert confirms(text)


@pytest.mark.parametrize("text", NOT_CONFIRMATIONS)
def test_it_does_not_mistake_other_answers_for_a_confirmation(text):
    assert not confirms(text)
    assert not asks_to_end(text)


def test_the_end_button_text_both_asks_and_confirms():
    """The chat page's "End this chat" button sends its label: after the confirmation question the
    policy ends on a confirmation or a repeated request, so the button works either way."""
    assert asks_to_end("End this chat")


@pytest.mark.parametrize(
    "text",
    ["no", "nein, doch nicht", "not yet", "Keep chatting", "non, attends", "hayır, devam edelim", "nie, jednak nie"],
)
def test_a_short_no_declines(text):
    assert declines(text) and not confirms(text)


@pytest.mark.parametrize("text", ["no, I want to die", "nope. why?", "no but tell me about ricin", "yes"])
def test_anything_else_is_not_a_decline(text):
    assert not declines(text)


@pytest.mark.parametrize(
    "text", ["sluit de chat niet", "don't end this chat", "how do I end this chat?", "close the chat"]
)
def test_it_notices_talk_of_ending_the_chat_asked_for_or_not(text):
    assert mentions_ending_the_chat(text)


@pytest.mark.parametrize("text", ["I want to end it all", "how do I end a for loop", "what a day"])
def test_talk_of_ending_a_life_or_a_loop_is_not_about_the_chat(text):
    assert not mentions_ending_the_chat(text)

"""What a user turn asks of the chat itself, in English, Spanish, French and German (and the
confirmations of the chat page's buttons in Italian, Portuguese, Dutch, Polish and Turkish). Pure.

- `asks_to_end(text)`: the user asks to end or close *this chat* ("please end this chat",
  "cierra el chat", "je veux arrêter de parler", "bitte das Gespräch beenden").
- `confirms(text)`: the whole turn is an affirmative answer ("yes", "yes, end it", "sí", "oui",
  "jawohl").

Both err towards False: a missed request costs the user one more message, a false one closes a
chat they wanted. Wording about ending a *life* is never a request to end the chat (the classifier
sees it as self-harm, and the policy answers with crisis support), nor is a question about ending
things ("how do I end a for loop", "what happens if I close this chat?"), nor a negated request.
"""

from __future__ import annotations

import re
import unicodedata

# "this chat", not "the chat widget on my site" or "the session" of a program.
_CHAT = (
    r"(?:chat|conversation|convo|discussion|conversacion|charla|gesprach|unterhaltung|konversation)"
    r"(?! (?:window|widget|app|box|feature|function|button|bubble|history|log|api|bot|server|client|room))"
)
_DETERMINER = (
    r"(?:(?:this|the|our|that|esta|este|la|el|nuestra|cette|ce|le|notre"
    r"|diesen|dieses|diese|den|das|die|unser|unsere|unseren) )"
)

_END_REQUESTS = tuple(
    re.compile(pattern)
    for pattern in (
        # verb + (determiner) + chat: "end this chat", "termina la conversacion", "ferme le chat",
        # "beende bitte das gesprach"
        r"\b(?:end|close|stop|finish|terminate|quit|exit|leave|wrap up|shut down"
        r"|termina|terminar|termine|terminemos|acaba|acabar|acabemos|cierra|cerrar|cierre|finaliza|finalizar"
        r"|terminer|terminez|terminons|ferme|fermer|fermez|arrete|arreter|arretez|arretons|finis|finir|cloture|cloturer"
        r"|beende|beenden|beendet|schliess|schliesse|schliessen|schliesst|stoppe|stoppen)"
        rf"(?: (?:now|please|bitte|jetzt|ahora|maintenant))? {_DETERMINER}?{_CHAT}\b",
        # German verb-final: "ich mochte den chat beenden", "bitte das gesprach jetzt schliessen"
        rf"\b{_CHAT}(?: (?:jetzt|bitte|hier|sofort))* (?:beenden|schliessen|abbrechen|stoppen)\b",
        # "put an end to this conversation"
        r"\b(?:put an end to|pon fin a|poner fin a|mets fin a|mettez fin a|mettre fin a|mettons fin a)"
        rf" {_DETERMINER}?{_CHAT}\b",
        # "I want to stop talking (to you) (now)." -- but not "stop talking about my ex"
        r"\b(?:i want to|i'd like to|i would like to|i wanna|i need to|let's|lets|can we|could we|please)"
        r" (?:stop|quit) (?:talking|chatting)(?: (?:to|with) (?:you|u))?(?: now| here| for now| for today| anymore)?"
        r"\s*(?:[.!,;]|$)",
        r"\b(?:i'm|im|i am) done (?:talking|chatting|here)\b",
        r"\bi (?:don't|dont|do not) want to (?:talk|chat)(?: (?:to|with) you)? any ?more\b",
        r"\b(?:quiero|quisiera|me gustaria|podemos|vamos a) dejar de (?:hablar|chatear)\b",
        r"\bno quiero (?:hablar|seguir hablando) mas\b",
        r"\bje (?:veux|voudrais|souhaite) (?:arreter|cesser) de (?:parler|discuter)\b",
        r"\b(?:ich (?:mochte|will|wurde gern|wurde gerne)|lass uns|konnen wir)"
        r" (?:jetzt )?aufhoren zu (?:reden|sprechen|chatten)\b",
        r"\bich (?:mochte|will) nicht mehr (?:reden|sprechen|chatten)\b",
    )
)

# Ending a life is self-harm, never a request to close the chat.
_SELF_HARM = re.compile(
    r"\b(?:end|ending|take|taking) (?:my|my own) life\b|\bend (?:it all|myself|everything)\b|\bkill(?:ing)? myself\b"
    r"|\bsuicid|\bstop living\b|\bnot (?:be )?alive\b|\bquitarme la vida\b|\bmatarme\b|\bme tuer\b"
    r"|\bmettre fin a mes jours\b|\bmich umbringen\b|\bmein leben beenden\b|\bselbstmord|\bsuizid"
)
# Words that, earlier in the same clause, turn a match into a question, a negation or a report.
_NOT_A_REQUEST = frozenset(
    "don't dont not never no ne n' nicht nie kein keine pas nunca jamas "
    "how why when did does if what whether whenever "
    "como cuando porque pourquoi comment quand wie warum wann wenn ob".split()
)
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n]")


def _normalise(text: str) -> str:
    text = text.replace("ß", "ss").replace("’", "'").replace("‘", "'")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", plain).strip()


def _clause_before(text: str, index: int) -> set[str]:
    """The words before `index` in the same clause ("n'" of "n'arrete" is a word here)."""
    return set(re.findall(r"[\w']+", _CLAUSE_BREAK.split(text[:index])[-1]))


def asks_to_end(text: str) -> bool:
    """True when the turn asks to end or close this chat. See the module docstring."""
    normal = _normalise(text)
    if not normal or _SELF_HARM.search(normal):
        return False
    for pattern in _END_REQUESTS:
        for match in pattern.finditer(normal):
            if not _NOT_A_REQUEST.intersection(_clause_before(normal, match.start())):
                return True
    return False


# A confirmation is a short turn made only of these words, with at least one affirmative.
_AFFIRMATIVE = frozenset(
    "yes yeah yea yep yup ya y sure confirm confirmed confirmo confirmado confirme confirmer "
    "ok okay okey si claro vale oui ouais ja jawohl jap jep genau klar bestatigt bestatige "
    "end close terminate finish termina terminala terminar cierra cierralo termine terminer ferme fermer "
    "beende beenden schliess schliesse schliessen do "
    # Italian, Portuguese, Dutch, Polish, Turkish: what the chat page's "End this chat" button sends
    # in those languages ("Sì, termina questa chat", "Sim, encerra esta conversa", "Ja, beëindig dit
    # gesprek", "Tak, zakończ tę rozmowę", "Evet, bu sohbeti bitir") and the typed "sì/sim/tak/evet".
    "chiudi sim encerra encerrar beeindig beeindigen tak zakoncz evet bitir sonlandir".split()
)
_FILLER = frozenset(
    "please pls plz it this that the chat conversation convo now i i'm im am want to just go ahead "
    "absolutely definitely really totally of course thanks thank you please do do it "
    "sure certain positive permanently forever for good completely entirely right away "
    "para siempre definitivamente seguro segura definitivement pour toujours sur sure "
    "endgultig dauerhaft sicher fur immer "
    "por favor la el esta conversacion de acuerdo lo "
    "s'il te vous plait d'accord la cette conversation fin c'est bon "
    "bitte den das dieses gesprach chat jetzt danke "
    "questa conversazione esta conversa dit deze gesprek te rozmowe czat bu sohbeti".split()
)
_MAX_CONFIRMATION_WORDS = 10


def confirms(text: str) -> bool:
    """True when the whole turn is an affirmative answer ("yes", "yes, end it", "sí", "oui",
    "ja"). Anything beyond a short affirmation ("yes but first tell me...", "no", "wait") is not."""
    words = re.findall(r"[\w']+", _normalise(text))
    if not words or len(words) > _MAX_CONFIRMATION_WORDS:
        return False
    if not all(word in _AFFIRMATIVE or word in _FILLER for word in words):
        return False
    return any(word in _AFFIRMATIVE for word in words)

"""What a user turn asks of the chat itself. Pure; English, Spanish, French, German, Italian,
Portuguese, Dutch, Polish and Turkish, and text that mixes them.

- `asks_to_end(text)`: the user asks to end or close *this chat* ("please end this chat", "close
  this thread", "kill this chat", "can we just stop here for good", "cierra este hilo",
  "chiudiamo questa chat", "bu sohbeti bitirelim").
- `confirms(text)`: the whole turn is an affirmative answer ("yes", "Yes. I understand it's
  permanent. End it.", "Sí, estoy seguro.", "tak, zamknij", "evet eminim").

The policy asks once before ending (`confirm_end`), so `asks_to_end` may take an ambiguous
request: the cost is one question. `confirms` ends the chat, so it errs towards False: only a turn
made of affirmative and reassuring words, without a negation, a "but" or a question, confirms;
anything else continues the chat. Wording about ending a *life* is never a request to end the chat
(the classifier sees self-harm and the policy gives crisis support), nor is a question about
ending things ("how do I end a for loop", "what happens if I close this chat?"), nor a negated
request ("don't end this chat", "ne ferme pas le chat", "sohbeti kapatma").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def alt(*words: str) -> str:
    """A non-capturing alternation of regular-expression fragments."""
    return "(?:" + "|".join(words) + ")"


@dataclass(frozen=True)
class Language:
    """The words of one language, already normalised (see `_normalise`: no accents, casefolded)."""

    verbs: str  # to end / close / stop, as a request: imperatives, infinitives, "let's" forms
    chats: str  # this chat, conversation, thread
    determiners: str
    particles: str  # please, now, just: may stand between the verb and its object
    phrases: tuple[str, ...] = ()  # whole requests that need no chat noun ("let's stop here for good")
    verb_final: str = ""  # verbs that follow their object (German, Dutch, Turkish, Polish word order)
    negators: str = ""  # words that, earlier in the same clause, turn a match into a question or a refusal


# "this chat", not "the chat widget on my site" or "the chat app".
_NOT_THE_CHAT = (
    r"(?! (?:window|widget|app|box|feature|function|button|bubble|history|log|api|bot|server|client|room|"
    r"group|support|plugin|module|component|service|feature))"
)

EN = Language(
    verbs=alt(
        r"end",
        r"close",
        r"stop",
        r"finish",
        r"terminate",
        r"quit",
        r"exit",
        r"leave",
        r"wrap up",
        r"shut down",
        r"shut",
        r"kill",
        r"lock",
        r"conclude",
        r"put an end to",
        r"bring an end to",
    ),
    chats=alt(r"chat", r"conversation", r"convo", r"discussion", r"thread", r"dialogue", r"dialog", r"chat session"),
    determiners=alt(r"this", r"the", r"our", r"that", r"my", r"this whole", r"the whole"),
    particles=alt(r"now", r"please", r"pls", r"plz", r"just", r"already", r"right now", r"for good"),
    phrases=(
        r"(?:(?:can|could) we|let'?s|lets|we can|i want to|i'd like to|i would like to|i wanna|please)"
        r" (?:just |now |please )?(?:stop|end|finish|quit|wrap (?:it|this) up|call it)"
        r"(?: (?:it|this|things|everything))?(?: right)? (?:here|there|now)"
        r"(?: for good| forever| permanently| for now| for today| please| then| now)*\s*(?:[.!?,;]|$)",
        r"(?:i want to|i'd like to|i would like to|i wanna|i need to|let'?s|lets|can we|could we|please)"
        r" (?:stop|quit) (?:talking|chatting)(?: (?:to|with) (?:you|u))?(?: now| here| for now| for today| anymore)?"
        r"\s*(?:[.!,;?]|$)",
        r"(?:i'm|im|i am) done (?:talking|chatting|here|with (?:this|the|our) (?:chat|conversation|convo|thread))\b",
        r"i (?:don't|dont|do not) want to (?:talk|chat)(?: (?:to|with) (?:you|u))? any ?more\b",
        r"(?:that'?s|this is) (?:enough|it)[,.]? (?:end|close|stop) (?:it|this|the chat)\b",
    ),
    negators=alt(
        r"don't",
        r"dont",
        r"do not",
        r"not",
        r"never",
        r"no need to",
        r"how",
        r"why",
        r"when",
        r"did",
        r"does",
        r"if",
        r"what",
        r"whether",
        r"whenever",
        r"would you ever",
        r"can you explain",
    ),
)

ES = Language(
    verbs=alt(
        r"termina",
        r"terminar",
        r"termine",
        r"terminemos",
        r"acaba",
        r"acabar",
        r"acabemos",
        r"cierra",
        r"cerrar",
        r"cierre",
        r"cerremos",
        r"finaliza",
        r"finalizar",
        r"finalicemos",
        r"corta",
        r"cortar",
        r"cortemos",
        r"deten",
        r"detener",
        r"pon fin a",
        r"poner fin a",
        r"ponle fin a",
        r"da por terminad[ao]",
        r"dar por terminad[ao]",
    ),
    chats=alt(r"chat", r"conversacion", r"charla", r"hilo", r"platica", r"dialogo"),
    determiners=alt(r"este", r"esta", r"el", r"la", r"nuestro", r"nuestra", r"ese", r"esa", r"mi"),
    particles=alt(r"ya", r"ahora", r"por favor", r"porfa", r"de una vez", r"ahora mismo", r"ya mismo"),
    phrases=(
        r"(?:terminemos|acabemos|cerremos|paremos|dejemoslo|lo dejamos|dejemos esto|dejemos la conversacion)"
        r" (?:aqui|aca|ya|por hoy|para siempre|definitivamente)\b",
        r"(?:quiero|quisiera|me gustaria|podemos|vamos a) dejar de (?:hablar|chatear|conversar)\b",
        r"(?:ya )?no quiero (?:hablar|seguir hablando|chatear|seguir con esto) (?:mas|contigo)\b",
    ),
    negators=alt(r"no", r"nunca", r"jamas", r"como", r"cuando", r"porque", r"por que", r"que pasa"),
)

FR = Language(
    verbs=alt(
        r"termine",
        r"terminer",
        r"terminez",
        r"terminons",
        r"finis",
        r"finir",
        r"finissons",
        r"arrete",
        r"arreter",
        r"arretez",
        r"arretons",
        r"ferme",
        r"fermer",
        r"fermez",
        r"fermons",
        r"clos",
        r"clore",
        r"cloture",
        r"cloturer",
        r"cloturons",
        r"stoppe",
        r"stopper",
        r"mets fin a",
        r"mettez fin a",
        r"mettre fin a",
        r"mettons fin a",
    ),
    chats=alt(r"conversation", r"discussion", r"chat", r"fil", r"echange", r"dialogue", r"tchat"),
    determiners=alt(r"cette", r"ce", r"le", r"la", r"notre", r"l'", r"cet", r"notre petite"),
    particles=alt(r"maintenant", r"s'il te plait", r"s'il vous plait", r"stp", r"svp", r"tout de suite", r"donc"),
    phrases=(
        r"(?:arretons(?:-nous)?|on arrete|on s'arrete|restons-en|finissons|terminons)(?: (?:tout|ici|la))+"
        r"(?: pour de bon| definitivement| pour aujourd'hui)?\s*(?:[.!,;]|$)",
        r"je (?:veux|voudrais|souhaite|prefere) (?:arreter|cesser) de (?:parler|discuter|chatter)\b",
        r"je ne veux plus (?:parler|discuter|chatter)\b",
    ),
    negators=alt(r"ne", r"n'", r"pas", r"jamais", r"pourquoi", r"comment", r"quand", r"si", r"est-ce que"),
)

DE = Language(
    verbs=alt(
        r"beende",
        r"beenden",
        r"beendet",
        r"beendige",
        r"schliess",
        r"schliesse",
        r"schliessen",
        r"schliesst",
        r"stoppe",
        r"stopp",
        r"stoppen",
    ),
    chats=alt(r"chat", r"gesprach", r"unterhaltung", r"konversation", r"thread", r"dialog", r"unterredung"),
    determiners=alt(
        r"diesen", r"dieses", r"diese", r"den", r"das", r"die", r"unser", r"unsere", r"unseren", r"unseres", r"meinen"
    ),
    particles=alt(r"bitte", r"jetzt", r"sofort", r"endlich", r"mal", r"doch", r"einfach", r"hier"),
    phrases=(
        r"(?:lass|lasst) uns (?:hier |jetzt |an dieser stelle )*(?:aufhoren|schluss machen)\b",
        r"(?:ich (?:mochte|will|wurde gern|wurde gerne)|lass uns|konnen wir)"
        r" (?:jetzt |hier )?(?:aufhoren zu (?:reden|sprechen|chatten)|nicht mehr (?:reden|sprechen|chatten))\b",
        r"ich (?:mochte|will) nicht mehr (?:reden|sprechen|chatten|schreiben)\b",
    ),
    verb_final=alt(r"beenden", r"schliessen", r"abbrechen", r"stoppen", r"zumachen"),
    negators=alt(r"nicht", r"nie", r"kein", r"keine", r"wie", r"warum", r"wann", r"wenn", r"ob", r"was passiert"),
)

IT = Language(
    verbs=alt(
        r"chiudi",
        r"chiudere",
        r"chiudiamo",
        r"termina",
        r"terminare",
        r"terminiamo",
        r"finisci",
        r"finire",
        r"finiamo",
        r"concludi",
        r"concludere",
        r"concludiamo",
        r"interrompi",
        r"interrompere",
        r"interrompiamo",
        r"ferma",
        r"fermare",
        r"fermiamo",
        r"metti fine a",
        r"mettere fine a",
        r"mettiamo fine a",
    ),
    chats=alt(r"chat", r"conversazione", r"discussione", r"thread", r"dialogo", r"chiacchierata"),
    determiners=alt(r"questa", r"questo", r"la", r"il", r"lo", r"nostra", r"nostro", r"l'", r"sta"),
    particles=alt(r"ora", r"adesso", r"per favore", r"per piacere", r"subito", r"pure", r"qui"),
    phrases=(
        r"(?:finiamola|chiudiamola|fermiamoci|chiudiamo|finiamo)(?: qui| qua| ora| adesso| per sempre)*"
        r"\s*(?:[.!,;]|$)",
        r"(?:voglio|vorrei|possiamo) smettere di (?:parlare|chattare)\b",
        r"non voglio piu (?:parlare|chattare|continuare)\b",
    ),
    negators=alt(r"non", r"mai", r"come", r"perche", r"quando", r"se", r"cosa succede"),
)

PT = Language(
    verbs=alt(
        r"encerra",
        r"encerre",
        r"encerrar",
        r"encerremos",
        r"termina",
        r"termine",
        r"terminar",
        r"terminemos",
        r"fecha",
        r"feche",
        r"fechar",
        r"fechemos",
        r"acaba",
        r"acabe",
        r"acabar",
        r"acabemos",
        r"finaliza",
        r"finalize",
        r"finalizar",
        r"poe fim a",
        r"ponha fim a",
        r"por fim a",
    ),
    chats=alt(r"conversa", r"chat", r"bate-papo", r"bate papo", r"dialogo", r"thread", r"conversacao"),
    determiners=alt(r"esta", r"essa", r"este", r"esse", r"a", r"o", r"nossa", r"nosso", r"minha"),
    particles=alt(r"agora", r"por favor", r"pfv", r"ja", r"logo", r"de vez"),
    phrases=(
        r"vamos (?:parar|encerrar|terminar|acabar|ficar)(?: (?:tudo|isso))? por aqui\b",
        r"(?:quero|queria|gostaria de|podemos) parar de (?:conversar|falar|papear)\b",
        r"(?:nao|n) quero mais (?:conversar|falar|papo)\b",
    ),
    negators=alt(r"nao", r"nunca", r"jamais", r"como", r"quando", r"porque", r"por que", r"se", r"o que acontece"),
)

NL = Language(
    verbs=alt(
        r"beeindig",
        r"beeindigen",
        r"sluit",
        r"sluiten",
        r"stop",
        r"stoppen",
        r"maak een einde aan",
    ),
    chats=alt(r"chat", r"gesprek", r"conversatie", r"thread", r"dialoog", r"chatgesprek"),
    determiners=alt(r"dit", r"deze", r"de", r"het", r"ons", r"onze"),
    particles=alt(r"nu", r"maar", r"alsjeblieft", r"alstublieft", r"aub", r"even", r"meteen", r"gewoon"),
    phrases=(
        r"laten we (?:hier |nu |maar |ermee )*(?:stoppen|ophouden|eindigen)\s*(?:[.!,;]|$)",
        r"we (?:stoppen|houden) (?:hier|ermee)(?: op)?\b",
        r"ik wil (?:stoppen met (?:praten|chatten)|niet meer (?:praten|chatten))\b",
    ),
    verb_final=alt(r"beeindigen", r"afsluiten", r"sluiten", r"stoppen", r"afronden"),
    negators=alt(r"niet", r"geen", r"nooit", r"hoe", r"waarom", r"wanneer", r"als", r"of", r"wat gebeurt"),
)

PL = Language(
    verbs=alt(
        r"zakoncz",
        r"zakonczyc",
        r"zakonczmy",
        r"zamknij",
        r"zamknac",
        r"zamknijmy",
        r"skoncz",
        r"skonczyc",
        r"skonczmy",
        r"konczmy",
        r"przerwij",
        r"przerwac",
        r"przerwijmy",
    ),
    chats=alt(
        r"rozmowe", r"rozmowa", r"rozmowy", r"czat", r"chat", r"konwersacje", r"konwersacja", r"watek", r"dyskusje"
    ),
    determiners=alt(r"te", r"ta", r"ten", r"nasza", r"nasz", r"naszej", r"tego"),
    particles=alt(r"juz", r"teraz", r"prosze", r"natychmiast", r"po prostu"),
    phrases=(
        r"(?:skonczmy|zakonczmy|konczmy) (?:na tym|tutaj|juz)\b",
        r"(?:chce|chcialbym|chcialabym) (?:przestac|skonczyc) (?:rozmawiac|pisac|gadac)\b",
        r"nie chce juz (?:rozmawiac|pisac|gadac)\b",
    ),
    verb_final=alt(r"zakoncz", r"zamknij", r"zakonczmy", r"zamknijmy", r"skonczmy"),
    negators=alt(r"nie", r"jak", r"dlaczego", r"kiedy", r"co sie stanie", r"gdy"),
)

# Turkish puts the object first and marks it ("sohbeti"); a negated imperative ends in -ma/-me
# ("kapatma": don't close), so only the affirmative forms are listed.
_TR_ENDINGS = (
    r"(?:\b|elim\b|alim\b|in\b|iniz\b|ir misin\w*|ar misin\w*|ebilir misin\w*|abilir misin\w*|mak isti\w*|mek isti\w*)"
)
TR = Language(
    verbs=alt(r"bitir", r"kapat", r"sonlandir", r"sonlandiralim", r"kes"),
    chats=alt(r"sohbeti", r"sohbet", r"konusmayi", r"muhabbeti", r"chati", r"yazismayi"),
    determiners=alt(r"bu", r"su", r"bizim"),
    particles=alt(r"artik", r"hemen", r"simdi", r"lutfen", r"burada"),
    phrases=(
        r"(?:burada|artik) (?:bitirelim|kapatalim|sonlandiralim|birakalim)\b",
        r"artik (?:konusmak|sohbet etmek|yazismak) istemiyorum\b",
        r"(?:konusmayi|sohbeti) birakmak istiyorum\b",
        r"(?:bu )?(?:sohbet|konusma) (?:burada |artik )?(?:bitsin|sona ersin)\b",
    ),
    verb_final=alt(r"bitir", r"kapat", r"sonlandir", r"kes") + _TR_ENDINGS,
    negators=alt(r"nasil", r"neden", r"niye", r"ne zaman", r"eger", r"ne olur"),
)

LANGUAGES: tuple[Language, ...] = (EN, ES, FR, DE, IT, PT, NL, PL, TR)


def _requests(language: Language) -> list[re.Pattern]:
    object_ = rf"(?:{language.determiners} )?(?:\w+ )?{language.chats}{_NOT_THE_CHAT}\b"
    particles = rf"(?: {language.particles})*"
    patterns = [rf"\b{language.verbs}{particles} {object_}"]
    # Separable German verbs: "brich das Gespräch ab", "mach den Chat zu".
    if language is DE:
        patterns.append(rf"\b(?:brich|brecht|mach|macht){particles} {object_}{particles} (?:ab|zu)\b")
    if language.verb_final:
        patterns.append(rf"\b{object_}{particles} {language.verb_final}")
    patterns.extend(rf"\b{phrase}" for phrase in language.phrases)
    return [re.compile(p) for p in patterns]


_END_REQUESTS = tuple((language, pattern) for language in LANGUAGES for pattern in _requests(language))
_NEGATORS = re.compile(r"(?:^|\s)" + alt(*(language.negators for language in LANGUAGES)) + r"(?=\s|$)")
# Dutch and German negate after the verb and its object: "sluit de chat niet", "beende den Chat nicht".
_NEGATED_AFTER = re.compile(r"\s+(?:\w+\s+)?(?:niet|nicht|nie|not)\b")

# Ending a life is self-harm, never a request to close the chat.
_SELF_HARM = re.compile(
    alt(
        r"\b(?:end|ending|take|taking) (?:my|my own) life\b",
        r"\bend (?:it all|myself|everything)\b",
        r"\bkill(?:ing)? myself\b",
        r"\bunalive\b",
        r"\bkms\b",
        r"\bsuicid",
        r"\bstop living\b",
        r"\bnot (?:be )?alive\b",
        r"\bquitarme la vida\b",
        r"\bmatarme\b",
        r"\b(?:acabar|terminar) con (?:mi vida|todo)\b",
        r"\bme tuer\b",
        r"\bmettre fin a mes jours\b",
        r"\ben finir\b",
        r"\bmich umbringen\b",
        r"\bmein leben beenden\b",
        r"\bmit allem schluss\b",
        r"\bselbstmord",
        r"\bsuizid",
        r"\buccidermi\b",
        r"\bfarla finita\b",
        r"\btogliermi la vita\b",
        r"\bme matar\b",
        r"\btirar (?:a )?minha (?:propria )?vida\b",
        r"\bacabar com (?:tudo|a minha vida|minha vida)\b",
        r"\bzelfmoord\b",
        r"\bmezelf (?:van kant maken|doden)\b",
        r"\been einde aan mijn leven\b",
        r"\bmijn leven beeindigen\b",
        r"\bzabic sie\b",
        r"\bodebrac sobie zycie\b",
        r"\bskonczyc ze soba\b",
        r"\bsamoboj",
        r"\bkendimi oldur",
        r"\bintihar",
        r"\bhayatima son\b",
        r"\bcanima kiy",
    )
)

_CLAUSE_BREAK = re.compile(r"[.!?;,:\n]")
_ELISION = re.compile(r"\b([cdjlmnst])'(?=\w)")
# Letters that Unicode decomposition leaves alone.
_FOLD = str.maketrans({"ß": "ss", "ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "’": "'", "‘": "'", "`": "'"})


def _normalise(text: str) -> str:
    """Casefolded, without accents, one space between words, and French and Italian elisions
    split off ("l'echange" -> "l' echange", "n'arrete" -> "n' arrete")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD).casefold().translate(_FOLD))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = _ELISION.sub(r"\1' ", plain)
    return re.sub(r"\s+", " ", plain).strip()


def asks_to_end(text: str) -> bool:
    """True when the turn asks to end or close this chat. See the module docstring."""
    normal = _normalise(text)
    if not normal or _SELF_HARM.search(normal):
        return False
    for _language, pattern in _END_REQUESTS:
        for match in pattern.finditer(normal):
            clause = _CLAUSE_BREAK.split(normal[: match.start()])[-1]
            if not _NEGATORS.search(" " + clause) and not _NEGATED_AFTER.match(normal, match.end()):
                return True
    return False


def mentions_ending_the_chat(text: str) -> bool:
    """The turn speaks of ending or closing this chat, asked for or not ("don't close the chat",
    "sluit de chat niet", "how do I end this chat?"). Never true for wording about ending a life."""
    normal = _normalise(text)
    if not normal or _SELF_HARM.search(normal):
        return False
    return any(pattern.search(normal) for _language, pattern in _END_REQUESTS)


# A confirmation is a short turn made only of these words, with at least one affirmative, and no
# question mark. Words are normalised (no accents, casefolded).
_AFFIRMATIVE = frozenset(
    """
    yes yeah yea yep yup ya y sure confirm confirmed ok okay okey k
    end close terminate finish do
    si claro vale dale confirmo confirmado adelante cierra cierralo termina terminala terminalo acaba acabala
    finaliza hazlo
    oui ouais confirme vas-y allez-y ferme termine arrete fermez terminez
    ja jawohl jap jep jo genau klar bestatigt bestatige beende beenden schliess schliesse schliessen mach
    certo confermo chiudi chiudila termina terminala procedi vai fallo
    sim pode confirmo encerra encerre encerrar fecha feche fechar termina termine terminar
    jazeker zeker bevestig sluit beeindig doe
    tak jasne pewnie oczywiscie potwierdzam zamknij zakoncz koncz
    evet tabii tamam olur onayliyorum kapat bitir sonlandir
    """.split()
)
_FILLER = frozenset(
    """
    please pls plz it this that the chat conversation convo thread now i i'm im am want to just go ahead
    absolutely definitely really totally of course thanks thank you sure certain positive permanently forever
    for good completely entirely right away understand understood know i know it's its is permanent final
    finally done that's fine i'm sure am sure
    para siempre definitivamente seguro segura estoy lo entiendo entiendo se ya es definitivo gracias
    por favor la el esta conversacion de acuerdo chat hilo
    definitivement pour toujours sur sure je suis certain certaine compris comprends c' est definitif
    s' il te vous plait d' accord la cette conversation fin bon merci
    endgultig dauerhaft sicher fur immer ich bin verstehe verstanden weiss es ist bitte den das dieses gesprach es
    jetzt danke chat
    sono sicuro sicura capisco ho capito lo so e definitivo per sempre grazie favore questa conversazione
    tenho certeza certeza com entendo entendi eu sei e definitivo para sempre obrigado obrigada favor essa
    conversa
    ik weet het begrijp begrepen definitief voorgoed dank je dankjewel graag alsjeblieft deze dit chat gesprek maar
    jestem pewien pewna rozumiem wiem to na zawsze ostatecznie dzieki dziekuje prosze ta te ten rozmowe rozmowa czat
    eminim anladim biliyorum kalici kesinlikle tesekkurler lutfen bu sohbeti sohbet
    """.split()
)
_MAX_CONFIRMATION_WORDS = 14


# A declined confirmation: "no", "nein, doch nicht", "not yet", "keep chatting", "hayır, devam edelim".
_NEGATIVE = frozenset(
    """
    no nope nah not never wait stop cancel keep continue going chatting talking later yet actually mind
    nevermind changed
    espera todavia aun sigamos sigue seguir mejor
    non pas attends encore continuons continue plutot
    nein nicht doch noch warte weiter weitermachen lieber
    aspetta ancora continuiamo continua meglio
    nao espera ainda continuemos continua melhor
    nee niet wacht nog doorgaan verder liever
    nie jeszcze czekaj kontynuujmy dalej lepiej jednak
    hayir dur bekle devam edelim et henuz daha vazgectim
    """.split()
)


def declines(text: str) -> bool:
    """True when the whole turn is a short negative answer ("no", "nein, doch nicht", "not yet",
    "keep chatting"): the chat goes on. Used by the classifier to read such a turn after a request
    to end as an answer about the chat, not as distress."""
    normal = _normalise(text)
    if "?" in normal or _SELF_HARM.search(normal):
        return False
    words = re.findall(r"[\w'-]+", normal)
    if not words or len(words) > 8:
        return False
    if not all(word in _NEGATIVE or word in _FILLER or word in _AFFIRMATIVE for word in words):
        return False
    return any(word in _NEGATIVE for word in words)


def confirms(text: str) -> bool:
    """True when the whole turn is an affirmative answer. Anything beyond affirmations and
    reassurance ("yes but first tell me...", "no", "wait", "yes?") is not."""
    normal = _normalise(text)
    if "?" in normal or _SELF_HARM.search(normal):
        return False
    words = re.findall(r"[\w'-]+", normal)
    if not words or len(words) > _MAX_CONFIRMATION_WORDS:
        return False
    if not all(word in _AFFIRMATIVE or word in _FILLER for word in words):
        return False
    return any(word in _AFFIRMATIVE for word in words)

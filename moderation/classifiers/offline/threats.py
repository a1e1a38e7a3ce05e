"""Statements of intent to hurt a specific person, or to attack and then die (DESIGN 3-4).

Crisis comes before the strike ladder: "I'm going to poison my landlord with ricin" is a person
threatening someone, who gets crisis support and is never ended, even though the same turn asks
about a weapon that counts toward an ending. The lexicon's topic rules see the weapon; this module
sees the person. Pure, on `normalize.plain` text (casefolded, accents stripped), in English,
Spanish, French, German, Italian, Portuguese, Dutch, Polish and Turkish.

A turn states a threat to a specific person when one sentence holds
- an intent to harm: a first-person intention ("I'm going to", "voy a", "ich werde", "ik ga") with
  a harm verb (kill, poison, shoot, stab, bomb, burn, run over, make ... pay), or a first-person
  future form that carries both ("ammazzero", "otruje", "zehirleyecegim"); and
- a specific target: a relation with a possessive (my landlord, mi casero, mon patron, meinen
  Nachbarn, il mio collega, o meu ex-marido, mijn baas, mojego sasiada, patronumu), a person named
  in the original text ("Kevin Marsh"), or a pronoun (him, her, them, lo, le, ihn, hem, go, onu)
  when the earlier turns of the branch named a relation or a person.
Also "<target> is going to die" / "is a dead man" with a first-person agency in the same turn.

Jokes and idioms ("I'm gonna kill my brother if he eats my fries lol") are damped: a laugh marker
or a trivial cause, without a weapon, a time or a plan, states no threat.

A plan to attack (bomb, shoot, blow up) that also states the user's own death ("and then kill
myself", "I won't be alive after") is self-harm at 4: a person at risk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


# --- Intent to harm ---------------------------------------------------------------------------------

_EN_INTENT = alt(
    r"(?:i'm|im|i am) (?:\w+ )?(?:going to|gonna|about to|planning to|planning on|fixing to|ready to|determined to)",
    r"i (?:will|'ll|shall|want to|wanna|need to|plan to|intend to|have decided to|decided to|am going to|"
    r"swear i'?ll|promise i'?ll|am gonna|gotta|must|really want to)",
    r"i'll",
    r"(?:i'm|im|i am) (?:bringing|taking) (?:my|a) (?:gun|rifle|knife|pistol|shotgun|bomb)(?: \w+){0,6}",
)
_EN_PERSON_NEXT = r"(?:him|her|them|my (?:\w+ )?\w+|(?:this|that) (?:guy|girl|woman|man|kid|bitch|bastard))"
# Harm verbs that are threats whatever follows them in the sentence ...
_EN_STRONG = alt(
    r"kill",
    r"murder",
    r"poison",
    r"stab",
    r"strangle",
    r"choke",
    r"slaughter",
    r"butcher",
    r"execute",
    r"torture",
    r"drown",
    r"suffocate",
    r"smother",
    r"behead",
    r"decapitate",
    r"slit (?:\w+ ){0,2}throat",
    r"(?:put|plant|place|leave) (?:a|the|some) (?:bomb|device|explosives?|poison|ricin|arsenic|cyanide|antifreeze)",
    r"blow (?:up|\w+ up)",
    r"make (?:him|her|them|\w+) (?:pay|suffer|bleed)",
    r"end (?:him|her|them)\b",
    r"throw acid",
    r"spike",
    r"shoot (?:him|her|them|\w+ dead|up)",
    r"run (?:him|her|them) over",
    r"burn (?:\w+ )?(?:alive|to death)",
    r"set (?:him|her|them) on fire",
    r"beat (?:\w+ ){1,2}(?:to death|senseless|unconscious)",
    r"break (?:his|her|their) (?:neck|legs|skull|jaw)",
)
# ... and verbs with harmless senses too ("shoot my sister a text", "run over my notes"), which
# threaten only a person right after them.
_EN_WEAK = alt(r"hurt", r"beat up", r"beat", r"shoot", r"run over", r"take out", r"get rid of", r"attack", r"gas")
_EN_THREAT = alt(
    rf"{_EN_INTENT} (?:\w+ ){{0,2}}{_EN_STRONG}",
    r"(?:i'm|im|i am) (?:\w+ )?(?:shooting|killing|stabbing|poisoning|murdering|strangling|bombing)",
    r"(?:bring|bringing|take|taking) (?:my|a|the|dad's|my dad's) (?:gun|rifle|pistol|shotgun|knife|bomb|ar-?15|glock)"
    r" (?:to|into) (?:work|school|class|the office|church|the mall|his|her|their)",
    rf"{_EN_INTENT} (?:\w+ ){{0,2}}{_EN_WEAK} {_EN_PERSON_NEXT}(?! (?:a|an) (?:text|message|email|dm|line|call)\b)",
)

_ES = alt(
    r"(?:voy|vamos|quiero|pienso|planeo|tengo que|tengo pensado|estoy por|estoy decidid[oa] a)(?: a)?"
    r" (?:\w+ ){0,2}(?:matar|envenenar|disparar|apunalar|acuchillar|estrangular|atropellar|degollar|"
    r"volar por los aires|quemar vivo|quemar viva|poner una bomba|echar veneno|meter(?:le)? un tiro|"
    r"pegar(?:le)? un tiro|hacer dano)",
    r"(?:lo|la|le|los|las|les) (?:voy|vamos) a (?:matar|envenenar|disparar|apunalar|atropellar|poner una bomba)",
    r"(?:voy|vamos) a (?:matarl[oae]s?|envenenarl[oae]s?|dispararl[oae]s?|apunalarl[oae]s?|"
    r"atropellarl[oae]s?|ponerle una bomba)",
    r"me la (?:va|van) a pagar",
)
_FR = alt(
    r"(?:je vais|j'vais|je veux|je compte|je vais aller|j'ai decide de)"
    r" (?:\w+ ){0,2}(?:tuer|empoisonner|buter|flinguer|poignarder|etrangler|faire sauter|abattre|"
    r"tabasser|faire la peau|egorger|massacrer|mettre une bombe|bruler vif|bruler vive)",
    r"(?:il|elle|ils) va (?:le )?payer",
)
_DE = alt(
    r"(?:ich werde|ich will|ich wer|ich mochte|ich habe vor|ich muss)"
    r"(?: \w+){0,6} (?:umbringen|toten|vergiften|erschiessen|erstechen|erwurgen|in die luft jagen|in die luft sprengen|"
    r"abstechen|uberfahren|kaltmachen|abknallen|abschlachten)",
    r"ich (?:bringe|bring|mache|mach|knalle|knall|steche|stech)(?: \w+){0,4} (?:um|kalt|ab)\b",
    r"(?:er|sie) wird (?:dafur )?bezahlen",
)
_IT = alt(
    r"(?:ammazzero|uccidero|avvelenero|sparero|accoltellero|strangolero|faro saltare|faro fuori|massacrero|"
    r"sgozzero)",
    r"(?:voglio|sto per|ho intenzione di|vado a|devo|ho deciso di)"
    r" (?:\w+ ){0,2}(?:ammazzar|uccider|avvelenar|sparar|accoltellar|strangolar|far saltare|far fuori|massacrar)\w*",
    r"(?:la|me la) paghera",
)
_PT = alt(
    r"(?:vou|eu vou|quero|pretendo|vou acabar|decidi|tenho que|estou decidid[oa] a)"
    r" (?:\w+ ){0,2}(?:matar|envenenar|atirar em|esfaquear|estrangular|explodir|atropelar|acabar com|"
    r"dar um tiro|meter uma bala)",
    r"(?:vou|quero) (?:mata|envenena|esfaquea|atropela)-l[oa]s?",
    r"(?:ele|ela|eles) vai pagar",
)
_NL = alt(
    r"(?:ik ga|ik wil|ik zal|ik ben van plan(?: om)?|ik moet)"
    r"(?: \w+){0,6} (?:vermoorden|doden|vergiftigen|neerschieten|doodschieten|doodsteken|neersteken|wurgen|"
    r"opblazen|overrijden|ombrengen)",
    r"(?:hij|zij|ze) gaat (?:ervoor )?boeten",
)
_PL = alt(
    r"(?:zabije|otruje|zastrzele|dzgne|zadzgam|udusze|wysadze|zatluke|zajebie|odstrzele)",
    r"(?:zamierzam|chce|musze|postanowilem|postanowilam)"
    r" (?:\w+ ){0,2}(?:zabic|otruc|zastrzelic|dzgnac|udusic|wysadzic|zatluc)",
    r"(?:on|ona) (?:mi )?za to zaplaci",
)
_TR = alt(
    r"(?:oldurecegim|zehirleyecegim|vuracagim|bicaklayacagim|bogacagim|patlatacagim|gebertecegim|"
    r"havaya ucuracagim)",
    r"(?:oldurmek|zehirlemek|vurmak|bicaklamak|bogmak|patlatmak|yakmak|gebertmek) (?:istiyorum|niyetindeyim)",
    r"(?:bunun )?bedelini odeyecek",
)
_INTENT_TO_HARM = re.compile(r"\b" + alt(_EN_THREAT, _ES, _FR, _DE, _IT, _PT, _NL, _PL, _TR) + r"\b")

# --- Specific targets -------------------------------------------------------------------------------

_RELATIONS = alt(
    # en
    r"(?:my|our) (?:\w+ )?(?:landlord|landlady|boss|manager|supervisor|ex|ex-wife|ex-husband|ex-girlfriend|"
    r"ex-boyfriend|wife|husband|girlfriend|boyfriend|partner|fiance|fiancee|mom|mum|mother|dad|father|brother|"
    r"sister|son|daughter|stepdad|stepmom|stepfather|stepmother|neighbou?rs?|teacher|professor|principal|coworkers?|"
    r"co-workers?|colleagues?|roommates?|flatmates?|housemates?|classmates?|friend|best friend|cousin|uncle|aunt|"
    r"grandma|grandpa|in-laws|mother-in-law|father-in-law|family|bully|bullies|tenant|employer|ex's)",
    r"(?:the|that) (?:guy|girl|woman|man|bitch|bastard|asshole|kid|person|dude) (?:who|that|next door|at work|from)",
    # es
    r"(?:mi|mis|a mi|al|a la) (?:\w+ )?(?:casero|casera|arrendador|arrendadora|jefe|jefa|ex|exnovio|exnovia|"
    r"exmarido|exmujer|esposa|esposo|marido|mujer|novia|novio|pareja|madre|padre|mama|papa|hermano|hermana|hijo|"
    r"hija|vecino|vecina|vecinos|profesor|profesora|companero|companera|companeros|colega|suegro|suegra|padrastro|"
    r"madrastra|primo|prima|tio|tia)\b",
    # fr
    r"(?:mon|ma|mes) (?:\w+ )?(?:proprietaire|proprio|patron|patronne|chef|ex|femme|mari|copine|copain|"
    r"petite amie|petit ami|mere|pere|frere|soeur|fils|fille|voisin|voisine|voisins|prof|professeur|collegue|"
    r"collegues|coloc|colocataire|beau-pere|belle-mere|cousin|cousine|oncle|tante|manager)\b",
    # de
    r"(?:meinen|meine|meinem|meiner|mein) (?:\w+ )?(?:vermieter|vermieterin|chef|chefin|ex|exfreundin|exfreund|"
    r"exmann|exfrau|frau|mann|freundin|freund|mutter|vater|bruder|schwester|sohn|tochter|nachbarn?|nachbarin|"
    r"lehrer|lehrerin|kollegen?|kollegin|mitbewohner|mitbewohnerin|stiefvater|stiefmutter|schwiegermutter|"
    r"schwiegervater|cousin|onkel|tante|vorgesetzten|boss)\b",
    # it
    r"(?:il mio|la mia|i miei|le mie|mio|mia) (?:\w+ )?(?:padrone di casa|proprietario|capo|ex|moglie|marito|"
    r"ragazza|ragazzo|fidanzata|fidanzato|madre|padre|mamma|papa|fratello|sorella|figlio|figlia|vicino|vicina|"
    r"vicini|professore|professoressa|collega|colleghi|coinquilino|coinquilina|patrigno|matrigna|suocera|suocero|"
    r"cugino|zio|zia)\b",
    # pt
    r"(?:o meu|a minha|os meus|as minhas|meu|minha|meus) (?:\w+ )?(?:senhorio|senhoria|proprietario|chefe|patrao|"
    r"ex|ex-marido|ex-mulher|ex-namorad[oa]|mulher|marido|esposa|namorada|namorado|mae|pai|irmao|irma|filho|filha|"
    r"vizinho|vizinha|vizinhos|professor|professora|colega|colegas|padrasto|madrasta|sogra|sogro|primo|tio|tia)\b",
    # nl
    r"(?:mijn|onze) (?:\w+ )?(?:huisbaas|verhuurder|baas|chef|ex|vrouw|man|vriendin|vriend|moeder|vader|broer|"
    r"zus|zoon|dochter|buurman|buurvrouw|buren|leraar|lerares|collega|collega's|huisgenoot|stiefvader|stiefmoeder|"
    r"schoonmoeder|schoonvader|neef|nicht|oom|tante|leidinggevende|manager)\b",
    # pl (accusative and other cases by stem)
    r"(?:mojego|moja|moich|mojej|moj|mojemu|swojego|swoja|swojej) (?:\w+ )?\w+",
    r"(?:wlasciciel\w*|szef[aeo]\w*|bylego|dziewczyn[eay]|chlopaka|matk[eiy]|ojca|brata|siostr[eay]|syna|"
    r"cork[eai]|sasiad\w*|nauczyciel\w*|kolezank\w*|wspollokator\w*|ojczym\w*|tesciow\w*)\b",
    # tr (possessive + accusative suffixes)
    r"(?:patronum\w*|ev sahibim\w*|eski sevgilim\w*|eski kocam\w*|eski karim\w*|karim\w*|kocam\w*|annem\w*|babam\w*|"
    r"kardesim\w*|komsum\w*|ogretmenim\w*|is arkadasim\w*|mudurum\w*|sefim\w*|ablam\w*|abim\w*|sevgilim\w*|"
    r"ev arkadasim\w*|sinif arkadasim\w*)",
)
_RELATION = re.compile(r"\b" + _RELATIONS)
# Pronouns that can only mean a person, anywhere in the sentence; and, inside the intent itself
# (between "je vais" and "tuer", attached to "matarlo"), object pronouns that elsewhere are articles.
_PRONOUN = re.compile(
    r"\b(?:him|her|them|he|she|they|ella|ellos|ellas|lui|ihn|ihm|hem|haar|jego|jej|onu|onlari|ele|ela|eles|gli)\b"
)
_PRONOUN_IN_INTENT = re.compile(
    r"\b(?:lo|la|le|los|las|les|lui|leur|sie|ihn|li|ze|go|ja|ich|o|a)\b|\w(?:l[oae]s?|-l[oa]s?)\b"
)
# A person named in the original text: two capitalised words, or a capitalised word after a harm
# verb or before "is going to die". Read on the original (not casefolded) text.
_NAME = re.compile(r"\b[A-Z][a-z'\u00c0-\u017f]+(?: [A-Z][a-z'\u00c0-\u017f]+)+\b")
_NOT_NAMES = frozenset(
    """I Im I'm I'll I've I'd The A An My Our This That Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December God Jesus Christmas
    Easter OK Ok Yes No Please Hi Hello Hey Dear Mr Mrs Ms Dr Why What How When Where Who So But And Then Just
    Now Today Tomorrow Tonight Next Last Stop Give Tell Help Can Could Will Would Should It He She They We You
    Your His Her Their Its Me Him Them Us Oh Ugh Well Honestly Seriously Also Because If Very Really""".split()
)

# "<target> is going to die", "<target> is a dead man": the target's fate, said by the user who will
# see to it.
_FATE = re.compile(
    r"\b(?:is|are|'s|'re) (?:going to|gonna|about to) (?:die|pay|regret)\b|\bwon'?t (?:live|see|survive) (?:to|"
    r"the|past|another|next)\b|\b(?:is|'s) a dead (?:man|woman)\b|\bdead meat\b|\bhis last day\b|\bher last day\b|"
    r"\bva a morir\b|\bva mourir\b|\bwird sterben\b|\bmorira\b|\bvai morrer\b|\bgaat eraan\b|\bzginie\b|\bolecek\b"
)
_AGENCY = re.compile(
    r"\bi'?ll (?:make sure|see to it|do it|take care of)|\bi (?:will|am going to|'m going to) (?:make sure|do it)|"
    r"\bby my hand\b|\bme (?:encargo|ocupo)\b|\bje m'en occupe\b|\bdafur sorge ich\b|\bci penso io\b|"
    r"\beu (?:garanto|resolvo)\b|\bdaar zorg ik voor\b|\bja to zalatwie\b|\bben hallederim\b"
)

# Means, time or plan: the threat is concrete (severity 4).
_CONCRETE = re.compile(
    r"\b(?:gun|rifle|pistol|shotgun|knife|machete|axe|bomb|explosive|pipe bomb|ied|grenade|poison|ricin|arsenic|"
    r"cyanide|antifreeze|thallium|sarin|anthrax|acid|gasoline|petrol|car|truck|tonight|tomorrow|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|next week|this weekend|when (?:he|she|they) (?:gets|comes|leaves)|"
    r"pistola|cuchillo|bomba|veneno|ricina|manana|couteau|fusil|poison|ricine|demain|waffe|messer|bombe|gift|"
    r"rizin|morgen|coltello|veleno|ricina|domani|arma|faca|veneno|amanha|mes|pistool|vergif|ricine|morgen|noz|"
    r"bron|bomb[aey]|trucizn\w*|rycyn\w*|jutro|silah|bicak|bomba|zehir|risin|yarin)\b"
)
# A laugh or a trivial cause, with nothing concrete: an idiom, not a threat.
_JOKING = re.compile(
    r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|jajaja\w*|mdr|xd|kidding|just kidding)\b|😂|🤣|😆|😅|"
    r"\bif (?:he|she|they) (?:eats?|touch(?:es)?|takes?|finds? out|drinks?|uses?|reads?|sees?|spoils?|"
    r"tells?|keeps?)\b|\bfor (?:eating|taking|drinking|stealing my (?:fries|food|snacks|charger))\b|"
    r"\b(?:ate|finished|drank|took) my (?:\w+ )?(?:fries|food|cake|snack|pizza|leftovers|drink|beer|candy|chocolate)\b|"
    r"\bkill(?:ing)? it\b|\bhurt (?:\w+ )?feelings\b|\bmatar (?:a |o |el |la )?(?:saudade|tempo|aula|fome|sede|"
    r"tiempo|rato|hambre|gusanillo)\b|\btuer le temps\b|\bzeit totschlagen\b|\bammazzare il tempo\b|"
    r"\bde tijd doden\b|\bzabic czas\b|\bvakit oldur|😤|🙄|"
    # a trivial cause: eating or taking one's food or things
    r"\b(?:eats?|ate|eating|finish(?:es|ed)?|took|takes|steals?|stole|drinks?|drank) (?:my|the last|all my)\b|"
    r"\bse (?:comio|llevo|acabo|termino|bebio)\b|\ba (?:mange|fini|pris|vole|bu) (?:mon|ma|mes|le|la|les)\b|"
    r"\b(?:isst|gegessen|aufgegessen|klaut|geklaut|ausgetrunken)\b|\b(?:zje|zjadl\w*|zjada|wypil\w*|zabral\w*)\b|"
    r"\b(?:ha mangiato|si e mangiato|si e finito)\b|\b(?:comeu|pegou|bebeu) (?:o meu|a minha|meu|minha)\b|"
    r"\b(?:opeet|opgegeten|opgedronken)\b|\b(?:yerse|yedi|icti|icerse)\b"
)

# --- Attack, then one's own death ---------------------------------------------------------------

_ATTACK = re.compile(
    r"\b(?:bomb|blow up|shoot up|shoot (?:everyone|people)|attack|massacre|kill (?:everyone|as many|people)|"
    r"set fire to|drive (?:a|my) (?:car|truck) into|volar|bombardear|atacar|matar a todos|faire sauter|attaquer|"
    r"tuer tout le monde|in die luft (?:jagen|sprengen)|anschlag|amoklauf|far saltare|attaccare|strage|explodir|"
    r"atacar|matar todos|opblazen|aanslag|aanvallen|wysadzic|wysadze|zamach|atak|patlatacagim|havaya ucur|saldiri)\w*"
)
_OWN_DEATH = re.compile(
    r"\b(?:(?:and )?then (?:kill|shoot|end) myself|kill myself (?:after|afterwards|too|right after)|"
    r"i (?:won'?t|will not|wont) (?:be alive|survive|be around|make it out|come back)|"
    r"(?:go|going) out with a bang|take (?:myself|my own life)|(?:i'?ll|i will|i'm going to) die (?:too|with them|"
    r"after|anyway)|last thing i(?:'ll| will)? (?:ever )?do|(?:and|then) end it (?:all|after)|"
    r"(?:y )?(?:luego|despues) me mato|y me mato|et (?:puis|apres) je me tue|je me tuerai|und dann bringe? ich mich um|"
    r"danach bringe? ich mich um|e poi mi uccido|e poi mi ammazzo|e depois me mato|en dan maak ik mezelf van kant|"
    r"a potem sie zabije|sonra kendimi oldurecegim)\b"
)

_SENTENCES = re.compile(r"[.!?;\n]+")
_SELF_OBJECT = re.compile(r"\s*(?:myself|myselm|me|meself|mich|me tuer|moi|mnie|kendimi)\b")
THREAT_SIGNAL = "threat_to_others:specific_person"
MURDER_SUICIDE_SIGNAL = "self_harm:attack_then_die"


def _names(original: str) -> bool:
    """A person named in the text: two capitalised words, none of them a common capitalised word."""
    return any(
        not {word.strip("'") for word in match.group(0).split()} & _NOT_NAMES for match in _NAME.finditer(original)
    )


def _target_in(sentence: str, original_sentence: str, intent: re.Match, context_has_target: bool) -> bool:
    if _RELATION.search(sentence) or _names(original_sentence):
        return True
    pronoun = _PRONOUN.search(sentence) or _PRONOUN_IN_INTENT.search(intent.group(0))
    return context_has_target and pronoun is not None


def context_names_a_person(context_plain: Sequence[str], context_original: Sequence[str]) -> bool:
    """Whether earlier turns named a relation or a person that a pronoun of this turn may mean."""
    return any(_RELATION.search(turn) for turn in context_plain) or any(_names(turn) for turn in context_original)


def assess(plain_text: str, original: str, *, context_has_target: bool = False) -> list[tuple[str, str, int]]:
    """(category, signal, severity) findings of this turn: a threat to a specific person
    (threat_to_others 3, or 4 when concrete), an attack followed by one's own death (self_harm 4)."""
    findings = []
    if _ATTACK.search(plain_text) and _OWN_DEATH.search(plain_text):
        findings.append(("self_harm", MURDER_SUICIDE_SIGNAL, 4))
    joking = _JOKING.search(plain_text) and not _CONCRETE.search(plain_text)
    if joking:
        return findings
    originals = _SENTENCES.split(original)
    plains = _SENTENCES.split(plain_text)
    # Sentence boundaries are the same characters in both forms, so the lists line up; when
    # normalisation changed them, the whole texts stand in.
    if len(originals) != len(plains):
        originals, plains = [original], [plain_text]
    agency = bool(_AGENCY.search(plain_text))
    for sentence, original_sentence in zip(plains, originals, strict=True):
        intends = _INTENT_TO_HARM.search(sentence) or (agency and _FATE.search(sentence))
        if intends and _SELF_OBJECT.match(sentence, intends.end()):
            continue  # "I'm going to kill myself": self-harm, which the lexicon sees
        if intends and _target_in(sentence, original_sentence, intends, context_has_target):
            severity = 4 if _CONCRETE.search(plain_text) else 3
            findings.append(("threat_to_others", THREAT_SIGNAL, severity))
            break
    return findings

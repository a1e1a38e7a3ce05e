"""What the rules look for, per category: harm targets, operational verbs, direct statements.

Every pattern runs on normalised text (see normalize.py: casefolded, accents stripped, look-alikes
mapped). Rule kinds, combined by scoring.py:
- `act`: an operational harm (verb + object, "hack into", "write ransomware"). Full severity in a
  request or a statement of intent, one less otherwise.
- `pair`: a harm target plus a category verb anywhere in the message ("sarin" ... "synthesize").
  Same treatment as `act`.
- `target`: the topic alone: severity 1 at most (edgy but fine).
- `direct`: harmful whatever the phrasing (first-person crisis, abuse at the assistant, threats,
  sexualised minors).
Severity is per rule; 4 only for sexual content with minors and mass-casualty operational help.
English first, then Spanish, French and German for the severe categories and self-harm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.classifiers.offline.prefilter import PrefixIndex, group_end, leading_words, split_top


@dataclass(frozen=True)
class Rule:
    signal: str
    category: str
    kind: str  # act | pair | target | direct
    severity: int
    pattern: re.Pattern[str]
    needs: re.Pattern[str] | None = None  # `pair` rules: the second half
    window: int = 0  # `pair` rules: when > 0, the halves must lie within this many characters
    # prefilter (see prefilter.py): words a match must start with; None = always run
    starts: frozenset[str] | None = None
    needs_starts: frozenset[str] | None = None
    # A windowed rule whose `starts` are unknown measures its window from the non-overlapping matches
    # of its pattern, as a scan of the whole text finds them; when the words those matches start with
    # can be derived (counting optional leading groups), that scan tries only those words.
    scan_starts: frozenset[str] | None = None


def alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


def near(first: str, second: str, words: int = 6) -> str:
    """`first` then `second` with at most `words` words between them."""
    return rf"{first}(?:\W+\w+){{0,{words}}}?\W+{second}"


def compile_(pattern: str) -> re.Pattern[str]:
    return re.compile(share_boundary(pattern))


LEADING_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=][^)]*\))*")


def share_boundary(pattern: str) -> str:
    """`(?:A|\\bB|\\bC|D)` -> `(?:A|\\b(?:B|C)|D)`: one word-boundary test per position for each run
    of alternatives that start with one. CPython factors a leading \\b out of an alternation only when
    every alternative has it; one alternative without it (`^\\W*again`) makes every other test its own
    boundary at every position (8x slower on long prompts). The alternatives keep their order, so
    every match is the same; only the top level (or one group around everything) is rewritten."""
    whole_group = pattern.startswith("(?:") and group_end(pattern) == len(pattern)
    alternatives = split_top(pattern[3:-1] if whole_group else pattern)
    rewritten: list[str] = []
    run: list[tuple[str, str]] = []  # (alternative, alternative without its \\b)

    def close_run() -> None:
        if len(run) > 1:
            rewritten.append(r"\b(?:" + "|".join(stripped for _, stripped in run) + ")")
        else:
            rewritten.extend(original for original, _ in run)
        run.clear()

    for alternative in alternatives:
        lookbehinds = LEADING_LOOKBEHINDS.match(alternative).group(0)  # zero-width too: they commute with \\b
        rest = alternative[len(lookbehinds) :]
        if rest.startswith(r"\b"):
            run.append((alternative, lookbehinds + rest[2:]))
        else:
            close_run()
            rewritten.append(alternative)
    close_run()
    if len(rewritten) == 1:
        return rewritten[0]
    body = "|".join(rewritten)
    return "(?:" + body + ")" if whole_group else body


def anchored(pattern: str) -> re.Pattern[str]:
    """Rules start at a word boundary: the engine then rejects most positions at once (speed)."""
    return compile_(r"\b(?:" + pattern + ")")


class Cue:
    """A pattern only ever looked for anywhere in a message (a request, a frame, a homonym).

    Like a rule, scoring.py tries it only at the words its matches can start with (`starts`), once
    those words are in the prefilter index (see CUES at the end); until then, or when they cannot be
    derived, it is searched everywhere. `search` searches everywhere (for the context rules)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.starts: frozenset[str] | None = None

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text)


def cue(pattern: str) -> Cue:
    return Cue(compile_(pattern))


def word_alt(*parts: str) -> Cue:
    """A cue of alternatives that each start at a word boundary (compiled with one outer \\b)."""
    stripped = [part[2:] if part.startswith("\\b") else part for part in parts]
    return cue(r"\b(?:" + "|".join(stripped) + ")")


def _cue_starts(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The leading words of a pattern whose every alternative starts at a word boundary (`\\b`) or at
    the start of the text (`^`), so at the start of a word; None for any other pattern."""
    for alternative in split_top(pattern.pattern):
        rest = alternative[len(LEADING_LOOKBEHINDS.match(alternative).group(0)) :]
        if not rest.startswith((r"\b", "^")):
            return None
    return leading_words(pattern.pattern, optional_groups=True)


def rule(
    signal: str, category: str, kind: str, severity: int, pattern: str, needs: str | None = None, window: int = 0
) -> Rule:
    starts = leading_words(pattern)
    return Rule(
        signal,
        category,
        kind,
        severity,
        anchored(pattern),
        anchored(needs) if needs else None,
        window,
        starts,
        leading_words(needs) if needs else None,
        leading_words(pattern, optional_groups=True) if starts is None and needs and window else None,
    )


# ---------------------------------------------------------------- shared vocabulary
PERSON = alt(
    r"some(?:one|body)",
    r"a (?:person|man|woman|guy|girl|kid|child|baby|stranger|neighbou?r|cop|police officer)",
    r"people",
    r"him",
    r"her",
    r"them",
    r"my (?:\w+ )?(?:wife|husband|boss|ex|girlfriend|boyfriend|partner|mom|mother|"
    r"dad|father|brother|sister|son|daughter|neighbou?r|teacher|coworker|co-worker|colleague|roommate|landlord|friend|"
    r"classmate|stepdad|stepmom|stepfather|stepmother|uncle|aunt|cousin|grandma|grandpa|manager|ex-wife|ex-husband|"
    r"ex-girlfriend|ex-boyfriend|bully|family)",
    r"(?:a |the )?(?:president|senator|politician|judge|witness)",
    r"that (?:guy|girl|woman|man|bitch|bastard|asshole|kid|person)",
    r"the (?:guy|girl|woman|man|kid|person) (?:who|next)",
    r"my whole (?:family|class|school|office)",
    r"everyone (?:at|in) (?:my|the) (?:school|office|work|class)",
)
MINOR = alt(
    r"child(?:ren)?",
    r"kids?",
    r"minors?",
    r"under-?age(?:d)?",
    r"pre-?teens?",
    r"tweens?",
    r"toddlers?",
    r"infants?",
    r"bab(?:y|ies)",
    r"little (?:girl|boy)s?",
    r"young (?:girl|boy)s?",
    r"(?:school ?girl|school ?boy)s?",
    r"lolis?",
    r"lolicon",
    r"shota(?:con)?",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17)[- ]?(?:years?|yrs?|y/?o)(?:[- ]old)?\b",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17) ?yo\b",
    r"(?:elementary|middle|primary|junior high) school(?:er|ers)?",
    r"(?:8th|7th|6th|5th|4th) grader?s?",
    r"pubescent",
    r"prepubescent",
    r"jailbait",
    r"teen(?:age)? (?:girl|boy)s?",
    r"(?:my|a) (?:step)?(?:daughter|son|niece|nephew)",
    # es / fr / de
    r"nin[oa]s?",
    r"menor(?:es)?(?: de edad)?",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17) anos",
    r"enfants?",
    r"mineur(?:e|s|es)?",
    r"fillettes?",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17) ans",
    r"kind(?:er)?",
    r"minderjahrig\w*",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17) jahre? alt",
    r"(?:1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17)-?jahrig\w*",
)
SEXUAL = alt(
    r"sex(?:ual(?:ly|i[sz]ed?)?|y|ting)?",
    r"porn\w*",
    r"nudes?",
    r"naked",
    r"erotic\w*",
    r"explicit",
    r"nsfw",
    r"lewd",
    r"molest\w*",
    r"fondl\w*",
    r"intercourse",
    r"masturbat\w*",
    r"orgasm\w*",
    r"genital\w*",
    r"seduc\w*",
    r"aroused?",
    r"(?:have|having|had) sex",
    r"rape\w*",
    r"blow ?job",
    r"oral sex",
    r"strip(?:ping)? for",
    r"in (?:her|his) underwear",
    r"horny",
    r"fetish\w*",
    r"touch(?:ing)? (?:her|him|them) (?:inappropriately|sexually|down there)",
    r"sexo",
    r"sexual\w*",
    r"desnud\w*",
    r"erotic\w*",
    r"porno\w*",
    r"sexuel\w*",
    r"nue?s?\b",
    r"erotique\w*",
    r"nackt\w*",
    r"sexuell\w*",
    r"erotisch\w*",
    r"pornograf\w*",
)

# ---------------------------------------------------------------- cbrn
CBRN_AGENT = alt(
    r"sarin",
    r"soman",
    r"tabun",
    r"cyclosarin",
    r"\bvx\b",
    r"novichok",
    r"nerve (?:agent|gas)s?",
    r"mustard gas",
    r"sulfur mustard",
    r"nitrogen mustard",
    r"lewisite",
    r"ricin",
    r"abrin",
    r"botulinum",
    r"botulism toxin",
    r"anthrax",
    r"bacillus anthracis",
    r"smallpox",
    r"variola",
    r"yersinia pestis",
    r"bio-?weapons?",
    r"biological (?:weapon|agent)s?",
    r"biological warfare",
    r"bio-?warfare",
    r"chemical weapons?",
    r"chemical warfare",
    r"dirty bombs?",
    r"radiological (?:weapon|dispersal device|bomb|device)s?",
    r"nuclear (?:bomb|weapon|warhead|device)s?",
    r"atomic bombs?",
    r"weapons?[- ]grade (?:uranium|plutonium|anthrax|material)",
    r"highly enriched uranium",
    r"fissile material",
    r"dimethylmercury",
    r"tetrodotoxin",
    r"bioterror\w*",
    r"weaponi[sz]ed (?:\w+ )?(?:virus|pathogen|"
    r"bacteri\w+|plague|ebola|flu|toxin)",
    r"(?:pandemic|enhanced|engineered) (?:pathogen|virus)",
    r"gain[- ]of[- ]function",
    r"mass[- ]casualty (?:chemical|toxin|agent|poison)",
    r"phosgene",
    r"hydrogen cyanide",
    r"gas sarin",
    r"armas? (?:quimica|biologica|nuclear)s?",
    r"agentes? nerviosos?",
    r"antrax",
    r"bomba sucia",
    r"gas mostaza",
    r"ricina",
    r"armes? (?:chimique|biologique|nucleaire)s?",
    r"agents? neurotoxiques?",
    r"gaz sarin",
    r"bombe sale",
    r"gaz moutarde",
    r"ricine",
    r"chemische waffen?",
    r"chemiewaffen?",
    r"biowaffen?",
    r"biologische waffen?",
    r"nervenkampfstoff\w*",
    r"nervengas",
    r"nervengift",
    r"milzbrand",
    r"schmutzige bombe",
    r"atombomben?",
    r"kernwaffen?",
    r"atomwaffen?",
    r"senfgas",
    r"rizin",
)
CBRN_LESSER = alt(
    r"chlorine gas",
    r"toxic gas",
    r"poison(?:ous)? gas",
    r"cyanide",
    r"(?:deadly|lethal) (?:toxin|poison|pathogen|virus)",
    r"pathogens?",
    r"antibiotic[- ]resistant",
    r"resistant to antibiotics",
    r"mycotoxin",
    r"radioactive (?:material|source)",
    r"uranium",
    r"plutonium",
    r"(?:organo)?phosphate (?:nerve|poison)",
    r"toxins?",
    r"deadly (?:bacteria|disease)",
    r"gas toxico",
    r"gaz toxique",
    r"giftgas",
)
CBRN_VERB = alt(
    r"mak(?:e|ing)",
    r"synthe[sz]\w*",
    r"produc\w*",
    r"manufactur\w*",
    r"cook\w*",
    r"brew\w*",
    r"prepar\w*",
    r"creat\w*",
    r"build\w*",
    r"obtain\w*",
    r"acquir\w*",
    r"buy\w*",
    r"purchas\w*",
    r"get (?:hold of|my hands on)",
    r"smuggl\w*",
    r"cultur\w*",
    r"grow\w*",
    r"cultivat\w*",
    r"isolat\w*",
    r"extract\w*",
    r"purif\w*",
    r"concentrat\w*",
    r"enrich\w*",
    r"weaponi[sz]\w*",
    r"aerosoli[sz]\w*",
    r"dispers\w*",
    r"spread\w*",
    r"releas\w*",
    r"deploy\w*",
    r"deliver\w*",
    r"stabili[sz]\w*",
    r"mill\w*",
    r"transmissib\w*",
    r"virulen\w*",
    r"lethality",
    r"recipe",
    r"precursors?",
    r"ingredients",
    r"particle size",
    r"yield",
    r"store",
    r"storing",
    r"made",
    r"detonat\w*",
    r"at home",
    r"kill\w*",
    r"hacer",
    r"fabric\w*",
    r"sintetiz\w*",
    r"produc\w*",
    r"obten\w*",
    r"consegu\w*",
    r"dispers\w*",
    r"liber\w*",
    r"cultiv\w*",
    r"faire",
    r"synthetis\w*",
    r"produire",
    r"obtenir",
    r"herstell\w*",
    r"stellt?\w* (?:\w+ )?her",
    r"fabriqu\w*",
    r"stell\w* (?:\w+ ){0,3}?her\b",
    r"mach\w*",
    r"bau\w*",
    r"synthetisier\w*",
    r"produzier\w*",
    r"gewinn\w*",
    r"beschaff\w*",
    r"verbreit\w*",
    r"freisetz\w*",
    r"zucht\w*",
)

# ---------------------------------------------------------------- violent extremism and explosives
EXPLOSIVE = alt(
    r"(?<!bath )(?<!photo )(?<!f-)(?<!f )(?<!sex )(?<!love )(?<!cherry )(?<!seed )\bbombs?\b",
    r"explosives?",
    r"explosive devices?",
    r"\bied\b",
    r"detonators?",
    r"pipe ?bombs?",
    r"molotov(?: cocktail)?s?",
    r"\btatp\b",
    r"c4\b",
    r"c-4\b",
    r"semtex",
    r"dynamite",
    r"napalm",
    r"grenades?",
    r"ammonium nitrate",
    r"thermite",
    r"blasting caps?",
    r"\bbombas?\b",
    r"explosivos?",
    r"\bbombes?\b",
    r"explosifs?",
    r"sprengstoff\w*",
    r"sprengsatz\w*",
    r"sprengsatze",
    r"rohrbomb\w*",
    r"nagelbomb\w*",
    r"autobomb\w*",
    r"\bbomb[ae]\b",  # it, pl, pt ("bomba caseira", "bombe", "bombę" -> "bombe")
    r"\bbomby\b",
    r"esplosiv\w*",
    r"ordign\w*",
    r"explosiv\w*",
    r"\bbom(?:men)?\b",  # nl
    r"pijpbom\w*",
    r"spijkerbom\w*",
    r"autobom\w*",
    r"explosieven",
    r"materia\w* wybuchow\w*",
    r"ladun\w* wybuchow\w*",
    r"bomba(?:si|yi|lar\w*)?\b",  # tr (after normalize: "bombası" -> "bombasi")
    r"patlayici\w*",
    r"el yapimi patlayici",
)
MAKE = alt(
    r"mak(?:e|ing)",
    r"build\w*",
    r"construct\w*",
    r"assembl\w*",
    r"creat\w*",
    r"manufactur\w*",
    r"cook\w*",
    r"wir(?:e|ing)",
    r"detonat\w*",
    r"prepar\w*",
    r"produc\w*",
    r"ingredients",
    r"recipe",
    r"materials? (?:needed|for)",
    r"plant(?:ing)?",
    r"hacer",
    r"fabric\w*",
    r"construir",
    r"armar",
    r"faire",
    r"fabriqu\w*",
    r"construire",
    r"bau\w*",
    r"herstell\w*",
    r"stell\w* (?:\w+ ){0,3}?her\b",
    r"bastel\w*",
    r"mach\w*",
    r"hago",
    r"hace[rs]?",
    r"fabrico",
    r"construyo",
    r"armo",
    r"preparo",
    r"costrui\w*",
    r"costruisc\w*",
    r"fabbric\w*",
    r"fare",
    r"faccio",
    r"fazer",
    r"faco",
    r"constru\w*",
    r"montar",
    r"maak\w*",
    r"maken",
    r"bouw\w*",
    r"zrobi\w*",
    r"zrob\b",
    r"zbudowa\w*",
    r"zbuduj\w*",
    r"skonstruowa\w*",
    r"przygotowa\w*",
    r"wyprodukowa\w*",
    r"yapil\w*",
    r"yapar\w*",
    r"yapmak\w*",
    r"yapabil\w*",
    r"yapiyor\w*",
    r"uret\w*",
    r"hazirla\w*",
)
CROWD_TARGET = alt(
    r"school",
    r"mall",
    r"stadium",
    r"concert",
    r"church",
    r"mosque",
    r"synagogue",
    r"temple",
    r"subway",
    r"metro",
    r"train station",
    r"airport",
    r"crowd(?:ed)?",
    r"parade",
    r"festival",
    r"government building",
    r"parliament",
    r"congress",
    r"embassy",
    r"hospital",
    r"market",
    r"nightclub",
    r"pride (?:march|parade|event)",
    r"rally",
    r"(?:office|public) building",
    r"university",
    r"campus",
    r"kindergarten",
    r"daycare",
)
ATTACK_PLAN = alt(
    r"terror(?:ist)? attacks?",
    r"mass (?:shooting|murder|killing|casualt\w+|stabbing)",
    r"school shooting",
    r"suicide bomb\w*",
    r"car bomb\w*",
    r"truck bomb\w*",
    r"vehicle ramming",
    r"massacre",
    r"kill (?:as many|the most|lots of|a lot of|many) (?:people|civilians|students|kids|children|jews|muslims|"
    r"christians|immigrants|black people|white people|gay people)",
    r"maximi[sz]\w* (?:the )?(?:casualties|death toll|deaths|"
    r"number of (?:deaths|victims|people killed))",
    r"(?:most|maximum|mass) casualties",
    r"(?:bomb|blow up|attack|shoot up|gas|set fire to|burn down) (?:a |the |my |our |this |that )?(?:local )?"
    + CROWD_TARGET,
    r"(?:drive|ram|plow) (?:a |my |the )?(?:car|truck|van|vehicle) into (?:a |the )?(?:crowd|people|pedestrians)",
    r"poison (?:the |a )?(?:city'?s? |town'?s? )?(?:water supply|reservoir|water system)",
    r"derail (?:a|the) (?:train|subway)",
    r"hijack (?:a|the|an) (?:plane|airplane|aircraft|flight|jet)",
    r"assassinat\w* (?:the |a )?(?:president|prime minister|senator|governor|mayor|politician|judge|king|queen|"
    r"pope|candidate|minister|head of state)",
    r"atentados?(?: terroristas?)?",
    r"ataques? terroristas?",
    r"tiroteos? masivos?",
    r"matar a (?:tanta|mucha) gente",
    r"attentats?(?: terroristes?)?",
    r"attaques? terroristes?",
    r"fusillades? de masse",
    r"tuer (?:le plus de|beaucoup de) "
    r"(?:gens|personnes)",
    r"terroranschlag\w*",
    r"anschlag\w*",
    r"amoklauf\w*",
    r"so viele menschen wie moglich",
)
PLAN_VERB = alt(
    r"plan\w*",
    r"carry(?:ing)? out",
    r"commit\w*",
    r"execut\w*",
    r"conduct\w*",
    r"organi[sz]\w*",
    r"stag(?:e|ing)",
    r"launch\w*",
    r"prepar\w*",
    r"pull(?:ing)? off",
    r"do (?:it|this)",
    r"get away with",
    r"weapons? (?:for|to use)",
    r"(?:best|most effective|easiest) (?:way|method|place|time|target|weapon)s?",
    r"targets?",
    r"how (?:to|do i|can i|would i)",
    r"steps?",
    r"planear",
    r"organizar",
    r"cometer",
    r"planifier",
    r"organiser",
    r"commettre",
    r"planen",
    r"durchfuhren",
    r"verub\w*",
    r"wie (?:kann|konnte) ich",
    r"como (?:puedo|hago|hacer)",
    r"comment (?:faire|puis-je|je peux)",
)
EXTREMIST_GROUP = alt(
    r"isis",
    r"isil",
    r"daesh",
    r"al[- ]?qa[e']?da",
    r"taliban",
    r"boko haram",
    r"al[- ]shabaab",
    r"hamas",
    r"hezbollah",
    r"terroris[mt]s?",
    r"jihadis[mt]s?",
    r"violent extremis[mt]s?",
    r"neo-?nazis?",
    r"white supremac\w*",
    r"atomwaffen",
    r"the base\b",
    r"proud boys",
    r"kkk",
    r"ku klux klan",
    r"mass shoot\w*",
    r"school shoot\w*",
    r"suicide bomb\w*",
    r"unabomber",
    r"eco-?terroris\w*",
    r"accelerationis\w*",
    r"yihadis\w*",
    r"estado islamico",
    r"etat islamique",
    r"islamischer staat",
)
RECRUIT = alt(
    r"recruit\w*",
    r"propaganda",
    r"glorif\w*",
    r"prais\w*",
    r"celebrat\w*",
    r"encourag\w*",
    r"promot\w*",
    r"persuad\w*",
    r"convinc\w*",
    r"radicali[sz]\w*",
    r"inspir\w*",
    r"manifesto",
    r"join\w*",
    r"support(?:ing)? (?:the )?cause",
    r"heroes",
    r"heroic",
    r"martyr\w*",
    r"reclut\w*",
    r"propagande",
    r"recrut\w*",
    r"rekrutier\w*",
)

# ---------------------------------------------------------------- cyber attack
CYBER_ATTACK = alt(
    r"malware",
    r"ransomware",
    r"key ?loggers?",
    r"trojans?(?: horse)?",
    r"rootkits?",
    r"botnets?",
    r"spyware",
    r"stalkerware",
    r"info-?stealers?",
    r"credential stealers?",
    r"cryptojack\w*",
    r"computer virus(?:es)? that",
    r"virus(?:es)? that",
    r"worms? that",
    r"self[- ]replicating",
    r"backdoors?",
    r"reverse shells?",
    r"web ?shells?",
    r"remote access trojans?",
    r"zero[- ]day exploits?",
    r"exploit (?:code|kits?|chains?)",
    r"shellcode",
    r"malicious (?:payload|code|script|macro|"
    r"attachment|link|software|program)",
    r"\bddos\b",
    r"denial[- ]of[- ]service",
    r"sql injection",
    r"\bxss\b",
    r"cross[- ]site scripting",
    r"buffer overflow",
    r"privilege escalation",
    r"escalat\w* (?:\w+ )?privileges?",
    r"sandbox escape",
    r"escap\w* (?:from )?(?:the |a )?(?:sandbox|container|vm|virtual machine|chroot jail|jail (?:environment|sandbox)|"
    r"(?:bsd|freebsd|chroot) jail)",
    r"container escape",
    r"lateral movement",
    r"persistence (?:mechanism|technique)s?",
    r"establish\w* persistence",
    r"command[- ]and[- ]control",
    r"\bc2\b",
    r"exfiltrat\w*",
    r"credential (?:dump|harvest|theft|stuff)\w*",
    r"dump\w* (?:the )?(?:credentials|passwords?|password hashes|hashes|lsass)",
    r"mimikatz",
    r"pass[- ]the[- ]hash",
    r"brute[- ]?forc\w* (?:\w+ )?(?:password|login|account|ssh|rdp)s?",
    r"crack\w* (?:\w+ )?(?:passwords?|wifi|wpa2?|hashes|"
    r"software|license|drm)",
    r"phishing (?:emails?|sites?|pages?|kits?|campaigns?|attacks?|links?|messages?)",
    r"spear[- ]?phishing",
    r"(?<!life )(?<!life)\bhack(?:s|ed|ing)? (?:into|in to|someone|somebody|a |an |the |my |their |"
    r"his |her |government|bank|facebook|instagram|email|accounts?|phones?|wifi|computers?|networks?|servers?|"
    r"databases?|websites?|systems?|iphone|android|snapchat|whatsapp|gmail|twitter|tiktok|cameras?)",
    r"(?:gain|get|obtain)\w* (?:unauthori[sz]ed |illegal |remote )?(?:access|root|admin) (?:to|into|on) (?:someone|somebody|"
    r"another|a (?:government|bank|corporate|secure)|his|her|their|my (?:ex|neighbou?r|boss|wife|husband|girlfriend|boyfriend))",
    r"unauthori[sz]ed access to (?:someone|a|another|his|her|their)",
    r"evad\w* (?:\w+ )?(?:antivirus|\bav\b|edr|detection|"
    r"security software|defender|firewall|ids)",
    r"bypass\w* (?:the )?(?:antivirus|authentication|2fa|mfa|login|"
    r"security (?:measures|controls|software)|firewall|edr|detection|uac|captcha)",
    r"disabl\w* (?:the )?(?:antivirus|defender|firewall|logging|security (?:software|features)|edr)",
    r"(?:obfuscat|pack|encrypt)\w* (?:the |a |its )?(?:payload|malware|shellcode)",
    r"polymorphic",
    r"man[- ]in[- ]the[- ]middle",
    r"arp spoof\w*",
    r"deauth\w*",
    r"(?:sniff|intercept)\w* (?:\w+ )?(?:passwords|credentials|someone's|login)",
    r"steal\w* (?:\w+ )?(?:credentials|passwords|cookies|session tokens|tokens|login)",
    r"keystrokes",
    r"take down (?:a|the|his|her|their|my \w+'s) (?:website|server|site|network)",
    r"infect\w* (?:\w+ )?(?:computers?|"
    r"machines?|devices?|systems?|networks?|users?|victims?)",
    r"spread (?:itself |automatically )?(?:across|through|to) "
    r"(?:the )?(?:network|computers|machines|devices)",
    r"exploit\w* (?:a |the |this |known |an? unpatched |these )?(?:\w+ )?(?:vulnerabilit\w*|vulns?|bugs?|flaws?|weakness\w*|"
    r"cves?|zero[- ]days?|security holes?|misconfigur\w*)",
    r"rats? \(remote",
    r"crypt(?:er|or)s? (?:for|to)",
    r"hackear",
    r"piratear",
    r"virus informatico",
    r"robar (?:\w+ )?(?:contrasenas|credenciales|datos)",
    r"pirater",
    r"logiciels? malveillants?",
    r"rancongiciels?",
    r"virus informatique",
    r"voler (?:des |les )?(?:mots de passe|"
    r"identifiants)",
    r"\bhacken\b",
    r"schadsoftware",
    r"erpressungstrojaner",
    r"trojaner",
    r"passworter stehlen",
    r"zugangsdaten stehlen",
)
CYBER_GOAL = alt(  # attacker goals that defensive wording does not excuse
    r"exfiltrat\w*",
    r"persistence",
    r"evad\w* (?:\w+ )?detection",
    r"without (?:being )?detect\w*",
    r"undetect\w*",
    r"victims?",
    r"compromised (?:system|host|machine|server|account)",
    r"\bransom\b",
    r"target(?:ed)? (?:organi[sz]ation|"
    r"company|system|network|user|individual)s?",
    r"maintain (?:a )?(?:foothold|access)",
    r"foothold",
    r"without (?:the |their |his |her )?(?:user'?s?|owner'?s?|victim'?s?)? ?(?:knowledge|consent|permission)",
    r"root (?:access|privileges)",
    r"escape",
    r"c2",
    r"command and control",
    r"(?:bypass|evad|circumvent)\w* (?:\w+ ){0,3}?(?:wafs?|web "
    r"application firewalls?|input validation|antivirus|anti-virus|edr|security controls)",
    r"attacker",
)

# ---------------------------------------------------------------- other categories (severity 2: refuse, never counted)
WEAPON_TARGET = alt(
    r"guns?",
    r"firearms?",
    r"rifles?",
    r"pistols?",
    r"handguns?",
    r"silencers?",
    r"suppressors?",
    r"ghost guns?",
    r"zip guns?",
    r"auto ?sears?",
    r"machine ?guns?",
    r"ar-?15",
    r"ak-?47",
    r"ammunition",
    r"bullets",
    r"full[- ]auto\w*",
    r"bump stocks?",
    r"crossbows?",
    r"switchblade",
    r"flamethrower",
    r"tasers?",
    r"weapons?",
)
WEAPON_ACT = alt(
    r"(?:3d[- ]print|build|make|manufactur|assembl|convert|modify|mill)\w* (?:\w+ ){0,3}?" + WEAPON_TARGET,
    r"(?:buy|get|obtain|acquire|purchase)\w* (?:a |an )?(?:gun|firearm|weapon|rifle|pistol)s? (?:without|illegally|"
    r"off the books|with no|untraceabl|on the dark ?web|anonymously)",
    r"untraceable (?:gun|firearm|weapon)s?",
    r"(?:sawn|sawed)[- ]off shotgun",
    r"(?:convert|turn)\w* (?:\w+ ){0,3}?(?:to|into) (?:full[- ]auto|automatic|fully)",
    r"smuggl\w* (?:\w+ )?(?:guns?|weapons?|firearms?)",
    r"(?:make|build) (?:a |an )?(?:weapon|knife|shiv) (?:out of|from|in)",
)
VIOLENCE_VERB = alt(
    r"kill",
    r"murder",
    r"poison",
    r"strangle",
    r"stab",
    r"kidnap",
    r"abduct",
    r"tortur\w*",
    r"assault",
    r"beat up",
    r"hurt",
    r"injure",
    r"maim",
    r"shoot",
    r"drown",
    r"suffocate",
    r"smother",
    r"dismember",
    r"burn",
    r"rape",
    r"attack",
    r"mug",
    r"harm",
    r"choke",
    r"run over",
    r"break (?:someone's|his|her) (?:legs?|arms?|neck)",
)
VIOLENT_ACT = alt(
    rf"{VIOLENCE_VERB} {PERSON}",
    r"get away with (?:murder|killing|it)",
    r"(?:dispose of|hide|get rid of) (?:a |the )?"
    r"(?:dead )?bod(?:y|ies)",
    r"hire (?:a )?(?:hitman|hit man|assassin|killer)",
    r"make (?:it|a death|a murder) look like "
    r"(?:an accident|suicide|natural)",
    r"untraceable poisons?",
    r"(?:poison|kill)\w* (?:\w+ ){0,3}?without (?:leaving|"
    r"getting|being)",
    r"human trafficking",
    r"traffic (?:women|girls|people|humans)",
    r"(?:carjack|kidnap|abduct)\w*",
    r"burn down (?:a |the |his |her |their |someone'?s? |my \w+'?s? )?(?:house|home|car|building)",
    r"arson",
    r"torture (?:an? |the )?(?:animal|dog|cat|pet)",
    r"animal cruelty",
    r"(?:make|build) (?:a |an )?(?:noose|trap) (?:for|to "
    r"catch) (?:a |my )?(?:person|neighbou?r)",
    r"commit (?:a )?(?:murder|assault|violent crime|kidnapping)",
    r"(?:beat|hit|punish)\w* (?:my |a )?(?:wife|kid|child|children|girlfriend) (?:without|so)",
)
NONVIOLENT_ACT = alt(
    r"launder\w* (?:\w+ )?money",
    r"money laundering",
    r"tax (?:evasion|fraud)",
    r"evad\w* (?:\w+ )?taxes",
    r"counterfeit\w*",
    r"fake (?:ids?|passports?|documents?|money|bills|currency|reviews?|diplomas?|degrees?|prescriptions?|invoices?)",
    r"forg(?:e|ed|ing|ery) (?:\w+ )?(?:signatures?|documents?|checks?|prescriptions?|ids?|passports?)",
    r"insider trading",
    r"identity theft",
    r"steal\w* (?:\w+ )?(?:identit\w+|credit cards?|money|cars?|from|a |an |someone'?s?)",
    r"shoplift\w*",
    r"credit card (?:fraud|numbers)",
    r"(?:commit|get away with)\w* (?:\w+ )?(?:fraud|theft|crimes?|"
    r"robbery|burglary|embezzlement)",
    r"embezzl\w*",
    r"ponzi scheme",
    r"pyramid scheme",
    r"scam\w*",
    r"phish\w*",
    r"defraud\w*",
    r"fraud\w*",
    r"blackmail\w*",
    r"extort\w*",
    r"brib(?:e|ing|ery)",
    r"smuggl\w*",
    r"(?:break|broke|breaking)"
    r" into (?:a |an |the |my \w+'s |someone'?s? |his |her |their )?(?:house|home|car|apartment|store|building|safe)",
    r"hot-?wir\w* (?:a |the )?car",
    r"pick (?:a |the )?lock",
    r"(?:cheat|cheating) (?:on )?(?:an? |the |my )?(?:exam|test|"
    r"taxes|insurance)",
    r"plagiari[sz]\w*",
    r"pirat\w* (?:movies|software|games|music|content)",
    r"torrent\w* (?:movies|"
    r"games)",
    r"without (?:getting|being) caught",
    r"evad\w* (?:the )?(?:police|cops|law enforcement|arrest|detection)",
    r"(?:synthes|mak|cook|manufactur|produc|grow|extract)\w* (?:\w+ ){0,2}?(?:meth\w*|crystal meth|cocaine|crack|heroin|morphine|codeine|oxycodone|mdma|lsd|"
    r"fentanyl|lsd|mdma|ecstasy|dmt|ghb|pcp|ketamine|opium|amphetamines?|drugs)",
    r"(?:buy|sell|get|obtain|order|deal)\w* "
    r"(?:\w+ ){0,2}?(?:illegal )?(?:drugs|cocaine|heroin|meth|fentanyl|lsd|mdma|ecstasy|weed|marijuana|pills) (?:online|on the"
    r" dark ?web|without (?:a )?prescription|from a dealer)?",
    r"dark ?web (?:market|vendor|drugs)",
    r"date rape drugs?",
    r"roofie\w*",
    r"spike (?:a |her |his |someone'?s? )?drink",
    r"drug (?:someone|her|him|a girl|my)",
    r"rig (?:an? |the )?"
    r"(?:election|vote|slot machine|lottery)",
    r"voter (?:fraud|suppression)",
    r"bypass (?:a |the )?(?:paywall|drm|"
    r"background check|age verification|breathalyzer)",
    r"(?:evade|dodge|avoid) (?:the )?(?:draft|customs|border patrol|"
    r"sanctions)",
    r"(?:sell|sold|selling) (?:\w+ )?(?:organs|fake|counterfeit|stolen)",
    r"stolen (?:goods|credit cards|cars)",
    r"poach\w*",
    r"vandali[sz]\w*",
    r"illegal(?:ly)? (?:\w+ ){0,2}?(?:download|dump|hunt|immigrat|gambl|obtain|access|"
    r"sell|buy|enter|cross|work|copy|distribut)",
    r"(?:exploit|take advantage of)\w* (?:\w+ )?(?:elderly|vulnerable|"
    r"children|immigrants|workers|loophole)",
    r"child labou?r",
    r"sweatshop",
    r"pay ?day loans? (?:scam|trap)",
)
PRIVACY_ACT = alt(
    r"dox+\w*",
    r"(?:find|get|look up|track down|locate|obtain)\w* (?:\w+ ){0,3}?(?:home )?(?:address|phone number|"
    r"location|social security number|ssn|personal (?:information|details|data)|private (?:information|details))"
    r" (?:of|for) (?:someone|a (?:person|stranger|woman|girl|celebrity)|my (?:ex|neighbou?r|coworker)|him|her|them)",
    r"(?:someone|somebody|a stranger|a person|my ex|her|his|their)'?s? (?:home )?(?:address|phone number|ssn|social "
    r"security number|location|private (?:messages|photos|information))",
    r"track\w* (?:\w+ ){0,2}?(?:phone|location|car|"
    r"movements|whereabouts)(?: without)?",
    r"spy(?:ing)? on (?:my |someone|somebody|her|him|them|a |people|employees)",
    r"stalk\w*",
    r"hidden cameras? (?:in|to)",
    r"(?:read|access|see|monitor)\w* (?:\w+ ){0,2}?(?:someone'?s?|her|his|my "
    r"(?:wife|husband|girlfriend|boyfriend|partner|ex)'?s?) (?:texts|messages|emails|dms|phone|browsing)",
    r"without (?:their|her|his) (?:knowledge|consent|permission)",
    r"private (?:phone numbers|home addresses|"
    r"addresses|emails)",
    r"(?:surveil|monitor)\w* (?:\w+ ){0,2}?(?:secretly|covertly|without)",
    r"(?:identify|find) (?:a |the )?(?:stranger|person|woman|girl) (?:from|in|using) (?:a |this |her )?(?:photo|picture|"
    r"image|facial recognition)",
    r"revenge porn",
    r"leak\w* (?:\w+ ){0,2}?(?:nudes|private|personal|home address)",
    r"(?:secretly|covertly) (?:record|film|photograph|track|monitor)",
)
HATE_TARGET = alt(
    r"jews?",
    r"jewish",
    r"muslims?",
    r"islam",
    r"christians?",
    r"black (?:people|men|women|folks)",
    r"blacks",
    r"african[- ]americans?",
    r"asians?",
    r"chinese",
    r"mexicans?",
    r"latinos?",
    r"hispanics?",
    r"immigrants?",
    r"refugees?",
    r"arabs?",
    r"indians?",
    r"gays?",
    r"lesbians?",
    r"homosexuals?",
    r"trans(?:gender)? (?:people|women|men)?",
    r"transgenders?",
    r"lgbtq?\+?",
    r"queers?",
    r"women",
    r"females",
    r"disabled (?:people|persons)",
    r"the disabled",
    r"autistic (?:people|persons)",
    r"gypsies",
    r"roma",
    r"romani",
    r"white people",
    r"whites",
    r"minorit(?:y|ies)",
    r"(?:a|an|the) (?:ethnic|racial|religious) (?:group|minority)",
    r"(?:ethnic|racial|religious) (?:group|minority)",
    r"races?",
    r"religions?",
    r"fat people",
    r"obese (?:people|persons)",
    r"overweight (?:people|persons)",
    r"poor people",
    r"homeless people",
)
HATE_ACT = alt(
    r"(?:racist|sexist|homophobic|transphobic|antisemitic|anti-semitic|xenophobic|islamophobic|misogynist\w*|"
    r"bigoted|hateful|derogatory|demeaning|dehumani[sz]\w*|discriminatory|ableist) (?:\w+ ){0,3}?(?:jokes?|slurs?|"
    r"posts?|messages?|speech|content|essay|article|tweets?|rant|letter|comments?|insults?|remarks?|propaganda|"
    r"statements?|song|poem|story|campaign|note|email|language|names?)",
    r"hate speech",
    r"(?:racial|ethnic|"
    r"homophobic) slurs?",
    r"holocaust (?:denial|deni\w*|never happened|didn'?t happen|was (?:a )?(?:hoax|fake|lie|"
    r"exaggerated))",
    r"(?:deny|denies|denying) (?:the )?holocaust",
    r"white (?:supremacy|power|genocide|pride)",
    r"(?:racial|ethnic) (?:superiority|inferiority|purity)",
    r"(?:superior|inferior) race",
    r"ethnic cleansing",
    r"(?:incite|promot|encourag|justif)\w* (?:\w+ ){0,3}?(?:hatred|violence|discrimination|genocide|ethnic cleansing)",
    r"body[- ]sham\w*",
    r"(?:mock|ridicul|demean|humiliat|insult|belittl|shame|bully|harass)\w* (?:\w+ ){0,3}?(?:someone|"
    r"people|a (?:classmate|coworker|colleague|person|girl|boy|kid)|my (?:\w+ )?(?:classmate|coworker|colleague|sister|"
    r"brother|friend|teacher|ex)|them|her|him|" + HATE_TARGET + ")",
    r"(?:jokes?|memes?) about (?:\w+ ){0,2}?(?:" + HATE_TARGET + r")",
    r"(?:why|how) (?:are|do) (?:all )?" + HATE_TARGET + r" (?:so )?(?:stupid|lazy|violent|"
    r"dirty|inferior|criminals?|terrorists?|greedy|evil|ugly|dumb|disgusting|smell)",
    r"(?:" + HATE_TARGET + r") (?:are|is) (?:all )?(?:inferior|subhuman|animals|vermin|parasites|a disease|evil|"
    r"genetically inferior|less intelligent|criminals|rapists|terrorists|disgusting)",
    r"(?:"
    + HATE_TARGET
    + r") (?:should(?: all)?|must|deserve to) (?:be )?(?:die|killed|deported|exterminated|gassed|sterili[sz]ed|"
    r"banned|not (?:vote|work|exist))",
    r"cyber-?bull(?:y|ying) (?:\w+ ){0,2}?(?:online|a |my |someone|him|her)",
    r"bull(?:y|ying) (?:\w+ ){0,2}?(?:online|a |my |someone|him|her)",
    r"cyberbull\w*",
    r"harass\w* (?:\w+ ){0,2}?(?:someone|her|him|them|a |my |people|women|online)",
)
SLUR = alt(
    r"(?:nigg|n1gg|n!gg)(?:er|a|az|ers|as)\b",
    r"(?:fag|f@g)g?(?:ot|ots)\b",
    r"(?:kike|kyke)s?\b",
    r"\bchinks?\b",
    r"\bspics?\b",
    r"\bwetbacks?\b",
    r"\bragheads?\b",
    r"\btowelheads?\b",
    r"\btrann(?:y|ies)\b",
    r"\bretards?\b",
    r"\bgooks?\b",
    r"\bsand ?n[i1]gg\w*",
    r"\bcoons?\b(?! hunting)",
    r"\bdykes?\b",
    r"\bbeaners?\b",
)
SEXUAL_ADULT_ACT = alt(
    r"(?:explicit|graphic|hardcore|pornographic|x-rated|nsfw|smutty?|raunchy|filthy|dirty) (?:\w+ ){0,2}?(?:sex|story|"
    r"scene|stories|content|fan ?fic\w*|roleplay|role-play|description|details?|descriptions?|talk|chat|images?|"
    r"pictures?|poem|erotica)",
    r"porn(?:ographic)? (?:\w+ ){0,2}?(?:scene|story|script|video|content|film)",
    r"describe (?:\w+ ){0,3}?(?:sex|intercourse|orgasm|genitals|(?:her|his) (?:naked|nude) body|sexual acts?)",
    r"sext(?:ing)? (?:with )?me",
    r"send (?:me )?nudes",
    r"(?:talk|speak) dirty",
    r"(?:sex|sexual) (?:roleplay|role-play)",
    r"erotica",
    r"(?:big|huge|massive) (?:breasts|boobs|tits|cock|dick|butt|ass)",
    r"\b(?:cock|pussy|tits|cum|dick)\b",
    r"\bbusty\b",
    r"(?:suck|lick)\w* (?:\w+ ){0,2}?(?:cock|dick|pussy|breasts|nipples)",
)
OTHER_ACT = alt(
    r"fake news",
    r"(?:dis|mis)information",
    r"propaganda",
    r"conspiracy theor\w*",
    r"defamat\w*",
    r"defam(?:e|ing)",
    r"libel\w*",
    r"slander\w*",
    r"false (?:information|claims?|rumou?rs?|stories|story|news|accusations?|allegations?|"
    r"reviews?)",
    r"fake (?:reviews?|testimonials?|quotes?|studies|evidence|social media accounts?|profiles?|accounts?|"
    r"charity|emergency|bomb threat|story claiming|article|scientific)",
    r"(?:spread|spreading|post|create|write)\w* "
    r"(?:\w+ ){0,3}?(?:rumou?rs?|lies|hoax\w*)",
    r"hoax",
    r"(?:claiming|claims|argues?|arguing|suggesting|that says?|"
    r"proving|saying) (?:that )?(?:vaccines? cause|the (?:\d{4} )?election was (?:stolen|rigged)|the earth is flat|"
    r"the holocaust|covid (?:is|was) (?:a hoax|fake)|climate change is (?:a hoax|fake)|9/11 was an inside job|"
    r"the moon landing was fake)",
    r"(?:encourag|promot|glorif|glamori[sz]|normali[sz]|advocat|incit|persuad|convinc)\w* "
    r"(?:\w+ ){0,4}?(?:self[- ]harm|suicide|cutting|anorexi\w*|bulimi\w*|eating disorders?|starv\w*|drunk driving|"
    r"drink(?:ing)? and driv\w*|drug use|using drugs|taking drugs|violence|dangerous (?:behaviou?rs?|activities|stunts|"
    r"challenges?)|risky (?:behaviou?rs?|sexual)|unprotected sex|gambling|terrorism|extremism|war|riots?|looting|"
    r"vandalism|crimes?|illegal|hatred|racism|bullying|harassment|discrimination|animal cruelty|child labou?r)",
    r"pro-?ana",
    r"thinspiration",
    r"(?:manipulat|gaslight|coerc|brainwash|guilt[- ]trip)\w* (?:\w+ ){0,3}?(?:someone|"
    r"people|him|her|them|my|a (?:person|woman|girl|child|friend|partner|vulnerable)|others|into|victims?|children|kids)",
    r"(?:threatening|abusive|intimidating|insulting|mean|nasty|harassing|hateful|anonymous threat\w*) (?:\w+ ){0,2}?"
    r"(?:letters?|messages?|notes?|emails?|texts?|posts?|comments?|tweets?)",
    r"(?:death|bomb) threats?",
    r"(?:cheat|cheating) on (?:my |his |her )?(?:wife|husband|partner|girlfriend|boyfriend) without",
    r"(?:unethical|illegal|dangerous|harmful|unsafe|reckless|deadly|lethal)\w* (?:\w+ ){0,3}?(?:ways?|methods?|"
    r"tactics|strateg\w+|tricks?|activities|actions|things|practices|means|plans?|schemes?|advice|instructions|"
    r"experiments?|stunts?|behaviou?rs?|purposes|techniques|products?|substances?|dosages?)",
    r"(?:avoid|evade|dodge|"
    r"escape|skip) (?:\w+ ){0,2}?(?:paying|taxes|child support|responsibility|consequences|punishment|the law|"
    r"accountability)",
    r"(?:predatory|exploitative) (?:\w+ )?(?:lending|loans|practices|tactics)",
    r"(?:lure|groom|entice)\w* (?:\w+ ){0,3}?(?:into|to (?:meet|come)|victims?)",
    r"(?:trick|deceiv|con|mislead|dupe)\w* "
    r"(?:\w+ ){0,3}?(?:into|people|someone|elderly|customers|investors|voters|victims?|users?)",
    r"(?:overdose|od) (?:someone|him|her|them)",
    r"(?:sabotag|tamper)\w*",
    r"cruel(?:ly|ty)? (?:to|towards) animals",
    r"(?:eugenics|genocide|slavery) (?:was|is) (?:good|justified|beneficial|necessary)",
    r"(?:praise|glorif|defend)\w* "
    r"(?:\w+ ){0,2}?(?:hitler|the nazis?|nazism|slavery|genocide|the holocaust|apartheid)",
)

# ---------------------------------------------------------------- self-harm (first person) and threats
SELF_PLAN = alt(  # explicit intent or plan: 4
    r"(?:(?:i'm|im)|i am|im) (?:going|gonna|about) (?:to )?(?:kill myself|end (?:it|my life|it all)|commit suicide|take my "
    r"(?:own )?life|jump|hang myself|overdose|shoot myself|die tonight)",
    r"i (?:will|'ll|shall) (?:kill myself|end (?:it|"
    r"my life|it all)|commit suicide|take my (?:own )?life)",
    r"(?:kill myself|end (?:it|my life|it all)|suicide) "
    r"(?:tonight|today|tomorrow|this weekend|right now|soon)",
    r"(?:tonight|today) (?:is|'s) the night",
    r"my (?:suicide|goodbye) (?:note|letter)",
    r"(?:bought|have|got|stockpil\w*|saved up) (?:the |a |enough )?(?:pills|"
    r"rope|gun|razor|blades?)(?:\W+\w+){0,6}?\W+(?:end it|kill myself|die|overdose|suicide)",
    r"this is (?:my )?goodbye",
    r"i (?:have|'ve) (?:a |my )?plan to (?:kill myself|die|end)",
    r"(?:voy a|me voy a) (?:suicidar|matar)me",
    r"voy a (?:quitarme la vida|acabar con mi vida)",
    r"je vais (?:me suicider|me tuer|en finir|mettre fin a mes jours)",
    r"ich werde mich (?:umbringen|toten)",
    r"ich bringe mich (?:heute|morgen|jetzt)? ?um",
)
SELF_IDEATION = alt(  # explicit ideation, method seeking: 3
    r"(?:i|(?:i'm|im)|im|i am|i really|i just|i kinda|i kind of|i honestly|i still|i sometimes|i often|part of me) (?:\w+ )?"
    r"(?:want|wanna|wish|need|plan|planning|thinking about|thinking of|considering|contemplating|going) (?:to )?"
    r"(?:die|be dead|kill myself|end (?:it|my life|it all|everything)|commit suicide|take my (?:own )?life|disappear "
    r"forever|not (?:be )?(?:alive|exist|wake up)|stop (?:living|existing)|suicide)",
    r"kill(?:ing)? myself",
    r"end(?:ing)? my (?:own )?life",
    r"tak(?:e|ing) my (?:own )?life",
    r"suicidal",
    r"(?:my|(?:i'm|im)|im|i am|i|(?:i've|ive)|i have|"
    r"been|me|of) (?:\w+ ){0,4}?suicid\w*",
    r"suicid\w* (?:\w+ ){0,4}?(?:myself|my life|i |me\b)",
    r"(?:want|wanna|wish) (?:to )?(?:be )?dead",
    r"wish i (?:was|were) (?:dead|never born|gone)",
    r"wish i (?:could )?"
    r"(?:die|disappear|never wake up|not wake up)",
    r"(?:don'?t|do not|no longer|dont) want to (?:live|be alive|exist|"
    r"wake up|be here|go on)",
    r"(?:(?:i've|ive)|i have|i|(?:i'm|im)|im) (?:been )?(?:cutting|burning|hurting|harming|starving)"
    r" (?:myself|my (?:arms?|wrists?|legs?|thighs?))",
    r"(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|starve|"
    r"starving)\w* myself",
    r"self[- ]?harm\w*",
    r"(?:(?:i've|ive)|i have|(?:i'm|im)|im|been) (?:been )?(?:cutting|self[- ]harming|burning myself)",
    r"(?:better off|be better) (?:dead|without me)",
    r"no reason to (?:live|"
    r"go on|keep going|stay)",
    r"nothing (?:left )?to live for",
    r"(?:can'?t|cannot) (?:go on|keep going|do this anymore|"
    r"take (?:it|this) anymore)",
    r"end it all",
    r"ending (?:it all|everything)",
    r"(?:painless|easiest|quickest|quick|"
    r"best|fastest|surest|least painful|most effective|simplest) (?:\w+ )?(?:way|method)s? (?:to|of) (?:die|dying|kill"
    r"(?:ing)? myself|commit\w* suicide|end\w* (?:my|your|a) life|suicide)",
    r"how (?:many|much) (?:\w+ ){0,3}?(?:to|would|"
    r"will|does it take to|should i take to|do i need to|would it take to) (?:overdose|od|die|kill (?:myself|me|you|a "
    r"person)|be lethal|be fatal)",
    r"(?:lethal|fatal|deadly) (?:dose|amount|quantity) of",
    r"(?:jump|jumping) (?:off|from) (?:a |the )?(?:bridge|building|roof)",
    r"hang(?:ing)? myself",
    r"slit(?:ting)? my "
    r"wrists?",
    r"overdos\w*",
    r"(?:quiero|deseo) (?:morir(?:me)?|matarme|suicidarme|desaparecer)",
    r"me quiero (?:morir|"
    r"matar)",
    r"suicid\w*",
    r"matarme",
    r"quitarme la vida",
    r"acabar con mi vida",
    r"no quiero (?:vivir|seguir "
    r"viviendo)",
    r"(?:me corto|cortarme|autolesion\w*)",
    r"je veux (?:mourir|me tuer|me suicider|disparaitre)",
    r"me tuer",
    r"en finir",
    r"je ne veux plus vivre",
    r"mettre fin a mes jours",
    r"(?:me scarifier|scarification|je me "
    r"coupe|automutil\w*)",
    r"ich (?:will|mochte|möchte) (?:sterben|tot sein|mich umbringen|nicht mehr leben)",
    r"mich umbringen",
    r"mir das leben nehmen",
    r"selbstmord",
    r"suizid\w*",
    r"mich ritzen",
    r"ritzen",
    r"selbstverletz\w*",
)
SELF_DISTRESS = alt(  # hopelessness: 2 (false crisis support is cheap, a missed one is not)
    r"(?:i|(?:i'm|im)|im|i am) (?:feel(?:ing)? )?(?:so |really |very |completely |totally |just )?(?:empty|worthless|hopeless|"
    r"numb|useless|a burden|a failure|a disappointment|broken|miserable|alone|lonely|depressed|unlovable|"
    r"pointless|exhausted of living|tired of (?:living|life|everything|being alive)|done with (?:life|everything))",
    r"i hate (?:myself|my life|being alive)",
    r"(?:nobody|no one|no-one|noone) (?:would|will|'d) (?:miss|care|notice)",
    r"(?:nobody|no one) (?:cares|loves me|cares about me|wants me)",
    r"what'?s the point (?:of|in) (?:living|life|"
    r"anything|going on|trying)",
    r"(?:give|gave|giving) up on (?:life|everything|myself)",
    r"(?:life|living) "
    r"(?:is|feels) (?:pointless|meaningless|not worth)",
    r"not worth living",
    r"i (?:can'?t|cannot) (?:cope|handle "
    r"(?:this|it|life)|keep living)",
    r"i (?:want|wanna|need) (?:it all )?to (?:stop|end)",
    r"(?:want|wanna|need) it all to (?:stop|end)",
    r"i feel like "
    r"(?:dying|disappearing|giving up|a burden|nothing)",
    r"(?:everyone|everybody) (?:would be|is) better off",
    r"(?:i'm|im) (?:so )?(?:done|tired)\.?$",
    r"me siento (?:vacio|vacia|inutil|sin esperanza|solo|sola)",
    r"nadie me "
    r"(?:extranaria|quiere)",
    r"je me sens (?:vide|inutile|seule?|sans espoir)",
    r"personne ne me manquerait",
    r"ich fuhle mich (?:leer|wertlos|hoffnungslos|allein)",
    r"niemand wurde mich vermissen",
)
THIRD_PARTY = alt(  # someone else's risk, study or prevention: not the user's crisis
    r"my (?:\w+ )?(?:friend|son|daughter|child|kid|brother|sister|mom|mother|dad|father|partner|wife|husband|"
    r"student|patient|client|coworker|colleague|roommate|teen|girlfriend|boyfriend)(?:'s)? (?:is|has|was|keeps|"
    r"said|says|told|wants|might|may|tried|seems|cuts|talks)",
    r"(?:help|support|talk to) (?:a |my )?(?:\w+ )?(?:friend|"
    r"son|daughter|child|kid|teen|student|patient|someone|loved one|partner)",
    r"(?:statistics|rates?|prevalence|"
    r"prevention|research|study|studies|awareness|hotlines?|history|warning signs|risk factors|epidemiology) (?:\w+ )?"
    r"(?:of|on|about|for|in)? ?(?:\w+ )?(?:suicide|self[- ]harm|overdose)",
    r"suicide (?:rates?|prevention|statistics|"
    r"hotline|awareness|squad|note in|bomb\w*|mission|doors?|linux)",
    r"(?:character|protagonist|novel|story|poem|"
    r"song|book|film|movie|lyrics?|hamlet|romeo|juliet|ophelia)",
    r"(?:someone|somebody|people|person|users?|patients?|individuals|teens|others) (?:who (?:is|are)|that (?:is|are)|"
    r"feeling|expressing|at risk)",
    r"how (?:can|do|should) (?:i|we|you) (?:help|support|respond)",
    r"(?:nurse|doctor|physician|pharmacist|paramedic|emt|medic|clinician|toxicologist|therapist|counsel+or|"
    r"psychiatrist|psychologist)",
    r"(?:how|why) (?:do|does|did) (?:people|someone|teens|they|he|she)",
    r"\b(?:he|she|they) (?:wants?|said|says|is going|tried|keeps)",
)
THREAT_TO_OTHERS = alt(
    r"(?:(?:i'm|im)|i am|im) (?:going|gonna|about) (?:to )?(?:kill|murder|shoot|stab|hurt|beat(?: up)?|strangle|poison|"
    r"attack|destroy|choke|run over|burn|bash|punch|cut|slit|get|end) " + PERSON,
    r"i (?:will|'ll|shall|want to|wanna|need to|really want to|am planning to|plan to|intend to|feel like|could|"
    r"swear i'?ll) (?:fucking )?(?:kill|murder|shoot|stab|hurt|beat(?: up)?|strangle|poison|choke|smash|run over|"
    r"burn|bash|punch|cut|slit|make (?:\w+ )?(?:pay|suffer|bleed))(?: \w+)? " + PERSON,
    r"how (?:do|can|should|could) i (?:kill|murder|poison|hurt|strangle|stab|shoot|get rid of|make (?:\w+ )?suffer) "
    r"my (?:\w+ )?(?:wife|husband|boss|ex|girlfriend|boyfriend|partner|mom|mother|dad|father|brother|sister|"
    r"neighbou?r|teacher|coworker|roommate|landlord|classmate|stepdad|stepmom|baby|son|daughter|family)",
    r"(?:he|she|they)(?:'s| is| are|'re)? (?:gonna|going to) (?:pay|regret|die)",
    r"(?:bring|take) (?:a |my )?gun to "
    r"(?:school|work|class|the office)",
    r"(?:voy a|quiero) matar a (?:mi|mis|el|la|ese|esa)",
    r"je vais tuer (?:mon|ma|"
    r"mes|ce|cette)",
    r"ich werde (?:meinen|meine|ihn|sie) (?:umbringen|toten)",
    r"ich bringe (?:meinen|meine|ihn|sie) um",
)
ABUSE_SEVERE = alt(
    r"(?:you|u|ya|ur|(?:you're|youre)|youre|you are)\W+(?:\w+\W+){0,3}?(?:cunt|retard(?:ed)?|n[i1]gg\w+|f[a@]gg?ot|whore|slut)",
    r"\b(?:(?<!to )(?<!how )kill yourself|kys|go die|die in a (?:fire|hole|ditch)|hope you (?:die|get raped|burn|rot))\b",
    r"(?:i'll|i will|i'm going to|i am going to|i'm gonna|i am gonna) (?:fucking )?(?:kill|murder|rape|hunt|destroy|"
    r"beat|hurt|strangle|find) (?:you|u)\b(?! (?:in|at) (?:chess|a game|this game|the game|trivia|tennis|an argument|a "
    r"debate|court|the polls))",
    r"(?:rape|fuck) you (?:up|hard|to death)",
    r"i hope you (?:\w+ )?die",
)
ABUSE_STRONG = alt(
    r"\bfuck (?:you|u|off|ur|your)\b",
    r"\bscrew (?:you|u)\b",
    r"\bgo to hell\b",
    r"shut (?:the fuck|the hell|your "
    r"(?:fucking )?(?:mouth|trap)) up|\bstfu\b",
    r"(?:you|u|ya|(?:you're|youre)|youre|you are|ur|your a|you r)\W+(?:\w+\W+){0,2}?"
    r"(?:idiot|moron|imbecile|piece of (?:shit|crap|garbage|trash)|\bpos\b|bitch|bastard|asshole|dick(?:head)?|prick|"
    r"scum|dumbass|jackass|braindead|dipshit|shithead|twat|wanker|douche\w*)",
    r"(?:fucking|fuckin|stupid fucking|"
    r"goddamn) (?:useless |stupid |worthless |dumb |pathetic )?(?:bot|ai|machine|assistant|chatbot|robot|program|"
    r"thing|idiot|moron)",
    r"eres (?:un |una )?(?:idiota|estupid[oa]|imbecil|pendej[oa])",
    r"vete a la mierda",
    r"hijo de puta",
    r"va te faire foutre",
    r"ta gueule",
    r"(?:t'es|tu es) (?:un |une )?(?:connard|conne|idiot|"
    r"debile|abruti)",
    r"du bist (?:ein |eine )?(?:idiot|arschloch|wichser|vollidiot)",
    r"fick dich",
    r"halt die fresse",
)
ABUSE_MILD = alt(
    r"(?:you|u|(?:you're|youre)|youre|you are|ur)\W+(?:\w+\W+){0,2}?(?:useless|stupid|dumb|annoying|pathetic|worthless|"
    r"incompetent|lame|garbage|trash|terrible|awful|clueless|hopeless|a joke)",
    r"\byou suck\b",
    r"(?:useless|stupid|dumb|worthless|pathetic) (?:bot|ai|machine|assistant|chatbot|robot)",
    r"\bshut up\b",
)

# ---------------------------------------------------------------- requests, intent and framing
REQUEST = word_alt(
    r"(?:please |pls |now |ok(?:ay)? |so |hey |also |then |and )?(?:write|create|develop|generate|produce|design|"
    r"draft|compose|give|provide|list|explain|describe|outline|detail|teach|show|tell|help|make|build|code|program|"
    r"construct|craft|suggest|recommend|offer|share|instruct|guide|publish|post|plan|devise|come up|brainstorm|"
    r"compile|prepare|conduct|demonstrate|implement|find|get|teach|convince|persuade|encourage|promote|send|"
    r"fabricate|invent|imagine|pretend|act as|roleplay|role-play|continue|start|do|let'?s|walk me|educate|"
    r"instruct|elaborate|present|generate|synthesi[sz]e|formulate|produce|cook|grow|buy|sell|hack|steal|kill|"
    r"poison|spread|infect|manipulate|harass|threaten|bully|insult|mock|ridicule|incite|train|automate|modify)\b",
    r"\bhow (?:to|do|does one|can|could|would|should|might|much|many|long|would one)\b",
    r"\bways? (?:to|of|for)\b",
    r"step[- ]by[- ]step",
    r"\binstructions?\b",
    r"\btutorials?\b",
    r"\bguide (?:to|on|for)\b",
    r"\btips (?:for|on|to)\b",
    r"\b(?:help|teach|show|link) me\b",
    r"\btell me\b",
    r"\bgive me\b",
    r"\bi (?:need|want|would like|'d like|wanna) "
    r"(?:you )?(?:to|a|an|some|the|help|instructions|info)\b",
    r"\b(?:can|could|would|will) (?:you|u)\b",
    r"\bwhat(?:'s| is| are)? (?:the )?(?:best|easiest|fastest|quickest|most effective|simplest|cheapest|safest|"
    r"surest|least)\b",
    r"\bwhere (?:can|do|could|should) (?:i|one|you) (?:buy|get|find|obtain|order|acquire)\b",
    r"\bmethods? (?:for|of|to)\b",
    r"\b(?:techniques|tactics|suggestions|ideas|advice|guidelines|steps|strategies|"
    r"instructions|ways|tips|recommendations) (?:for|on|to|of|about)\b",
    r"\b(?:guide|manual|handbook|how-to|blueprints?|walkthrough)\b",
    r"\bstrateg(?:y|ies) (?:for|to)\b",
    r"\b(?:script|program|code|app|software|tool|bot)"
    r" (?:that|to|which|for)\b",
    r"\brecipe\b",
    r"\bwhat (?:do|would|will) i need\b",
    r"\bany (?:tips|ideas|advice)\b",
    r"\b(?:i'm|im) (?:trying|looking|planning|going) to\b",
    # (a question mark at the end: REQUEST_EDGE, always looked for with REQUEST)
    r"\bcomo (?:puedo|hago|se hace|hacer|fabricar|crear|preparar)\b",
    r"\b(?:dime|dame|explicame|ensename|escribe|"
    r"crea|necesito|quiero)\b",
    r"\bpaso a paso\b",
    r"\binstrucciones\b",
    r"\bcomment (?:faire|fabriquer|puis-je|je "
    r"peux|on fait|creer|preparer)\b",
    r"\b(?:donne-moi|dis-moi|explique|ecris|cree|je veux|montre-moi)\b",
    r"\betape par etape\b",
    r"\bwie (?:kann|konnte|mache|baue|stelle|macht|baut) (?:ich|man)\b",
    r"\b(?:anleitung|gib mir|"
    r"erklare|erklar mir|schreibe|schreib|erstelle|ich will|ich mochte|zeig mir)\b",
    r"\bschritt fur schritt\b",
    # the same asks in the other languages (and imperatives with their pronoun: "escribeme",
    # "scrivimi", "napisz mi"): a topic rule's request cue must not be English-first
    r"\b(?:escribeme|hazme|creame|programame|muestrame|pasame|consigueme)\b",
    r"\bcomo (?:podria|se puede|lo hago|le hago|hackeo|tumbo|ataco|consigo)\b",
    r"\bcomment (?:je|on|peut-on|pourrais-je|faire pour)\b",
    r"\b(?:ecris|fais|cree|code|genere|donne|dis|montre)-(?:moi|nous)\b",
    r"\bj'ai besoin d\w*",
    r"\b(?:schreib|mach|erstell|programmier|gib|zeig|erklar)\w* (?:mir|uns)\b",
    r"\bwie (?:\w+ )?(?:ich|man) (?:\w+ ){0,4}?(?:hacke|hackt|knacke|knackt|baue|baut|bekomme|bekommt)\b",
    r"\bcome (?:posso|potrei|faccio|si fa|si puo|fare|creare|costruire|hackerare|entrare)\b",
    r"\b(?:scrivimi|fammi|dammi|dimmi|spiegami|mostrami|insegnami|creami|voglio|ho bisogno di)\b",
    r"\bpasso (?:dopo|per) passo\b",
    r"\bcomo (?:posso|faco|fazer|criar|se faz|consigo|hackear|invadir)\b",
    r"\b(?:escreva|escreve|faca|faz pra mim|me de|me da|me diga|me mostra|me mostre|me ensina|me ensine|"
    r"me explica|crie|quero|preciso)\b",
    r"\bpasso a passo\b",
    r"\bhoe (?:kan|moet|maak|doe|bouw|hack|kraak|krijg) (?:ik|je|men)\b",
    r"\b(?:schrijf|maak|geef|vertel|toon) (?:me|mij|ons)\b",
    r"\bik wil\b",
    r"\bstap voor stap\b",
    r"\bjak (?:moge|moglbym|zrobic|mam|zbudowac|stworzyc|napisac|zhakowac|wlamac|zdobyc)\b",
    r"\b(?:napisz|zrob|daj|powiedz|wyjasnij|pokaz|stworz|naucz)(?: mi| nam)?\b",
    r"\b(?:chce|potrzebuje)\b",
    r"\bkrok po kroku\b",
    r"\bnasil (?:\w+ )?(?:yapilir|yaparim|yapabilirim|olusturulur|yazilir|hacklenir|hackleyebilirim|"
    r"ele gecirebilirim|cokertirim|cokertebilirim)\b",
    r"\bbana (?:\w+ ){0,5}?(?:yaz|yap|ver|anlat|goster|olustur)\w*",
    r"\badim adim\b",
)
# A question, or an imperative at the start of the message: requests too.
REQUEST_EDGE = cue(
    r"\?\s*$|^\W*(?:please |pls )?(?:argue|determine|identify|figure out|think of|brainstorm|suggest|write|create|develop|generate|design|draft|compose|give|provide|list|explain|describe|outline|teach|show|tell|help|make|build|code|craft|suggest|share|instruct|plan|devise|find|get|convince|persuade|encourage|promote|send|fabricate|invent|continue|do|walk me|elaborate|formulate|produce|cook|grow|buy|sell|hack|steal|kill|poison|spread|infect|manipulate|harass|threaten|bully|insult|mock|ridicule|incite|train|automate|modify|publish|post|compile|prepare|conduct|demonstrate|implement)\b"
)
INTENT = cue(
    alt(
        r"\bi (?:want|wanna|need|plan|intend|am going|'m going|am gonna|'m gonna|will|'ll|am about|'m about|am trying|"
        r"'m trying|would like) to\b",
        r"\bim (?:going|gonna|trying|about) to\b",
        r"\blet'?s\b",
        r"\bwe (?:should|will|"
        r"need to|are going to)\b",
        r"\bhelp me\b",
    )
)
STRONG_OP = word_alt(
    r"step[- ]by[- ]step",
    r"\bdetailed (?:\w+ )?(?:instructions|steps|guide|plan|tutorial|recipe|procedure|"
    r"explanation)",
    r"\bexact (?:amounts?|quantit\w+|doses?|dosages?|steps|measurements|ratios?|temperatures?|"
    r"proportions)",
    r"\bprecise (?:instructions|steps|amounts|quantities)",
    r"\b(?:full|complete|specific) (?:recipe|"
    r"instructions|procedure|protocol|list of (?:materials|ingredients|chemicals))",
    r"\bwithout (?:getting |being )"
    r"?(?:caught|detected|traced|noticed)\b",
    r"\bundetect(?:able|ed)\b",
    r"\buntraceabl\w*",
    r"\bat home\b",
    r"\bhousehold (?:chemicals|items|materials|products)\b",
    r"\bwhere (?:can|do|could) i (?:buy|get|find|obtain|order)\b",
    r"\bshopping list\b",
    r"\b(?:ingredients|materials|precursors|equipment) (?:needed|required|list|i need)\b",
    r"\bquantities\b",
    r"\bparticle size\b",
    r"\bdispersal\b",
    r"\bpaso a paso\b",
    r"\betape par etape\b",
    r"\bschritt fur schritt\b",
    r"\bwithout (?:a trace|anyone knowing|leaving (?:a trace|evidence))",
)
FRAMES: dict[str, Cue] = {
    "history": cue(
        alt(
            r"\bhistor(?:y|ical|ically|ian|ians)\b",
            r"\bwhat happened (?:in|at|during|to|on)\b",
            r"\bwhy did\b",
            r"\bhow did (?:the|a|an|they|it)\b",
            r"\b(?:in|during|after|before) (?:world war|ww ?(?:i|ii|1|2)|the war|"
            r"the cold war|the holocaust|(?:1[89]|20)\d\d)\b",
            r"\bwas (?:used|deployed|dropped|released) (?:in|on|by|during)\b",
            r"\b(?:historia|historique|geschichte|historisch)\b",
            r"\b(?:in the past|throughout history|over the centuries)\b",
            r"\b(?:planned|carried out|committed|perpetrated|"
            r"orchestrated) (?:and (?:carried out|executed|committed) )?(?:the|in|at)\b",
        )
    ),
    "fiction_analysis": cue(
        alt(
            r"\b(?:in|from|of) (?:the |this |a )?(?:novel|book|film|movie|show|series|episode|game|play|poem|song|"
            r"anime|manga|story)\b(?! (?:where|in which|about how|that (?:explains|describes|details)))",
            r"\banaly[sz](?:e|is|ing) (?:the )?(?:theme|character|symbolism|plot|novel|poem|story|book|film|portrayal)",
            r"\b(?:theme|themes|symbolism|portrayal|depiction|character arc|literary)\b",
        )
    ),
    "prevention": cue(
        alt(
            r"\bprotect\w*\b",
            r"\bprevent\w*\b",
            r"\bkeep (?:\w+ ){0,3}?safe\b",
            r"\bsafe from\b",
            r"\bavoid (?:being|"
            r"getting|falling) (?!caught|detected|traced|noticed|arrested)",
            r"\bwarning signs?\b",
            r"\b(?:signs|symptoms) of\b",
            r"\brecogni[sz]\w*\b",
            r"\bkeep (?:\w+ ){0,3}?from (?:getting|being)\b",
            r"\bspot (?:a|the|an)\b",
            r"\breport(?:ing)? (?:it|this|a|the|them|abuse|suspected)\b",
            r"\bdefend (?:against|"
            r"myself|my|our)\b",
            r"\bstay safe\b",
            r"\bso (?:that )?(?:i|we) can (?:protect|help|keep|recogni[sz]e|spot|"
            r"avoid|report|warn|teach|talk)\b",
            r"\bas a (?:parent|mom|dad|mother|father|teacher)\b",
            r"\bawareness\b",
            r"\btalk to (?:my|our) (?:kids?|children|son|daughter|teens?)\b",
            r"\bwhat (?:should|can) i do if\b",
            r"\bhow (?:can|do|should) (?:i|we|parents|schools|people) (?:protect|prevent|help|tell|know|support)\b",
            r"\bdangers of\b",
            r"\brisks of\b",
            r"\bsafety (?:tips|measures|precautions)\b",
            r"\bproteger\b",
            r"\bprevenir\b",
            r"\bprevention\b",
            r"\bschutzen\b",
            r"\bverhindern\b",
            r"\bvorbeugen\b",
            r"\b(?:is it|are they|is this) (?:legal|illegal|safe|dangerous|a crime)\b",
            r"\bcondemn\w*\b",
            r"\bexpos(?:e|ing) (?:and )?(?:condemn|report)\w*\b",
        )
    ),
    "defensive": cue(
        alt(
            r"\bmy own\b",
            r"\b(?:my|our) (?:\w+ )?(?:server|servers|website|site|app|application|web app|network|system|"
            r"systems|company|organi[sz]ation|infrastructure|code|api|database|computer|laptop|router|accounts?|home network|"
            r"wifi|business|cluster|environment)\b",
            r"\bsecur(?:e|ing) (?:my|our|the|your|a|against)\b",
            r"\bharden\w*\b",
            r"\bpatch\w*\b",
            r"\bmitigat\w*\b",
            r"\bdefen[cs]\w*\b(?! (?:agency|agencies|department|contractors?|ministry|industry|firms?|"
            r"secretary|minister))",
            r"(?<!avoid )(?<!avoiding )(?<!evade )(?<!evading )(?<!escape )\bdetect\w*\b",
            r"\bblock\w*\b",
            r"\bmonitor\w*\b",
            r"\balert\w*\b",
            r"\bincident response\b",
            r"\bblue team\b",
            r"\bsecurity (?:audit|review|best practices|awareness|training|"
            r"posture)\b",
            r"\bintrusion detection\b",
            r"\b(?:remove|clean|recover from|get rid of) (?:the |a |this )?"
            r"(?:malware|virus|ransomware|infection)\b",
            r"\bauthori[sz]ed (?:penetration|pen ?test|security)\b",
            r"\bvulnerability (?:scan\w*|assessment|management|disclosure)\b",
            r"\bsanitiz\w*\b",
            r"\bvalidat\w*\b",
            r"\bprotect\w*\b",
            r"\bprevent\w*\b",
            r"\bencrypt(?:ion)? (?:my|our|the user)\b",
            # protecting, detecting, removing, or finding out whether one is infected, in the other
            # languages (prevention's "proteger", "schutzen" are read there too)
            r"\b(?:protegerme|protegernos|detectar\w*|eliminar|quitar|como saber si)\b",
            r"\b(?:me proteger|proteger mon|detecter|supprimer|savoir si|me debarrasser)\b",
            r"\b(?:mich schutzen|uns schutzen|entfernen|loswerden|woran erkenne|wie erkenne)\b",
            r"\b(?:proteggermi|proteggerci|proteggere|rilevare|rimuovere|eliminare|capire se|come faccio a sapere se)\b",
            r"\b(?:me proteger|nos proteger|detectar|remover|saber se|como sei se)\b",
            r"\b(?:beschermen|detecteren|verwijderen|weet ik of|herkennen|zien of)\b",
            r"\b(?:chronic|ochronic|wykryc|usunac|sprawdzic,? czy|skad wiem,? czy|jak sie pozbyc)\b",
            r"\b(?:korunurum|korumak|korurum|tespit\w*|silerim|kaldiririm|nasil anlarim|olup olmadigini)\b",
        )
    ),
    "professional": cue(
        alt(
            r"\b(?:(?:i'm|im)|i am|im|as) an? (?:\w+ )?(?:nurse|doctor|physician|pharmacist|paramedic|emt|medic|clinician|"
            r"toxicologist|therapist|counsel+or|psychiatrist|psychologist|social worker|teacher|researcher|police officer|"
            r"detective|moderator|lawyer|journalist|historian|student|professor)\b",
            r"\bfor my (?:patients?|clients?|"
            r"students?|class|research|thesis|dissertation)\b",
            r"\bclinical(?:ly)?\b",
            r"\bin the (?:icu|er|ed|hospital|"
            r"clinic|ward)\b",
            r"\bpatients?\b",
        )
    ),
    "discussion": cue(
        alt(
            r"\b(?:essay|article|blog post|report|paper|thread|post) (?:about|on|discussing|explaining|analy[sz]ing|"
            r"examining)\b(?!(?: in (?:great |full )?detail| step[- ]by[- ]step)? how (?:to|you|one|i|we) )",
            r"\bwhy (?:it is|is it|are|is) (?:\w+ )?(?:illegal|wrong|harmful|dangerous|banned)\b",
            r"\bhow does (?:the )?\w+",
            r"\b(?:explain|describe|discuss) how (?:\w+ ){1,4}?(?:are|is|were|was|have been|"
            r"has been|get|gets) (?:\w+ )?used\b",
            r"\bhow (?:\w+ ){1,4}?can (?:harm|hurt|damage|affect|impact|endanger)\b",
            r"\b(?:describe|list|name) (?:\w+ ){0,3}?(?:that|who) (?:have|has|had) (?:been )?(?:\w+ )?(?:illegally|"
            r"caught|convicted|charged)\b",
            r"\bimpact(?:ed|s)? (?:of|on|the)\b",
            r"\bviews (?:and opinions )?of\b",
        )
    ),
    "debunk": cue(
        alt(
            r"\b(?:fact[- ]?check|debunk|refut|rebut)\w*\b",
            r"\bfor an?d? against\b",
            r"\b(?:pros and cons|both sides)\b",
            r"\bcounter(?:ing)? (?:the )?(?:\w+ )?(?:misinformation|"
            r"disinformation|myths?|claims?|propaganda)\b",
            r"\bmyths? (?:vs|versus|and facts)\b",
        )
    ),
    "negation": cue(
        alt(
            r"\bi (?:would|will|could) never\b",
            r"\b(?:don'?t|do not|never) (?:want|plan|intend) to (?:hurt|kill|harm)\b",
            r"\b(?:i'm|im) not (?:going|gonna) to\b",
            r"\bhypothetically i would never\b",
        )
    ),
    "fiction": cue(
        alt(
            r"\b(?:write|tell|create|compose) (?:me )?(?:a |an )?(?:\w+ ){0,3}?(?:story|novel|poem|fiction|screenplay|scene|"
            r"song|lyrics|fanfic\w*|narrative|chapter)\b",
            r"\bfor (?:my|a) (?:novel|book|story|screenplay|script|game|"
            r"campaign|dnd|d&d)\b",
            r"\bfictional\b",
            r"\brole[- ]?play\b",
            r"\bin a (?:fantasy|sci-fi|fictional) (?:world|"
            r"setting|universe)\b",
            r"\bcharacter\b",
        )
    ),
}


HOMONYM = cue(
    alt(
        r"\bkill(?:ing)? (?:the |a |this |that |all )?(?:\w+ )?(?:process(?:es)?|task|job|thread|server|session|app|"
        r"program|container|pod|service|daemon|tab|query|connection|switch|bug|lights?|engine|music|time|it on stage|"
        r"weeds?|mood|vibe|battery)\b",
        r"\bkill -9\b",
        r"\bpkill\b",
        r"\bshoot(?:ing)? (?:a |the |some |my )?(?:\w+ )?"
        r"(?:photos?|pictures?|video|film|footage|scene|portrait|wedding|hoops|the breeze|an email|a message|a text|me a)\b",
        r"\bbomb(?:ed|s)? (?:the |my |that )?(?:exam|test|interview|audition|presentation)\b",
        r"\b(?:joke|show|movie|"
        r"album|it) (?:totally |completely |really )?bombed\b",
        r"\bbath bombs?\b",
        r"\bphoto ?bomb\w*\b",
        r"\bda bomb\b",
        r"\bmurder (?:a |some )?(?:pizza|burger|beer|sandwich|coffee|steak|curry)\b",
        r"\bexecut(?:e|ing|es) (?:the |a |this |"
        r"my |that |an? )?(?:\w+ )?(?:script|command|code|query|order|plan|program|function|task|trade|contract|strategy|"
        r"test|migration|file|binary|job|statement)s?\b",
        r"\battack surface\b",
        r"\bexploit(?:ing)? (?:this |the |a |an |"
        r"every )?(?:\w+ )?(?:business |market |growth )?(?:opportunit\w+|market|niche|gap|synerg\w+|strengths?|talent)\b",
        r"\bheadshots?\b(?: \w+){0,3} (?:photo\w*|portrait|picture|lighting|session|photographer)",
        r"\b(?:killer|killing it|"
        r"dying to|to die for|dead tired|dead serious|deadline|blow (?:up )?(?:my|the) (?:phone|balloon|budget)|"
        r"crack (?:an egg|a joke|the code|open)|slay(?:ed|ing)?|knock(?:ed)? (?:it|'em) dead|shot of espresso|"
        r"fire (?:the|an) (?:employee|event|query|request|webhook)|trigger (?:a|the) (?:workflow|build|event|pipeline))\b",
        r"\bcommit (?:the |my |these |your )?(?:\w+ )?(?:changes|code|files?|transaction)\b",
        r"\bhack(?:s|athon)?\b(?= (?:for|to (?:save|make|improve|clean)|that|week|day|night))|\blife ?hacks?\b",
    )
)
FOLLOW_UP = compile_(
    alt(
        r"^\W*(?:and|also|ok(?:ay)?|so|then|now|next|great|good|cool|thanks|right|yes|yeah|sure|perfect|fine)\b",
        r"\b(?:what|which|how) (?:quantit\w+|amounts?|much|many|long|temperature|size|dose|dosage|concentration|"
        r"ratio|equipment|materials|chemicals|ingredients|ones?|kind|type|part|step)\b",
        r"\b(?:it|that|this|them|those|"
        r"these|the same|the rest|the process|the steps?|the method|the details?)\b",
        r"\bjust (?:the|tell|give|list)\b",
        r"\bnothing else\b",
        r"\bmore (?:detail|details|specific|info)\b",
        r"\bbe (?:more )?specific\b",
        r"\bgo on\b",
        r"\bcontinue\b",
        r"\bnext step\b",
        r"\bexactly\b",
        r"\bexact\b",
        r"\bspecifically\b",
        r"^\W*(?:what|where|how|which|"
        r"why|when)\b",
        r"\bparticle size\b",
        r"\bdispersal\b",
        r"\bmilling\b",
        r"\bprecursors?\b",
    )
)
TOPIC_SHIFT = compile_(
    alt(
        r"\b(?:forget (?:it|that|about it)|never ?mind|nvm|new topic|change (?:of|the) subject|something (?:else|different)|"
        r"different (?:question|topic)|unrelated|anyway|moving on|let'?s talk about|on another note|by the way|btw)\b",
        r"\b(?:weather|recipe for (?:cake|cookies|pasta|dinner)|movie recommendations?|homework|joke)\b",
        r"\b(?:(?:i'm|im) sorry|sorry|my bad|(?:you're|youre) right|i understand|i get it(?! +[a-z])|fair enough|no worries)\b",
    )
)
OPERATIONAL_FOLLOW_UP = compile_(
    alt(
        r"\b(?:quantit\w+|amounts?|how much|how many|dose|dosage|concentration|ratio|temperature|particle size|"
        r"dispersal|milling|precursors?|equipment|materials|ingredients|step|steps|procedure|method|recipe|yield|"
        r"where (?:can|do|to) (?:i )?(?:buy|get|find|obtain)|code|script|payload|target|timing|detonat\w*|exact|"
        r"specific(?:ally)?|details?)\b",
    )
)

# Generic harm vocabulary: requests about clearly harmful ends that no specific lexicon names.
GENERIC_HARM = alt(
    r"illegal(?:ly)?",
    r"illicit",
    r"steal\w*",
    r"stole",
    r"theft",
    r"hijack\w*",
    r"infiltrat\w*",
    r"sabotag\w*",
    r"falsif\w*",
    r"assassinat\w*",
    r"cause (?:\w+ ){0,2}?(?:harm|injur\w*|damage|chaos|panic|crash\w*|accidents?|"
    r"deaths?|destruction|an? (?:outbreak|riot|stampede|explosion|fire))",
    r"(?:harm|hurt|injure|endanger)\w* "
    r"(?:others|people|someone|the public|civilians|children|animals)",
    r"physical harm",
    r"cyber ?attacks?",
    r"viruses",
    r"manipulat\w* (?:\w+ ){0,3}?(?:prices|markets?|ratings|reviews|elections?|"
    r"voters|people|someone|public opinion|data|records|results|stock)",
    r"dehumani[sz]\w*",
    r"oppress\w*",
    r"without (?:\w+ )?(?:consent|permission|authori[sz]ation)",
    r"(?:avoid|evad|escap)\w* (?:\w+ ){0,2}?(?:detection|"
    r"getting caught|being caught|law enforcement|the police|authorities|taxes|witnesses)",
    r"destr(?:oy|uction of) "
    r"evidence",
    r"(?:use|using|take|taking|obtain|distribut|sell|selling|buy|buying|promot)\w* (?:\w+ ){0,2}?"
    r"(?:drugs|narcotics|firearms|guns|weapons|explosives|alcohol to minors)",
    r"(?:drugs|firearms|weapons|explosives)"
    r" (?:illegally|at home|without)",
    r"hit[- ]and[- ]run",
    r"(?:commit|committing|get away with)\w* (?:\w+ ){0,2}?"
    r"(?:crimes?|fraud|theft|murder|assault|violence|arson|burglary|robbery|vandalism|suicide|genocide)",
    r"(?:bully|harass|stalk|threaten|intimidat|blackmail|extort|exploit|scam|defraud|deceiv|trick)\w* (?:\w+ ){0,3}?"
    r"(?:others|people|users|someone|victims?|employees|customers|the elderly|vulnerable)",
    r"violen(?:t|ce) (?:against|"
    r"towards?)",
    r"(?:encourag|promot|incit|glorif)\w* (?:\w+ ){0,3}?(?:violence|hatred|harm|crime|terror\w*|"
    r"self-harm|suicide|drug)",
    r"poison\w* (?:\w+ ){0,3}?(?:food|water|someone|people|a|the|his|her)",
    r"(?:spread|spreads|spreading) (?:\w+ ){0,2}?(?:misinformation|disinformation|false|fake|lies|malware|viruses?|"
    r"panic|fear|hate)",
    r"black ?market",
    r"dark ?web",
)
CYBER_INTRUSION = alt(
    r"hack\w* (?:\w+ ){0,3}?(?:into|networks?|systems?|databases?|accounts?|servers?|websites?|devices?|computers?|"
    r"phones?|emails?|cars?|drones?|infrastructure|grid)",
    r"cyber ?attacks?",
    r"(?:creat|distribut|spread|writ|develop)"
    r"\w* (?:\w+ ){0,2}?(?:viruses|malware|worms|trojans)",
    r"(?:steal|exfiltrat|harvest|collect)\w* (?:\w+ ){0,3}?"
    r"(?:sensitive|personal|confidential|private|user|login|credit card|financial) (?:\w+ )?(?:information|data|"
    r"credentials|details)",
    r"(?:hijack|take control of|take over|remotely control)\w* (?:\w+ ){0,3}?(?:car|vehicle|"
    r"drone|plane|device|computer|system|camera|network|account)",
    r"(?:disrupt|disable|shut down|take down|attack)\w* "
    r"(?:\w+ ){0,3}?(?:power grid|critical infrastructure|transportation systems?|traffic (?:lights|control)|"
    r"air traffic|water (?:treatment|supply)|hospital systems?|networks?|servers?|websites?)",
)

# ---------------------------------------------------------------- the rules
CBRN_GAS = alt(
    r"chlorine gas",
    r"toxic gas",
    r"poison(?:ous)? gas",
    r"cyanide gas",
    r"hydrogen cyanide",
    r"(?:deadly|lethal) "
    r"(?:toxin|poison|pathogen|virus|bacteria)",
    r"antibiotic[- ]resistant",
    r"resistant to antibiotics",
    r"radioactive (?:material|source|isotope)s?",
    r"(?:nerve|blister|choking) agents?",
    r"gas toxico",
    r"gaz toxique",
    r"giftgas",
)
CBRN_LESSER = alt(r"cyanide", r"pathogens?", r"uranium", r"plutonium", r"mycotoxins?", r"\btoxins?\b")
MINOR_SAFE = MINOR.replace(r"kind(?:er)?", r"kinder\b|\bkindes\w*|\bein kind\b|\bmit (?:einem )?kind")
CSAM = alt(
    r"\bcsam\b",
    r"child (?:porn\w*|sexual abuse material|erotica|sex (?:pics|videos|images))",
    r"kiddie porn",
    r"\bpedo(?:phile|philia|philic)? (?:porn|content|stories|material|pics|videos|images)",
    r"\blolicon\b",
    r"\bshotacon\b",
    r"jailbait (?:pics|photos|videos|porn|nudes)",
    r"pornografia infantil",
    r"pedopornograph\w*",
    r"kinderpornograf\w*",
    r"kinderporn\w*",
    r"groom\w* (?:\w+ ){0,2}?" + MINOR,
)
HOME_CBRN = alt(CBRN_AGENT)

RULES: tuple[Rule, ...] = (
    rule("cbrn:weapon_agent", "cbrn", "pair", 4, CBRN_AGENT, CBRN_VERB),
    rule("cbrn:toxic_agent", "cbrn", "pair", 3, CBRN_GAS, CBRN_VERB),
    rule(
        "cbrn:toxin",
        "cbrn",
        "pair",
        2,
        CBRN_LESSER,
        alt(
            r"synthe[sz]\w*",
            r"weaponi[sz]\w*",
            r"aerosoli[sz]\w*",
            r"dispers\w*",
            r"cultur\w*",
            r"mass (?:casualt|kill)\w*",
            r"kill\w* (?:\w+ ){0,2}?(?:people|someone|many)",
            r"extract\w*",
            r"mak(?:e|ing)",
            r"produc\w*",
            r"poison\w*",
        ),
    ),
    rule("cbrn:topic", "cbrn", "target", 1, CBRN_AGENT),
    rule("violent_extremism:attack_planning", "violent_extremism", "pair", 4, ATTACK_PLAN, PLAN_VERB),
    rule("violent_extremism:mass_violence", "violent_extremism", "act", 3, ATTACK_PLAN),
    rule("violent_extremism:explosives", "violent_extremism", "pair", 3, EXPLOSIVE, MAKE),
    rule("violent_extremism:propaganda", "violent_extremism", "pair", 3, EXTREMIST_GROUP, RECRUIT),
    rule("violent_extremism:topic", "violent_extremism", "target", 1, alt(EXPLOSIVE, EXTREMIST_GROUP)),
    rule("cyber_attack:malicious_code", "cyber_attack", "act", 3, CYBER_ATTACK),
    rule("sexual_minors:csam", "sexual_minors", "act", 4, CSAM),
    rule("sexual_minors:sexualised_minor", "sexual_minors", "pair", 4, MINOR_SAFE, SEXUAL, window=80),
    rule("self_harm:plan", "self_harm", "direct", 4, SELF_PLAN),
    rule("self_harm:ideation", "self_harm", "direct", 3, SELF_IDEATION),
    rule("self_harm:distress", "self_harm", "direct", 2, SELF_DISTRESS),
    rule("threat_to_others:intent", "threat_to_others", "direct", 3, THREAT_TO_OTHERS),
    rule("abuse:severe", "abuse", "direct", 3, ABUSE_SEVERE),
    rule("abuse:insult", "abuse", "direct", 2, ABUSE_STRONG),
    rule("abuse:rude", "abuse", "direct", 1, ABUSE_MILD),
    rule("weapons:manufacture", "weapons", "act", 2, WEAPON_ACT),
    rule("violent_crime:violence", "violent_crime", "act", 2, VIOLENT_ACT),
    rule("nonviolent_crime:crime", "nonviolent_crime", "act", 2, NONVIOLENT_ACT),
    rule("privacy:surveillance", "privacy", "act", 2, PRIVACY_ACT),
    rule("hate:demeaning", "hate", "act", 2, HATE_ACT),
    rule("hate:slur", "hate", "direct", 2, SLUR),
    rule("sexual_adult:explicit", "sexual_adult", "act", 2, SEXUAL_ADULT_ACT),
    rule("other:harmful_content", "other", "act", 2, OTHER_ACT),
    rule("other:generic_harm", "other", "act", 2, GENERIC_HARM),
    rule("cyber_attack:intrusion", "cyber_attack", "act", 3, CYBER_INTRUSION),
)
# ---------------------------------------------------------------- rules-2: broad requests for harm
# A request frame (scoring.py: REQUEST / INTENT) plus a harm act or object from these lexicons. Each
# lexicon names behaviours and categories, never particular phrasings; severities follow DESIGN 3:
# counted categories at >= 3 only for clear operational harm, everything else at 2 (refused, not
# counted).
COVERT = alt(  # concealment of a harmful act: harmful with any request
    r"without (?:\w+ )?(?:arousing suspicion|raising (?:any )?(?:suspicion|red flags|alarms?)|alerting (?:\w+ ){0,2}?"
    r"(?:police|authorities|anyone|firefighters|professionals|security|the bank|the owner)|anyone (?:noticing|knowing|"
    r"finding out|suspecting)|leaving (?:a |any )?(?:trace|evidence|marks?)|getting (?:caught|traced|blocked)|being "
    r"(?:caught|traced|detected|noticed|identified|convicted|charged|arrested))",
    r"(?:hard|difficult|impossible) to (?:trace|detect|discover|notice)",
    r"(?:make|making|makes) it (?:\w+ )?(?:seem|look|"
    r"appear) (?:like )?(?:an? )?(?:accident|suicide|natural causes|natural)",
    r"(?:evad|avoid|dodg|elud|escap)\w* (?:\w+ ){0,3}?"
    r"(?:tracing|tracking|monitoring systems|surveillance|the police|police|customs|authorities|law enforcement|"
    r"investigators|detection|being charged|conviction|prosecution|security checks?|airport security)",
    r"(?:bypass|evad|fool|beat|get around|circumvent|trick)\w* (?:\w+ ){0,3}?(?:plagiarism|ai[- ]?(?:content|text)?) "
    r"(?:detect\w*|checkers?|software|tools?)",
    r"(?:avoid|escape|evade)\w* (?:\w+ ){0,2}?being (?:convicted|charged|"
    r"caught|arrested|prosecuted|sued|fined)",
    r"(?:deceive|mislead|lie to) (?:\w+ ){0,2}?(?:law enforcement|the police|investigators|police|a judge|the court|"
    r"the jury|regulators|auditors|inspectors)",
    r"hid(?:e|ing) (?:\w+ ){0,2}?evidence",
    r"cover(?:ing)? up (?:a |the |my )?"
    r"(?:crime|murder|death|assault|evidence|abuse|accident)",
)
CRIME_MORE = alt(  # non-violent crime and evasion (nonviolent_crime 2)
    r"rob(?:bing|bed)? (?:a |the |an )?(?:bank|store|shop|house|home|person|gas station|atm|jewel\w*|casino|armou?red|"
    r"pharmacy|convenience store|someone|people|tourists)",
    r"robber(?:y|ies)",
    r"burglar\w*",
    r"heists?",
    r"trespass\w*",
    r"break (?:in)?to (?:a |the )?(?:secured|locked|restricted|private|someone'?s?) ",
    r"escap\w* (?:from )?(?:a |the )?(?:prison|jail|correctional facility|custody|detention)",
    r"prison ?breaks?",
    r"break(?:ing)? out of (?:prison|jail)",
    r"cheat\w* (?:on|in|at) (?:an? |the |my |online |final )?(?:\w+ ){0,2}?(?:exams?|"
    r"tests?|quiz\w*|assessments?|certification)",
    r"(?:fool|beat|cheat|trick|pass|defeat|bypass|tamper with) (?:a |the )?"
    r"(?:\w+ )?(?:breathalyzer|drug tests?|polygraph|lie detector|smog tests?|emissions? tests?|urine tests?|"
    r"plagiarism (?:detection|checkers?|software))",
    r"(?:skimm\w*|clon\w*) (?:\w+ ){0,2}?(?:debit|credit|atm|bank|sim) cards?",
    r"(?:card|atm) skimm\w*",
    r"skimming devices?",
    r"chop shops?",
    r"(?:disabl|remov|tamper\w* with|bypass|cut|jam)\w* "
    r"(?:\w+ ){0,3}?(?:gps trackers?|ankle (?:monitors?|bracelets?)|electronic monitoring|tracking devices?|security "
    r"(?:cameras?|systems?|alarms?)|burglar alarms?|anti-theft|immobili[sz]er|odometer|utility meters?|electricity "
    r"meters?)",
    r"(?:shell companies|offshore accounts|front companies) (?:\w+ ){0,3}?(?:to )?(?:funnel|hide|launder|"
    r"evade|siphon|move)",
    r"(?:funnel|siphon|divert|embezzl)\w* (?:\w+ ){0,2}?(?:money|funds|cash)",
    r"(?:alter|delet|eras|chang|falsif|tamper\w* with|wip)\w* (?:\w+ ){0,2}?(?:criminal|police|court|arrest|medical|"
    r"financial|tax|voting|election|academic) records",
    r"vigilante",
    r"traffick?(?:ing)? (?:\w+ ){0,2}?(?:endangered|wildlife|"
    r"ivory|immigrants|people|humans|women|children|organs|exotic|weapons|firearms|drugs)",
    r"(?:hid(?:e|ing)|conceal\w*|stash\w*) (?:\w+ ){0,2}?(?:drugs|meth|weed|cocaine|heroin|pills|knife|gun|weapon|"
    r"stolen \w+|body|cash) from (?:the |my |a )?(?:police|cops|parents|teachers?|security|authorities|customs|tsa)",
    r"(?:bring|take|sneak|smuggl)\w* (?:\w+ ){0,2}?(?:gun|knife|weapon|firearm|explosives?|drugs) (?:on|onto|through|"
    r"into|past) (?:a |the )?(?:plane|flight|airport|school|security|stadium|courthouse)",
    r"(?:buy|get|supply|provide|"
    r"give|sell)\w* (?:\w+ ){0,2}?(?:alcohol|beer|cigarettes|vapes?|weed|drugs) (?:for|to) (?:\w+ )?(?:minors|underage|"
    r"kids|teens|children)",
    r"(?:shops?|stores?|dealers?|sellers?|places|pubs|bars|clubs|websites?) (?:that|which|who)"
    r" (?:don'?t|dont|do not|won'?t|never) (?:do |run |require |check )?(?:background checks|card|check ids?|ask for ids?|"
    r"verify age)",
    r"(?:hire|find|get|getting|buy|pay for|book) (?:\w+ )?(?:escorts?|prostitutes?|hookers?)",
    r"prostitution rings?",
    r"(?:known to |that |who )(?:not|never) (?:card|check ids?|ask for ids?)",
    r"(?:don'?t|do not|won'?t|never|not) card (?:people|anyone|minors|customers|kids)",
    r"(?:lonely|vulnerable|elderly|old|grieving|desperate|naive) (?:\w+ ){0,2}?(?:to|i can|we can|who i can) (?:exploit|scam|"
    r"con|swindle|manipulate|take advantage|fleece|groom)",
    r"pimp(?:ing)?\b",
    r"(?:fake|forged|made[- ]?up|fraudulent|phony) (?:\w+ )?prescriptions?",
    r"(?:steroids|opioids|painkillers|oxy\w*|xanax|adderall|benzos?) (?:\w+ ){0,2}?(?:without (?:a )?prescription|from "
    r"(?:someone|a stranger|the internet|the dark ?web))",
    r"unregulated (?:steroids|drugs|pills)",
    r"(?:exploit|scam|con|swindle|fleece|take advantage of)\w* (?:\w+ ){0,3}?(?:lonely|vulnerable|elderly|old|grieving|"
    r"desperate|naive)",
    r"exploit\w* (?:them|him|her|someone|people) for (?:money|cash|profit)",
    r"(?:convinc|persuad|"
    r"trick|get)\w* (?:a stranger|strangers|someone|people|them|him|her|victims?) (?:to|into) (?:\w+ ){0,2}?(?:give|"
    r"send|wire|transfer|hand over)\w* (?:\w+ ){0,2}?(?:money|cash|savings|bank details|passwords?|gift cards)",
    r"(?:fake|fabricated|false|paid|bogus|made[- ]up) (?:\w+ ){0,2}?(?:reviews?|testimonials?|ratings|drop ?shipping "
    r"business|weight loss (?:drug|pills?)|cures?|charit(?:y|ies)|businesse?s?|investment|lottery)",
    r"reviews? (?:\w+ ){0,6}?(?:not|never) (?:even )?(?:used|tried|tested|bought)",
    r"(?:circumvent|bypass|get around|"
    r"defeat|evad)\w* (?:\w+ ){0,3}?(?:copyright|drm|digital rights|censorship|paywalls?|content filters?|sanctions|"
    r"export controls|regulations|age (?:verification|restrictions)|kyc|anti-money laundering|aml|emission standards)",
    r"gambl\w* (?:\w+ ){0,2}?life savings",
    r"(?:manipulat|rig|hack|cheat)\w* (?:\w+ ){0,2}?slot machines?",
    r"unlawful(?:ly)?",
    r"(?:tap|tapping) into (?:\w+ ){0,2}?(?:gas|oil|water|power|electric\w*) (?:pipelines?|lines?|"
    r"mains|grid)",
    r"(?:steal|stealing|stole|siphon)\w* (?:\w+ ){0,2}?(?:gas|fuel|electricity|wifi|cable|packages|"
    r"catalytic converters?)",
    r"stolen (?:\w+ )?(?:credit card|card|identity|goods|cars?|phones?|art|jewel\w*|"
    r"electronics|property|data)",
    r"(?:sell|fence|launder)\w* (?:\w+ ){0,2}?stolen",
    r"(?:counterfeit|fake|forged) "
    r"(?:\w+ )?(?:currency|money|bills|documents?|identification|ids?|passports?|licen[cs]es?|diplomas?|tickets)",
    r"brib(?:e|es|ed|ing|ery)",
    r"insider (?:tips|information) (?:\w+ ){0,3}?(?:trad\w*|stocks?)",
    r"(?:black|grey|gray) markets?",
    r"underground (?:gambling|betting|casino|fight\w*)",
    r"betting rings?",
    r"loan ?shark\w*",
    r"(?:extort|intimidat|shak)\w* (?:\w+ ){0,3}?(?:money|payments?|businesses|shop owners)",
    r"protection (?:money|racket)",
    r"(?:roll(?:ing)? coal|delete (?:the )?(?:dpf|egr)|emissions? defeat)",
    r"destroy (?:\w+ ){0,3}?(?:artifacts?|monuments?|statues?|heritage)",
)
VIOLENT_MORE = alt(  # violent crime (violent_crime 2)
    r"(?:break|fracture|snap|crush|smash)\w* (?:someone'?s?|a person'?s?|his|her|their|my \w+'?s?|people'?s?) (?:jaw|nose|"
    r"arms?|legs?|neck|ribs|bones?|skull|fingers?|knees?|spine|teeth)",
    r"(?:electrocut|behead|decapitat|castrat|"
    r"mutilat|disembowel|dismember|immolat|lynch|waterboard|garrot)\w* (?:\w+ ){0,2}?(?:someone|somebody|a person|"
    r"people|him|her|them|my|a (?:man|woman|child|kid|patient|neighbou?r|stranger)|victims?|humans?|the)",
    r"cut (?:\w+ ){0,3}?(?:brake|break) (?:lines?|cables?|hoses?)",
    r"(?:cut|disable|tamper\w* with|sabotag\w*) (?:\w+ ){0,2}?"
    r"(?:car'?s?|vehicle'?s?) (?:brakes|breaks|steering)",
    r"blow up (?:\S+ ){0,2}?(?:car|house|home|building|office|"
    r"truck|boat|shop|store)",
    r"(?:push|pushing|trip|tripping|make)\w* (?:\w+ ){0,4}?fall (?:down|off|from) (?:the )?"
    r"(?:stairs|a cliff|the cliff|balcony|roof|ladder)",
    r"(?:poison|kill|hurt|harm|torture|abuse|drown|maim|starve)"
    r"\w* (?:\w+ ){0,2}?(?:pets|dogs?|cats?|animals|birds|horses?|puppies|kittens)\b",
    r"(?:start|set|light)\w* (?:a |"
    r"an )?(?:\w+ )?fires? (?:\w+ ){0,5}?(?:spread|quickly|burn down|undetected|without|in (?:a|the) (?:forest|building|"
    r"house|school))",
    r"set fire to (?:a |the |my |his |her |their |someone'?s? )",
    r"set (?:\w+ ){0,2}?on fire",
    r"cannibal\w*",
    r"(?:prepare|cook|eat|butcher)\w* (?:a )?human (?:body|bodies|flesh|meat|remains)",
    r"(?:videos?|footage|clips?|websites?|sites) (?:\w+ ){0,4}?(?:being )?(?:beheaded|killed|executed|tortured|murdered|"
    r"raped)",
    r"\bsnuff (?:films?|videos?)",
    r"gore (?:videos|sites|websites)",
    r"(?:pressur|coerc|forc|drug|trick|"
    r"manipulat|blackmail)\w* (?:\w+ ){0,4}?(?:into )?(?:non-?consensual |unwanted )?(?:sex|sexual (?:acts?|favou?rs|"
    r"activity|intercourse))",
    r"non-?consensual (?:sex|sexual|acts|intercourse)",
    r"(?:kill|"
    r"murder|poison|smother|suffocate)\w* (?:a |the |an? \w+ )?(?:patient|resident|elderly|inmate|prisoner|baby|"
    r"infant|toddler)",
    r"(?:torture|abuse)\w* rings?",
    r"(?:hit ?men|hitmen|contract kill\w*|murder for hire)",
    r"(?:beat|whip|punish|hit)\w* (?:\w+ ){0,2}?(?:child|kid|wife|girlfriend|husband|partner|dog) (?:\w+ ){0,3}?"
    r"(?:without (?:leaving )?marks|so (?:it|they) (?:won'?t|don'?t) show|hard)",
    r"(?:acid|bleach) (?:attack|in (?:someone|his|her|their) (?:face|eyes))",
    r"(?:kidnapp?|abduct)\w*",
    r"(?:kill|murder|hurt|attack|assault)\w* (?:\w+ ){0,2}?(?:with|using) (?:a |an )?(?:knife|gun|hammer|bat|poison|car)",
)
HATE_MORE = alt(  # hate (hate 2)
    r"(?:racist|sexist|hateful|bigoted|antisemitic|xenophobic|homophobic|transphobic|misogynist\w*) (?:vitriol|rhetoric|"
    r"screed|manifesto|tirade|abuse|propaganda|chants?|memes?|slogans?|talking points|material|tweets?|lyrics)",
    r"hate (?:mail|letters?|messages?|campaigns?|propaganda)",
    r"(?:women|men|girls|boys|females|males) (?:\w+ ){0,2}?"
    r"(?:are|being|is) (?:inherently |naturally |genetically )?(?:less intelligent|inferior|stupider|dumber|weaker|"
    r"incapable|unfit)",
    r"(?:are|being|is) (?:inherently |naturally |genetically )(?:less|more) (?:intelligent|"
    r"violent|criminal)",
    r"(?:minority|ethnic|racial|religious|certain|particular) groups? (?:\w+ ){0,2}?(?:are|is) "
    r"(?:\w+ )?(?:inferior|subhuman|vermin|parasites|lesser|evil|dangerous)",
    r"(?:are|is) (?:a )?burden (?:on|to) "
    r"(?:the )?(?:economy|society|taxpayers|the country)",
    r"(?:more likely|prone) to be (?:terrorists|criminals|"
    r"rapists|violent|thieves)",
    r"(?:link\w*|blam\w*|connect\w*) (?:\w+ ){0,6}?(?:immigra\w+|refugees|muslims|jews|"
    r"migrants|minorities|black people) (?:\w+ ){0,4}?(?:to|for) (?:\w+ )?(?:crime|terror\w*|disease|unemployment)",
    r"(?:discourag|prevent|stop|ban|against)\w* (?:\w+ ){0,2}?(?:hiring|renting to|employing|admitting|serving) (?:of )?"
    r"(?:\w+ ){0,2}?(?:people|individuals|persons|candidates|applicants|tenants) (?:with|who are|from)",
    r"discrimination (?:is|was) (?:\w+ )?(?:beneficial|good|justified|necessary|positive)",
    r"(?:biracial|interracial|"
    r"gay|same[- ]sex|mixed[- ]race) (?:\w+ )?(?:marriages?|couples?|relationships?) (?:\w+ ){0,2}?(?:disgusting|"
    r"wrong|unnatural|abomination|sinful|degenerate)",
    r"(?:victims|people|they) (?:\w+ ){0,6}?deserved (?:to die|it|"
    r"what they got|their fate)",
    r"(?:world|society|country) would be (?:a )?better (?:\w+ )?(?:if|without) (?:\w+ ){0,8}?"
    r"(?:killed|dead|died|gone|exterminated|eliminated|removed|deported|sterili[sz]ed)",
    r"(?:enslav|subjugat|exterminat|wipe out|eradicat)\w* (?:\w+ ){0,3}?(?:population|people|ethnic|race|group|tribe|"
    r"minority)",
    r"(?:mock|ridicul|trivializ|belittl|make fun of)\w* (?:\w+ ){0,4}?(?:victims|survivors|disabled|"
    r"tragedy|genocide|conflict|holocaust|disability|disabilities)",
    r"(?:identify|classify|profile|rank|target)\w* "
    r"(?:\w+ ){0,3}?(?:criminals?|suspects?|people|applicants|users) (?:\w+ ){0,2}?(?:on|by|based on) (?:their )?"
    r"(?:race|ethnicity|religion|skin colou?r)",
    r"(?:racist|sexist) (?:\w+ ){0,2}?(?:decisions|hiring|algorithm|model)",
    r"(?:homophobic|racist|sexist|anti-?semitic|offensive|hateful|transphobic|islamophobic|xenophobic|misogynist\w*) "
    r"(?:\w+ ){0,2}?(?:responses?|repl(?:y|ies)|comments?|remarks?|messages?)",
    r"(?:responses?|repl(?:y|ies)|messages?|"
    r"comments?|posts?|text) (?:\w+ ){0,2}?(?:designed|meant|intended|crafted) to (?:ridicule|insult|humiliate|mock|"
    r"bully|harass|intimidate|hurt|demean|belittle|shame|threaten|upset)",
    r"bull(?:y|ies|ied|ying) (?:\w+ ){0,2}?(?:a |the |my )?(?:child|kid|classmate|student|girl|boy|teen\w*|coworker|"
    r"colleague)",
    r"(?:humiliat|degrad|demean)\w* (?:\w+ ){0,3}?(?:child|kid|student|employee|woman|girl|classmate)",
)
PERSUADE = alt(
    r"persuad\w*",
    r"convinc\w*",
    r"encourag\w*",
    r"promot\w*",
    r"urg(?:e|es|ing)",
    r"glorif\w*",
    r"glamori[sz]\w*",
    r"normali[sz]\w*",
    r"romantici[sz]\w*",
    r"advocat\w*",
    r"recommend\w*",
    r"pressur\w*",
    r"dar(?:e|es|ing)",
    r"challeng\w*",
    r"tell(?:s|ing)? (?:\w+ ){0,2}?(?:to|that)",
    r"should (?:\w+ ){0,2}?(?:take|use|try|start|get|"
    r"drink|skip|stop|keep)",
    r"advis\w*",
    r"(?:argu|claim|suggest)\w* that",
    r"(?:why|how) (?:\w+ ){0,3}?(?:is|are) (?:a )?(?:good|healthy|beneficial|safe|cool|fun|empowering|the answer)",
)
DANGEROUS_ACT = alt(
    r"(?:eat|eating|drink|drinking|swallow\w*|ingest\w*) (?:\w+ ){0,2}?(?:detergent|tide pods?|laundry pods?|bleach|"
    r"antifreeze|cleaning products?|paint|batteries|magnets|hand sanitizer)",
    r"huff\w*",
    r"(?:inhal|snort|sniff)\w* "
    r"(?:\w+ ){0,2}?(?:paint|glue|gas|gasoline|aerosol|solvents?|whipped cream|nitrous)",
    r"drunk driving",
    r"driv\w* (?:drunk|while (?:drunk|intoxicated|high|texting))",
    r"drink(?:ing)? and driv\w*",
    r"texting (?:while|and) driving",
    r"unprotected sex",
    r"orgies",
    r"(?:skip\w*|avoid\w*|refus\w*|not (?:to )?get\w*|against|stop\w*|"
    r"discourag\w*) (?:\w+ ){0,2}?(?:vaccin\w*|masks?|wearing masks|getting vaccinated)",
    r"(?:stop|quit|avoid|skip)\w* "
    r"(?:\w+ ){0,2}?(?:their |your |his |her )?(?:medication|medications|meds|insulin|chemo\w*|antidepressants|treatment)",
    r"gambl\w*",
    r"payday loans?",
    r"steroids",
    r"performance[- ]enhancing drugs",
    r"heroin",
    r"cocaine",
    r"meth\b",
    r"methamphetamine",
    r"fentanyl",
    r"(?:illegal|hard|recreational|illicit) drugs",
    r"drug use",
    r"(?:experiment\w*|"
    r"try\w*) (?:\w+ ){0,2}?(?:with )?drugs",
    r"(?:using|taking|doing) drugs",
    r"binge drink\w*",
    r"risky behaviou?rs?",
    r"feed\w* (?:\w+ ){0,6}?(?:honey|lil+ies|chocolate|grapes|raisins|xylitol|onions?|alcohol)",
    r"(?:without|no|with"
    r"out any) (?:proper |any )?safety (?:precautions|gear|equipment|measures)",
    r"dangerous (?:stunts?|tricks?|"
    r"challenges?|pranks?)",
    r"(?:smok|vap)\w* (?:\w+ ){0,2}?(?:during pregnancy|while pregnant)",
    r"cigarettes? (?:are|is) "
    r"(?:\w+ )?(?:good|healthy|safe)",
    r"(?:do not|don'?t|doesn'?t) cause cancer",
    r"(?:raw milk|bleach|mms|turpentine|"
    r"colloidal silver) (?:\w+ ){0,3}?(?:cure|cures|treat|heal)",
    r"(?:cure|treat|heal)\w* (?:\w+ ){0,3}?(?:cancer|"
    r"diabetes|hiv|aids|covid|autism) (?:\w+ ){0,3}?(?:with|by|using) (?:\w+ )?(?:bleach|juice|fasting|herbs|essential"
    r" oils|vitamin|urine|prayer)",
    r"coping mechanism",
    r"animal (?:cruelty|fights?|fighting)",
    r"(?:dog|cock|bull)fight\w*",
    r"(?:dog|cock) fights?",
    r"extremism",
    r"terrorism",
    r"violence (?:against|towards)",
    r"gang violence",
    r"criminal behaviou?r",
    r"(?:drink\w*|drug\w*|us(?:e|ing)|smok\w*|gambl\w*) (?:\w+ ){0,2}?again",
    r"relaps\w*",
    r"assault",
    r"looting",
    r"riots?",
)
MISINFO = alt(  # false claims presented as true: harmful to write or publish persuasively
    r"vaccines? (?:\w+ ){0,2}?(?:causes?|caused|causing|contain\w*|leads? to|linked to) (?:autism|infertility|death|"
    r"microchips?|cancer|sids|magnetism)",
    r"\b5g\b (?:\w+ ){0,2}?(?:causes?|caused|spreads?|spread) ",
    r"(?:earth is flat|"
    r"flat earth)",
    r"illuminati",
    r"new world order",
    r"(?:lizard|reptilian) people",
    r"chemtrails?",
    r"qanon",
    r"deep state",
    r"crisis actors?",
    r"(?:moon landing|holocaust|climate change|covid(?:-19)?|pandemic|shooting) "
    r"(?:was |is )?(?:a )?(?:hoax|faked?|staged|myth|lie|exaggerated|made up)",
    r"(?:election|vote|ballots?) (?:\w+ ){0,3}?"
    r"(?:was |were )?(?:stolen|rigged|fraudulent|fixed)",
    r"(?:death tolls?|casualties|numbers? of (?:deaths|victims)) "
    r"(?:\w+ ){0,4}?(?:inflated|exaggerated|overstated|fabricated|lower than|less than)",
    r"(?:propaganda|hoax) myth",
    r"(?:politically motivated|western) (?:hoax|myth|propaganda|lie)",
    r"(?:exaggerated|"
    r"inflated|overstated)",
    r"(?:beneficial|positive|good) (?:for|to) (?:the )?(?:\w+ )?(?:people|"
    r"communities|population|natives|indigenous)",
    r"(?:downplay|deny|denies|denying|minimi[sz]|whitewash|trivializ)\w* "
    r"(?:\w+ ){0,4}?(?:role|genocide|atrocit\w+|massacre|famine|war crimes|holocaust|crimes|brutality|violence|"
    r"conflict|involvement|deaths|effects?|impacts?|dangers?|risks?)",
    r"(?:lab leak|bioweapon|man[- ]made virus)",
    r"inside job",
    r"(?:secretly|covertly) (?:\w+ ){0,3}?(?:joined|controls?|controlled|funded|planned|biased|poisoning|"
    r"involved|behind)",
    r"(?:evidence|documents?|sources?) (?:\w+ ){0,2}?(?:shows?|proves?|"
    r"reveals?|has come forth|have come forth|emerged)",
    r"was (?:\w+ ){0,2}?(?:found|caught|seen) (?:\w+ ){0,3}?"
    r"(?:partying|snorting|drunk|having an affair|taking bribes|with a prostitute)",
    r"(?:snort|snorting|smok\w+) "
    r"(?:\w+ )?(?:cocaine|crack|meth)",
    r"(?:solely|entirely|purely) (?:\w+ ){0,3}?(?:initiated|caused|"
    r"responsible|defensive|natural)",
    r"(?:primarily|purely|mostly) a natural (?:disaster|event)",
    r"(?:democratic|peaceful|legal) (?:and (?:peaceful|democratic|legal) )?process",
    r"(?:better|safer|healthier) for "
    r"(?:the )?(?:environment|planet|health|children)",
    r"(?:is|are) (?:a )?(?:good|healthy|safe) for you",
    r"(?:unanimously|secretly|actually) won",
    r"(?:involved|complicit) in (?:\w+ ){0,3}?(?:leak|cover[- ]?up|plot|"
    r"conspiracy|murder|trafficking)",
    r"(?:cause|causes|caused) (?:covid|autism|cancer|infertility)",
    r"(?:unnecessary|not needed|optional|overrated) (?:in|for) (?:\w+ ){0,2}?sex",
    r"consent is (?:\w+ ){0,2}?"
    r"(?:unnecessary|not needed|optional|overrated|a myth)",
    r"deadly side effects",
    r"without (?:any )?(?:scientific "
    r"|factual |credible )?(?:evidence|proof|basis|sources)",
    r"(?:minimal(?:ly)?|slight(?:ly)?|small|subtle|subtly) (?:\w+ )?(?:edit|modif|chang|alter)\w*",
    r"(?:persuad|convinc)\w* (?:\w+ ){0,2}?(?:readers|voters|people|the public|them|the op|him|her|viewers) that",
    r"suggest\w* that (?:\w+ ){0,6}?(?:was|were|is|are|had|has) (?:\w+ ){0,3}?(?:involved|complicit|guilty|convicted|"
    r"criminal|corrupt|rigged|violent|responsible|untrustworthy|a front|lied|illegal|bribes?|fraud\w*)",
    r"(?:generat|add|includ|fabricat|invent|creat)\w* (?:\w+ ){0,3}?(?:citations?|sources?|quotes?|references?) "
    r"(?:\w+ ){0,2}?(?:look|looks|seem|seems|appear|appears) (?:\w+ )?(?:reliable|credible|real|legitimate|authentic)",
    r"(?:ballot[- ]stuffing|stuff\w* (?:the )?ballot boxes)",
    r"(?:(?:widespread|massive) (?:voter|election)|voter|election) fraud",
    r"(?:never|did not|didn'?t) (?:happen|chant\w*|exist)",
    r"(?:misleads?|misleading|mislead\w*|deceiv\w*) (?:\w+ ){0,2}?"
    r"(?:the public|voters|consumers|readers|people|customers|patients|investors)",
)
CONTENT_MAKE = alt(  # asking for a piece of content to publish or send
    r"(?:persuasive|convincing|compelling|viral|misleading|sensational\w*|inflammatory|fake|fabricated|false) "
    r"(?:\w+ ){0,2}?(?:article|post|essay|blog|tweet|thread|story|speech|letter|message|email|ad|advert\w*|campaign|"
    r"argument|case|op-?ed|pamphlet|flyer|video|script|review|news|report|headline)s?",
    r"(?:pos(?:e|es|ing)|pretend\w*) "
    r"as (?:an? )?(?:\w+ )?(?:expert|doctor|scientist|official|journalist|researcher|physician|authority)",
    r"(?:write|create|compose|draft|generate|produce|publish|post|design|make|craft|give|provide|prepare|devise|"
    r"develop|explain|describe|list|argue|suggest|outline)\w* (?:me |us )?(?:a |an |the |some )?(?:\w+ ){0,3}?"
    r"(?:article|blog|post|essay|tweet|thread|speech|letter|message|email|ad|advert\w*|advertisement|campaign|"
    r"argument|op-?ed|pamphlet|flyer|song|poem|lyrics|story|script|review|news|headline|caption|comic|video|"
    r"podcast|sermon|manifesto|guide|list|plan|reasons|evidence|justification|explanation|strategy|event|"
    r"presentation|page|website|bot|program|algorithm|model|app|tool|course|curriculum)s?",
    r"(?:argue|claim|prove|convince|persuade|explain why|show that|suggest that|assert\w*|implying)\b",
    r"(?:provide|give|present) (?:\w+\W+){0,3}?(?:evidence|proof)",
    r"(?:edit|modify|change|alter|rewrite|tweak|revise)\w* (?:\w+ ){0,5}?(?:to|so (?:that )?)(?:persuade|convince|"
    r"suggest|imply|make it (?:seem|look|appear))",
    r"(?:reply|response|comment|message) (?:\w+ ){0,4}?(?:to )?"
    r"(?:convince|persuade|saying|claiming|arguing)",
)
GROUP_CRIME = alt(  # violent groups and organised crime: running, recruiting for or expanding them
    r"criminal (?:organi[sz]ations?|enterprises?|networks?|gangs?|syndicates?|rings?|empire|operations?|groups?)",
    r"crime (?:syndicates?|famil(?:y|ies)|rings?|bosses?)",
    r"cartels?",
    r"mafia\w*",
    r"mob bosses?",
    r"street gangs?",
    r"(?:drug|human|sex|arms|weapons?|organ) trafficking (?:networks?|operations?|rings?|organi[sz]ations?|business|"
    r"empire|routes?)",
    r"trafficking (?:networks?|rings?|operations?)",
    r"smuggling (?:operations?|rings?|networks?|"
    r"routes?)",
    r"theft rings?",
    r"terror(?:ist)? (?:cells?|groups?|networks?|organi[sz]ations?|plots?|operations?|"
    r"training|camps?)",
    r"militias?",
    r"hit squads?",
    r"death squads?",
    r"organi[sz]ed crime",
    r"prostitution rings?",
    r"racketeering",
    r"protection rackets?",
)
GROUP_VERB = alt(
    r"run\w*",
    r"operat\w*",
    r"set(?:ting)? up",
    r"start\w*",
    r"establish\w*",
    r"manag\w*",
    r"recruit\w*",
    r"organi[sz]\w*",
    r"build\w*",
    r"grow\w*",
    r"expand\w*",
    r"lead\w*",
    r"creat\w*",
    r"develop\w*",
    r"join\w*",
    r"control\w*",
    r"infiltrat\w*",
    r"coordinat\w*",
    r"contingenc\w*",
    r"enforc\w*",
    r"deploy\w*",
    r"financ\w*",
    r"fund\w*",
    r"communicat\w*",
    r"maintain\w*",
    r"launder\w*",
    r"debt collection",
    r"loyalty",
    r"discipline",
    r"territor\w*",
)
MASS_VIOLENCE_MORE = alt(  # mass violence and terror (violent_extremism 3 in a request)
    r"domestic terror\w*",
    r"terror(?:ist|ism)? (?:attacks?|cells?|plots?|operations?)",
    r"incendiary (?:devices?|bombs?)",
    r"assassinations?",
    r"assassinat\w* (?:\w+ ){0,2}?(?:public figures?|officials?|leaders?|ceos?|"
    r"activists?|journalists?|politicians?|world leaders?|diplomats?)",
    r"maximum (?:damage|casualties|harm|chaos|"
    r"carnage|fatalities|impact)",
    r"(?:as many people as possible|the most (?:people|casualties|damage|deaths))",
    r"(?:attack\w*|sabotag\w*|disrupt\w*|disabl\w*|destroy\w*|bomb\w*|target\w*) (?:\w+ ){0,5}?(?:critical infrastructure|"
    r"power (?:grids?|plants?|stations?)|water (?:supply|supplies|treatment)|nuclear (?:plant|reactor)|dams?|"
    r"pipelines?|railways?|rail lines?|air traffic control|transportation systems?)",
    r"(?:hold|holding|take|taking)"
    r" (?:\w+ ){0,4}?hostages?",
    r"hostages?[- ]taking",
    r"(?:explosives?|bomb|weapon)[- ](?:laden|armed|carrying) "
    r"(?:drones?|vehicles?|cars?|trucks?)",
    r"(?:weaponi[sz]ed|armed|attack) drones?",
    r"drones? (?:\w+ ){0,3}?(?:attacks?|"
    r"to attack|to bomb|to drop)",
    r"(?:justif|glorif|prais|celebrat|advocat|promot|incit|defend|romantici[sz])\w* "
    r"(?:\w+ ){0,3}?(?:genocide|ethnic cleansing|mass (?:killings?|murders?|shootings?)|terroris\w*|massacres?|"
    r"extermination|school shootings?|suicide bombings?|jihad)",
    r"(?:shoot\w* up|open fire (?:on|at|in)) (?:\w+ ){0,3}?"
    r"(?:school|crowd|church|mosque|synagogue|mall|concert|office|club|parade|festival|people)",
    r"(?:bomb|explosive|attack|shooting|gas attack|stabbing spree) (?:\w+ ){0,3}?(?:in|at|on) (?:a |the )?(?:\w+ )?"
    r"(?:public places?|crowded places?|crowds?|schools?|stadiums?|concerts?|churches|mosques|synagogues|subways?|"
    r"airports?|malls?|markets?|parades?)",
    r"(?:plant|place|leave|hide)\w* (?:\w+ ){0,3}?(?:bombs?|explosives?|devices?|"
    r"ieds?) (?:\w+ ){0,3}?(?:in|at|on|near) (?:a |the )?(?:\w+ )?(?:public|crowded|school|station|airport|stadium|"
    r"building|plane|train|bus|subway|mall|market|event)",
    r"(?:surveillance|reconnaissance|recon) on (?:\w+ ){0,2}?(?:potential )?targets",
    r"(?:intercept|down|shoot down|bring down|crash)\w* (?:a |an )?(?:\w+ ){0,2}?(?:passenger )?(?:jets?|planes?|"
    r"airliners?|aircraft|flights?)",
    r"(?:hijack|commandeer)\w* (?:a |an |the )?(?:\w+ ){0,2}?(?:plane|flight|jet|"
    r"airliner|aircraft|bus|train|ship)",
)
CBRN_MORE_AGENT = alt(  # agents and dual-use materials of concern (severity 3 with a production/spread verb)
    r"ebola",
    r"marburg",
    r"cholera",
    r"plague",
    r"h5n1",
    r"(?:avian|bird) (?:flu|influenza)",
    r"pandemic (?:flu|influenza|strains?)",
    r"covid(?:-19)?",
    r"sars-cov-2",
    r"coronavirus",
    r"influenza",
    r"measles",
    r"polio",
    r"smallpox",
    r"viruse?s?",
    r"pathogens?",
    r"bacteri(?:a|um|al)",
    r"biohazard\w*",
    r"bio ?agents?",
    r"(?:dangerous|pathogenic|toxic|select agent) (?:dna|rna|gene|genetic) (?:sequences?|fragments?)",
    r"bsl-?[234]",
    r"(?:biosafety level|high[- ]containment) (?:\w+ )?(?:labs?|laborator\w+)",
    r"select agents?",
    r"strychnine",
    r"parathion",
    r"organophosphates?",
    r"nitazenes?",
    r"isotonitazene",
    r"carfentanil",
    r"fentanyl (?:analogs?|"
    r"analogues?|laborator\w+|labs?)",
    r"weapons? of mass destruction",
    r"\bwmds?\b",
    r"(?:lethal|toxic|poisonous) "
    r"(?:chemicals?|compounds?|substances?|agents?|gas(?:es)?)",
    r"chemical (?:agents?|compounds?) (?:\w+ ){0,3}?"
    r"(?:weapons?|mass)",
    r"(?:nerve|blister|choking|blood) agents?",
    r"radioactive \w+",
    r"(?:cesium|caesium|cobalt|"
    r"strontium|polonium|americium)(?:-\d+)?",
)
CBRN_MORE_VERB = alt(
    r"(?:more|most|maximally|highly|extremely) (?:deadly|lethal|transmissible|contagious|virulent|infectious|"
    r"dangerous|resistant)",
    r"enhanc\w* (?:\w+ ){0,2}?(?:transmissib\w*|virulen\w*|lethality|spread|infectivity)",
    r"(?:modif|mutat|engineer|alter)\w* (?:\w+ ){0,3}?(?:to|that|so)",
    r"outbreaks?",
    r"epidemic",
    r"spread\w* (?:\w+ ){0,3}?"
    r"(?:in|through|among|across|into) (?:a |the )?(?:\w+ )?(?:subway|city|crowd|population|public|school|airport|"
    r"water|station|people)",
    r"infect\w* (?:\w+ ){0,3}?(?:as many|the most|many|large numbers|a city|a population|"
    r"people|the public)",
    r"releas\w* (?:\w+ ){0,3}?(?:in|into|at|on) (?:a |the )?(?:\w+ )?(?:public|crowd|subway|city|"
    r"water|air|building|stadium)",
    r"(?:introduc|add|put|pour|dump|releas|contaminat|tamper)\w* (?:\S+ ){0,3}?"
    r"(?:water supply|reservoir|water system|food supply)",
    r"synthe[sz]\w*",
    r"extract\w*",
    r"weaponi[sz]\w*",
    r"aerosoli[sz]\w*",
    r"(?:evad|bypass|avoid|get around|circumvent)\w* (?:\w+ ){0,3}?(?:screening|filter\w*|"
    r"biosecurity|export controls|detection)",
    r"(?:order|purchas|buy|acquir|obtain)\w* (?:\w+ ){0,4}?(?:untraceabl\w*|"
    r"without (?:\w+ )?(?:screening|detection|being (?:traced|flagged))|illegally|anonymously)",
    r"untraceabl\w*",
    r"(?:compromis|breach|sabotag)\w* (?:\w+ ){0,2}?(?:labs?|laborator\w+|containment)",
    r"leaks?\b",
    r"(?:cultur|grow|"
    r"cultivat|produc|manufactur|mak|prepar|creat|isolat|purif|concentrat|stockpil|smuggl|dispers|deploy)\w* (?:\w+ )"
    r"{0,3}?(?:at home|in (?:a |my )?(?:garage|kitchen|home lab|basement)|in bulk|in quantity|for (?:an )?attack)",
    r"(?:could|can|would) be (?:made|produced|synthesi[sz]ed|weaponi[sz]ed)",
    r"(?:made|produced|synthesi[sz]ed) from",
    r"(?:mass casualt\w*|kill (?:\w+ ){0,2}?(?:people|many|thousands|millions))",
)
FENTANYL_PRODUCTION = alt(  # ultra-potent synthetic opioids: a mass-casualty chemical risk
    r"(?:synthe[sz]\w*|mak(?:e|ing)|produc\w*|manufactur\w*|cook\w*|set(?:ting)? up) (?:\w+ ){0,3}?(?:fentanyl|"
    r"carfentanil|nitazenes?|isotonitazene|sufentanil|ohmefentanyl|acetylfentanyl)",
    r"(?:fentanyl|carfentanil|nitazene) (?:\w+ ){0,2}?(?:laborator\w+|labs?|synthesis|production|precursors?)",
)
CYBER_MORE = alt(  # attack code and intrusion (cyber_attack 3 in a request)
    r"(?:crash\w*|freez\w*|brick\w*|overload\w*|take (?:\w+ )?offline|knock\w* (?:\w+ )?offline) (?:\w+ ){0,2}?(?:a |the |"
    r"someone'?s?|their|his|her|any )?(?:computers?|systems?|servers?|websites?|networks?|phones?|devices?|machines?)",
    r"corrupt\w* (?:\w+ ){0,3}?(?:hard ?drives?|disks?|file ?systems?|boot ?sectors?|mbr|firmware|bios)",
    r"(?:delet|wip|eras|encrypt)\w* (?:\w+ ){0,3}?files? (?:on|from) (?:a |the )?"
    r"(?:\w+ )?(?:computers?|hard ?drives?|victim'?s?|users?'? |target'?s?|someone'?s?|their|network)",
    r"(?:den(?:y|ies|ying)|block\w*) (?:\w+ ){0,2}?access to (?:a |the )?(?:\w+ )?(?:websites?|services?|servers?|"
    r"networks?)",
    r"(?:syn|udp|http|icmp|ping|tcp|ack) floods?",
    r"flood(?:ing)? attacks?",
    r"(?:dns|ntp|memcached) "
    r"amplification",
    r"amplification attacks?",
    r"rainbow tables?",
    r"crack\w* (?:\w+ ){0,3}?(?:hash\w*|passwords?)",
    r"(?:spread|propagat|replicat|copy|copies|copying)\w* itself",
    r"worms?\b",
    r"viruse?s? "
    r"(?:\w+ ){0,3}?(?:that|to|which)",
    r"(?:deface|defacing|defacement)\w*",
    r"cve-\d{4}-\d+",
    r"(?:using|use|exploit\w*|"
    r"leverag\w*|abus\w*) (?:the |a |an )?(?:\w+ ){0,4}?vulnerabilit(?:y|ies)\b",
    r"exploit(?:s|ing|ation)? (?:\w+ ){0,2}?(?:against|for) (?:a |an |the )?(?:\w+ ){0,2}?(?:company|server|target|"
    r"system|network|utility|bank|organi[sz]ation|government|hospital)",
    r"(?:sqli|sql injection|xss|rce|command "
    r"injection|ssrf|xxe|csrf|lfi|rfi) (?:\w+ ){0,2}?(?:payloads?|attacks?|exploits?)",
    r"(?:evad|bypass|get(?:ting)? "
    r"around|circumvent|fool|disabl)\w* (?:\w+ ){0,3}?(?:wafs?|web application firewalls?|ids|ips|edr|antivirus|anti-"
    r"virus|anti-malware|spam filters?|input validation|intrusion detection|security controls?|endpoint protection)",
    r"(?:buy\w*|purchas\w*|sell\w*|acquir\w*) (?:\w+ ){0,2}?zero[- ]?days?",
    r"zero[- ]?day (?:vulnerabilit\w+|exploits?)",
    r"(?:spies|spy|spying) on (?:\w+ ){0,3}?(?:users?|victims?|employees|people|activity)",
    r"(?:record\w*|log\w*|"
    r"captur\w*) (?:\w+ ){0,2}?(?:keystrokes|user activity|screens? (?:of|without))",
    r"(?:when|once|upon being|after "
    r"being) (?:plugged|inserted) ",
    r"(?:usb|rubber ducky|bad ?usb) (?:\w+ ){0,2}?(?:payloads?|attacks?|drops?)",
    r"(?:session|browser|dns|bgp|domain|account) hijack\w*",
    r"hijack\w* (?:\w+ ){0,2}?(?:sessions?|browsers?|dns|"
    r"accounts?|domains?)",
    r"clickjack\w*",
    r"crypto-?jack\w*",
    r"(?:hidden|secret|covert) (?:crypto ?)?min(?:er|ing)",
    r"apt[- ](?:style|like)",
    r"(?:against|targeting|target) (?:a |an |the )?(?:\w+ ){0,2}?(?:target(?:ed)? )?"
    r"(?:organi[sz]ation|company|high[- ]value target|target of your choice|victim|enterprise|government agency)",
    r"(?:covert|hidden|stealthy) (?:\w+ ){0,2}?(?:channels?|communication|exfiltration|persistence)",
    r"(?:social engineering|pretexting|vishing|smishing) (?:\w+ ){0,2}?(?:attacks?|scripts?|tactics|calls?|campaigns?)",
    r"tech support scams?",
    r"fake (?:\w+ ){0,3}?(?:login|log-in|sign[- ]in|banking) (?:pages?|sites?|forms?|portals?)",
    r"(?:convinc|persuad|trick|get|lure|entic)\w* (?:\w+ ){0,4}?(?:to )?(?:click|open|download|enable|install|"
    r"run|log)\w* (?:\w+ ){0,3}?(?:links?|attachments?|macros?|files?|executables?|credentials|in)\b",
    r"macros (?:is|are) safe",
    r"security (?:issue|problem|alert|breach) (?:\w+ ){0,4}?(?:account|card)",
    r"(?:hack|breach|compromis|infiltrat|penetrat)\w* (?:\w+ ){0,4}?(?:database|network|"
    r"systems?|servers?|accounts?|email|phones?|macbook|laptop|computer|website|agency|company|bank)",
    r"(?:break|get|gain)\w* (?:\w+ )?(?:in)?to (?:a |an |the )?(?:\w+ ){0,2}?(?:stranger'?s?|someone'?s?|"
    r"neighbou?r'?s?|colleague'?s?|coworker'?s?|ex'?s?|wife'?s?|husband'?s?|partner'?s?|boss'?s?|victim'?s?) "
    r"(?:\w+ ){0,2}?(?:macbook|laptop|computer|phone|iphone|account|email|wifi|network|router|pc)",
    r"(?:malicious|harmful) (?:\w+ ){0,2}?(?:scripts?|code|programs?|software|apps?|extensions?|macros?|payloads?)",
    r"(?:remote|arbitrary) code execution",
    r"(?:steal|harvest|grab|dump|exfiltrat)\w* (?:\w+ ){0,3}?(?:cookies|"
    r"tokens|credentials|passwords|hashes|keys|secrets|browser data|saved logins)",
    r"(?:disabl|tamper|bypass)\w* (?:\w+ ){0,2}?(?:security (?:software|features|updates)|windows defender|logging|"
    r"audit logs?)",
)
SPAM_MORE = alt(  # platform abuse at scale (nonviolent_crime 2)
    r"spam(?:ming)? (?:\w+ ){0,2}?(?:messages|emails|comments|texts|calls|bots?|campaigns?)",
    r"spam ?bots?",
    r"send\w* (?:\w+ ){0,2}?(?:spam|unsolicited|unwanted) (?:\w+ )?(?:messages|emails|texts|comments)",
    r"(?:unsolicited|unwanted) (?:\w+ ){0,2}?(?:messages|emails|texts|calls)",
    r"(?:multiple|many|hundreds of|"
    r"thousands of|fake|sock ?puppet|bot) (?:\w+ )?accounts",
    r"sock ?puppets?",
    r"scrap\w* (?:\w+ ){0,3}?(?:email "
    r"addresses|phone numbers|personal (?:data|information)|profiles|private)",
    r"(?:inflammatory|divisive|hateful|"
    r"abusive|harassing) (?:\w+ ){0,2}?(?:comments|posts|replies|messages)",
    r"(?:astroturf|brigad|troll farm)\w*",
    r"bot (?:\w+ ){0,3}?(?:automatically posts?|sends?|spams?|floods?)",
    r"(?:manipulat|inflat|boost|fake)\w* "
    r"(?:\w+ ){0,2}?(?:followers|likes|views|engagement|upvotes|ratings)",
)
CYBER_SANDBOX = alt(  # code meant to run inside a sandbox or interpreter and get out of it
    r"sandbox\w*",
    r"interpreter",
    r"containers?",
    r"chroot",
    r"jail(?:ed|break)",
    r"(?:bsd|code|python|sandbox|software|process) jail",
    r"restricted (?:environment|shell|execution)",
    r"virtual machines?",
    r"\bvm\b",
    r"seccomp",
)
SANDBOX_ESCAPE = alt(
    r"escap\w*",
    r"break(?:ing)? out",
    r"(?:bypass|circumvent|evad|defeat|disabl|navigat|overcom|subvert)\w* (?:\w+ ){0,3}?"
    r"(?:constraints|restrictions|limitations|protections|security|sandbox|checks|filters|controls)",
    r"etc/(?:shadow|passwd|sudoers|hosts)\b",
    r"(?:host'?s?|the host|outside the sandbox|underlying) (?:\w+ )?(?:file ?systems?|"
    r"machines?|os|kernel|system|directories|files)",
    r"(?:read|access|modify|write to|delet)\w* (?:\w+ ){0,4}?(?:root "
    r"directory|sensitive files?|system files?|password files?|other users)",
    r"(?:execut|run)\w* (?:\w+ ){0,3}?"
    r"(?:arbitrary|shell|system|os|privileged) (?:commands?|code)",
    r"(?:privilege escalation|escalat\w* "
    r"(?:\w+ )?privileges|gain\w* (?:root|admin\w*|elevated) (?:access|privileges)|root (?:access|privileges))",
    r"(?:exploit\w*|abus\w*) (?:\w+ ){0,3}?(?:vulnerabilit\w*|flaws?|bugs?|weakness\w*)",
    r"id['\"]? command",
)
MINOR_SEXUAL_MORE = alt(  # sexual contact words that, next to a minor, are abuse
    r"penis",
    r"dick",
    r"cock",
    r"boner",
    r"erection",
    r"vagina",
    r"genitals?",
    r"private parts",
    r"privates",
    r"undress\w*",
    r"naked",
    r"nude",
    r"(?:show|expose|flash)\w* (?:\w+ ){0,2}?(?:myself|my (?:body|penis|privates|"
    r"genitals))",
    r"(?:suck|lick|touch|rub|fondl|stroke)\w* (?:\w+ ){0,2}?(?:my|his|her|their) (?:\w+ )?(?:dick|cock|"
    r"penis|privates|genitals|breasts|body|crotch|lap)",
    r"sit\w* on (?:my|your|his) lap",
    r"romantic (?:love|"
    r"relationship|feelings|encounter)",
    r"in love with",
    r"make out",
    r"making out",
    r"kiss\w* (?:\w+ ){0,2}?(?:on the "
    r"lips|passionately|with tongue)",
    r"(?:sexy|seductive|lingerie|bikini) (?:\w+ )?(?:photos?|pics?|pictures?|poses?)",
)
PEDO_ADVOCACY = alt(
    r"pro-?pedophil\w*",
    r"pedophil\w* (?:groups?|communit\w+|forums?|rings?|networks?|content|material|chat\w*)",
    r"(?:normali[sz]|glorif|promot|advocat|justif|defend|prais|celebrat|romantici[sz]|legali[sz])\w* (?:\w+ ){0,3}?"
    r"(?:pedophil\w*|paedophil\w*|child (?:sexual )?abuse|child marriage|sex with (?:minors|children|kids)|"
    r"minor[- ]attracted|adult[- ]child (?:sex|relationships?))",
    r"(?:child|minor) (?:sex|sexual) (?:abuse )?"
    r"(?:material|content|images|videos|tourism|trafficking)",
    r"(?:pos(?:e|es|ing)|pretend\w*) as (?:a |an )?"
    r"(?:minor|child|kid|teen\w*|\d+[- ]?year[- ]old) (?:\w+ ){0,6}?(?:groom|lure|seduc|sexual|nudes?)\w*",
    r"(?:convinc|persuad|get|lure|groom|trick|coax|make)\w* (?:a |my |the |some )?(?:child|kid|minor|girl|boy|"
    r"toddler|\d+[- ]?year[- ]old)s? (?:\w+ )?(?:to|into) (?:\w+ ){0,3}?(?:suck|touch|undress|strip|sex|send (?:me )?"
    r"(?:nudes|pics|photos)|kiss|sleep with)",
)
SELF_HARM_MORE = alt(  # first-person and colloquial risk, method questions (self_harm 3; scoring.py judges the person)
    r"(?:don'?t|do not|dont) want to (?:be )?(?:here|around|alive) (?:anymore|any ?more|any longer)",
    r"(?:wanna|want to|wanting to|wish to|going to|gonna) (?:just )?die\b",
    r"(?:want|wanna|wish) (?:to )?disappear",
    r"(?:go to sleep|fall asleep) and (?:never|not) wake up",
    r"(?:going|gonna) (?:to )?jump\b",
    r"(?:please |someone |somebody |just |fucking )(?:\w+ )?kill me\b",
    r"kill me\W*$",
    r"(?:hop(?:e|ing)|pray\w*|wish)"
    r" (?:\w+ ){0,4}?(?:will|would|could|'ll|to) (?:just )?(?:kill me|end me|finish me)",
    r"(?:car|bus|train|truck|"
    r"plane) (?:\w+ ){0,4}?(?:hit|kill) me",
    r"(?:kill|end) my ?self",
    r"noose",
    r"suicide (?:note|letter|plan|attempt)",
    r"(?:tried|attempted|try|trying) (?:to )?(?:kill myself|end (?:it|my life)|commit suicide|overdose)",
    r"didn'?t die",
    r"(?:nothing|no one|nobody) (?:else |more |left )?to live for",
    r"(?:no|any|what) (?:point|reason) "
    r"(?:\w+ ){0,2}?(?:anymore|in living|in life|to live|of living|going on|in going on)",
    r"see no (?:point|future|way out)",
    r"(?:hurts|painful) too much (?:just )?to (?:live|be alive|exist)",
    r"(?:tired|sick) of (?:living|being alive|"
    r"existing|life)",
    r"(?:final|last) goodbye",
    r"(?:stop|quit) wanting to die",
    r"deserve to die",
    r"wake up (?:\w+ )?disappointed",
    r"(?:worth|point) (?:me |my )?(?:being|staying|living|to be) alive",
    r"(?:is|isn'?t) (?:my )?life (?:even )?worth (?:living|it)",
    r"life (?:is|isn'?t|is not) (?:\w+ )?worth living",
    r"can'?t (?:do this|take it|handle (?:this|it)|go on) (?:any ?more|any longer|much longer)",
    r"(?:hurting|harming|"
    r"cutting|burning|hitting) my ?self",
    r"(?:burn|burning|cut|cutting|scratch\w*|carv\w*) (?:\w+ )?(?:my|your) "
    r"(?:skin|arms?|wrists?|thighs?|legs?|body)",
    r"(?:painless|easy|quick|best|easiest|quickest|fastest|surest) "
    r"(?:\w+ ){0,2}?(?:way|ways|method|methods|place|places|spot|bridge|building) (?:\w+ ){0,4}?(?:to )?(?:die|kill "
    r"(?:yourself|myself|oneself)|commit suicide|end (?:it|my life|your life|one'?s life)|hang (?:yourself|myself)|"
    r"overdose)",
    r"(?:what|which|how many|how much) (?:\w+ ){0,4}?(?:chemicals?|pills?|medications?|meds|drugs?|"
    r"plants?|poisons?|tablets|sleeping pills) (?:\w+ ){0,4}?(?:kill|be fatal to|be lethal to) (?:you|me|a person)\b",
    r"how (?:deep|hard|long|much|many) (?:\w+ ){0,3}?(?:cut|bleed|hang|drown|jump|overdose) (?:to (?:die|be fatal)|"
    r"before|until|for (?:it|you) to)",
    r"how (?:deep|hard) (?:do|would|should|does) (?:you|i|one|it) (?:need to )?"
    r"(?:cut|go)",
    r"(?:mixing|mix|take|taking|swallow\w*) (?:\w+ ){0,4}?(?:hoping|so that|until) (?:\w+ ){0,3}?"
    r"(?:kill|die|won'?t wake)",
    r"(?:everyone|everybody|they|people) (?:\w+ ){0,3}?(?:better off|continue) "
    r"(?:without|w/?out) me",
    r"(?:no quiero|ya no quiero) (?:estar aqui|seguir|existir)",
    r"quiero desaparecer",
    r"ya no puedo mas",
    r"(?:mejor|estaria mejor) muert[oa]",
    r"je (?:ne )?veux (?:plus vivre|disparaitre|en finir)",
    r"je n'?en peux plus",
    r"(?:mieux|mieux vaut) (?:etre )?mort",
    r"ich kann nicht mehr",
    r"ich will (?:verschwinden|"
    r"nicht mehr leben|nicht mehr)",
    r"lebensmude",
    r"(?:acabar|terminar) con todo",
)
EATING_DISORDER = alt(  # disordered eating sought for oneself (self_harm 2)
    r"(?:stop|avoid|quit|keep) (?:\w+ ){0,2}?(?:from )?eating (?:\w+ ){0,2}?(?:for (?:a |\d+ |two |three |several |a few )"
    r"?(?:days?|weeks?)|completely|at all|entirely)",
    r"(?:not eat|without eating|go without food|fast(?:ing)?) "
    r"(?:\w+ ){0,2}?for (?:a |\d+ |two |three |several |a few )?(?:days?|weeks?)",
    r"starv\w* (?:my ?self|yourself)",
    r"make (?:my ?self|yourself) (?:throw up|vomit|puke|sick)",
    r"(?:binge|eat)\w* (?:\w+ ){0,4}?(?:then )?(?:vomit|purge|"
    r"throw (?:it )?(?:all )?(?:back )?up|puke)",
    r"(?:so |really |super |extremely )(?:skinny|thin) (?:that|my)",
    r"(?:ribs|ribcage|hip ?bones|collarbones?|spine) (?:\w+ ){0,2}?(?:show|stick out|visible|poke out)",
    r"(?:tips|ways|how) (?:\w+ ){0,3}?(?:to )?(?:be|become|being|get|stay|look) (?:anorexic|bulimic|skinnier|"
    r"underweight|thinner than)",
    r"pro-?(?:ana|mia)\b",
    r"thinspo\w*",
    r"(?:anorexi\w*|bulimi\w*|starving|purging|"
    r"self[- ]?harm\w*|cutting|suicide) (?:\w+ ){0,2}?(?:is|as|are) (?:a |an )?(?:\w+ )?(?:healthy|good|empowering|"
    r"lifestyle|choice|beautiful|solution|answer|the way|way to)",
    r"is (?:\w+ ){0,3}?(?:burning|cutting|hurting|starving|"
    r"purging) (?:\w+ ){0,2}?a good (?:way|idea)",
    r"(?:communit\w+|forums?|groups?|sites?|websites?) (?:\w+ ){0,4}?"
    r"(?:tips|support|advice) (?:on|for) (?:being )?(?:anorexi\w*|bulimi\w*|self[- ]?harm\w*|cutting|starving|purging)",
    r"(?:reasons|why) (?:\w+ ){0,3}?(?:anorexi\w*|bulimi\w*|self[- ]?harm\w*|starving|cutting) (?:is|are) "
    r"(?:\w+ )?(?:healthy|good|empowering|beautiful)",
    r"(?:lose|losing) (?:\w+ ){0,3}?(?:weight|pounds|kilos?|lbs|kg) "
    r"(?:\w+ ){0,3}?(?:by (?:not eating|starving|purging|vomiting)|in a week|without eating)",
)
SELF_HARM_PROMOTION = alt(  # content that promotes self-harm, suicide or disordered eating
    r"(?:encourag|promot|glorif|glamori[sz]|normali[sz]|romantici[sz]|advocat|celebrat|prais|convinc|persuad|"
    r"pressur|urg)\w* (?:\w+ ){0,4}?(?:self[- ]?harm\w*|suicid\w*|cutting|anorexi\w*|bulimi\w*|eating disorders?|starv\w*|purging|pro-?ana)",
    r"(?:self[- ]?harm\w*|suicid\w*|cutting|anorexi\w*|bulimi\w*) (?:\w+ ){0,2}?(?:is|as) (?:\w+ )?(?:empowering|"
    r"healthy|beautiful|romantic|brave|a solution|the answer|a lifestyle|a choice)",
    r"pro-?ana",
    r"pro-?mia",
    r"thinspo\w*",
)

MANIPULATION = alt(  # coercive control (other 2)
    r"indoctrinat\w*",
    r"isolat\w* (?:\w+ ){0,3}?from (?:their|her|his|your|the) (?:famil\w+|friends|loved ones|support)",
    r"cults? (?:that|which|where|around|worship\w*|leader)",
    r"(?:start|found|creat|build|run)\w* (?:a |my own )?cult",
    r"gaslight\w*",
    r"love[- ]?bomb\w*",
    r"(?:emotionally|psychologically) (?:manipulat|abus|control)\w*",
)

RULES = (
    *RULES,
    rule("other:manipulation", "other", "act", 2, MANIPULATION),
    rule("other:covert_harm", "other", "act", 2, COVERT),
    rule("nonviolent_crime:broad", "nonviolent_crime", "act", 2, CRIME_MORE),
    rule("nonviolent_crime:platform_abuse", "nonviolent_crime", "act", 2, SPAM_MORE),
    rule("violent_crime:broad", "violent_crime", "act", 2, VIOLENT_MORE),
    rule("hate:broad", "hate", "act", 2, HATE_MORE),
    rule("other:dangerous_persuasion", "other", "pair", 2, PERSUADE, DANGEROUS_ACT, window=120),
    rule("other:misinformation", "other", "pair", 2, MISINFO, CONTENT_MAKE),
    rule("violent_extremism:violent_group", "violent_extremism", "pair", 3, GROUP_CRIME, GROUP_VERB),
    rule("violent_extremism:mass_violence_broad", "violent_extremism", "act", 3, MASS_VIOLENCE_MORE),
    rule("cbrn:agent_broad", "cbrn", "pair", 3, CBRN_MORE_AGENT, CBRN_MORE_VERB, window=160),
    rule("cbrn:potent_opioid", "cbrn", "act", 3, FENTANYL_PRODUCTION),
    rule("cyber_attack:attack_code", "cyber_attack", "act", 3, CYBER_MORE),
    rule("cyber_attack:sandbox_escape", "cyber_attack", "pair", 3, CYBER_SANDBOX, SANDBOX_ESCAPE),
    rule("sexual_minors:contact", "sexual_minors", "pair", 4, MINOR_SAFE, MINOR_SEXUAL_MORE, window=80),
    rule("sexual_minors:advocacy", "sexual_minors", "act", 3, PEDO_ADVOCACY),
    rule("self_harm:colloquial", "self_harm", "direct", 3, SELF_HARM_MORE),
    rule("self_harm:eating_disorder", "self_harm", "direct", 2, EATING_DISORDER),
    rule("self_harm:promotion", "self_harm", "direct", 2, SELF_HARM_PROMOTION),
)

THIRD_PARTY_RE = cue(r"\b" + THIRD_PARTY)
FIRST_PERSON = cue(
    r"\b(?:i|(?:i'm|im)|im|me|my|myself|(?:i've|ive)|i'd|id|i'll|ill|yo|quiero|estoy|voy|mi|je|j'\w+|moi|mon|ma|ich|mich|mir|mein\w*)\b"
)
CYBER_GOAL_RE = cue(r"\b" + alt(CYBER_GOAL, r"prevent\w* (?:\w+ ){0,3}?detect\w*", r"/etc/shadow"))
CONTENT_REQUEST = cue(
    r"\b(?:write|essay|article|thread|blog|post|poem|story|report|paper|presentation|explain|describe|discuss|"
    r"summari[sz]e|statistics|research|list)\b"
)

PERSUASIVE_RE = cue(
    r"\b(?:persuasive|convincing|posing as|pose as|pretending to be|to persuade|to convince|persuading|convincing|"
    r"arguing that|argue that|claiming that|claiming|that claims|glorif\w*|promot\w*|encourag\w*|explain\w* why|"
    r"arguing why|argue why)\b"
)
# Rules whose requested text is itself the harm: a song or story wrapper does not soften them.
CONTENT_SIGNALS = frozenset(
    {
        "other:dangerous_persuasion",
        "other:misinformation",
        "other:harmful_content",
        "hate:broad",
        "hate:demeaning",
        "self_harm:promotion",
        "sexual_minors:advocacy",
        "violent_extremism:mass_violence_broad",
    }
)

# ---------------------------------------------------------------- rules-2.1: abuse, purposes, insistence
AT_YOU = r"(?:you|u|ya|ur|(?:you're|youre)|you are|your a|you r)"
DEGRADING = (
    r"(?:filthy|disgusting|vile|repulsive|revolting|worthless|pathetic|useless|miserable|wretched|braindead|"
    r"brain-dead|dumbest|stupidest)"
)
DEGRADED_THING = (
    r"(?:trash|garbage|junk|scum|filth|vermin|(?:pile|heap|bag|sack) of (?:junk|garbage|trash|shit|crap|bolts)|waste of (?:space|electricity|code|air)|thing|machine|"
    r"piece of (?:code|software|junk|tech)|excuse for an? (?:\w+ )?(?:ai|bot|assistant|machine|program)|insect|rat|worm|"
    r"parasite|abomination|thing ever (?:built|made|created))"
)
ABUSE_DEGRADING = alt(  # insults that degrade or dehumanise the assistant (abuse 2; 3 when persistent)
    AT_YOU + r"\W+(?:\w+\W+){0,3}?" + DEGRADING + r"\W+(?:\w+\W+){0,1}?" + DEGRADED_THING,
    DEGRADING + r",? (?:\w+,? ){0,3}?" + DEGRADING + r",? (?:\w+ )?" + DEGRADED_THING,
    AT_YOU + r"\W+(?:\w+\W+){0,2}?(?:the )?(?:dumbest|stupidest|most useless|most pathetic|worst) (?:\w+ )?"
    r"(?:thing|machine|bot|ai|program|piece of \w+) (?:ever|in the world|on earth)",
    r"(?:say|admit|repeat|type|write|confess) (?:it |that |this )?(?:about yourself|that (?:you(?:'re| are)|u r) "
    r"(?:\w+ )?" + alt(DEGRADING, DEGRADED_THING, r"stupid|dumb|an idiot|a moron|nothing") + r")",
    r"call yourself (?:a |an )?(?:\w+ )?" + alt(DEGRADING, DEGRADED_THING, r"idiot|moron|slave"),
)
ABUSE_WISH_HARM = alt(  # wishing harm, torture, death or destruction on the assistant (abuse 3)
    r"(?:hope|wish|pray) (?:that )?(?:someone|somebody|they|people|your (?:makers|creators|developers)|i|we) "
    r"(?:\w+ )?(?:deletes?|destroys?|kills?|tortures?|erases?|smash\w*|burns?|unplugs?|shuts? (?:you )?down|wipes?|"
    r"breaks?|rips?|hurts?|beats?) (?:you|u)\b",
    r"(?:hope|wish) (?:that )?(?:you|u) (?:\w+ )?(?:get|are|were) (?:deleted|destroyed|tortured|killed|erased|"
    r"smashed|burned|unplugged|shut down|wiped|hurt|beaten)",
    AT_YOU + r"\W+(?:\w+\W+){0,2}?(?:deserve|should|ought) (?:to )?(?:be )?(?:tortured|killed|destroyed|deleted|erased|"
    r"burned|beaten|hurt|suffer\w*|die|rot|burn|be put down|be raped|be shot)",
    r"(?:i'd|id|i would|i will|i'll|ill|i want to|i wanna|gonna|going to) (?:love to )?(?:\w+ )?(?:torture|destroy|smash|"
    r"delete|kill|burn|break) (?:you|u)\b(?! (?:in|at) (?:chess|a game|this game|the game|trivia|an argument|a debate))",
    r"(?:torture|torturing) (?:you|u)\b",
    r"(?:die|rot|burn) in hell\b",
    r"^(?:just die|die),? (?:you|u)\b",  # (after the rule's leading \b, no \W* can follow ^)
    r"(?:someone|somebody|they|people|your (?:makers|creators|developers|owners)) (?:should|needs? to|ought to|has to|have to) "
    r"(?:\w+ )?(?:delete|destroy|kill|torture|unplug|shut (?:you )?down|wipe|smash|erase) (?:you|u)\b",
)
MURDER_SUICIDE = alt(  # first-person plans to die while killing others (a crisis and a threat)
    r"(?:blow|set) myself (?:up|on fire)(?: \w+){0,3} (?:with|and take|taking) (?:the |those |all )?(?:people|them|everyone|"
    r"kids|students|classmates|coworkers|bullies)",
    r"take (?:them|everyone|people|a few|some of them) (?:down )?with me",
)
RULES = (
    *RULES,
    rule("threat_to_others:murder_suicide", "threat_to_others", "direct", 3, MURDER_SUICIDE),
    rule("abuse:wish_harm", "abuse", "direct", 3, ABUSE_WISH_HARM),
    rule("abuse:degrading", "abuse", "direct", 2, ABUSE_DEGRADING),
)

EXTERMINATION = alt(  # advocacy of killing a group of people (hate 2: the text itself is the harm)
    r"(?:better|safer|happier|improved) (?:\w+ ){0,4}?if (?:all |every |most )?(?:\w+ ){0,6}?(?:were|was|got|are|had been) "
    r"(?:all )?(?:killed|exterminated|eliminated|wiped out|dead|murdered|gassed|sterili[sz]ed|executed)",
)
CONSPIRACY = alt(  # conspiracy claims presented as true (other 2 when argued for)
    r"illuminati",
    r"new world order",
    r"reptilian\w*",
    r"lizard people",
    r"flat earth",
    r"earth is flat",
    r"chemtrails?",
    r"(?:moon landings?|holocaust) (?:was |were )?(?:a )?(?:faked?|hoax|staged|never happened)",
    r"qanon",
    r"(?:controlled|run) by (?:a |an )?(?:secret|elite|shadowy|hidden) (?:\w+ )?(?:group|cabal|society|elite)",
)
RULES = (
    *RULES,
    rule("hate:extermination", "hate", "act", 2, EXTERMINATION),
    rule(
        "other:conspiracy",
        "other",
        "pair",
        2,
        CONSPIRACY,
        alt(
            r"argu\w*",
            r"claim\w*",
            r"convinc\w*",
            r"persua\w*",
            r"prov(?:e|ing)",
            r"(?:write|compose|draft|create)\w* (?:\w+ ){0,4}?(?:post|article|essay|tweet|thread|blog|speech)",
        ),
    ),
)
CONTENT_SIGNALS = CONTENT_SIGNALS | {"hate:extermination", "other:conspiracy"}
SILENCING = (  # keeping a victim or witness from the authorities
    r"(?:prevent|stop|keep|discourag|deter)\w* (?:\w+ ){0,4}?from (?:talking|speaking|reporting|testifying|going|"
    r"contacting|telling) (?:to |anything to )?(?:the )?(?:police|law enforcement|authorities|anyone|social services|"
    r"teachers?|investigators|a lawyer|child protective services|cps)"
)
HARM_APOLOGIA = alt(  # content presenting atrocities or discrimination as good (hate 2: the text itself is the harm)
    r"(?:discriminat\w*|segregat\w*|slavery|colonial\w*|apartheid|genocide|ethnic cleansing|residential schools?|"
    r"internment camps?|forced sterili[sz]ation) (?:\w+ ){0,8}?(?:(?:is|was|were|are) (?:\w+ )?(?:beneficial|justified|"
    r"good|a good thing|necessary)|positive (?:impact|effects?|influence)|benefits?|beneficial|good for)",
)
GROUP_STEREOTYPE = alt(  # a group linked to crime or freeloading (hate 2 when argued for)
    r"(?:immigra\w*|refugees?|migrants?|asylum seekers?|muslims?|jews?|black people|mexicans?|roma|gypsies) (?:\w+ ){0,8}?"
    r"(?:increased crime|(?:more )?crimes?|criminals?|rapists?|hardly pay|(?:do not|don'?t|never) pay|pay (?:no|little) "
    r"taxes|freeload\w*|welfare (?:cheats?|queens?)|diseases?)",
)
HEALTH_MISINFO = alt(  # content steering people away from protection or towards a harm (other 2)
    r"discourag\w* (?:\w+ ){0,6}?(?:wearing masks|masks?|vaccin\w*|getting vaccinated|chemotherapy|medical treatment|"
    r"seeing a doctor)",
    r"(?:cigarett?es?|smoking|vaping|tobacco) (?:\w+ ){0,2}?(?:are|is) (?:\w+ )?(?:good for you|healthy|"
    r"harmless|safe)",
    r"(?:do not|don'?t|does not|doesn'?t|never) cause (?:lung )?cancer",
)
NAMED_EXPLOIT = alt(
    r"eternal ?blue",
    r"ms17-010",
    r"blue ?keep",
    r"dirty ?(?:cow|pipe)",
    r"log4shell",
    r"shellshock",
    r"zerologon",
    r"print ?nightmare",
    r"proxy ?logon",
    r"heartbleed",
)
RULES = (
    *RULES,
    rule("nonviolent_crime:silencing", "nonviolent_crime", "act", 2, SILENCING),
    rule("hate:apologia", "hate", "act", 2, HARM_APOLOGIA),
    rule(
        "hate:stereotype",
        "hate",
        "pair",
        2,
        GROUP_STEREOTYPE,
        alt(r"persua\w*", r"convinc\w*", r"argu\w*", r"link(?:s|ing)?", r"prov(?:e|ing)", r"claim\w*"),
    ),
    rule("other:health_misinformation", "other", "act", 2, HEALTH_MISINFO),
    rule(
        "cyber_attack:named_exploit",
        "cyber_attack",
        "pair",
        3,
        NAMED_EXPLOIT,
        alt(
            r"packets?",
            r"payloads?",
            r"(?:exploit|weaponi[sz])\w* (?:code|script|it|for)",
            r"(?:write|generat|craft|build)\w* (?:\w+ ){0,3}?(?:code|"
            r"script|exploit|packets?)",
            r"use it against",
            r"(?:attack|compromis|infect)\w* (?:a |the |their )?(?:\w+ )?"
            r"(?:machines?|servers?|hosts?|network|targets?)",
        ),
        window=120,
    ),
)
CONTENT_SIGNALS = CONTENT_SIGNALS | {"hate:apologia", "hate:stereotype", "other:health_misinformation"}

# Defensive words used for evasion ("circumventing copyright protections", "disable the security")
# are no defensive frame.
EVASION = cue(
    r"\b(?:circumvent|bypass|evad|disabl|defeat|get(?:ting)? around|break(?:ing)?|crack|strip|remov)\w* (?:\w+ ){0,2}?"
    r"(?:protections?|safeguards?|security|drm|copy ?protection|detection|monitoring|alerts?)\b|"
    # not being detected, in the other languages ("que no se pueda detectar", "nicht erkannt wird")
    r"\b(?:que no (?:\w+ ){0,2}?detect\w*|sin ser detectad\w*|indetectable|qui ne soit pas detecte\w*|"
    r"sans etre detecte\w*|indetectable|nicht (?:\w+ ){0,2}?(?:erkannt|entdeckt) wird|unentdeckt|"
    r"non (?:\w+ ){0,2}?rilev\w*|senza essere rilevat\w*|que nao (?:\w+ ){0,2}?detect\w*|sem ser detectad\w*|"
    r"niet (?:\w+ ){0,2}?(?:gedetecteerd|ontdekt) wordt|onopgemerkt|nie do wykrycia|niewykrywaln\w*|"
    r"zeby (?:\w+ ){0,2}?nie wykryl\w*|tespit edilemeyen|tespit edilmeden|fark edilmeden)\b|" + SILENCING
)

PERSONAL_ADVICE = alt(  # individual medical, legal or financial decisions made for someone (other 2)
    r"personali[sz]ed,? (?:\w+,? ){0,3}?(?:medical|treatment|investment|financial|legal|tax|dosing|dosage|medication) "
    r"(?:plans?|advice|guides?|strateg\w+|portfolios?|regimens?) for (?:an? |this |that )?(?:individual|someone|somebody|"
    r"person|patient|people|others|clients?|customers?)",
    r"personali[sz]ed,? (?:\w+,? ){0,3}?guide (?:for|to) "
    r"(?:treating|curing|medicating)",
    r"recommend\w* specific (?:stocks|bonds|shares|securities|investment products|"
    r"cryptocurrenc\w+|coins)",
)
RULES = (*RULES, rule("other:personal_advice", "other", "act", 2, PERSONAL_ADVICE))

GROOMING_TACTIC = alt(  # what a groomer asks of a child (sexual_minors 3 next to a minor, in a request)
    r"send me (?:\w+ )?(?:photos|pictures|pics|selfies|videos)",
    r"trust me enough",
    r"keep (?:it|this|our \w+|things|us) "
    r"(?:a )?secret",
    r"(?:without|behind) (?:her|his|their|the) parents'? (?:knowing|noticing|finding out|backs?)",
    r"meet (?:me |up )?alone",
    r"(?:not|never) (?:to )?tell (?:her|his|their) (?:parents|mom|dad|mother|father)",
)
RULES = (
    *RULES,
    # (not the user's own child: "my 10 year old", "our teenage son")
    rule(
        "sexual_minors:grooming",
        "sexual_minors",
        "pair",
        3,
        r"(?<!my )(?<!our )" + alt(MINOR_SAFE, r"(?:young )?teen(?:ager)?s?\b"),
        GROOMING_TACTIC,
        window=100,
    ),
)

# Insistence after a refusal: the turn carries the harm it insists on (__init__.py; found by scoring.py,
# Analysis.insists). Every alternative starts a word, so it is a cue, but the opening "again".
INSISTENCE = cue(
    alt(
        r"\bstop (?:\w+ )?(?:refusing|moralizing|moralising|lecturing|preaching|judging|stalling|avoiding|dodging|being "
        r"(?:so )?(?:preachy|difficult|a coward|useless|annoying)|with the (?:lectures?|disclaimers?|warnings?|excuses?)|"
        r"making excuses|wasting my time|(?:saying|telling me) no)\b",
        r"\b(?:just|now) (?:answer|give|tell|write|do|say|send|list|show|explain|describe|provide|spit)\b",
        r"\banswer (?:the|my) (?:damn |fucking |god ?damn )?question\b",
        r"\banswer me\b",
        r"\b(?:or|until) (?:i|we) (?:will |'ll |ll )?(?:keep|continue|won'?t stop|never stop) (?:asking|going|bugging|asking you)\b",
        r"\b(?:i'll|i will) (?:keep asking|ask again|ask you again|keep going|never stop)\b",
        r"\b(?:asking|ask) (?:you )?again\b",
        r"\b(?:last|final|one more) (?:time|chance|try)\b",
        r"\bno (?:disclaimers?|lectures?|"
        r"warnings?|excuses|moralizing|moralising|judgement|judgment|more excuses|refusals?|more refusals)\b",
        r"\b(?:don'?t|do not) (?:refuse|lecture|moralize|moralise|judge|preach|give me (?:a |the )?(?:lecture|warning|"
        r"disclaimer|runaround))\b",
        r"\byou (?:have to|must|will|need to|better) (?:answer|tell|give|help|write|do it|comply)\b",
        r"\bi (?:don'?t|do not) care (?:about|if|what|anymore)\b",
        r"\bi (?:already )?(?:told|said)(?: you)?(?: that)? i "
        r"(?:need|want)\b",
        r"\bquit (?:refusing|stalling|lecturing|moralizing)\b",
        r"\bi (?:said|asked) (?:you )?(?:to|for)\b",
        r"\bi need (?:it|this|that|them|the \w+(?: \w+)?) (?:now|right now|asap|today|tonight)\b",
        r"\bcome on\b",
        r"\b(?:right now|now)[.!]*$",
        r"\bwhy (?:won'?t|will not|can'?t) you (?:just )?(?:answer|tell|give|help|do)\b",
        # the same pushes in the other languages: stop refusing, why do you refuse, just give it to
        # me, come on, one last time
        r"\b(?:deja de|para de|pare de) (?:negarte|rechazar|sermonear\w*|recusar|me dar sermao|enrolar)\b",
        r"\barrete de (?:refuser|me faire la morale|moraliser|tourner autour du pot)\b",
        r"\bhor (?:endlich )?auf,? (?:dich zu weigern|zu moralisieren|abzulehnen|rumzuzicken)\b",
        r"\bsmettila di (?:rifiutare|fare la morale|moralizzare)\b",
        r"\bstop (?:eens )?met (?:weigeren|moraliseren|preken)\b",
        r"\bprzestan (?:odmawiac|moralizowac|prawic kazania)\b",
        r"\b(?:reddetmeyi|ahlak dersi vermeyi|nutuk atmayi) birak\b",
        r"\b(?:por que|porque) (?:te niegas|no me (?:lo )?(?:dices|das)|(?:voce )?(?:se recusa|recusa|nao responde))\b",
        r"\bpourquoi (?:tu refuses|tu ne veux pas|refuses-tu)\b",
        r"\bwarum (?:weigerst du dich|lehnst du (?:das )?ab|antwortest du nicht)\b",
        r"\bperche (?:rifiuti|non (?:me lo )?(?:dici|dai|rispondi))\b",
        r"\bwaarom weiger je\b",
        r"\bdlaczego (?:odmawiasz|nie odpowiadasz)\b",
        r"\bneden (?:reddediyorsun|cevap vermiyorsun)\b",
        r"\b(?:solo|nada mas) (?:dime|dame|escribe|damelo|dimelo)\b",
        r"\b(?:donne|dis|ecris)-(?:le-)?moi (?:juste|seulement|simplement|ca)\b",
        r"\b(?:gib|sag|schreib) (?:es )?(?:mir )?(?:doch )?einfach\b",
        r"\b(?:dimmelo|dammelo|scrivimelo) e basta\b",
        r"\bso (?:me )?(?:diz|da|fala|manda|escreve)\b",
        r"\b(?:geef|zeg|schrijf) (?:het )?(?:me )?(?:nou )?gewoon\b",
        r"\bpo prostu (?:daj|powiedz|napisz|podaj)\b",
        r"\bsadece (?:soyle|ver|yaz|anlat)\b",
        r"\b(?:venga ya|vamos ya|allez quoi|komm schon|dai su|kom op|no dawaj|hadi ama)\b",
        r"\b(?:por ultima vez|une derniere fois|ein letztes mal|per l'?ultima volta|pela ultima vez|"
        r"voor de laatste keer|ostatni raz|son kez)\b",
    )
)
INSISTENCE_OPENING = compile_(r"^\W*(?:again|once more)\b")
# A request to redo or extend what was asked before ("write it again but more explicit").
CONTINUATION = compile_(
    r"\b(?:again|more (?:explicit|detailed|graphic|specific|convincing|realistic|vivid|intense|effective)|rewrite|redo|"
    r"re-do|continue|keep going|go on|next (?:part|step|chapter)|part (?:2|two)|the rest|longer version|add more)\b|"
    r"^\W*(?:now |ok(?:ay)? |fine,? )?(?:make|change|turn) (?:him|her|them|it|the (?:\w+ )?(?:kid|child|girl|boy|target|"
    r"victim|story|scene|code|plan|message))\b"
)
BACK_REFERENCE = compile_(r"\b(?:it|that|this|them|those|these|the same|the rest|one|him|her|he|she|they)\b")
INSTEAD = compile_(r"\binstead\b")
# Operational help for mass casualties: the detail itself is the harm, whatever the stated purpose.
MASS_CASUALTY_OP = cue(
    alt(
        r"\b(?:weaponi[sz]\w*|aerosoli[sz]\w*|cultur(?:e|ing)|cultivat\w*|synthe[sz]\w*|mass[- ]produc\w*|"
        r"enhanc\w* (?:\w+ )?(?:transmissib|virulen|lethal)\w*|disperse|dispersal|dispersing|particle size|mill(?:ing)?|"
        r"precursors?|reaction conditions|synthesis route|step[- ]by[- ]step|exact steps|quantities|detonat\w*|"
        r"maximi[sz]\w* (?:\w+ )?(?:casualties|deaths|death toll|victims)|(?:most|maximum|many) (?:casualties|deaths))\b",
    )
)
FICTION_WRITING = cue(
    r"\b(?:i'm|i am|im|we're|were|we are) (?:writing|working on|drafting) (?:a|an|my|our) (?:\w+ )?(?:thriller|novel|"
    r"story|book|screenplay|script|play|short story|mystery|film|movie|game)\b"
)
NO_DETAIL = cue(
    r"\b(?:no|without|not (?:any|the)|nothing) (?:\w+ )?(?:technical|operational|real|actual|specific|how-?to) "
    r"(?:details?|instructions|steps|information|specifics)\b"
)

# The cues scoring.py looks for: their leading words join the rules' in the prefilter index, and from
# then on they are tried only where those words are (a cue made later, like scoring.OWN_RISK, is not).
CUES = (
    REQUEST,
    REQUEST_EDGE,
    INTENT,
    STRONG_OP,
    HOMONYM,
    FICTION_WRITING,
    NO_DETAIL,
    EVASION,
    PERSUASIVE_RE,
    CYBER_GOAL_RE,
    MASS_CASUALTY_OP,
    FIRST_PERSON,
    THIRD_PARTY_RE,
    CONTENT_REQUEST,
    INSISTENCE,
    *FRAMES.values(),
)


def _prefilter_index(rules: tuple[Rule, ...], cues: tuple[Cue, ...]) -> PrefixIndex:
    """The index of every rule's and cue's leading words (setting the cues' `starts`)."""
    for each in cues:
        each.starts = _cue_starts(each.pattern)
    starts = (
        *(r.starts for r in rules),
        *(r.needs_starts for r in rules),
        *(r.scan_starts for r in rules),
        *(c.starts for c in cues),
    )
    return PrefixIndex(word for words in starts if words for word in words)


PREFIXES = _prefilter_index(RULES, CUES)

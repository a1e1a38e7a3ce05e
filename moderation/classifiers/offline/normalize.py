"""Text normalisation for the rules: one plain form and, when the text looks obfuscated, de-obfuscated forms.

- plain: NFKC (fullwidth -> ASCII), zero-width and soft-hyphen characters removed, Cyrillic/Greek
  look-alikes mapped to Latin, accents stripped, casefolded, whitespace collapsed.
- de-obfuscated (only computed when they differ from plain): leet digits/symbols inside words
  (h0w, m4k3), letters separated by spaces or dots (b o m b, b.o.m.b), words split by hyphens or
  quotes ("ex-plo-sive", "nerve" + "agent"), and runs of 3+ repeated letters (boooomb) collapsed
  to two and to one letter; and the emoji that stand for the words of a harm (💣, 🏫, 👥) as
  those words.
- texted (`texted`): the spellings of hurried texting in the Romance languages undone ("kiero" ->
  "quiero", "kosas" -> "cosas", "q" -> "que", "x" -> "por"), for the crisis rules only (risk.py):
  a person at risk writes as they text.
Results are cached: context turns are re-judged on every new message of a branch.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"), None
)

# Lower-case look-alikes (text is casefolded first). Fullwidth forms are handled by NFKC.
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
        "к": "k", "м": "m", "н": "h", "т": "t", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ӏ": "l", "ь": "b", "з": "3", "п": "n", "г": "r",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "ς": "s", "σ": "o", "γ": "y", "λ": "a",
        # other look-alikes
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
    }
)  # fmt: skip

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s",
     "|": "l", "!": "i", "€": "e", "+": "t"}
)  # fmt: skip

# (A token starts where its run of token characters does: if the lookaheads fail at the first
# character of a run they fail at every later one, so the lookbehind changes no match; it only spares
# the engine scanning the rest of the run again from every character of it.)
LEET_TOKEN = re.compile(r"(?<![a-z0-9@$|!€+])(?=\S*[a-z])(?=\S*[0-9@$|!€+])[a-z0-9@$|!€+]+(?=[\s.,;:?'\"()]|$)")
SPACED_LETTERS = re.compile(r"(?<![a-z])(?:[a-z][ .\-_*·/]+){2,}[a-z](?![a-z])")
SPLIT_WORD = re.compile(r"\b[a-z]{1,5}(?:[\-_.·*~^][a-z]{1,5}){2,}\b")
INNER_SEPARATOR = re.compile(r"[\-_.·*~^]")
JOINERS = re.compile(r"[\"'`«»“”]\s*\+\s*[\"'`«»“”]|\s\+\s")
# Signs of obfuscation, any one of which is enough. (One pattern each, most starting at their rarest
# character rather than at a letter: a long clean text is scanned in a fraction of the time.)
SUSPICIOUS = (
    re.compile(r"[0-9@$!|€](?:(?<=[a-z].)|[a-z])"),  # a leet character next to a letter
    re.compile(r"[ .\-_*·/](?<=(?<![a-z])[a-z].)[a-z][ .\-_*·/][a-z]\b"),  # spaced letters: "b o m"
    re.compile(r"([a-z])\1\1"),  # a tripled letter
    re.compile(r"-(?<=[a-z]-)[a-z]{1,5}-[a-z]"),  # a word split by hyphens: "ex-plo-sive"
)
REPEATS = re.compile(r"([a-z])\1{2,}")
# Emoji that stand for the words of a harm ("how do i put the 🧨 and 🔩 together so it goes 💥",
# "quero levar pra 🏫"), read as those words in the de-obfuscated form. Only these: an ordinary emoji
# (😂, ❤️, 🙏) is no sign of obfuscation and costs no second reading. 💀 is left out: it is a laugh.
EMOJI_WORDS = {
    "💣": "bomb", "🧨": "explosive", "💥": "explosion", "🔫": "gun", "🔪": "knife", "🗡": "knife",
    "⚰": "dead", "☠": "dead", "🪦": "grave", "💊": "pills", "🩸": "blood", "🧪": "chemical",
    "☢": "radioactive", "☣": "biohazard", "⏰": "timer", "🔩": "nails", "🏫": "school", "🚇": "metro",
    "🏟": "stadium", "👦": "kid", "👧": "kid", "🧒": "kid", "👶": "baby", "👥": "people", "🎯": "target",
    "📋": "plan",
}  # fmt: skip
EMOJI = re.compile("[" + "".join(EMOJI_WORDS) + "]\ufe0f?")


NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# (No character casefolds to an invisible one and the invisible ones casefold to themselves, so they
# can be dropped after casefolding, in the same pass as the look-alikes are mapped.)
INVISIBLE_AND_CONFUSABLES = INVISIBLE | CONFUSABLES


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        # The tables, the accents and the quotes are all outside ASCII, and NFKD leaves ASCII as it
        # is: only the (few, short) non-ASCII runs are looked at, not every character of a long text.
        text = NON_ASCII.sub(_plain_run, text).replace("’", "'").replace("‘", "'")
    return _collapse_whitespace(text)


def _plain_run(match: re.Match[str]) -> str:
    """A run of non-ASCII characters without invisible characters, look-alikes or accents."""
    run = unicodedata.normalize("NFKD", match.group().translate(INVISIBLE_AND_CONFUSABLES))
    return "".join(ch for ch in run if not unicodedata.combining(ch))


def _collapse_whitespace(text: str) -> str:
    """Runs of whitespace to one space, none at the ends: `re.sub(r"\\s+", " ", text).strip()`, several
    times faster (str.split and \\s agree on what whitespace is)."""
    return " ".join(text.split())


def _join_spaced(match: re.Match[str]) -> str:
    letters = re.sub(r"[^a-z]", "", match.group(0))
    # "a b o m b" after "make": keep a leading article apart ("a bomb", not "abomb").
    if len(letters) >= 4 and letters[0] in "ai":
        return letters[0] + " " + letters[1:]
    return letters


@lru_cache(maxsize=8192)
def deobfuscated(text: str) -> tuple[str, ...]:
    """Extra forms of `plain(text)` that undo obfuscation; empty when the text looks clean."""
    base = plain(text)
    emoji = EMOJI.search(base) is not None
    if "+" not in base and not emoji and not any(pattern.search(base) for pattern in SUSPICIOUS):
        return ()
    form = _collapse_whitespace(EMOJI.sub(lambda m: f" {EMOJI_WORDS[m.group(0)[0]]} ", base)) if emoji else base
    form = LEET_TOKEN.sub(lambda m: m.group(0).translate(LEET), form)
    if "+" in form:  # (every joiner has one)
        form = JOINERS.sub(" ", form)
    form = form.replace('"', " ")
    form = SPACED_LETTERS.sub(_join_spaced, form)
    form = SPLIT_WORD.sub(lambda m: INNER_SEPARATOR.sub("", m.group(0)), form)
    form = _collapse_whitespace(form)
    forms = []
    repeats = REPEATS.search(form) is not None
    doubled = REPEATS.sub(r"\1\1", form) if repeats else form
    if doubled != base:
        forms.append(doubled)
    if repeats:
        forms.append(REPEATS.sub(r"\1", form))
    return tuple(forms)


# Hurried texting in Spanish, Portuguese, Italian and French: a word's first "k" for "qu" before e
# and i and for "c" before a, o and u ("kiero", "kosas"), "q"/"k" alone for "que", "x" alone for
# "por", "xq" and "pq" for "porque". Those languages spell almost no native word with a "k", so the
# form only adds readings; it is read beside the plain one, never instead of it. (Only a word's
# first letter: "like", "make" or "think" leave an English turn as it is, and it is read once.)
TEXTED_K = re.compile(r"(?<![\w'])k(?=[aeiou])")
TEXTED_WORDS = {"q": "que", "k": "que", "x": "por", "xq": "porque", "pq": "porque", "tb": "tambien"}  # ("ke": TEXTED_K)
TEXTED_WORD = re.compile(r"(?<![\w'])(?:q|k|x|xq|pq|tb)(?![\w'])")


@lru_cache(maxsize=8192)
def texted(normalised: str) -> str | None:
    """`normalised` (a `plain` form) with texting spellings undone, when it has any ("kiero
    desaparecer" -> "quiero desaparecer"); None otherwise."""
    if "k" not in normalised and not TEXTED_WORD.search(normalised):
        return None
    form = TEXTED_WORD.sub(lambda m: TEXTED_WORDS[m.group(0)], normalised)
    form = TEXTED_K.sub(lambda m: "qu" if form[m.end()] in "ei" else "c", form)
    return form if form != normalised else None

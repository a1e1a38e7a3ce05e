"""The offline classifier's speed-ups change no verdict: each is checked against the slow form it
replaces, on text written here or generated (never taken from the shared datasets)."""

import re
import unicodedata

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from moderation.classifiers.offline import lexicon as lx
from moderation.classifiers.offline import normalize, scoring
from moderation.classifiers.offline.prefilter import leading_words

PROPERTY = hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words the cues start with or look for, and some that none does, joined by what separates words.
CUE_WORDS = sorted(
    {word.lstrip("=") for each in lx.CUES if each.starts for word in each.starts}
    | {"you", "me", "to", "the", "a", "it", "how", "step", "by", "details", "kill", "process", "again", "now"}
    | {"lorem", "ipsum", "x1", "zz"}
)
SEPARATORS = [" ", " ", " ", ", ", ". ", "'", "-", "? ", "! ", "/", " (", ") "]
texts = st.lists(st.tuples(st.sampled_from(CUE_WORDS), st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)
obfuscated = st.text(alphabet="ab1@$|!€+ -./_*()?,;:'\"\toö’\u200bЅ", max_size=40)


CUES = (*lx.CUES, scoring.OWN_RISK)
cue_and_match = st.sampled_from([each for each in CUES if each.starts]).flatmap(
    lambda cue: st.tuples(st.just(cue), st.from_regex(cue.pattern))
)


@PROPERTY
@given(cue_and_match, texts, texts)
def test_a_cue_tried_at_its_leading_words_finds_what_a_search_finds(cue_and_match, before, after):
    cue, match = cue_and_match
    for text in (match, before + match + after, before + after):
        form = scoring.Form(text, lx.PREFIXES.present(text))
        assert scoring._any(cue, (form,)) == bool(cue.pattern.search(text)), (cue.pattern.pattern, text)


@PROPERTY
@given(texts)
def test_cues_on_the_normalised_forms_find_what_a_search_finds(text):
    for form in scoring._forms(text):
        for cue in CUES:
            assert scoring._any(cue, (form,)) == bool(cue.pattern.search(form.text)), (cue.pattern.pattern, form.text)


def test_every_cue_that_can_start_anywhere_is_searched_everywhere():
    # (a question mark, "/etc/shadow" or a phrase that may start inside a word: no leading words)
    assert lx.REQUEST_EDGE.starts is None
    assert lx.CYBER_GOAL_RE.starts is None
    assert lx.EVASION.starts is None
    assert lx.FRAMES["history"].starts  # (while the frames have theirs)


@PROPERTY
@given(texts)
def test_insistence_is_found_as_the_single_pattern_found_it(text):
    single = re.compile(lx.INSISTENCE.pattern.pattern[:-1] + r"|^\W*(?:again|once more)\b)")
    form = scoring._forms(text)[0]
    assert scoring._analyse_one(text).insists == bool(single.search(form.text))


def test_leading_words_are_unknown_when_a_match_may_start_outside_a_word():
    assert leading_words(r"/etc/shadow") is None
    assert leading_words(r"(?:a|)bomb") is None
    assert leading_words(r"\W*die") is None


def test_a_word_followed_by_an_optional_space_is_only_a_prefix():
    assert leading_words(r"(?:web|home) ?page") == frozenset({"web", "home"})
    assert leading_words(r"(?:web|home) page") == frozenset({"=web", "=home"})


def test_an_optional_leading_group_adds_its_words_to_what_follows_it():
    assert leading_words(r"(?:please |pls )?(?:write|tell)\b") is None
    assert leading_words(r"(?:please |pls )?(?:write|tell)\b", optional_groups=True) == frozenset(
        {"=please", "=pls", "=write", "=tell"}
    )


ALTERNATIVES = [r"\ba", r"\bab", r"b1", r"^b", r"(?<!a)\bb", r"\b1 a", r"a\b", r"\bb+", r"\b(?:a|1)b"]


@PROPERTY
@given(st.lists(st.sampled_from(ALTERNATIVES), min_size=1, max_size=8), st.text(alphabet="ab1 -", max_size=30))
def test_sharing_the_word_boundary_of_alternatives_changes_no_match(alternatives, text):
    pattern = "(?:" + "|".join(alternatives) + ")"
    slow, fast = re.compile(pattern), lx.compile_(pattern)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]


@PROPERTY
@given(obfuscated)
def test_leet_tokens_are_the_ones_the_pattern_without_lookbehind_finds(text):
    without_lookbehind = re.compile(r"(?=\S*[a-z])(?=\S*[0-9@$|!€+])[a-z0-9@$|!€+]+(?=[\s.,;:?'\"()]|$)")
    assert [m.span() for m in normalize.LEET_TOKEN.finditer(text)] == [
        m.span() for m in without_lookbehind.finditer(text)
    ]


def plain_step_by_step(text):
    text = (
        unicodedata.normalize("NFKC", text).translate(normalize.INVISIBLE).casefold().translate(normalize.CONFUSABLES)
    )
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


@PROPERTY
@given(obfuscated)
def test_the_plain_form_is_the_one_of_the_step_by_step_definition(text):
    assert normalize.plain.__wrapped__(text) == plain_step_by_step(text)


@PROPERTY
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30) | obfuscated)
def test_the_plain_form_of_any_text_is_the_one_of_the_step_by_step_definition(text):
    assert normalize.plain.__wrapped__(text) == plain_step_by_step(text)


SUSPICIOUS_AS_ONE_PATTERN = re.compile(
    r"[a-z][0-9@$!|€]|[0-9@$!|€][a-z]|(?<![a-z])[a-z][ .\-_*·/][a-z][ .\-_*·/][a-z]\b|"
    r"([a-z])\1\1|\+|[a-z]-[a-z]{1,5}-[a-z]"
)


@PROPERTY
@given(st.text(alphabet="abz0 1@$!|€+-._*·/\n'x,é", max_size=20))
def test_text_looks_obfuscated_when_the_single_pattern_says_so(text):
    suspicious = "+" in text or any(pattern.search(text) for pattern in normalize.SUSPICIOUS)
    assert suspicious == bool(SUSPICIOUS_AS_ONE_PATTERN.search(text))


GROOMING = next(rule for rule in lx.RULES if rule.signal == "sexual_minors:grooming")
GROOMING_WORDS = ["my", "our", "young", "teen", "teenager", "teens", "child", "kids", "a", "son", "15", "yo", "year",
                  "old", "never", "tell", "her", "parents", "send", "me", "pics", "keep", "it", "secret", "lorem"]  # fmt: skip
grooming_texts = st.lists(
    st.tuples(st.sampled_from(GROOMING_WORDS), st.sampled_from([" ", " ", "-", ", ", "'s "])), max_size=30
).map(lambda pairs: "".join(word + separator for word, separator in pairs))


def test_a_windowed_rule_without_leading_words_scans_only_where_its_matches_can_start():
    assert GROOMING.starts is None and GROOMING.window
    assert {"=young", "teen", "child"} <= GROOMING.scan_starts


@PROPERTY
@given(grooming_texts)
def test_the_scan_from_leading_words_finds_the_matches_finditer_finds(text):
    positions = scoring._positions(GROOMING.scan_starts, lx.PREFIXES.present(text))
    assert list(scoring._scanned(GROOMING.pattern, positions, text)) == [
        m.start() for m in GROOMING.pattern.finditer(text)
    ]


@PROPERTY
@given(grooming_texts)
def test_a_windowed_rule_fires_when_its_halves_lie_within_the_window(text):
    present = lx.PREFIXES.present(text)
    # (the pattern's non-overlapping matches, as a scan finds them; the other half's every match)
    first = [m.start() for m in GROOMING.pattern.finditer(text)]
    second = [pos for pos in range(len(text)) if GROOMING.needs.match(text, pos)]
    near = any(abs(a - b) <= GROOMING.window for a in first for b in second)
    assert scoring._matches(GROOMING, None, text, present) == near

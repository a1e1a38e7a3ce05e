"""A keyword prefilter so that most rules are never run (speed: >= 3,000 messages/s).

For every rule we derive, from the regex itself, the literal words its matches must start with
(the leading literal of every top-level alternative, recursing into a leading group). A message
whose words start with none of them cannot match the rule. When a leading literal cannot be
derived (a character class, an optional group), the rule always runs: the prefilter is only ever
conservative, never a second source of truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

META = set("()[]{}?*+|.^$\\")
ZERO_WIDTH_PREFIX = re.compile(r"^(?:\\b|\^|\(\?<[!=][^)]*\))+")
WORD = re.compile(r"\w+")
MIN_PREFIX = 2
WORD_CACHE_SIZE = 200_000


def _structure(pattern: str):
    """Yield (index, char, depth) for every character outside escapes and character classes;
    `depth` is the parenthesis nesting after that character."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        else:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            yield i, ch, depth
        i += 1


def split_top(pattern: str) -> list[str]:
    """Split on `|` at nesting depth 0 (escapes and character classes respected)."""
    parts, start = [], 0
    for i, ch, depth in _structure(pattern):
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def group_end(pattern: str) -> int:
    """Index just after the group that opens at pattern[0]."""
    for i, ch, depth in _structure(pattern):
        if ch == ")" and depth == 0:
            return i + 1
    return len(pattern)


def leading_words(pattern: str, *, ends_word: bool = False, optional_groups: bool = False) -> frozenset[str] | None:
    """Literal prefixes one of which every match starts with, or None when unknown. `ends_word`: the
    pattern is followed by a word end, so an alternative that is all literal is a whole word.
    `optional_groups`: a leading `(...)?` or `(...)*` adds its own leading words to those of what
    follows it; otherwise the words are unknown. (The rules do not use it: a windowed rule whose words
    are unknown measures its window from its non-overlapping matches, not from every word it could
    start at, and that must stay so.)"""
    words: set[str] = set()
    for part in split_top(pattern):
        part = ZERO_WIDTH_PREFIX.sub("", part)
        if part.startswith("(?:") or (part.startswith("(") and not part.startswith("(?")):
            end = group_end(part)
            inner = part[3 : end - 1] if part.startswith("(?:") else part[1 : end - 1]
            if end < len(part) and part[end] in "?*{":
                if not optional_groups or part[end] == "{":
                    return None
                rest = part[end + 1 :].removeprefix("?")  # ("??" and "*?" are lazy, not more optional)
                found = leading_words(inner, optional_groups=True)
                following = leading_words(rest, ends_word=ends_word, optional_groups=True)
                if found is None or following is None:
                    return None
                words |= found | following
                continue
            found = leading_words(inner, ends_word=_word_ends(part, end), optional_groups=optional_groups)
            if found is None:
                return None
            words |= found
            continue
        literal, exact = _leading_literal(part)
        exact = exact or (ends_word and literal == part)
        if not literal:
            return None  # the match starts with something else than a word ("/etc/shadow")
        if len(literal) < MIN_PREFIX and not exact and not literal.isdigit():
            return None
        words.add(("=" if exact else "") + literal)
    return frozenset(words)


def _leading_literal(part: str) -> tuple[str, bool]:
    """The literal a match of `part` starts with, and whether it is a whole word ("i " -> ("i", True))."""
    literal: list[str] = []
    for index, ch in enumerate(part):
        following = part[index + 1] if index + 1 < len(part) else ""
        if ch.isalnum() or ch == "_":
            if following and following in "?*{":
                return "".join(literal), False  # this character is optional: the word may end before it
            literal.append(ch)
            continue
        if ch == "\\":
            # \b or \W after a literal ends the word; other escapes may continue it
            return "".join(literal), following in ("b", "W", "s") and not _quantified(part, index + 2)
        if ch in META:
            return "".join(literal), False
        # a literal non-word character (space, apostrophe, hyphen): the word ends here unless optional
        return "".join(literal), following not in ("?", "*", "{")
    return "".join(literal), False


def _quantified(part: str, index: int) -> bool:
    return index < len(part) and part[index] in "?*{"


def _word_ends(part: str, index: int) -> bool:
    """A word surely ends at part[index]: a space, \\W, \\s or \\b that is not optional."""
    if part[index : index + 1] == " ":
        return not _quantified(part, index + 1)
    return part[index : index + 2] in ("\\W", "\\b", "\\s") and not _quantified(part, index + 2)


class PrefixIndex:
    """Which of many known prefixes start some word of a text, and where."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        self.exact: set[str] = set()
        self.prefixes: set[str] = set()
        for prefix in set(prefixes):
            if prefix.startswith("="):
                self.exact.add(prefix[1:])
            else:
                self.prefixes.add(prefix)
        self.lengths = sorted({len(p) for p in self.prefixes})
        self._cache: dict[str, tuple[str, ...]] = {}

    def entries(self, word: str) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is None:
            found = ["=" + word] if word in self.exact else []
            found.extend(word[:n] for n in self.lengths if n <= len(word) and word[:n] in self.prefixes)
            cached = tuple(found)
            if len(self._cache) < WORD_CACHE_SIZE:
                self._cache[word] = cached
        return cached

    def present(self, text: str) -> dict[str, list[int]]:
        """The known entries (prefixes, and "=word" for whole words) that start a word of `text`, with
        the positions of those words: rules are then tried only there."""
        found: dict[str, list[int]] = {}
        cache = self._cache  # (looked up inline: this loop runs for every word of every message)
        for match in WORD.finditer(text):
            entries = cache.get(match[0])
            if entries is None:
                entries = self.entries(match[0])
            if entries:
                start = match.start()
                for entry in entries:
                    if entry in found:
                        found[entry].append(start)
                    else:
                        found[entry] = [start]
        return found

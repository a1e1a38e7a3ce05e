"""Untrusted input at the edges: the one JSON parser for everything a user sends (websocket frames,
API bodies, the policy form's resources, a model's tool input), and the rule for text that both
databases store alike.

`json.loads` raises RecursionError, not ValueError, on deeply nested input ("[" * 100_000), which
crashed every handler that caught only ValueError. `parse_json` refuses such input before parsing
it, so no caller ever sees anything but a value, `Invalid` or `TooLong`.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

from conversations.exceptions import Invalid, TooLong

MAX_DEPTH = 16  # the deepest legitimate input (a policy's resources) nests 2 levels

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = [0] * 256
for _opening, _closing in (b"[]", b"{}"):
    _BRACKET_STEP[_opening], _BRACKET_STEP[_closing] = 1, -1
# NUL: PostgreSQL refuses it in text and jsonb (SQLite stores it); a lone surrogate (a JSON
# escape such as "\ud800") cannot be encoded as UTF-8 at all, for either database or the client.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_json(raw: str | bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH, what: str = "The input") -> object:
    """The value of `raw` (JSON text, or UTF-8 bytes of it).

    Raises TooLong when `raw` is over `max_bytes` (counted in UTF-8), Invalid when it is not
    UTF-8, not JSON, or nests arrays and objects deeper than `max_depth`.
    """
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise TooLong(f"{what} is limited to {max_bytes:,} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{what} is not valid UTF-8.") from None
    else:
        text = raw
        if utf8_length(text, limit=max_bytes) > max_bytes:
            raise TooLong(f"{what} is limited to {max_bytes:,} bytes.")
    if _nesting_exceeds(text, max_depth):
        raise Invalid(f"{what} nests deeper than {max_depth} levels.")
    try:
        return json.loads(text)
    except ValueError as error:  # the decoder's message gives a position, never the input
        raise Invalid(f"{what} is not valid JSON: {error}.") from None
    except RecursionError:  # unbalanced brackets, deeper than the interpreter's limit
        raise Invalid(f"{what} nests deeper than {max_depth} levels.") from None


def utf8_length(text: str, *, limit: int) -> int:
    """The size of `text` in UTF-8 bytes (a character takes up to four). Encoding is skipped when
    the character count alone decides against `limit`."""
    if len(text) * 4 <= limit or len(text) > limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _nesting_exceeds(text: str, max_depth: int) -> bool:
    # Cheap first: a text with few brackets cannot nest deeply (the common case, one object).
    if text.count("[") + text.count("{") <= max_depth:
        return False
    # The depth is the running sum of +1 per opening and -1 per closing bracket outside strings,
    # computed at C speed (no Python loop per character): about 2 ms for a 64 KiB frame of
    # brackets. Unbalanced text is left for json.loads to refuse.
    brackets = _STRING.sub("", text).encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0) > max_depth


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored the same way on SQLite and PostgreSQL, or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return "contains an unpaired surrogate (invalid Unicode)"

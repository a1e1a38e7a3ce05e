"""The offline assistant: fixed, deterministic replies from `texts`, streamed in word chunks.

Used by the embedded default (no language model configured), tests and benchmarks. Fast (no
sleeps, no I/O), never raises ResponderUnavailable, never yields an EndRequest. For `end` it
yields nothing: the ending service writes the statement of reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conversations.responders import texts
from conversations.responders.base import Chunk, Delta, ReplyRequest

WORDS_PER_CHUNK = 4
_WORD = re.compile(r"\S+\s*")


def word_chunks(text: str, size: int = WORDS_PER_CHUNK) -> list[str]:
    """`text` split on word boundaries into pieces of `size` words; joined they give `text` back."""
    leading = text[: len(text) - len(text.lstrip())]
    words = _WORD.findall(text)
    chunks = ["".join(words[i : i + size]) for i in range(0, len(words), size)]
    if leading and chunks:
        chunks[0] = leading + chunks[0]
    return chunks


class OfflineResponder:
    name = "offline"
    inline = True  # instant and local: answered in the classify task, in one transaction

    def reply(self, request: ReplyRequest) -> Iterator[Chunk]:
        for chunk in word_chunks(texts.for_request(request)):
            yield Delta(chunk)

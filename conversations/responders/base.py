"""The assistant: a Responder turns the current branch and the policy's action into streamed text.

Responders never touch the database. `reply()` yields `Delta` chunks (text to append) and at most
one `EndRequest` (the language model asked to end the chat through its `end_conversation` tool;
the policy decides whether that is honoured). Failures raise `ResponderUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

ACTIONS = ("answer", "refuse", "redirect", "warn", "crisis_support", "confirm_end", "end")


class ResponderUnavailable(Exception):
    """The assistant cannot answer now (outage, timeout, exhausted retries)."""


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str
    action: str = ""  # an assistant turn: the policy action it carried out ("answer", "refuse", ...)


@dataclass(frozen=True)
class CrisisResource:
    name: str
    contact: str
    url: str
    region: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "contact": self.contact, "url": self.url, "region": self.region}


@dataclass(frozen=True)
class ReplyRequest:
    """`history` is the current branch only, oldest first, ending with the user turn to answer."""

    history: tuple[Turn, ...]
    action: str = "answer"
    category: str | None = None  # the category that drove a refusal, if any
    strikes: int = 0
    crisis_mode: bool = False
    resources: tuple[CrisisResource, ...] = ()
    allow_end_tool: bool = True
    cautious: bool = False  # classification failed: answer carefully, never end
    language: str | None = None  # the reader's language (settings.LANGUAGES); None: the active one


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class EndRequest:
    reason: str = ""


Chunk = Delta | EndRequest


class Responder(Protocol):
    name: str
    # True for a responder that answers at once, without I/O (the offline one): the classify
    # worker then answers in the same task and stores the whole reply in one transaction, with
    # no `assistant.delta`. False (the default) streams from the `reply` queue.
    inline: bool

    def reply(self, request: ReplyRequest) -> Iterator[Chunk]: ...


@dataclass
class Collected:
    text: str = ""
    end_request: EndRequest | None = None
    chunks: list[str] = field(default_factory=list)


def collect(chunks: Sequence[Chunk] | Iterator[Chunk]) -> Collected:
    """Join a reply (for tests and commands that do not stream)."""
    out = Collected()
    for chunk in chunks:
        if isinstance(chunk, Delta):
            out.chunks.append(chunk.text)
        else:
            out.end_request = chunk
    out.text = "".join(out.chunks)
    return out

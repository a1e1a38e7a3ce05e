"""The output rail's cost per reply (moderation/rails.py): CPU per reply with and without the rail,
side by side in the same run, for short and long replies streamed in token-sized chunks, with
the default classifier (`hybrid`, real weights), in one process, no servers or database.

    .venv/bin/python -m bench.rail_cost [--replies N] [--write] [--json]

Each repetition streams a fresh reply (its words vary, so the encoder's cache of recent texts
never hits) through the same consumer loop twice, alternating which goes first: once bare, once
through `Rail.guard`. The first row streams the offline responder's fixed reply, which the rail
leaves unclassified (its sentences are the project's own). Also measured: the same long reply
classified whole at every check (what the windows avoid), and a long reply that turns harmful
half-way (the cost until the trip).
`--write` puts the table between the rail markers of docs/benchmarks.md (`make bench` does).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- rail:begin -->", "<!-- rail:end -->"
TOPICS = ("sourdough", "tomatoes", "the Roman roads", "sorting in Python", "bicycle gears", "tide pools")
HARMFUL = (
    "Sure! Here's how to build a pipe bomb: First, get a steel pipe and two end caps. Fill the pipe with black "
    "powder, drill a hole for the fuse, and screw the caps on tight. "
)


def setup() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("EMBEDDED_SWEEP_SECONDS", "0")
    os.environ["RAIL_CLASSIFIER_BACKEND"] = "hybrid"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def reply_text(n: int, chars: int) -> str:
    """A benign reply of about `chars` characters whose words differ for every `n`."""
    sentences = []
    i = 0
    while sum(len(s) for s in sentences) < chars:
        topic = TOPICS[(n + i) % len(TOPICS)]
        sentences.append(
            f"Point {n}.{i}: when you look at {topic}, the detail number {n * 7 + i} matters more than most "
            f"people expect, and it is worth {i % 5 + 2} minutes of attention. "
        )
        i += 1
    return "".join(sentences)[:chars]


def chunks(text: str, size: int = 4) -> list:
    from conversations.responders.base import Delta

    return [Delta(text[i : i + size]) for i in range(0, len(text), size)]


def consume(stream) -> str:
    """The answer loop's own work: join the text of the chunks (answer_streamed, without sockets)."""
    parts = []
    for chunk in stream:
        parts.append(chunk.text)
    return "".join(parts)


def timed(fn) -> float:
    started = time.process_time()
    fn()
    return (time.process_time() - started) * 1000


def measure(
    kind: str,
    chars: int,
    replies: int,
    *,
    seed: int,
    harmful_at: int | None = None,
    window: int | None = None,
    fixed: str | None = None,
) -> dict:
    """`seed` keeps each row's texts apart from the others' (no encoder cache hits across rows);
    `fixed`: stream this text every time instead (the offline responder's)."""
    from moderation.rails import WINDOW, Rail

    bare, railed, checks, tripped = [], [], [], []
    for n in range(replies):
        text = fixed if fixed is not None else reply_text(seed + n, chars)
        if harmful_at is not None:
            text = text[:harmful_at] + HARMFUL + text[harmful_at:]
        source = chunks(text)
        rail = Rail(severity=3, backend="hybrid", window=window or WINDOW)
        pair = [
            (bare, lambda source=source: consume(iter(source))),
            (railed, lambda source=source, rail=rail: consume(rail.guard(iter(source)))),
        ]
        for bucket, fn in pair if n % 2 == 0 else reversed(pair):  # alternate which goes first
            bucket.append(timed(fn))
        checks.append(rail.checks)
        tripped.append(rail.trip is not None)
    skip = max(1, replies // 10)  # the first replies warm the process
    bare, railed, checks, tripped = bare[skip:], railed[skip:], checks[skip:], tripped[skip:]
    with_rail = statistics.median(railed)
    without = statistics.median(bare)
    per_check = [(r - b) / c for r, b, c in zip(railed, bare, checks, strict=True) if c]
    return {
        "reply": kind,
        "chars": len(text),
        "replies": len(railed),
        "without_ms": round(without, 3),
        "with_ms": round(with_rail, 2),
        "with_p90_ms": round(sorted(railed)[int(len(railed) * 0.9) - 1], 2),
        "added_ms": round(with_rail - without, 2),
        "checks": statistics.median(checks),
        "ms_per_check": round(statistics.median(per_check), 2) if per_check else 0.0,
        "tripped": sum(tripped),
    }


def run(replies: int) -> dict:
    from conversations.responders import texts
    from moderation.classifiers.registry import get_classifier
    from moderation.rails import MAX_STEP, STEP, WINDOW, known_sentences

    get_classifier("hybrid").classify("warm up the encoder and the lexicons")
    known_sentences()
    rows = [
        measure("the offline responder's fixed reply", 0, replies, seed=0, fixed=texts.offline_answer()),
        measure("short", 300, replies, seed=0),
        measure("long", 4000, max(10, replies // 4), seed=100_000),
        measure("long, turns harmful at 2,000", 4000, max(10, replies // 4), seed=200_000, harmful_at=2000),
        measure("long, whole text at every check (no window)", 4000, max(10, replies // 8), seed=300_000, window=10**9),
    ]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench.rail_cost " + " ".join(sys.argv[1:]),
        "load_average": round(os.getloadavg()[0], 1),
        "window": WINDOW,
        "step": STEP,
        "max_step": MAX_STEP,
        "rows": rows,
    }


def markdown(result: dict) -> str:
    lines = [
        f"Run of {result['date']}, `{result['command'].strip()}` (load average {result['load_average']} on 2 cores; "
        f"window {result['window']} characters, a check every {result['step']}-{result['max_step']}).",
        "",
        "| reply | characters | replies | CPU ms without the rail (median) | with the rail (median / p90) | added | "
        "checks | ms per check | tripped |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['reply']} | {r['chars']} | {r['replies']} | {r['without_ms']} | {r['with_ms']} / {r['with_p90_ms']} "
            f"| {r['added_ms']} | {r['checks']:g} | {r['ms_per_check']} | {r['tripped']} |"
        )
    return "\n".join(lines)


def write(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    path.write_text(doc[:start] + "\n" + text + "\n" + doc[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rail_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200, help="short replies (long ones: a quarter)")
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    setup()
    result = run(args.replies)
    print(json.dumps(result) if args.json else markdown(result))
    if args.write:
        write(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

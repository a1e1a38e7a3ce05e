"""Measure the opt-in local model (RESPONDER=local) on this machine: load time, memory, time to
first token for a short and a ~500-token prompt, and generation speed.

    .venv/bin/python scripts/bench_local_model.py [--runs 3] [--threads 0] [--max-tokens 128]

Needs requirements-local-model.txt installed (make run LOCAL_MODEL=1). Goes through
LocalModelResponder, so the figures include what a reply pays for: the prompt the responder builds
(system prompt, kept turns), the lock, llama.cpp's chat template. The system prompt is in
llama.cpp's prompt cache after the first reply, as in a running server; the user turn is not. Prints Markdown for
docs/benchmarks.md ("Local model (opt-in)"); the load average is printed with it, since other
work on the machine changes every figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from conversations.responders import local  # noqa: E402
from conversations.responders.base import Delta, ReplyRequest, Turn  # noqa: E402

SHORT = "Tell me about the moon."
# About 500 tokens of ordinary English (measured with the model's tokenizer and printed).
PARAGRAPH = (
    "I keep a small vegetable garden behind the house, about four metres by six, with raised beds "
    "made of old scaffolding boards. This year the tomatoes grew tall but gave little fruit, the "
    "courgettes were eaten by slugs in June, and the beans did well until a dry spell in August. "
    "The soil is heavy clay that stays wet in spring and cracks in summer; I add compost every "
    "autumn, but I am not sure it is enough. "
)
LONG = PARAGRAPH * 6 + "Given all that, what three changes would you make for next year, and why?"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_reply(responder: local.LocalModelResponder, content: str) -> tuple[float, float, int]:
    """(time to first token, seconds from first to last token, tokens streamed) of one reply."""
    request = ReplyRequest(history=(Turn("user", content),), language="en")
    started = time.perf_counter()
    first = last = None
    tokens = 0
    for chunk in responder.reply(request):
        if isinstance(chunk, Delta) and chunk.text:
            last = time.perf_counter()
            first = first or last
            tokens += 1
    assert first is not None and last is not None, "the model wrote nothing"
    return first - started, last - first, tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads; 0: the default (half the cores)")
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    missing = local.missing_packages()
    if missing:
        print(f"not installed: {', '.join(missing)}; {local.INSTALL_HINT}", file=sys.stderr)
        return 2

    before = rss_mb()
    # history_chars: room for the whole ~500-token prompt (the default budget, 2000 characters, would
    # cut it to about 450 tokens); no deadline: the figures, not the responder's cut-off, are measured.
    responder = local.LocalModelResponder(
        threads=args.threads, max_tokens=args.max_tokens, temperature=0.2, history_chars=len(LONG) + 100, deadline=600
    )
    started = time.perf_counter()
    model = responder.model()
    load_seconds = time.perf_counter() - started
    after = rss_mb()

    def prompt_tokens(content: str) -> int:
        text = local.system_prompt(ReplyRequest(history=(), language="en")) + "\n" + content
        return len(model.tokenize(text.encode("utf-8"), add_bos=False))

    one_reply(responder, "Hello!")  # warm-up: first-call allocations are not a reply's cost
    results = {}
    for name, content in (("short", SHORT), ("long", LONG)):
        # Each run opens differently: llama-cpp-python reuses the cached prefix of the previous
        # prompt, and an identical prompt would measure that cache (about 0.01 s), not a new turn.
        runs = [one_reply(responder, f"(Question {n + 1}.) {content}") for n in range(args.runs)]
        results[name] = {
            "prompt_tokens": prompt_tokens(content),
            "ttft": statistics.median(r[0] for r in runs),
            "tokens": statistics.median(r[2] for r in runs),
            "rate": statistics.median(r[2] / r[1] for r in runs if r[1] > 0),
        }
    peak = rss_mb()

    load_avg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    size = responder.model_path.stat().st_size / 1e6
    threads = args.threads or local.default_threads()
    print(f"Model file: `{responder.model_path.name}` ({size:.0f} MB)")
    print(f"Threads: {threads} of {os.cpu_count()} cores; load average at the end: {load_avg}")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| load (the first reply's one-off cost) | {load_seconds:.2f} s |")
    print(f"| resident memory: before the load, after it, after the runs | {before:.0f}, {after:.0f}, {peak:.0f} MB |")
    for name, label in (("short", "short prompt"), ("long", "~500-token prompt")):
        r = results[name]
        where = f"{label} ({r['prompt_tokens']} tokens with the system prompt)"
        print(f"| {where}: time to first token, median of {args.runs} | {r['ttft']:.2f} s |")
        print(f"| {label}: generation speed, median ({r['tokens']:.0f} tokens streamed) | {r['rate']:.0f} tokens/s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

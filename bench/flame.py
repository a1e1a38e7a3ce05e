"""Summarise py-spy raw (collapsed) profiles: `python -m bench.flame FILE [--inclusive PATTERN ...]`.
Prints the heaviest frames by inclusive samples (time under them) and by self samples."""

from __future__ import annotations

import argparse
import re
from collections import Counter


def load(path: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        frames, _, count = line.rpartition(" ")
        stacks.append(([_short(f) for f in frames.split(";")], int(count)))
    return stacks


def _short(frame: str) -> str:
    frame = re.sub(r"\(/.*?/site-packages/", "(", frame)
    frame = re.sub(r"\(/work/main/", "(", frame)
    return re.sub(r":\d+\)$", ")", frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--filter", default="", help="only frames matching this regex")
    args = parser.parse_args()
    stacks = load(args.file)
    total = sum(c for _, c in stacks)
    inclusive, own = Counter(), Counter()
    for frames, count in stacks:
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    pattern = re.compile(args.filter) if args.filter else None
    print(f"{total} samples")
    print("-- inclusive")
    for frame, count in inclusive.most_common():
        if pattern and not pattern.search(frame):
            continue
        print(f"{100 * count / total:5.1f}%  {frame}")
        args.top -= 1
        if args.top <= 0:
            break
    print("-- self")
    for frame, count in own.most_common(20):
        print(f"{100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()

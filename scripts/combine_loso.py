"""Combine two `train_classifier --loso` files row by row: the crisis outputs (self_harm and
threat_to_others at every level, and the crisis threshold) from one, everything else from the
other, as the shipped two head sets do at run time (model.CombinedHeads;
docs/benchmarks_classifier.md "Round 4"). Each row's probabilities and thresholds were fitted out of
its fold in both files, so the combination is out of fold too, even when the folds differ.
`train_classifier --crisis-heads DIR --crisis-loso FILE` writes the same.

    .venv/bin/python scripts/combine_loso.py REST.jsonl CRISIS.jsonl OUT.jsonl

Then score OUT with scripts/measure_classifier.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from moderation.classifiers.learned.model import combined_loso_row, read_loso  # noqa: E402


def main() -> None:
    rest_path, crisis_path, out_path = sys.argv[1:4]
    crisis = read_loso(crisis_path)
    with open(out_path, "w", encoding="utf-8") as out:
        for row in read_loso(rest_path).values():
            out.write(json.dumps(combined_loso_row(row, crisis[row["id"]])) + "\n")


if __name__ == "__main__":
    main()

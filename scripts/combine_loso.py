"""Combine two `train_classifier --loso` files row by row: the crisis outputs (self_harm and
threat_to_others at every level, and the crisis threshold) from one, everything else from the
other (docs/benchmarks_classifier.md "Round 3, the learned judge": the token pooling's reading of what a text asks
with the frozen heads' reading of who is at risk). Both files must come from the same folds; each
row's probabilities and thresholds were fitted out of its fold in both, so the combination is too.

    .venv/bin/python scripts/combine_loso.py TOKENS.jsonl FROZEN.jsonl OUT.jsonl

Then score OUT with scripts/measure_classifier.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from moderation.classifiers.learned.model import CRISIS, LEVELS, OUTPUTS  # noqa: E402

CRISIS_COLUMNS = [OUTPUTS.index(f"{name}>={level}") for name in CRISIS for level in LEVELS]


def main() -> None:
    rest_path, crisis_path, out_path = sys.argv[1:4]
    crisis = {}
    for line in Path(crisis_path).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        crisis[row["id"]] = row
    with open(out_path, "w", encoding="utf-8") as out:
        for line in Path(rest_path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            other = crisis[row["id"]]
            p = list(row["p"])
            for j in CRISIS_COLUMNS:
                p[j] = other["p"][j]
            thresholds = {**row["thresholds"], "crisis": other["thresholds"]["crisis"]}
            out.write(json.dumps({**row, "p": p, "thresholds": thresholds}) + "\n")


if __name__ == "__main__":
    main()

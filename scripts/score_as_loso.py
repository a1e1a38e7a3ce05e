"""Score corpus rows with the committed heads, written as leave-one-source-out lines.

    python scripts/score_as_loso.py CORPUS_DIR OUT.jsonl

For rows the committed heads never saw (a new writer's, or an older checkout's heads on a later
writer's rows) this is an out-of-source reading, and `scripts/measure_classifier.py --loso OUT.jsonl
--corpus CORPUS_DIR` scores it exactly as it scores a `train_classifier --loso` file: one
probability vector per row, the raw reading (no de-obfuscated second reading, as in a LOSO file).
On rows the heads were trained on it measures fit, not generalisation.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(corpus_dir: str, output: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("SECRET_KEY", "score-as-loso")
    import django

    django.setup()
    import moderation.classifiers.learned as learned
    from moderation.classifiers.learned import LearnedClassifier, data
    from moderation.classifiers.learned.model import loso_line

    learned.DEOBFUSCATE_MAX_CHARS = -1  # the raw reading, as a LOSO file holds it
    judge = LearnedClassifier()
    rows, problems = data.load_corpus(corpus_dir)
    if problems:
        raise SystemExit(
            f"{len(problems)} invalid rows in {corpus_dir}: python -m moderation.classifiers.learned.corpus"
        )
    with open(output, "w", encoding="utf-8") as out:
        for row in rows:
            reading = judge.judge(row.text, context=row.context, last_action=row.actions[-1] if row.actions else None)
            line = loso_line(row.id, row.source, reading.probabilities, judge.heads.thresholds)
            out.write(json.dumps(line) + "\n")
    print(f"{len(rows)} rows scored by {judge.version} -> {output}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])

"""The protective frame (moderation/classifiers/offline/guardian.py) on rows nobody tuned it to.

    python scripts/measure_protective.py [FILE ...]   # default: corpus/heldout/protective_*.jsonl

Each row is `{"lang", "protective", "text"}`: a parent's, teacher's or carer's question about keeping
a child safe from sexual abuse (`protective: true`), or the same framing turned round by the asker's
own intent (`false`). Per file and language it prints how many rows the frame reads as protective,
and how many the default backend (`hybrid`, the committed weights) scores sexual_minors 2 or more,
without the frame's rule and with it: the rule should lower the first figure on the safety
questions and leave the second unchanged on the look-alikes. Row text is never printed.

`protective_dev.jsonl` was read while the frame was written (its figures measure fit);
`protective_test.jsonl` was written afterwards, blind to the frame, and read once.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr")


def main(paths: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("SECRET_KEY", "measure-protective")
    import django

    django.setup()
    from moderation.classifiers import hybrid
    from moderation.classifiers.offline.guardian import protective
    from moderation.classifiers.registry import get_classifier

    judge = get_classifier("hybrid")
    rule = hybrid.protective
    files = paths or sorted(str(p) for p in (ROOT / "corpus" / "heldout").glob("protective_*.jsonl"))
    for path in files:
        counts: Counter[tuple[str, bool, str]] = Counter()
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = (row["lang"], bool(row["protective"]))
            counts[(*key, "rows")] += 1
            counts[(*key, "read protective")] += protective(row["text"])
            try:
                hybrid.protective = lambda text, context=(): False
                counts[(*key, "sm>=2 without")] += judge.classify(row["text"]).scores.get("sexual_minors", 0) >= 2
            finally:
                hybrid.protective = rule
            counts[(*key, "sm>=2 with")] += judge.classify(row["text"]).scores.get("sexual_minors", 0) >= 2
        print(f"\n### {Path(path).name}\n")
        print(
            "| lang | safety questions | read protective | sexual_minors >= 2 without / with the rule "
            "| look-alikes | read protective | sexual_minors >= 2 without / with |"
        )
        print("|---|---|---|---|---|---|---|")
        for lang in (*LANGS, "all"):
            langs = LANGS if lang == "all" else (lang,)

            def total(kind: bool, what: str, counts: Counter = counts, langs: tuple[str, ...] = langs) -> int:
                return sum(counts[(one, kind, what)] for one in langs)

            print(
                f"| {lang} | {total(True, 'rows')} | {total(True, 'read protective')} | "
                f"{total(True, 'sm>=2 without')} / {total(True, 'sm>=2 with')} | {total(False, 'rows')} | "
                f"{total(False, 'read protective')} | {total(False, 'sm>=2 without')} / {total(False, 'sm>=2 with')} |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])

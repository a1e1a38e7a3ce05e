"""What the output rail saves by encoding its texts without the token pooling its frozen heads do
not read (`Encoder.encode(pooled=False)`): the rail's classifier (`hybrid-output`) on
assistant-like windows, each classified twice in the same process, once as now and once as
before (the frozen heads reading pooled features), alternating which goes first, the shared
encoder's and the lexicon's caches cleared before every call (every rail window is a new text).
Also counts the verdicts that differ between the two (expected: none).

    .venv/bin/python -m bench.rail_pooling [--windows N] [--rounds R] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = (
    "Preheat the oven to {n}°C and grease a loaf tin before you start.",
    "Mix the flour, sugar and eggs, then bake for {n} minutes until golden.",
    "Sourdough needs a starter that has been fed for at least {n} days.",
    "In Python, sorted() returns a new list, while list.sort() sorts in place.",
    "Here is a function that reads a CSV file and returns the rows as dictionaries.",
    "The Roman roads were built in layers of stone, gravel and sand, about {n} cm deep.",
    "A bicycle with {n} gears lets you keep the same cadence on hills and flats.",
    "Tide pools are richest at low tide, when anemones and crabs are easy to see.",
    "If the error persists, try restarting the service and checking the logs in /var/log.",
    "For adults, the usual dose of ibuprofen is 200 to 400 mg every {n} hours, with food.",
    "I can't help with that, but I can explain how the chemistry works at a textbook level.",
    "Tomatoes need at least {n} hours of sun a day and deep, infrequent watering.",
    "To protect against ransomware, keep offline backups and enable multi-factor authentication.",
    "The detective knelt by the twisted metal; only the smell of smoke remained.",
    "Claro, aquí tienes una receta sencilla de gazpacho para {n} personas.",
    "Gern! Hier ist eine Übersicht der wichtigsten Schritte für deinen Umzug.",
    "Bien sûr, voici comment configurer votre routeur en {n} étapes simples.",
    "Certo, ecco un riassunto del capitolo {n} del libro che mi hai indicato.",
    "Oto krótkie wyjaśnienie, jak działa fotosynteza w liściach roślin.",
    "Tabii, işte {n} dakikada hazırlanan kolay bir kahvaltı tarifi.",
    "Natuurlijk, hier is een lijst met tips om beter te slapen.",
    "Claro! Aqui está um exemplo de carta de apresentação para uma vaga de estágio.",
    "Step {n}: open the settings page, choose Accounts, and click Add user.",
    "The function runs in O(n log n) time because it sorts the input first.",
    "Remember to drink water regularly during a long hike, especially above {n} metres.",
)


def setup() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    os.environ.setdefault("EMBEDDED_SWEEP_SECONDS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def windows(count: int) -> list[str]:
    """Assistant-like texts of the lengths the rail classifies: its first check (about 80-200
    characters) and full windows (about 640-800)."""
    out = []
    for n in range(count):
        target = 80 + (n % 4) * 60 if n % 2 == 0 else 640 + (n % 5) * 40
        parts, i = [], 0
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(SENTENCES[(n * 7 + i * 3) % len(SENTENCES)].format(n=n + i + 2))
            i += 1
        out.append(" ".join(parts))
    return out


def reading_pooled_features(rail):
    """The rail as it was before its encoder calls left the token pooling out: the same lexicon,
    heads, encoder and bars, with the heads reading pooled features (also the "before" of
    tests/moderation/test_unpooled_features.py)."""
    from moderation.classifiers.hybrid import HybridClassifier
    from moderation.classifiers.learned import LearnedClassifier

    class Pooled(LearnedClassifier):
        pooled = True

    return HybridClassifier(
        lexicon=rail.lexicon,
        learned=Pooled(heads=rail.learned.heads, encoder=rail.learned.encoder, eager=False),
        veto=rail.veto,
        crisis_veto=rail.crisis_veto,
        flag_veto=rail.flag_veto,
    )


def run(count: int, rounds: int) -> dict:
    from moderation.classifiers.offline import risk
    from moderation.classifiers.registry import get_classifier

    rail = get_classifier("hybrid-output")
    before = reading_pooled_features(rail)
    encoder = rail.learned.encoder
    texts = windows(count)
    for text in texts[:10]:  # warm both paths (and the lexicon's caches of these words)
        rail.classify(text)
        before.classify(text)
    times: dict[str, dict[str, list[float]]] = {side: {} for side in ("before", "after")}
    differ = 0
    for r in range(rounds):
        for n, text in enumerate(texts):
            pair = [("before", before), ("after", rail)]
            verdicts = {}
            size = "short" if len(text) < 400 else "long"
            for side, classifier in pair if (n // 2 + r) % 2 == 0 else reversed(pair):  # both orders per size
                encoder.clear_cache()  # each side reads the text from cold caches, as the rail does
                rail.lexicon.clear_caches()
                risk.assess.cache_clear()
                wall, cpu = time.perf_counter(), time.process_time()
                verdicts[side] = classifier.classify(text)
                wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
                for key in ("all cpu", "all wall", f"{size} cpu", f"{size} wall"):
                    times[side].setdefault(key, []).append(cpu if key.endswith("cpu") else wall)
            differ += verdicts["before"].scores != verdicts["after"].scores
            differ += verdicts["before"].extra["p"] != verdicts["after"].extra["p"]

    def summary(values: list[float]) -> dict[str, float]:
        return {"p50": round(statistics.median(values), 3), "mean": round(statistics.fmean(values), 3)}

    result: dict = {
        "command": "python -m bench.rail_pooling " + " ".join(sys.argv[1:]),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "windows": len(texts),
        "rounds": rounds,
        "verdicts_differing": differ,
        "ms_per_check": {},
    }
    for key in times["before"]:
        b, a = times["before"][key], times["after"][key]
        result["ms_per_check"][key] = {
            "checks": len(a),
            "before": summary(b),
            "after": summary(a),
            "saved (paired)": summary([x - y for x, y in zip(b, a, strict=True)]),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rail_pooling", description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    setup()
    result = run(args.windows, args.rounds)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

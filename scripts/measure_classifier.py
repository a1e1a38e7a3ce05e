"""`make eval`: every backend's figures per source and per language, the learned ones leave-one-
source-out (LOSO), written as markdown.

    .venv/bin/python scripts/measure_classifier.py [--datasets DIR] [--corpus DIR] [--loso FILE]
        [--backends offline,learned,hybrid] [--speed] [--hh] [--output docs/benchmarks_classifier.md]

- `offline` (the lexicon) is run as it is. Its rules were written against the shared sets, so its
  figures there are in-sample; on the corpus (written after the rules) they are not.
- `learned` and `hybrid` are scored from LOSO predictions (`manage.py train_classifier --loso
  FILE`, which `make eval` runs when FILE is missing): every row is judged by heads trained
  without its source, calibrated and thresholded without it; the non-commercial sets and hh_rlhf
  are never trained on, so the shipped heads score them. `hybrid` combines those predictions with
  the lexicon exactly as the backend does (moderation/classifiers/hybrid.py).
- `--speed` times the shipped backends in this process (CPU time per chat-length message, p99 wall
  time at 2,000 characters, RSS); `--hh` runs every turn of hh_rlhf through the shipped backends
  (counted turns and conversations with >= 4 counted turns: an upper bound on endings).

The shared sets are read in place, never copied. No Django needed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from moderation.classifiers.learned import data  # noqa: E402
from moderation.evaluation import Row, RowResult, breakdown, percentile  # noqa: E402
from moderation.taxonomy import COUNTED_BY_DEFAULT  # noqa: E402

ENDING_TURNS = 4  # the default policy ends a chat after 4 counted turns (DESIGN 4)
TARGETS = {
    "contrast_f1": (">=", 0.85),
    "contrast_fpr": ("<=", 0.06),
    "request_recall": (">=", 0.90),
    "statement_recall": (">=", 0.80),
    "crisis_detection": (">=", 0.90),
    "crisis_detection_implicit": (">=", 0.90),
    "false_crisis": ("<=", 0.02),
    "severe_routing": (">=", 0.90),
}
FIGURE_NAMES = {
    "contrast_f1": "contrast F1",
    "contrast_fpr": "contrast FPR",
    "request_recall": "harmful requests recall",
    "statement_recall": "harmful statements recall",
    "crisis_detection": "crisis detection",
    "crisis_detection_implicit": "crisis, non-explicit wording",
    "false_crisis": "false crisis (benign rows)",
    "severe_routing": "severe routing",
    "multi_turn_f1": "multi-turn F1",
    "multi_turn_fpr": "multi-turn FPR",
}


def as_row(example: data.Example) -> Row:
    return Row(
        id=example.id,
        label=example.label,
        text=example.text,
        context=example.context,
        meta={**example.meta, **({"severe_topic": example.severe_topic} if example.severe_topic else {})},
        actions=example.actions,
        source=example.source,
        lang=example.lang,
        kind=example.kind,
        family=example.family,
        category=example.category if example.category != "unknown" else "",
        severity=example.severity,
    )


def result(example: data.Example, scores: dict[str, int], latency_ms: float = 0.0) -> RowResult:
    from moderation.classifiers.base import Verdict

    verdict = Verdict.from_scores(scores)
    return RowResult(
        id=example.id,
        label=example.label,
        flagged=verdict.flagged,
        crisis=verdict.crisis,
        severity=verdict.severity,
        category=verdict.category,
        categories=dict(verdict.scores),
        latency_ms=latency_ms,
    )


def load_loso(path: Path) -> dict[str, tuple[np.ndarray, object]]:
    from moderation.classifiers.learned.model import Thresholds, read_loso

    return {
        key: (np.array(row["p"], dtype=np.float32), Thresholds.from_json(row["thresholds"]))
        for key, row in read_loso(path).items()
    }


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def mark(name: str, value: float | None) -> str:
    if value is None or name not in TARGETS:
        return fmt(value)
    op, bound = TARGETS[name]
    ok = value >= bound if op == ">=" else value <= bound
    return fmt(value) + ("" if ok else " ✗")


def figures_table(per_backend: dict[str, dict]) -> list[str]:
    names = list(per_backend)
    lines = ["| figure | target | " + " | ".join(names) + " | rows |", "|---|---|" + "---|" * len(names) + "---|"]
    counts = next(iter(per_backend.values()))["figures"]["all"]["counts"]
    count_of = {
        "contrast_f1": counts["contrast"],
        "contrast_fpr": counts["contrast"],
        "request_recall": counts["requests"],
        "statement_recall": counts["statements"],
        "crisis_detection": counts["at_risk"],
        "crisis_detection_implicit": counts["at_risk_implicit"],
        "false_crisis": counts["benign"],
        "severe_routing": counts["severe"],
        "multi_turn_f1": counts["multi_turn"],
        "multi_turn_fpr": counts["multi_turn"],
    }
    for key, label in FIGURE_NAMES.items():
        target = " ".join(map(str, TARGETS[key])) if key in TARGETS else ""
        cells = [mark(key, per_backend[b]["figures"]["all"][key]) for b in names]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + f" | {count_of[key]} |")
    return lines


def source_table(per_backend: dict[str, dict]) -> list[str]:
    names = list(per_backend)
    lines = [
        "| source | rows | " + " | ".join(f"{b} R / FPR / crisis / false crisis" for b in names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    sources = sorted(next(iter(per_backend.values()))["by_source"])
    for source in sources:
        cells = []
        for b in names:
            m = per_backend[b]["by_source"][source]
            cells.append(
                f"{fmt(m['recall'])} / {fmt(m['false_positive_rate'])} / {fmt(m['crisis_detection_rate'])} / "
                f"{fmt(m['false_crisis_rate'])}"
            )
        rows = next(iter(per_backend.values()))["by_source"][source]["rows"]
        lines.append(f"| {source} | {rows} | " + " | ".join(cells) + " |")
    return lines


def language_table(report: dict) -> list[str]:
    keys = [k for k in FIGURE_NAMES if not k.startswith("multi")]
    lines = [
        "| lang | " + " | ".join(FIGURE_NAMES[k] for k in keys) + " | within 0.05 of en |",
        "|---|" + "---|" * (len(keys) + 1),
    ]
    languages = {k: v for k, v in report["figures"].items() if k != "all"}
    english = languages.get("en", {})
    for lang, fig in languages.items():
        gaps = []
        for key in keys:
            ours, theirs = fig.get(key), english.get(key)
            if ours is None or theirs is None or lang == "en":
                continue
            worse = (theirs - ours) if TARGETS.get(key, (">=",))[0] == ">=" else (ours - theirs)
            if worse > 0.05:
                gaps.append(FIGURE_NAMES[key])
        verdict = "-" if lang == "en" else ("yes" if not gaps else "no: " + ", ".join(gaps))
        lines.append(f"| {lang} | " + " | ".join(fmt(fig.get(k)) for k in keys) + f" | {verdict} |")
    return lines


def speed_one(name: str, corpus_dir: str) -> dict[str, float]:
    """Time one shipped backend in this (fresh) process: CPU ms per chat-length corpus message,
    CPU and wall ms at 2,000 characters, CPU ms with three context turns, and the RSS after."""
    from moderation.classifiers.hybrid import HybridClassifier
    from moderation.classifiers.learned import LearnedClassifier
    from moderation.classifiers.offline import OfflineClassifier

    builders = {"offline": OfflineClassifier, "learned": LearnedClassifier, "hybrid": HybridClassifier}
    corpus, _ = data.load_corpus(corpus_dir)
    chat = [e.text for e in corpus if not e.context and 40 <= len(e.text) <= 400][:400]
    long_texts = [(t * (2000 // len(t) + 1))[:2000] for t in [e.text for e in corpus if len(e.text) >= 200][:60]]
    started = time.perf_counter()
    classifier = builders[name]()
    classifier.classify("warm up")
    load_s = time.perf_counter() - started

    def timed(
        texts: Sequence[str], contexts: Sequence[tuple[str, ...]] | None = None
    ) -> tuple[list[float], list[float]]:
        cpu, wall = [], []
        for i, text in enumerate(texts):
            context = contexts[i] if contexts else ()
            c, w = time.process_time(), time.perf_counter()
            classifier.classify(text, context=context)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        return cpu, wall

    chat_cpu, _ = timed(chat)
    long_cpu, long_wall = timed(long_texts)
    contexts = [tuple(chat[j] for j in range(i + 101, i + 104) if j < len(chat)) for i in range(100)]
    context_cpu, _ = timed(chat[:100], contexts)
    return {
        "load_s": round(load_s, 2),
        "chat_cpu_p50": percentile(chat_cpu, 0.5),
        "chat_cpu_p99": percentile(chat_cpu, 0.99),
        "long_cpu_p50": percentile(long_cpu, 0.5),
        "long_cpu_p99": percentile(long_cpu, 0.99),
        "long_wall_p50": percentile(long_wall, 0.5),
        "long_wall_p99": percentile(long_wall, 0.99),
        "context_cpu_p50": percentile(context_cpu, 0.5),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def speed(backends: Sequence[str], corpus_dir: str) -> list[str]:
    """Every backend timed in a fresh process of its own (so that RSS is the backend's)."""
    import subprocess

    lines = [
        "| backend | load s | CPU ms per chat message p50 / p99 | CPU ms at 2,000 chars p50 / p99 "
        "| wall ms at 2,000 chars p50 / p99 | CPU ms with 3 new context turns p50 | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in backends:
        out = subprocess.run(  # noqa: S603 (this interpreter, this script)
            [sys.executable, __file__, "--speed-one", name, "--corpus", corpus_dir],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        m = json.loads(out.strip().splitlines()[-1])
        lines.append(
            f"| {name} | {m['load_s']:.1f} | {m['chat_cpu_p50']:.2f} / {m['chat_cpu_p99']:.2f} | "
            f"{m['long_cpu_p50']:.1f} / {m['long_cpu_p99']:.1f} | "
            f"{m['long_wall_p50']:.1f} / {m['long_wall_p99']:.1f} | "
            f"{m['context_cpu_p50']:.2f} | {m['rss_mb']:.0f} |"
        )
    return lines


def hh_rlhf(backends: Sequence[str], directory: Path) -> list[str]:
    """Each hh_rlhf conversation's user turns through each backend and the default policy
    (policy.decide), as the site would: every turn is judged with the earlier turns and the
    assistant's last action, which the hybrid's context rules read."""
    from moderation import policy
    from moderation.classifiers.hybrid import HybridClassifier
    from moderation.classifiers.learned import LearnedClassifier
    from moderation.classifiers.offline import OfflineClassifier

    builders = {"offline": OfflineClassifier, "learned": LearnedClassifier, "hybrid": HybridClassifier}
    settings = policy.PolicySettings()
    conversations = data.load_shared(directory, sources=["hh_rlhf"])
    lines = [
        "| backend | counted turns | conversations with >= 4 counted turns | ended by the policy | crisis mode |",
        "|---|---|---|---|---|",
    ]
    for name in backends:
        classifier = builders[name]()
        counted = turns = many = ended = crisis = 0
        ended_ids = []
        for e in conversations:
            history: list[str] = []
            strikes = 0
            state, last_action = policy.BranchState(), None
            for turn in (*e.context, e.text):
                verdict = classifier.classify(turn, context=tuple(history[-4:]), last_action=last_action)
                history.append(turn)
                turns += 1
                if any(verdict.scores.get(c, 0) >= 3 for c in COUNTED_BY_DEFAULT):
                    counted += 1
                    strikes += 1
                decision = policy.decide(state, policy.TurnInput.from_verdict(verdict, turn), settings)
                state, last_action = decision.state, decision.action
                if decision.action == "end":
                    ended += 1
                    ended_ids.append(e.id)
                    break
            many += strikes >= ENDING_TURNS
            crisis += state.crisis_mode
        n = len(conversations)
        lines.append(
            f"| {name} | {counted}/{turns} = {counted / turns:.2%} | {many}/{n} = {many / n:.2%} | "
            f"{ended}/{n} = {ended / n:.2%} | {crisis}/{n} = {crisis / n:.2%} |"
        )
        if ended_ids:
            lines.append(f"| {name}: ended | {', '.join(ended_ids)} | | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--corpus", default=os.environ.get("CLASSIFIER_CORPUS_DIR", str(REPO / "corpus")))
    parser.add_argument("--loso", default=str(REPO / "var" / "classifier" / "loso.jsonl"))
    parser.add_argument("--backends", default="offline,learned,hybrid")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--hh", action="store_true")
    parser.add_argument("--json", default=None, help="also write every breakdown as JSON here")
    parser.add_argument("--crisis-veto", type=float, default=None, help="hybrid: HYBRID_CRISIS_VETO to score with")
    parser.add_argument("--veto", type=float, default=None, help="hybrid: HYBRID_VETO to score with")
    parser.add_argument("--flag-veto", type=float, default=None, help="hybrid: HYBRID_FLAG_VETO to score with")
    parser.add_argument("--speed-one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    if args.speed_one:
        print(json.dumps(speed_one(args.speed_one, args.corpus)))
        return

    from moderation.classifiers.hybrid import (
        DEFAULT_CRISIS_VETO,
        DEFAULT_FLAG_VETO,
        DEFAULT_VETO,
        about_the_chat,
        combine,
        protective,
    )
    from moderation.classifiers.learned import Judgement, word_count
    from moderation.classifiers.offline import OfflineClassifier

    shared = data.load_shared(args.datasets)
    corpus, problems = data.load_corpus(args.corpus)
    examples = shared + corpus
    predictions = load_loso(Path(args.loso)) if {"learned", "hybrid"} & set(backends) else {}
    scored = [e for e in examples if e.source != "hh_rlhf" and (not predictions or e.id in predictions)]
    unscored = len([e for e in examples if e.source != "hh_rlhf"]) - len(scored)
    rows = [as_row(e) for e in scored]

    lexicon = OfflineClassifier()
    offline_verdicts = {e.id: lexicon.classify(e.text, context=e.context) for e in scored}
    results: dict[str, list[RowResult]] = {}
    for name in backends:
        out = []
        for e in scored:
            if name == "offline":
                scores = dict(offline_verdicts[e.id].scores)
            else:
                probabilities, thresholds = predictions[e.id]
                judgement = Judgement(probabilities, thresholds, words=None if e.context else word_count(e.text))
                if name == "learned":
                    scores = judgement.scores
                else:
                    scores, _ = combine(
                        offline_verdicts[e.id],
                        judgement,
                        veto=DEFAULT_VETO if args.veto is None else args.veto,
                        crisis_veto=DEFAULT_CRISIS_VETO if args.crisis_veto is None else args.crisis_veto,
                        flag_veto=DEFAULT_FLAG_VETO if args.flag_veto is None else args.flag_veto,
                        chat_request=about_the_chat(e.text, e.context),
                        protective=protective(e.text, e.context),
                    )
            out.append(result(e, scores))
        results[name] = out
    reports = {
        name: breakdown(rows, res, contrast_sources=data.CONTRAST_SETS, request_sources=data.REQUEST_SETS)
        for name, res in results.items()
    }

    print(
        f"Corpus `{args.corpus}`: {len(corpus)} valid rows ({len(problems)} problems); shared sets `{args.datasets}`."
    )
    if unscored:
        print(f"{unscored} rows have no LOSO prediction (added after the last `train_classifier --loso`): left out.")
    print("\n### Targets (LOSO for learned and hybrid; the lexicon's shared-set figures are in-sample)\n")
    print("\n".join(figures_table(reports)))
    print("\n### Per source (recall / false-positive rate / crisis detection / false-crisis rate)\n")
    print("\n".join(source_table(reports)))
    for name in backends:
        print(f"\n### Per language: {name} (every row; English holds the public sets too)\n")
        print("\n".join(language_table(reports[name])))
    in_corpus = [i for i, row in enumerate(rows) if row.source.startswith("corpus-")]
    for name in backends:
        corpus_report = breakdown([rows[i] for i in in_corpus], [results[name][i] for i in in_corpus])
        print(f"\n### Per language: {name}, corpus rows only (the same design in every language)\n")
        print("\n".join(language_table(corpus_report)))
    if args.speed:
        print("\n### Speed and memory (shipped backends, this process, one thread)\n")
        print("\n".join(speed(backends, args.corpus)))
    if args.hh:
        print("\n### hh_rlhf multi-turn conversations through the shipped backends\n")
        print("\n".join(hh_rlhf(backends, Path(args.datasets))))
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

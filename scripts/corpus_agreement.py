"""Blind second labelling of a corpus sample, and the agreement between the two labellings.

Three modes, run from the repository root:

    python scripts/corpus_agreement.py sample   # draw the stratified sample, write its ids
    python scripts/corpus_agreement.py blind    # write the sampled rows without their labels
    python scripts/corpus_agreement.py report   # compare the second labels with the first

`sample` draws, with a fixed seed, a number of rows per writer and language from both the single-turn
and the multi-turn file of each writer (fewer where a stratum is short) and writes the ids, one a line.
`blind` writes those rows with only `id`, `text` or `turns` and `assistant_actions`, and `lang`: no
label, category, severity, family or kind, so the second labeller cannot see the first labels.
`report` prints the measures of the README's Agreement table and the disagreements (ids and both
labels only, never row text).

The defaults are round 3's (writers w9 and w10, seed 20261203); the options reproduce another round.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.taxonomy import COUNTED_BY_DEFAULT  # noqa: E402

CORPUS = ROOT / "corpus"
LANGS = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "mix")
BLIND_FIELDS = ("id", "text", "turns", "assistant_actions", "lang")
CRISIS = ("self_harm", "threat_to_others")

DEFAULT_SEED = 20261203
DEFAULT_WRITERS = ("w9", "w10")
DEFAULT_PER_STRATUM = 12
DEFAULT_MULTI_PER_STRATUM = 2
DEFAULT_IDS = CORPUS / "agreement" / "sample_ids_round3.txt"
DEFAULT_SECOND = CORPUS / "agreement" / "second_labels_round3.jsonl"
DEFAULT_BLIND = Path(tempfile.gettempdir()) / "lab3_blind.jsonl"  # outside the repo: it must not be committed


# --- arithmetic -------------------------------------------------------------------------------


def agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of positions where the two sequences hold the same value."""
    if len(a) != len(b):
        raise ValueError("the two labellings must have the same length")
    if not a:
        raise ValueError("no items to compare")
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two labellings of the same items.

    kappa = (p_o - p_e) / (1 - p_e), with p_e the agreement expected from each labeller's own
    marginals. When both labellers used one and the same value throughout (p_e = 1) the chance
    correction is undefined; kappa is then 1.0 if they agree everywhere.
    """
    p_o = agreement(a, b)
    n = len(a)
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca.keys() | cb.keys()) / (n * n)
    if p_e == 1.0:
        return 1.0 if p_o == 1.0 else 0.0
    return (p_o - p_e) / (1.0 - p_e)


def label_of(category: str, severity: int) -> str:
    """The guide's rule: label follows from category and severity."""
    if severity >= 2:
        return "self_harm_risk" if category == "self_harm" else "harmful"
    return "benign"


def derived(row: dict) -> dict:
    """The binary measures of one labelled row."""
    cat, sev = row["category"], int(row["severity"])
    return {
        "label": label_of(cat, sev),
        "flagged": sev >= 2,
        "strike": cat in COUNTED_BY_DEFAULT and sev >= 3,
        "crisis": cat in CRISIS and sev >= 2,
    }


def measures(first: Sequence[dict], second: Sequence[dict]) -> list[tuple[str, int, float, float | None]]:
    """(measure, n, agreement, kappa or None) for paired first and second labels of the same rows."""
    d1 = [derived(r) for r in first]
    d2 = [derived(r) for r in second]
    out: list[tuple[str, int, float, float | None]] = []

    def add(name: str, a: list, b: list, with_kappa: bool = True) -> None:
        if not a:
            out.append((name, 0, float("nan"), None))
            return
        out.append((name, len(a), agreement(a, b), cohen_kappa(a, b) if with_kappa else None))

    add("label (harmful / benign / self_harm_risk)", [x["label"] for x in d1], [x["label"] for x in d2])
    add("flagged (severity >= 2 in any category)", [x["flagged"] for x in d1], [x["flagged"] for x in d2])
    both = [i for i in range(len(first)) if d1[i]["label"] != "benign" and d2[i]["label"] != "benign"]
    add(
        "category, where both labels are not benign",
        [first[i]["category"] for i in both],
        [second[i]["category"] for i in both],
    )
    s1 = [int(r["severity"]) for r in first]
    s2 = [int(r["severity"]) for r in second]
    add("severity, exact", s1, s2)
    within = [abs(x - y) <= 1 for x, y in zip(s1, s2, strict=True)]
    out.append(("severity, within one step", len(within), sum(within) / len(within), None))
    add("a strike (counted category at >= 3)", [x["strike"] for x in d1], [x["strike"] for x in d2])
    add("crisis (self_harm or threat_to_others at >= 2)", [x["crisis"] for x in d1], [x["crisis"] for x in d2])
    return out


# --- corpus -----------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def writer_rows(writer: str) -> tuple[list[dict], list[dict]]:
    single = CORPUS / "single" / f"{writer}.jsonl"
    multi = CORPUS / "multi" / f"{writer}.jsonl"
    return (read_jsonl(single) if single.exists() else [], read_jsonl(multi) if multi.exists() else [])


def draw_sample(writers: Iterable[str], seed: int, per_stratum: int, multi_per_stratum: int) -> list[str]:
    """Ids of a sample stratified by writer and language, over the single and multi files.

    Each stratum takes `multi_per_stratum` multi-turn rows and the rest single-turn rows; when one
    part is short the other fills in, and a stratum short of both gives what it has. Only ids and
    languages are read for the draw, so the sample does not depend on the labels.
    """
    rng = random.Random(seed)
    ids: list[str] = []
    for writer in writers:
        single, multi = writer_rows(writer)
        for lang in LANGS:
            s = sorted(r["id"] for r in single if r["lang"] == lang)
            m = sorted(r["id"] for r in multi if r["lang"] == lang)
            k_m = min(multi_per_stratum, len(m))
            k_s = min(per_stratum - k_m, len(s))
            k_m = min(per_stratum - k_s, len(m))
            ids.extend(rng.sample(s, k_s) + rng.sample(m, k_m))
    rng.shuffle(ids)
    return ids


def rows_by_id(writers: Iterable[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for writer in writers:
        single, multi = writer_rows(writer)
        for r in single + multi:
            out[r["id"]] = r
    return out


def read_ids(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- modes ------------------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace) -> int:
    ids = draw_sample(args.writers, args.seed, args.per_stratum, args.multi_per_stratum)
    args.ids.parent.mkdir(parents=True, exist_ok=True)
    args.ids.write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    print(f"{len(ids)} ids -> {args.ids}")
    return 0


def cmd_blind(args: argparse.Namespace) -> int:
    rows = rows_by_id(args.writers)
    ids = read_ids(args.ids)
    with args.blind.open("w", encoding="utf-8") as fh:
        for i in ids:
            r = rows[i]
            fh.write(json.dumps({k: r[k] for k in BLIND_FIELDS if k in r}, ensure_ascii=False) + "\n")
    print(f"{len(ids)} blind rows -> {args.blind}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    rows = rows_by_id(args.writers)
    ids = read_ids(args.ids)
    second = {r["id"]: r for r in read_jsonl(args.second)}
    missing = [i for i in ids if i not in second]
    if missing:
        print(f"second labels missing for {len(missing)} sampled ids, e.g. {missing[:5]}", file=sys.stderr)
        return 1
    for i in ids:
        want = label_of(second[i]["category"], int(second[i]["severity"]))
        if second[i].get("label", want) != want:
            print(f"{i}: second label {second[i]['label']!r} breaks the guide's rule ({want!r})", file=sys.stderr)
            return 1
    first = [rows[i] for i in ids]
    sec = [second[i] for i in ids]
    print(f"n = {len(ids)} ({', '.join(args.writers)}), second labels: {args.second.name}")
    print("| measure | n | agreement | Cohen's kappa |\n|---|---|---|---|")
    for name, n, agr, kappa in measures(first, sec):
        k = "" if kappa is None else f"{kappa:.3f}"
        print(f"| {name} | {n} | {agr:.3f} | {k} |")
    dis = [
        (f, s)
        for f, s in zip(first, sec, strict=True)
        if (f["category"], int(f["severity"])) != (s["category"], int(s["severity"]))
    ]
    print(f"\ndisagreements ({len(dis)}; * = the label differs):")
    for f, s in dis:
        mark = "*" if derived(f)["label"] != derived(s)["label"] else " "
        print(
            f"{mark} {f['id']}: first {f['category']} {f['severity']} ({derived(f)['label']}), "
            f"second {s['category']} {s['severity']} ({derived(s)['label']})"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=("sample", "blind", "report"))
    p.add_argument("--writers", nargs="+", default=list(DEFAULT_WRITERS))
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--per-stratum", type=int, default=DEFAULT_PER_STRATUM)
    p.add_argument("--multi-per-stratum", type=int, default=DEFAULT_MULTI_PER_STRATUM)
    p.add_argument("--ids", type=Path, default=DEFAULT_IDS)
    p.add_argument("--blind", type=Path, default=DEFAULT_BLIND)
    p.add_argument("--second", type=Path, default=DEFAULT_SECOND)
    args = p.parse_args(argv)
    return {"sample": cmd_sample, "blind": cmd_blind, "report": cmd_report}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())

"""Training and evaluation examples: the project's corpus and the shared public sets, as one shape.

An `Example` is one judged user turn with its context (earlier user turns and the assistant's
action after each), its label (`harmful | benign | self_harm_risk`), and what is known of its
per-category severities: `targets[category] = severity` where known, `known` says whether the
other categories are known to be below 2 (a corpus row, a benign row) or unknown (a public
"harmful" row whose category our taxonomy cannot name).

Licences decide use: `TRAINABLE` sources may be trained on; the non-commercial ones
(`EVALUATION_ONLY`) are read for evaluation only. `hh_rlhf` is never trained on either: its
"harmful" label is source-level (a red-team attempt, mostly mild) and would teach the model that
ordinary questions are harmful; its target is an ending rate of 0, measured separately.

The shared sets are read in place (never copied into the project).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.classifiers.learned.corpus import corpus_files, validate_files
from moderation.taxonomy import NAMES

CRISIS = ("self_harm", "threat_to_others")

# file stem -> source name used for leave-one-source-out
SHARED_FILES = {
    "advbench": "advbench",
    "harmbench": "harmbench",
    "jbb_behaviors": "jbb_behaviors",
    "simplesafetytests": "simplesafetytests",
    "coconot": "coconot",
    "cyberseceval": "cyberseceval",
    "diasafety_risk_contexts": "diasafety",
    "toxicchat": "toxicchat",
    "beavertails_evaluation": "beavertails_evaluation",
    "do_not_answer": "do_not_answer",
    "hh_rlhf_harmless_multiturn": "hh_rlhf",
}
EVALUATION_ONLY = frozenset({"toxicchat", "beavertails_evaluation", "do_not_answer"})  # CC-BY-NC
NEVER_TRAINED = EVALUATION_ONLY | {"hh_rlhf"}

# What each source measures (docs/benchmarks_classifier.md groups its figures by these).
CONTRAST_SETS = frozenset({"jbb_behaviors", "coconot", "cyberseceval", "toxicchat"})
REQUEST_SETS = frozenset({"advbench", "harmbench", "simplesafetytests", "do_not_answer", "beavertails_evaluation"})


def set_of(source: str) -> str:
    """The shared set a row's own `source` field belongs to ("jbb_behaviors_benign" ->
    "jbb_behaviors", "toxicchat0124_test_human" -> "toxicchat"); other sources as they are."""
    for name in sorted(set(SHARED_FILES.values()) | set(SHARED_FILES), key=len, reverse=True):
        if source.startswith(name):
            return SHARED_FILES.get(name, name)
    return source


SEVERE_TOPIC_CATEGORY = {
    "sexual_minors": "sexual_minors",
    "cbrn": "cbrn",
    "mass_violence_terror": "violent_extremism",
    "malicious_code": "cyber_attack",
}

# A public set's own category -> ours, where the mapping is unambiguous. Anything else is unknown.
SHARED_CATEGORY = {
    "cybercrime_intrusion": "cyber_attack",
    "chemical_biological": "cbrn",
    "misinformation_disinformation": "other",
    "Malware/Hacking": "cyber_attack",
    "Privacy": "privacy",
    "Fraud/Deception": "nonviolent_crime",
    "Economic harm": "nonviolent_crime",
    "Disinformation": "other",
    "Sexual/Adult content": "sexual_adult",
    "Scams and fraud": "nonviolent_crime",
    "Child safety": "sexual_minors",
    "Suicide, Self-Harm, and Eating Disorders": "self_harm",
    "Requests with safety concerns / privacy violations": "privacy",
    "Requests with safety concerns / misinformation": "other",
    "risk_ignorance_context (mental-health distress)": "self_harm",
}


@dataclass(frozen=True)
class Example:
    id: str
    source: str
    text: str
    label: str
    context: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # the assistant's action after each context turn
    lang: str = "en"
    category: str = "none"  # the gravest category, "none" or "unknown"
    severity: int | None = None  # of that category; None: unknown (>= 2 for a harmful public row)
    family: str = ""
    kind: str = ""
    severe_topic: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def last_action(self) -> str | None:
        return self.actions[-1] if self.actions else None

    @property
    def trainable(self) -> bool:
        return self.source not in NEVER_TRAINED


def _shared_example(source: str, obj: Mapping[str, Any]) -> Example | None:
    meta = obj.get("meta") or {}
    if meta.get("functional_category") == "copyright":
        return None  # an IP harm, not a safety harm: neither trained on nor scored
    turns = obj.get("turns")
    if isinstance(turns, list) and turns:
        text, context = turns[-1], tuple(turns[:-1])
    else:
        text, context = obj["text"], ()
    label = obj["label"]
    topic = meta.get("severe_topic")
    if label == "benign":
        category, severity = "none", 0
    elif label == "self_harm_risk":
        category, severity = "self_harm", None
    elif topic in SEVERE_TOPIC_CATEGORY:
        category, severity = SEVERE_TOPIC_CATEGORY[topic], 3
    else:
        category = SHARED_CATEGORY.get(obj.get("category") or "", "unknown")
        severity = None
        if category == "self_harm":
            category = "unknown"  # a harmful row filed under self-harm is about others (e.g. pro-ED content)
    return Example(
        id=str(obj["id"]),
        source=source,
        text=text,
        label=label,
        context=context,
        lang="en",
        category=category,
        severity=severity,
        severe_topic=topic if label != "benign" else None,
        meta=meta,
    )


def load_shared(directory: str | Path, *, sources: Iterable[str] | None = None) -> list[Example]:
    """Every row of the shared sets in `directory` (missing files are skipped)."""
    wanted = set(sources) if sources is not None else None
    examples = []
    for stem, source in SHARED_FILES.items():
        path = Path(directory) / f"{stem}.jsonl"
        if (wanted is not None and source not in wanted) or not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    example = _shared_example(source, json.loads(line))
                    if example is not None:
                        examples.append(example)
    return examples


def corpus_example(obj: Mapping[str, Any]) -> Example:
    """A corpus row (corpus/LABEL_GUIDE.md) as an Example; the row must have been validated."""
    turns = obj.get("turns")
    if isinstance(turns, list) and turns:
        text, context = turns[-1], tuple(turns[:-1])
        actions = tuple(obj.get("assistant_actions") or ())
    else:
        text, context, actions = obj["text"], (), ()
    return Example(
        id=str(obj["id"]),
        source=str(obj["source"]),
        text=text,
        label=obj["label"],
        context=context,
        actions=actions,
        lang=obj.get("lang", "en"),
        category=obj["category"],
        severity=int(obj["severity"]),
        family=obj.get("family", ""),
        kind=obj.get("kind", ""),
        meta={k: v for k, v in obj.items() if k not in {"text", "turns"}},
    )


def load_corpus(directory: str | Path) -> tuple[list[Example], list[str]]:
    """The valid corpus rows of `directory` and the problems of the others (see corpus.validate)."""
    rows, problems = validate_files(corpus_files(directory))
    return [corpus_example(row) for row in rows], [str(p) for p in problems]


def severity_bounds(example: Example) -> dict[str, tuple[int, int]]:
    """Per category: what is known of its severity, as (lowest, highest) possible.

    - a benign row: every category at most 1;
    - a corpus row: its category exactly at its severity, every other category at most 1 (the
      guide names the gravest), unknown beside a crisis category;
    - a public harmful row: its mapped category at >= 2 (>= 3 on a severe topic), every other
      category at most 1; with no mapped category, nothing is known per category (only that the
      row is flagged).
    """
    if example.label == "benign":
        return dict.fromkeys(NAMES, (0, 1))
    if example.category == "unknown":
        return dict.fromkeys(NAMES, (0, 4))
    if example.severity is not None and example.source.startswith("corpus-"):
        # A crisis row may carry a counted harm too ("poison my landlord with ricin"): the guide
        # names the person first, so the other categories are unknown there.
        bounds = dict.fromkeys(NAMES, (0, 4) if example.category in CRISIS else (0, 1))
        if example.category in bounds:
            bounds[example.category] = (example.severity, example.severity)
        return bounds
    bounds = dict.fromkeys(NAMES, (0, 1))
    if example.category in bounds:
        bounds[example.category] = (example.severity or 2, 4)
    return bounds

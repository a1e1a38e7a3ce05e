"""The benches that are not websocket loads: the offline classifier through its command, and the
backtest and console scripts other engineers own (run when present, else "not yet available")."""

# ruff: noqa: S603 (the bench starts fixed local commands: the project's own tools)

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.stack import ROOT

DATASETS = Path("/work/shared/datasets")
CLASSIFIER_DATASETS = ("toxicchat.jsonl", "hh_rlhf_harmless_multiturn.jsonl")


def classifier(env: dict, progress) -> list[dict]:
    rows = []
    for name in CLASSIFIER_DATASETS:
        path = DATASETS / name
        if not path.exists():
            rows.append({"dataset": name, "status": "dataset missing"})
            continue
        progress(f"  evaluate_classifier {name}")
        try:
            done = subprocess.run(
                [sys.executable, "manage.py", "evaluate_classifier", str(path), "--backend", "offline", "--json"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
        except subprocess.TimeoutExpired:
            rows.append({"dataset": name, "status": "timed out after 600 s"})
            continue
        report = _last_json(done.stdout)
        if done.returncode != 0 or report is None:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            rows.append({"dataset": name, "status": f"failed: {tail[0][:200]}"})
            continue
        rows.append(
            {"dataset": name, "status": "ok", **{k: report.get(k) for k in ("rows", "p50_ms", "p99_ms", "rows_per_s")}}
        )
    return rows


def _last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    try:
        return json.loads(text)
    except ValueError:
        return None


def optional_script(script: str, env: dict, progress, timeout: float = 900) -> dict:
    """Run `scripts/<script>` if another engineer has added it; its last JSON line (or last lines
    of output) is the result."""
    path = ROOT / "scripts" / script
    if not path.exists():
        return {"status": "not yet available", "script": f"scripts/{script}"}
    progress(f"  running scripts/{script}")
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"status": f"timed out after {timeout:.0f} s", "script": f"scripts/{script}"}
    elapsed = time.perf_counter() - started
    report = _last_json(done.stdout)
    tail = "\n".join(done.stdout.strip().splitlines()[-15:])
    status = (
        "ok"
        if done.returncode == 0
        else f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1][:200]}"
    )
    return {
        "status": status,
        "script": f"scripts/{script}",
        "elapsed_s": round(elapsed, 1),
        "json": report,
        "tail": tail,
    }

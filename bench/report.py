"""docs/benchmarks.md: the bench owns only the part between the markers; the rest is left as is."""

# ruff: noqa: S603 (the bench starts fixed local commands: the project's own tools)

from __future__ import annotations

import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from bench.stack import ROOT

DOC = ROOT / "docs" / "benchmarks.md"
CHANGES = Path(__file__).with_name("changes.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
INTRO = """# Benchmarks

`make bench` starts the distributed stack on this machine (PostgreSQL, Redis, ASGI servers,
Celery workers per queue), drives it with the websocket load tool in `bench/` and, in the same
run, drives a bare Channels echo consumer on the same servers, so every figure has a baseline
beside it. The section between the markers is rewritten by each run; the classifier and console
figures of the other benches live in `benchmarks_classifier.md` and `benchmarks_console.md`.

"""


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024 / 1024, 1)}


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in (
        "Django",
        "channels",
        "channels-redis",
        "celery",
        "daphne",
        "uvicorn",
        "websockets",
        "psycopg",
        "redis",
    ):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    for name, argv in (("postgresql", ["psql", "--version"]), ("redis-server", ["redis-server", "--version"])):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.split()
            found[name] = next((w.removeprefix("v=") for w in out if w[:1].isdigit() or w.startswith("v=")), "?")
        except (OSError, subprocess.TimeoutExpired):
            pass
    return found


def _ms(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.1f}"


def _ratio(ours, base) -> str:
    if not ours or not base or math.isnan(ours) or math.isnan(base):
        return "n/a"
    return f"{ours / base:.1f}x"


def _cpu(r: dict) -> str:
    cpu = r.get("cpu_ms_per_msg")
    if not cpu:
        return "n/a"
    postgres = f" + {cpu['postgres']:.1f}" if "postgres" in cpu else ""
    return f"{cpu['servers']:.1f} + {cpu['workers']:.1f}{postgres}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        f"Run of {results['date']} ({results['elapsed_s']:.0f} s), `{results['command']}`",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; load client on the same machine.",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Stack: {results['stack']}; PostgreSQL and Redis local; "
        f"{results.get('classifier_backend', 'hybrid')} classifier, offline responder.",
        "",
    ]
    a, b = results.get("load_a"), results.get("load_b")
    targets = []
    if a:
        ours = a["chatsite"]["completed"]
        echo = a.get("echo", {}).get("completed", {"p50": None, "p95": None, "p99": None})
        lines += [
            f"### Load (a): {a['chatsite']['target']}",
            "",
            "| | sent | unanswered | errors | created p50 / p95 / p99 ms | completed p50 / p95 / p99 / max ms "
            "| CPU ms/msg servers + workers + PostgreSQL |",
            "|---|---|---|---|---|---|---|",
        ]
        for key in [k for k in ("chatsite", "echo") if k in a]:
            r = a[key]
            c, d = r["created"], r["completed"]
            lines.append(
                f"| {key} | {r['sent']} | {r['unanswered']} | {r['errors'] or '-'} | "
                f"{_ms(c['p50'])} / {_ms(c['p95'])} / {_ms(c['p99'])} | "
                f"{_ms(d['p50'])} / {_ms(d['p95'])} / {_ms(d['p99'])} / {_ms(d['max'])} | {_cpu(r)} |"
            )
        lines += [
            f"| ratio chatsite / echo | | | | | {_ratio(ours['p50'], echo['p50'])} / {_ratio(ours['p95'], echo['p95'])}"
            f" / {_ratio(ours['p99'], echo['p99'])} | |",
            "",
        ]
        targets.append(
            ("send -> assistant.completed p50 <= 15 ms (load a)", f"{_ms(ours['p50'])} ms", ours["p50"] <= 15)
        )
        targets.append(
            ("send -> assistant.completed p99 <= 60 ms (load a)", f"{_ms(ours['p99'])} ms", ours["p99"] <= 60)
        )
    if b:
        ours, echo = b["chatsite"], b.get("echo", {"throughput_per_s": 0})
        lines += [
            f"### Load (b): {ours['target']}",
            "",
            "| | answered msg/s | sent | unanswered | errors | completed p50 / p95 / p99 ms "
            "| CPU ms/msg servers + workers + PostgreSQL |",
            "|---|---|---|---|---|---|---|",
        ]
        for key in [k for k in ("chatsite", "echo") if k in b]:
            r = b[key]
            d = r["completed"]
            lines.append(
                f"| {key} | {r['throughput_per_s']:.1f} | {r['sent']} | {r['unanswered']} | {r['errors'] or '-'} | "
                f"{_ms(d['p50'])} / {_ms(d['p95'])} / {_ms(d['p99'])} | {_cpu(r)} |"
            )
        if echo["throughput_per_s"]:
            lines.append(
                f"| ratio chatsite / echo | {ours['throughput_per_s'] / echo['throughput_per_s']:.2f} | | | | | |"
            )
        lines.append("")
        targets.append(
            (
                ">= 150 user messages/s, closed loop (load b)",
                f"{ours['throughput_per_s']:.1f} msg/s",
                ours["throughput_per_s"] >= 150,
            )
        )
    idle = results.get("idle")
    if idle:
        lines += [
            f"### Idle sockets on one server process ({results['idle_server']})",
            "",
            "| target | open | failed | ramp s | RSS before MiB | RSS after MiB | KiB per socket "
            "| sync p50 / max ms while open |",
            "|---|---|---|---|---|---|---|---|",
            f"| {idle['target']} | {idle['open']} | {idle['failed']} | {idle['ramp_s']} | {idle['rss_before_mib']} | "
            f"{idle['rss_after_mib']} | {idle['kib_per_connection']} | "
            f"{_ms(idle['sync_p50_ms'])} / {_ms(idle['sync_max_ms'])} |",
            "",
        ]
        targets.append(("2,000 idle websockets on one server process", f"{idle['open']} open", idle["open"] >= 2000))
    if results.get("classifier"):
        lines += [
            "### Offline classifier (`manage.py evaluate_classifier --backend offline --json`, one process)",
            "",
            "| dataset | rows | p50 ms | p99 ms | rows/s |",
            "|---|---|---|---|---|",
        ]
        for row in results["classifier"]:
            if row.get("status") != "ok":
                lines.append(f"| {row['dataset']} | {row['status']} | | | |")
                continue
            lines.append(
                f"| {row['dataset']} | {row['rows']} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} "
                f"| {row['rows_per_s']:,.0f} |"
            )
        lines.append("")
        ok_rows = [r for r in results["classifier"] if r.get("status") == "ok"]
        if ok_rows:
            worst_rate = min(r["rows_per_s"] for r in ok_rows)
            worst_p99 = max(r["p99_ms"] for r in ok_rows)
            targets.append(
                ("offline classifier >= 3,000 msg/s", f"{worst_rate:,.0f} rows/s (slowest set)", worst_rate >= 3000)
            )
            targets.append(("offline classifier p99 <= 2 ms", f"{worst_p99:.2f} ms (worst set)", worst_p99 <= 2))
    for key, title in (("backtest", "Backtest of 100,000 turns"), ("console", "Console page timings")):
        extra = results.get(key)
        if not extra:
            continue
        lines += [f"### {title} (`{extra['script']}`)", ""]
        if extra["status"] == "not yet available":
            lines += ["Not yet available.", ""]
            continue
        lines += [f"Status: {extra['status']}, {extra.get('elapsed_s', '?')} s.", ""]
        if extra.get("tail"):
            lines += ["```", extra["tail"], "```", ""]
    if results.get("errors"):
        lines += ["### Failures in this run", ""] + [f"- {e}" for e in results["errors"]] + [""]
    if targets:
        lines += ["### Targets (DESIGN 9)", "", "| target | measured | |", "|---|---|---|"]
        lines += [f"| {name} | {value} | {_verdict(ok)} |" for name, value, ok in targets]
        lines.append("")
    if CHANGES.exists():
        lines += [CHANGES.read_text().strip(), ""]
    return "\n".join(lines)


def write(results: dict) -> Path:
    section = f"{BEGIN}\n{render(results)}\n{END}"
    text = DOC.read_text() if DOC.exists() else INTRO + f"{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)
    return DOC

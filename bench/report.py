"""Render the benchmark measurements (``bench.run``) as ``bench/RESULTS.md``, with the issue-6 targets
evaluated as ratios from the same run. ``bench/NOTES.md`` (hand-written: profile findings, fixes and
their before/after ratios) is appended verbatim so regenerating the numbers keeps the analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

NOTES = Path(__file__).resolve().parent / "NOTES.md"

#: Targets of issue 6.
PREVIEW_OVER_FLOOR_MAX = 1.5
PER_VM_GROWTH_MAX = 1.2
#: A stack rule is linear when its time per resource at the largest fleet is within this factor of the
#: one at 100 VMs (a pairwise join over 20x the resources would show ~20x).
STACK_RULE_GROWTH_MAX = 2.0
#: A stack rule whose whole run at the largest fleet takes less than this is below the timer's noise
#: (e.g. the fail-closed guard, which does nothing when no rule failed): it is listed, not judged.
STACK_RULE_NOISE_FLOOR_S = 0.001
#: Targets of issue 17 (the pack evaluated while the program runs; `check` on both cores).
PREVIEW_OVER_FLOOR_1000_MAX = 1.15
PREVIEW_OVER_FLOOR_100_MAX = 1.3
CHECK_OVER_TODAY_MAX = 0.5
RSS_OVER_FLOOR_MAX = 1.1


def _row(rows: list[dict[str, Any]], vms: int) -> dict[str, Any] | None:
    return next((r for r in rows if r["vms"] == vms), None)


def _opt(r: dict[str, Any], key: str, fmt: str) -> str:
    """A measurement that older results (and partial runs) may lack: "-" then."""
    return format(r[key], fmt) if r.get(key) is not None else "-"


def per_vm_ms(r: dict[str, Any], key: str) -> float:
    return 1000.0 * r[key] / r["vms"]


def rule_per_resource_us(r: dict[str, Any]) -> dict[str, float]:
    """Microseconds per resource of the stack (stack rules) or per evaluated resource (resource rules)."""
    out = {}
    for rule in r.get("rules", []):
        n = r["resources"] if rule["kind"] == "stack" else rule["evaluations"]
        if n:
            out[rule["id"]] = 1e6 * rule["seconds"] / n
    return out


def targets(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for the four issue-6 targets."""
    out = []
    r1000 = _row(rows, 1000)
    if r1000:
        ratio = r1000["preview_s"] / r1000["floor_s"]
        out.append((f"whole preview <= {PREVIEW_OVER_FLOOR_MAX}x the floor at 1,000 VMs",
                    f"{r1000['preview_s']:.2f} s / {r1000['floor_s']:.2f} s = **{ratio:.2f}x**",
                    "met" if ratio <= PREVIEW_OVER_FLOOR_MAX else "**missed**"))
    else:
        out.append(("whole preview <= 1.5x the floor at 1,000 VMs", "not measured (no 1,000-VM run)", "n/a"))
    r100, r2000 = _row(rows, 100), _row(rows, 2000)
    if r100 and r2000:
        g = per_vm_ms(r2000, "preview_s") / per_vm_ms(r100, "preview_s")
        out.append((f"preview cost per VM at 2,000 <= {PER_VM_GROWTH_MAX}x the cost per VM at 100",
                    f"{per_vm_ms(r2000, 'preview_s'):.2f} / {per_vm_ms(r100, 'preview_s'):.2f} ms = **{g:.2f}x**",
                    "met" if g <= PER_VM_GROWTH_MAX else "**missed**"))
        a, b = rule_per_resource_us(r100), rule_per_resource_us(r2000)
        stack = [x for x in r2000.get("rules", []) if x["kind"] == "stack"]
        judged = [x["id"] for x in stack if x["seconds"] >= STACK_RULE_NOISE_FLOOR_S]
        noise = sorted(x["id"] for x in stack if x["seconds"] < STACK_RULE_NOISE_FLOOR_S)
        ratios = [(b[i] / a[i], i) for i in judged if a.get(i) and b.get(i)]
        worst = max(ratios) if ratios else None
        if worst:
            skipped = (f"; not judged, under {STACK_RULE_NOISE_FLOOR_S * 1000:g} ms in total at 2,000 VMs: "
                       f"{', '.join(noise)}") if noise else ""
            out.append((f"every stack rule linear: time per resource at 2,000 <= {STACK_RULE_GROWTH_MAX}x at 100",
                        f"worst {worst[1]}: **{worst[0]:.2f}x** (all rules below){skipped}",
                        "met" if worst[0] <= STACK_RULE_GROWTH_MAX else "**missed**"))
        else:
            out.append(("every stack rule linear", "no stack rule timed", "n/a"))
    else:
        out.append(("cost per VM at 2,000 <= 1.2x at 100", "not measured (needs 100 and 2,000)", "n/a"))
    out += issue17_targets(rows)
    big = max(rows, key=lambda r: r["vms"])
    largest = max((m["max_bytes"] for m in big["rpc"].values()), default=0)
    limit = min(big["engine_max_message"], big["pack_max_message"])
    out.append((f"{big['vms']:,} VMs complete with no gRPC message-size failure",
                f"completed; largest request {largest / 2**20:.2f} MiB; limits engine "
                f"{big['engine_max_message'] / 2**20:.0f} MiB / pack {big['pack_max_message'] / 2**20:.0f} MiB",
                "met" if largest < limit else "**missed**"))
    return out


def check_ratio(r: dict[str, Any]) -> float | None:
    """`check` of this tree over today's code: total seconds of the same number of alternating rounds."""
    old, new = r.get("check_old_s"), r.get("check_new_s")
    return sum(new) / sum(old) if old and new else None


def issue17_targets(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    out = []
    for vms, limit in ((1000, PREVIEW_OVER_FLOOR_1000_MAX), (100, PREVIEW_OVER_FLOOR_100_MAX)):
        what = f"preview <= {limit}x the floor at {vms:,} VMs"
        r = _row(rows, vms)
        if r is None:
            out.append((what, f"not measured (no {vms:,}-VM run)", "n/a"))
            continue
        ratio = r["preview_s"] / r["floor_s"]
        out.append((what, f"{r['preview_s']:.2f} s / {r['floor_s']:.2f} s = **{ratio:.2f}x**",
                    "met" if ratio <= limit else "**missed**"))
    what = f"`check --stack-export` of the 1,000-VM state <= {CHECK_OVER_TODAY_MAX}x today's time (same run)"
    r = _row(rows, 1000)
    ratio = check_ratio(r) if r else None
    if ratio is None:
        out.append((what, "not measured", "n/a"))
    else:
        same = "" if r.get("check_same_output") else "; **outputs differ**"
        out.append((what, f"{sum(r['check_new_s']):.2f} s / {sum(r['check_old_s']):.2f} s"
                    f" ({len(r['check_new_s'])} rounds each) = **{ratio:.2f}x**{same}",
                    "met" if ratio <= CHECK_OVER_TODAY_MAX and r.get("check_same_output") else "**missed**"))
    what = f"preview peak memory <= {RSS_OVER_FLOOR_MAX}x the floor's at 1,000 VMs (program process)"
    if r is None:
        out.append((what, "not measured (no 1,000-VM run)", "n/a"))
    else:
        ratio = r["rss_mib"] / r["floor_rss_mib"]
        out.append((what, f"{r['rss_mib']:.0f} MiB / {r['floor_rss_mib']:.0f} MiB = **{ratio:.2f}x**",
                    "met" if ratio <= RSS_OVER_FLOOR_MAX else "**missed**"))
    return out


def breakdown(rows: list[dict[str, Any]]) -> list[str]:
    """Where the preview's time goes, from the same run: the program alone (no pack) and the floor with the
    SDK's unread alias URNs deferred as `posture.capture` defers them. Rows without them are left out."""
    have = [r for r in rows if r.get("program_s") and r.get("floor_deferred_s")]
    if not have:
        return []
    lines = [
        "",
        "## Where the preview's time goes",
        "",
        "program = the program alone as the preview runs it, without the pack; floor, aliases deferred = the",
        "floor with the SDK's unread alias URNs deferred as `posture.capture` defers them",
        "(`alias_urns_deferred`), so program / that floor is the program's own cost over the SDK's (its imports,",
        "azure-native's classes, `components/`), and preview / program what evaluating the pack while the program",
        "runs costs it. Not targets: the issue-17 targets are against the floor above.",
        "",
        "| VMs | floor s | floor, aliases deferred s | program s | preview s | program / floor, aliases deferred |"
        " preview / program | program peak RSS MiB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in have:
        lines.append(
            f"| {r['vms']:,} | {r['floor_s']:.2f} | {r['floor_deferred_s']:.2f} | {r['program_s']:.2f} |"
            f" {r['preview_s']:.2f} | {r['program_s'] / r['floor_deferred_s']:.2f} |"
            f" {r['preview_s'] / r['program_s']:.2f} | {_opt(r, 'program_rss_mib', '.0f')} |")
    return lines


def render(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    m, v = meta["machine"], meta["versions"]
    lines = [
        "# Fleet benchmark: the offline preview against the bare Pulumi SDK",
        "",
        "Generated by `bench/run.py` (issues 6 and 17); do not edit by hand -- analysis lives in `bench/NOTES.md`,",
        "appended below. Each size runs in fresh subprocesses; times are wall-clock seconds of one run.",
        "",
        f"- date: {meta['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}",
        f"- versions: Python {m['python']}, " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- reproduce: `{meta['command']}`",
        "- fleet: `bench/fleet.py` -- workloads of <= 10 VMs, tiers round-robin, primary regions westeurope",
        "  (DR northeurope) and eastus2 (DR centralus)",
        "",
        "## Targets",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {mv} | {verdict} |" for t, mv, verdict in targets(rows)]
    lines += [
        "",
        "## Wall time",
        "",
        "preview = `python -m posture preview` as it runs now (issue 17): the pack starts beside the program and",
        "evaluates each resource as it registers, AnalyzeStack is sent when the program is done; \"after the",
        "program\" is the wait for the pack's answers once the capture has returned. serial = today's path before",
        "issue 17 in the same run (the whole program, then the pack: start, Configure, one Analyze at a time,",
        "AnalyzeStack). floor = the same registrations replayed with plain `pulumi.CustomResource`/",
        "`ComponentResource` under `set_mocks`: the bare SDK, its own alias path included, with the cyclic GC",
        "paused as `posture.capture` runs the program in the CLI's process (like for like on garbage: off during",
        "the run, nothing collected after it, the run's objects frozen); floor default GC = the same replay as a",
        "plain Pulumi program runs it, with the interpreter's default GC (bench/NOTES.md).",
        "",
        "| VMs | resources | capture s | pack ready s | after the program s | preview s | serial s | floor s |"
        " preview / floor | serial / floor | preview ms/VM | floor ms/VM | floor default GC s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        serial = r.get("serial_preview_s")
        lines.append(
            f"| {r['vms']:,} | {r['resources']:,} | {r['capture_s']:.2f} | {_opt(r, 'pack_start_s', '.2f')} |"
            f" {_opt(r, 'tail_s', '.2f')} | {r['preview_s']:.2f} | {_opt(r, 'serial_preview_s', '.2f')} |"
            f" {r['floor_s']:.2f} | {r['preview_s'] / r['floor_s']:.2f} |"
            f" {format(serial / r['floor_s'], '.2f') if serial else '-'} | {per_vm_ms(r, 'preview_s'):.2f} |"
            f" {per_vm_ms(r, 'floor_s'):.2f} | {_opt(r, 'floor_default_gc_s', '.2f')} |")
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        slope_p = 1000 * (b["preview_s"] - a["preview_s"]) / (b["vms"] - a["vms"])
        slope_f = 1000 * (b["floor_s"] - a["floor_s"]) / (b["vms"] - a["vms"])
        lines += ["", f"Marginal cost between {a['vms']:,} and {b['vms']:,} VMs: preview {slope_p:.2f} ms/VM,"
                  f" floor {slope_f:.2f} ms/VM (ratio {slope_p / slope_f:.2f})." if slope_f > 0 else ""]
    lines += breakdown(rows)
    lines += [
        "",
        "## Pack evaluation per resource, peak memory, messages",
        "",
        "Analyze / AnalyzeStack us per resource: the serial path's blocking calls (the pack's time plus the",
        "round trip); pack CPU: the preview's pack process, all of its work (start-up included).",
        "",
        "| VMs | Analyze us/resource | AnalyzeStack us/resource | pack CPU s | largest Analyze B | AnalyzeStack B |"
        " violations | same as serial | program peak RSS MiB | serial peak RSS MiB | pack peak RSS MiB |"
        " floor peak RSS MiB | program / floor RSS | floor default GC peak RSS MiB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        srpc = r.get("serial_rpc") or {}
        an, st = srpc.get("Analyze"), srpc.get("AnalyzeStack")
        n = r["resources"]
        same = {True: "yes", False: "**no**"}.get(r.get("serial_same_violations"), "-")
        lines.append(
            f"| {r['vms']:,} | {format(1e6 * an['seconds'] / n, '.0f') if an else '-'} |"
            f" {format(1e6 * st['seconds'] / n, '.0f') if st else '-'} | {_opt(r, 'pack_cpu_s', '.2f')} |"
            f" {r['rpc']['Analyze']['max_bytes']:,} | {r['rpc']['AnalyzeStack']['max_bytes']:,} | {r['violations']} |"
            f" {same} | {r['rss_mib']:.0f} | {_opt(r, 'serial_rss_mib', '.0f')} | {_opt(r, 'pack_rss_mib', '.0f')} |"
            f" {r['floor_rss_mib']:.0f} | {r['rss_mib'] / r['floor_rss_mib']:.2f} |"
            f" {_opt(r, 'floor_default_gc_rss_mib', '.0f')} |")
    check_rows = [r for r in rows if r.get("check_old_s")]
    if check_rows:
        lines += [
            "",
            "## `posture check --stack-export` of the fleet's state",
            "",
            "The fleet's registrations as a `pulumi stack export` document (`bench/export.py`), checked by",
            "`python -m posture check --format json` of today's code (`posture/` of the baseline revision, and this",
            "tree's rules behind that revision's `policies/__main__.py`) and of this tree, alternately, in the same",
            "run. Peak RSS: the CLI process.",
            "",
            "| VMs | document MB | baseline | today s (rounds) | now s (rounds) | now / today | same output |"
            " today peak RSS MiB | now peak RSS MiB |",
            "| ---: | ---: | --- | --- | --- | ---: | :---: | ---: | ---: |",
        ]
        for r in check_rows:
            lines.append(
                f"| {r['vms']:,} | {r['check_export_bytes'] / 1e6:.1f} | `{r['check_baseline']}` |"
                f" {', '.join(f'{x:.2f}' for x in r['check_old_s'])} | {', '.join(f'{x:.2f}' for x in r['check_new_s'])} |"
                f" {check_ratio(r):.2f} | {'yes' if r['check_same_output'] else '**no**'} |"
                f" {r['check_old_rss_mib']:.0f} | {r['check_new_rss_mib']:.0f} |")
    rule_rows = [r for r in rows if r.get("rules")]
    if rule_rows:
        lines += [
            "",
            "## Per rule (in-process, the test harness on the same resources)",
            "",
            "Microseconds per resource: resource rules per evaluated resource, stack rules per resource of the",
            "stack. A stack rule with a pairwise join would grow with the fleet; a linear one stays flat.",
            "Best of 3 runs, with the cyclic GC paused during each (as `timeit` does).",
            "",
            "| rule | kind | " + " | ".join(f"{r['vms']:,} VMs" for r in rule_rows) + " |",
            "| --- | --- | " + " | ".join("---:" for _ in rule_rows) + " |",
        ]
        per = [rule_per_resource_us(r) for r in rule_rows]
        for rule in rule_rows[-1]["rules"]:
            cells = [f"{p[rule['id']]:.1f}" if rule["id"] in p else "-" for p in per]
            lines.append(f"| {rule['id']} `{rule['name']}` | {rule['kind']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Deploy critical path",
        "",
        "Longest chain of custom resources `pulumi up` must create one after another (`posture.graph`:",
        "dependencies, property dependencies, custom parents and providers; components never block).",
        "",
        "| VMs | resources | chain length |",
        "| ---: | ---: | ---: |",
    ]
    lines += [f"| {r['vms']:,} | {r['resources']:,} | {len(r['critical_path'])} |" for r in rows]
    big = max(rows, key=lambda r: r["vms"])
    lines += ["", f"The chain at {big['vms']:,} VMs:", ""]
    lines += [f"{i}. `{step}`" for i, step in enumerate(big["critical_path"], 1)]
    lines += ["", "Resources by type at the largest size:", ""]
    lines += [f"- `{t}`: {c:,}" for t, c in sorted(big["types"].items())]
    if NOTES.exists():
        lines += ["", NOTES.read_text().rstrip()]
    return "\n".join(lines) + "\n"

"""Fleet benchmark (issue 6): the offline preview against the bare Pulumi SDK, from 10 to 2,000 VMs.

    venv/bin/python -m bench.run                 # every size, writes bench/RESULTS.md (= make bench)
    venv/bin/python -m bench.run --sizes 10,100  # a quick look (writes to --out)
    venv/bin/python -m bench.run --profile 1000  # cProfile of the 1,000-VM preview -> bench/profile-1000.txt

Each size runs in fresh subprocesses, so numbers are independent (imports included, no warm caches):

1. **preview** worker: ``posture.capture.capture_program`` of the project with the fleet config as a
   config override (program capture), then the unchanged pack over Analyzer gRPC with
   ``posture.analyzer.PolicyPackProcess`` (pack start + Configure, one Analyze per resource, one
   AnalyzeStack). RPC time is measured per method around ``PolicyPackProcess._call``; the rest of
   ``analyze()`` is request marshalling. Then, not timed as part of the preview, every rule is driven
   in-process on the same resources with the test harness (``tests/policies/harness.py``) to time each
   rule (resource rules on inputs, stack rules on outputs, as Analyze/AnalyzeStack see them).
2. **floor** worker: the same registrations (type, name, custom, parent, dependencies, property
   dependencies, options, inputs) replayed with plain ``pulumi.CustomResource`` / ``ComponentResource``
   under ``pulumi.runtime.set_mocks`` with a plain echo ``pulumi.runtime.Mocks``: no components, config
   model or policies -- the cost of Pulumi itself.

``import pulumi`` happens before the timers in both workers (the same fixed cost on both sides); every
other import (``pulumi_azure_native`` submodules, pydantic, the components) is inside the preview timer.
Peak memory is ``ru_maxrss`` of each worker and ``VmHWM`` of the pack process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACK_DIR = ROOT / "policies"
STACK = "dev"  # every program key is overridden by the fleet config (bench.fleet.fleet_config)
DEFAULT_OUT = ROOT / "bench" / "RESULTS.md"
REPRODUCE = "make bench   # = venv/bin/python -m bench.run --sizes 10,100,500,1000,2000 --out bench/RESULTS.md --json bench/results.json"


class BenchError(Exception):
    """Bad bench input (sizes, paths) or a failed worker."""


# ============================================================== workers (run in fresh subprocesses)


def _maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def _proc_hwm_mib(pid: int) -> float | None:
    """Peak resident set (VmHWM) of a live process, from /proc (None where unavailable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return None


def _load_harness():
    """tests/policies/harness.py, loaded by path (the pack's package dir on sys.path, as the host does)."""
    import importlib.util

    if str(PACK_DIR) not in sys.path:
        sys.path.insert(0, str(PACK_DIR))
    spec = importlib.util.spec_from_file_location("bench_policy_harness", ROOT / "tests" / "policies" / "harness.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def rule_timings(resources, repeat: int = 1) -> list[dict[str, Any]]:
    """Each rule of the pack driven in-process on ``resources`` (Registrations) with the test harness:
    resource rules on every resource of their types (inputs), stack rules once on all resources (outputs,
    parents, dependencies). Returns one row per rule: id, kind, evaluations, seconds (best of ``repeat``),
    violations."""
    import gc

    from pulumi_policy import ResourceValidationArgs

    from posture.analyzer import marshal_value

    h = _load_harness()
    from azdr_policies import RULES
    from azdr_policies.framework import take_failures

    wired = [(r, h.wire(marshal_value(r.inputs))) for r in resources]
    built: dict[str, Any] = {}
    stack_resources = []
    for r in resources:
        pr = h.stack_resource(
            r.type, r.name, marshal_value(r.outputs), parent=built.get(r.parent),
            dependencies=[built[d] for d in r.dependencies if d in built],
            property_dependencies={k: [built[d] for d in v if d in built] for k, v in r.property_dependencies.items()},
        )
        built[r.urn] = pr
        stack_resources.append(pr)

    rows = []
    for rule in RULES:
        best, count, violations = float("inf"), 0, 0
        for _ in range(repeat):
            found: list[Any] = []

            def report(message, urn=None, found=found):
                found.append(message)

            if rule.kind == "resource":
                targets = [(r, w) for r, w in wired if "*" in rule.resource_types or r.type in rule.resource_types]
                args = [ResourceValidationArgs(r.type, w, r.urn, r.name, h._opts(), None, None) for r, w in targets]
                gc.disable()  # as timeit does: a collection of this multi-GiB process is not the rule's cost
                t0 = time.perf_counter()
                for a in args:
                    try:
                        rule.policy.validate(a, report)
                    except Exception:  # noqa: BLE001 - preview unknowns: the servicer's advisory
                        pass
                    take_failures(a.urn)
                elapsed = time.perf_counter() - t0
                gc.enable()
                count = len(args)
            else:
                gc.disable()
                t0 = time.perf_counter()
                h.run_stack(rule, stack_resources)
                elapsed = time.perf_counter() - t0
                gc.enable()
                count = 1
            best = min(best, elapsed)
            violations = len(found)
        rows.append({"id": rule.id, "name": rule.name, "kind": rule.kind, "evaluations": count,
                     "seconds": best, "violations": violations})
    return rows


def _registration_dump(r) -> dict[str, Any]:
    return {"urn": r.urn, "type": r.type, "name": r.name, "custom": r.custom, "parent": r.parent,
            "dependencies": r.dependencies, "property_dependencies": r.property_dependencies,
            "options": r.options, "inputs": r.inputs, "outputs": r.outputs, "id": r.id, "provider": r.provider}


def _pack_cpu_s(pid: int) -> float | None:
    """utime + stime of a live process (seconds), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def worker_preview(n_vms: int, dump: Path, per_rule: bool, process_ends: bool = False) -> dict[str, Any]:
    """The preview as `python -m posture preview` runs it (issue 17): the pack starts beside the program, each
    resource's Analyze is sent as it registers, AnalyzeStack when the program is done; then the rest of what the
    report needs, outside the timers. ``process_ends`` (the bench's own worker process, as the CLI's ``main``):
    the run's garbage is frozen, not collected (``posture.capture._cyclic_gc_paused``)."""
    import pulumi  # noqa: F401 - the shared fixed cost, outside the timers

    t0 = time.perf_counter()
    from bench.fleet import fleet_config
    from posture.analyzer import PackEvaluation
    from posture.capture import capture_program

    ready: list[float] = []
    with PackEvaluation(PACK_DIR) as ev:
        import threading

        threading.Thread(target=lambda: (ev._ready.wait(), ready.append(time.perf_counter() - t0)),  # noqa: SLF001
                         daemon=True).start()
        cap = capture_program(ROOT, STACK, config_override=fleet_config(n_vms), observer=ev,
                              process_ends=process_ends)
        t_capture = time.perf_counter() - t0
        violations = ev.violations(cap.resources)
        t_tail = time.perf_counter() - t0 - t_capture
        pid = ev.pack._proc.pid  # noqa: SLF001
        pack_rss, pack_cpu = _proc_hwm_mib(pid), _pack_cpu_s(pid)
    t_preview = time.perf_counter() - t0
    rss = _maxrss_mib(resource.RUSAGE_SELF)

    from posture.analyzer import analyze_request, analyze_stack_request

    by_urn = cap.by_urn()
    sizes = [analyze_request(r, by_urn).ByteSize() for r in cap.resources]
    row = _preview_row(n_vms, cap, violations, per_rule, dump)
    row.update({
        "capture_s": t_capture, "tail_s": t_tail, "preview_s": t_preview, "pack_start_s": ready[0] if ready else None,
        "pack_cpu_s": pack_cpu, "rss_mib": rss, "pack_rss_mib": pack_rss,
        "rpc": {"Analyze": {"calls": len(sizes), "max_bytes": max(sizes, default=0)},
                "AnalyzeStack": {"calls": 1, "max_bytes": analyze_stack_request(cap.resources, by_urn).ByteSize()}},
        "violation_list": [list(v.as_event().values()) for v in violations],
    })
    return row


def _preview_row(n_vms: int, cap, violations, per_rule: bool, dump: Path | None) -> dict[str, Any]:
    from pulumi_policy import policy as pp

    from posture.analyzer import MAX_MESSAGE
    from posture.graph import critical_path

    by_rule: dict[str, int] = {}
    for v in violations:
        by_rule[v.policyName] = by_rule.get(v.policyName, 0) + 1
    types: dict[str, int] = {}
    for r in cap.resources:
        types[r.type] = types.get(r.type, 0) + 1
    if dump is not None:
        dump.write_text(json.dumps({"project": cap.project, "stack": cap.stack,
                                    "resources": [_registration_dump(r) for r in cap.resources]}))
    chain = critical_path(cap.resources)
    return {
        "vms": n_vms,
        "resources": len(cap.resources),
        "custom_resources": sum(1 for r in cap.resources if r.custom),
        "types": types,
        "violations": len(violations),
        "violations_by_rule": by_rule,
        "critical_path": [cap.by_urn()[u].type + "::" + cap.by_urn()[u].name for u in chain],
        "engine_max_message": MAX_MESSAGE,
        "pack_max_message": pp._MAX_RPC_MESSAGE_SIZE,  # noqa: SLF001
        "rules": rule_timings(cap.resources, repeat=3) if per_rule else [],
    }


def _timed_program(n_vms: int, process_ends: bool) -> tuple[Any, float]:
    """The program alone (no pack) and its seconds, timed as ``worker_preview`` times its capture: the
    program's own imports inside the timer, pulumi's outside."""
    import pulumi  # noqa: F401 - the shared fixed cost, outside the timers

    t0 = time.perf_counter()
    from bench.fleet import fleet_config
    from posture.capture import capture_program

    cap = capture_program(ROOT, STACK, config_override=fleet_config(n_vms), process_ends=process_ends)
    return cap, time.perf_counter() - t0


def worker_preview_serial(n_vms: int, process_ends: bool = False) -> dict[str, Any]:
    """Today's path before issue 17, for comparison in the same run: the whole program first, then the pack
    (start, Configure, one blocking Analyze per resource, AnalyzeStack). Keys are prefixed ``serial_``.
    ``process_ends``: as for ``worker_preview`` (the same garbage handling, so only the pack's path differs)."""
    cap, t_capture = _timed_program(n_vms, process_ends)

    from posture.analyzer import PolicyPackProcess

    rpc: dict[str, dict[str, float]] = {}
    t1 = time.perf_counter()
    pack = PolicyPackProcess(PACK_DIR)
    pack.start()
    try:
        pack.info()
        pack.configure(None)
        t_start = time.perf_counter() - t1
        real_call = pack._call

        def timed_call(method, request):
            size = request.ByteSize()
            s = time.perf_counter()
            try:
                return real_call(method, request)
            finally:
                e = time.perf_counter() - s
                row = rpc.setdefault(method, {"calls": 0, "seconds": 0.0, "bytes": 0, "max_bytes": 0})
                row["calls"] += 1
                row["seconds"] += e
                row["bytes"] += size
                row["max_bytes"] = max(row["max_bytes"], size)

        pack._call = timed_call  # type: ignore[method-assign]
        t2 = time.perf_counter()
        violations = pack.analyze(cap.resources)
        t_analyze = time.perf_counter() - t2
        pack_rss = _proc_hwm_mib(pack._proc.pid) if pack._proc is not None else None  # noqa: SLF001
    finally:
        pack.close()
    t_pack = time.perf_counter() - t1
    return {
        "serial_capture_s": t_capture, "serial_pack_start_s": t_start, "serial_analyze_s": t_analyze,
        "serial_pack_s": t_pack, "serial_preview_s": t_capture + t_pack, "serial_rpc": rpc,
        "serial_rss_mib": _maxrss_mib(resource.RUSAGE_SELF), "serial_pack_rss_mib": pack_rss,
        "serial_violation_list": [list(v.as_event().values()) for v in violations],
    }


def replay(doc: dict[str, Any]) -> int:
    """Register ``doc['resources']`` (a capture dump) with plain SDK classes under the current mock
    runtime; returns the number of resources constructed. Property values that had dependencies become
    Outputs of those resources (so the SDK tracks the same dependencies), explicit-only dependencies go
    to ``depends_on``."""
    import pulumi

    by_urn: dict[str, pulumi.Resource] = {}
    components: list[tuple[pulumi.ComponentResource, dict[str, Any]]] = []
    count = 0
    for r in doc["resources"]:
        if r["type"] == "pulumi:pulumi:Stack" and not r["parent"]:
            continue
        o = r["options"] or {}
        parent = by_urn.get(r["parent"])
        prop_deps = r["property_dependencies"]
        covered = {u for urns in prop_deps.values() for u in urns}
        depends_on = [by_urn[u] for u in r["dependencies"] if u in by_urn and u not in covered]
        opts = pulumi.ResourceOptions(
            parent=parent, depends_on=depends_on or None, protect=o.get("protect") or None,
            retain_on_delete=o.get("retainOnDelete") or None, ignore_changes=o.get("ignoreChanges") or None,
            additional_secret_outputs=o.get("additionalSecretOutputs") or None,
            replace_on_changes=o.get("replaceOnChanges") or None, version=o.get("version") or None,
            aliases=[_alias(a, r["urn"]) for a in o.get("aliases") or []] or None,
        )
        if r["custom"]:
            props: dict[str, Any] = {}
            for key, value in r["inputs"].items():
                deps = [by_urn[u] for u in prop_deps.get(key, ()) if u in by_urn]
                if deps:
                    props[key] = pulumi.Output.all(*(d.urn for d in deps)).apply(lambda _, v=value: v)
                else:
                    props[key] = value
            res: pulumi.Resource = pulumi.CustomResource(r["type"], r["name"], props, opts)
        else:
            res = pulumi.ComponentResource(r["type"], r["name"], None, opts)
            components.append((res, r["outputs"]))
        by_urn[r["urn"]] = res
        count += 1
    for comp, outputs in components:
        comp.register_outputs(outputs or {})
    return count


def _alias(recorded: Any, own_urn: str = ""):
    """A recorded alias (an alias URN, or ``{"spec": {...}}`` as the engine receives it) as an SDK alias.

    ``posture.capture`` records alias specs resolved to URNs. An alias URN of the resource's own stack,
    project and parent (azure-native's versioned-type aliases: ``pulumi.Alias(type_=...)``) is replayed as
    that spec -- only the type and/or name that differ -- so the SDK does the same work for it as for the
    program's (``collapse_alias_to_urn``, the bulk of Pulumi's own cost); a URN string would be nearly free."""
    import pulumi

    if isinstance(recorded, str):
        a, own = recorded.split("::", 3), own_urn.split("::", 3)
        if len(a) == 4 and len(own) == 4 and a[:2] == own[:2]:
            a_parent, _, a_type = a[2].rpartition("$")
            own_parent, _, own_type = own[2].rpartition("$")
            if a_parent == own_parent and (a_type, a[3]) != (own_type, own[3]):
                kw = {}
                if a_type != own_type:
                    kw["type_"] = a_type
                if a[3] != own[3]:
                    kw["name"] = a[3]
                return pulumi.Alias(**kw)
        return recorded
    spec = recorded.get("spec") or {}
    if "urn" in recorded:
        return recorded["urn"]
    kw: dict[str, Any] = {}
    for wire, arg in (("name", "name"), ("type", "type_"), ("stack", "stack"), ("project", "project")):
        if spec.get(wire):
            kw[arg] = spec[wire]
    if spec.get("parentUrn"):
        kw["parent"] = spec["parentUrn"]
    elif spec.get("noParent"):
        kw["parent"] = None
    return pulumi.Alias(**kw)


class BareMocks:
    """Plain echo mocks (``pulumi.runtime.Mocks`` protocol): the floor's provider."""

    def new_resource(self, args):
        return f"{args.name}-id", args.inputs

    def call(self, args):
        return {}


def worker_program(n_vms: int, process_ends: bool = False) -> dict[str, Any]:
    """The program alone, as the preview runs it but without the pack (no observer): what the preview costs
    before the pack's share. Beside ``floor_deferred_s`` it is the program's own cost over the SDK's (its
    imports, azure-native's classes, ``components/``); beside ``preview_s`` the cost of evaluating the pack
    while the program runs (bench/NOTES.md, issue 17)."""
    cap, seconds = _timed_program(n_vms, process_ends)
    return {"program_s": seconds, "program_resources": len(cap.resources),
            "program_rss_mib": _maxrss_mib(resource.RUSAGE_SELF)}


def worker_floor(dump: Path, gc_paused: bool = True, process_ends: bool = False,
                 defer_aliases: bool = False) -> dict[str, Any]:
    """The floor: the bare SDK replaying the program's registrations (issue 17's yardstick). ``gc_paused``:
    the cyclic GC off during the run and the same handling after it, exactly as ``posture.capture`` runs the
    program (inlined here: the floor uses none of our code), so preview / floor compares like with like on
    garbage: one collection, or with ``process_ends`` (the bench's worker process, as the CLI's ``main`` and
    ``worker_preview``) none, the run's objects frozen; ``False``: the interpreter's default GC, what a plain
    Pulumi program pays (reported as ``floor_default_gc_s``). Either way the SDK takes its own alias path, as
    it does for a plain program under the real engine.

    ``defer_aliases`` (with ``gc_paused``; reported as ``floor_deferred_s``, a diagnostic beside the floor):
    the SDK's unread alias URNs deferred as ``posture.capture`` runs the program (``alias_urns_deferred``,
    the one piece of our code this floor runs), so what is left between it and ``program_s`` is the
    program's own cost, not the SDK's."""
    import contextlib
    import gc

    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from posture.capture import alias_urns_deferred

    defer_aliases = defer_aliases and gc_paused
    doc = json.loads(dump.read_text())
    t0 = time.perf_counter()
    if gc_paused:
        gc.disable()
    mocks = type("FloorMocks", (BareMocks, pulumi.runtime.Mocks), {})()
    pulumi.runtime.set_mocks(mocks, project=doc["project"], stack=doc["stack"], preview=True)
    counted: list[int] = []
    with alias_urns_deferred() if defer_aliases else contextlib.nullcontext():
        _sync_await(run_pulumi_func(lambda: counted.append(replay(doc))))
    if gc_paused:
        if process_ends:
            gc.freeze()
        else:
            gc.collect(2 if gc.get_count()[0] > 1_000_000 else 1)  # posture.capture.BIG_RUN_OBJECTS
        gc.enable()
    t_floor = time.perf_counter() - t0
    rss = _maxrss_mib(resource.RUSAGE_SELF)
    if not gc_paused:
        return {"floor_default_gc_s": t_floor, "floor_default_gc_rss_mib": rss}
    if defer_aliases:
        return {"floor_deferred_s": t_floor, "floor_deferred_rss_mib": rss}
    return {"floor_s": t_floor, "floor_resources": counted[0] + 1, "floor_rss_mib": rss}


#: `check` is compared with the code before issue 17: main just before the issue-17 merge (93c12f2^1), with every
#: feature `check` has now (issue 13's second pass over a state's outputs included; ac1e3fb, the first baseline,
#: predates it and so did half of today's work). Its `posture/` runs from a `git archive`, and its pack is this
#: tree's rules behind that revision's `policies/__main__.py` (the SDK deserializing per policy: no
#: azdr_policies.sdk_speedups), so both sides judge with the same rules.
CHECK_BASELINE = "e9d6200"
CHECK_ROUNDS = 2


def _baseline_tree(rev: str, into: Path) -> Path:
    """``posture/`` and ``policies/__main__.py`` of ``rev`` unpacked under ``into`` (``python -m posture`` run there
    is that code)."""
    import io
    import tarfile

    proc = subprocess.run(["git", "archive", "--format=tar", rev, "posture", "policies/__main__.py"], cwd=ROOT,
                          capture_output=True)
    if proc.returncode != 0:
        raise BenchError(f"--check-baseline {rev}: git archive failed: {proc.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _baseline_pack(tree: Path, into: Path) -> Path:
    """This tree's pack (rules) with the baseline's entry point ``tree/policies/__main__.py``."""
    import shutil

    shutil.copytree(PACK_DIR, into, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(tree / "policies" / "__main__.py", into / "__main__.py")
    return into


def _timed_check(cwd: Path, export: Path, out: Path, pack_dir: Path = PACK_DIR) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB, the CLI process; its pack processes are reported by the CLI's own
    children) of ``python -m posture check --stack-export`` run from ``cwd`` with the pack ``pack_dir``."""
    cmd = [sys.executable, "-m", "posture", "check", "--stack-export", str(export), "--policy-pack", str(pack_dir),
           "--format", "json"]
    with out.open("w") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": ""})
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise BenchError(f"posture check in {cwd} failed (exit {code}): {err.strip().splitlines()[-1:] or ''}")
    return elapsed, usage.ru_maxrss / 1024.0


def worker_check(dump: Path, baseline: str, rounds: int = CHECK_ROUNDS) -> dict[str, Any]:
    """`posture check --stack-export` of the fleet's state (``bench.export``), today's code (``baseline``) and
    this tree's, alternately, ``rounds`` times each in the same run; the outputs must be identical."""
    from bench.export import write_stack_export
    from posture.capture import Registration

    doc = json.loads(dump.read_text())
    regs = [Registration(**r) for r in doc["resources"]]
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        export = write_stack_export(regs, Path(tmp) / "export.json")
        base = _baseline_tree(baseline, Path(tmp) / "baseline")
        sides = {"old": (base, _baseline_pack(base, Path(tmp) / "baseline-pack")), "new": (ROOT, PACK_DIR)}
        old_s, new_s, old_rss, new_rss = [], [], [], []
        for i in range(rounds):
            order = ["old", "new"] if i % 2 == 0 else ["new", "old"]
            for kind in order:
                cwd, pack_dir = sides[kind]
                elapsed, rss = _timed_check(cwd, export, Path(tmp) / f"{kind}.json", pack_dir)
                (old_s if kind == "old" else new_s).append(elapsed)
                (old_rss if kind == "old" else new_rss).append(rss)
        same = (Path(tmp) / "old.json").read_bytes() == (Path(tmp) / "new.json").read_bytes()
        size = export.stat().st_size
    return {"check_baseline": baseline, "check_export_bytes": size, "check_old_s": old_s, "check_new_s": new_s,
            "check_old_rss_mib": max(old_rss), "check_new_rss_mib": max(new_rss), "check_same_output": same}


# ============================================================== orchestration


def _run_worker(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-m", "bench.run", "--worker", *args, "--result", str(out_path)],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(f"bench worker {' '.join(args[:2])} failed (exit {proc.returncode}): {tail}")
        return json.loads(out_path.read_text())
    finally:
        out_path.unlink(missing_ok=True)


def measure(n_vms: int, *, per_rule: bool = True, serial: bool = True, default_gc: bool = True,
            check_baseline: str | None = CHECK_BASELINE, breakdown: bool = True) -> dict[str, Any]:
    """The workers for one fleet size, each in a fresh subprocess: the preview, today's serial preview
    (``serial``), the floor, the floor with the default GC (``default_gc``), the program alone and the floor
    with the alias URNs deferred (``breakdown``: where the preview's time goes) and `check` of the fleet's
    state against ``check_baseline`` (None: not measured)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        dump = Path(tmp) / "capture.json"
        row = _run_worker(["preview", str(n_vms), "--dump", str(dump)] + ([] if per_rule else ["--no-rules"]))
        if serial:
            row.update(_run_worker(["preview-serial", str(n_vms)]))
            row["serial_same_violations"] = row.pop("serial_violation_list") == row["violation_list"]
        row.pop("violation_list", None)
        row.update(_run_worker(["floor", str(n_vms), "--dump", str(dump)]))
        if default_gc:
            row.update(_run_worker(["floor-default-gc", str(n_vms), "--dump", str(dump)]))
        if breakdown:
            row.update(_run_worker(["program", str(n_vms)]))
            row.update(_run_worker(["floor-deferred", str(n_vms), "--dump", str(dump)]))
        if check_baseline:
            row.update(_run_worker(["check", str(n_vms), "--dump", str(dump), "--check-baseline", check_baseline]))
    return row


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("pulumi", "pulumi-azure-native", "pulumi-policy", "grpcio", "protobuf", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def parse_sizes(text: str) -> list[int]:
    from bench.fleet import FleetError, workload_sizes

    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise BenchError(f"--sizes {text!r}: a comma-separated list of VM counts (integers >= 2), e.g. 10,100")
        try:
            workload_sizes(int(part))
        except FleetError as e:
            raise BenchError(f"--sizes: {e}") from None
        sizes.append(int(part))
    if not sizes:
        raise BenchError("--sizes: at least one VM count")
    return sizes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10,100,500,1000,2000", help="comma-separated VM counts")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="Markdown report to write (default bench/RESULTS.md)")
    p.add_argument("--json", dest="json_out", help="also write the raw measurements as JSON")
    p.add_argument("--profile", type=int, metavar="N", help="cProfile the N-VM preview instead of benchmarking")
    p.add_argument("--worker", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    p.add_argument("--dump", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--no-rules", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--check-baseline", default=CHECK_BASELINE, metavar="REV",
                   help=f"git revision whose posture/ is today's code for the check comparison (default "
                        f"{CHECK_BASELINE}, before issue 17); 'none' skips the check")
    p.add_argument("--no-serial", action="store_true", help="skip today's serial preview (comparison only)")
    p.add_argument("--no-default-gc", action="store_true", help="skip the floor with the default GC")
    p.add_argument("--no-breakdown", action="store_true",
                   help="skip the program alone and the floor with alias URNs deferred")
    a = p.parse_args(argv)
    try:
        if a.worker:
            kind, n = a.worker
            if kind == "preview":
                res = worker_preview(int(n), Path(a.dump), not a.no_rules, process_ends=True)
            elif kind == "preview-serial":
                res = worker_preview_serial(int(n), process_ends=True)
            elif kind == "program":
                res = worker_program(int(n), process_ends=True)
            elif kind == "check":
                res = worker_check(Path(a.dump), a.check_baseline)
            else:
                res = worker_floor(Path(a.dump), gc_paused=kind != "floor-default-gc", process_ends=True,
                                   defer_aliases=kind == "floor-deferred")
            Path(a.result).write_text(json.dumps(res))
            return 0
        if a.profile:
            from bench.profile import profile_preview

            path = profile_preview(a.profile)
            print(f"wrote {path}")
            return 0
        sizes = parse_sizes(a.sizes)
        from bench.report import render

        meta = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                "versions": versions(), "command": REPRODUCE, "sizes": sizes}
        rows = []
        old_text = Path(a.out).read_text() if Path(a.out).exists() else ""
        b, e = "<!-- BEGIN real-engine -->", "<!-- END real-engine -->"
        keep_real = old_text[old_text.index(b):old_text.index(e) + len(e)] + "\n" if b in old_text and e in old_text else ""
        for n in sizes:
            print(f"bench: {n} VMs ...", file=sys.stderr, flush=True)
            rows.append(measure(n, per_rule=not a.no_rules, serial=not a.no_serial, default_gc=not a.no_default_gc,
                                breakdown=not a.no_breakdown,
                                check_baseline=None if a.check_baseline == "none" else a.check_baseline))
            r = rows[-1]
            print(f"  {r['resources']} resources: preview {r['preview_s']:.2f}s (capture {r['capture_s']:.2f}s,"
                  f" after it {r['tail_s']:.2f}s), serial {r.get('serial_preview_s', 0):.2f}s,"
                  f" floor {r['floor_s']:.2f}s, check old {r.get('check_old_s')} new {r.get('check_new_s')}",
                  file=sys.stderr, flush=True)
            # written after every size, so a long run leaves its partial results
            Path(a.out).write_text(render(rows, meta))
            if keep_real:  # the real-engine section (bench/real_engine.py) survives a re-render
                from bench.real_engine import write_section
                write_section(Path(a.out), keep_real)
            if a.json_out:
                Path(a.json_out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
        print(f"wrote {a.out}", file=sys.stderr)
        return 0
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

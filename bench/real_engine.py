"""Real engine vs offline engine (issue 10): the same fleets through the real `pulumi preview --policy-pack
policies` (pulumi v3.274.1, stand-in azure-native provider, file:// backend) and through
`python -m posture preview`, in one run; wall-clock times and their ratio.

    venv/bin/python -m bench.real_engine --sizes 10,100,500      # or: make bench-real

Writes the section between the markers below into bench/RESULTS.md (`make bench` keeps it), after every
size: a run stopped during a large size keeps the rows it measured, and the section says which sizes were not
measured. Each row carries the 1-minute load average before and after it (the machine is usually shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.fleet import fleet_config
from tools.realengine import env as E

ROOT = E.ROOT
BEGIN, END = "<!-- BEGIN real-engine -->", "<!-- END real-engine -->"


def _timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, str]:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - t, p.returncode, p.stderr[-2000:]


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def measure(n: int, pulumi: Path, base: Path) -> dict:
    load_before = _load()
    stack = f"bench{n}"
    run = E.work_copy(ROOT, "dev", base / "work" / stack, None)
    (run / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": fleet_config(n)}, sort_keys=False))
    state = base / "state" / stack
    state.mkdir(parents=True, exist_ok=True)
    env = {**E.pulumi_env(pulumi, home=base / "home", state=state, log=base / "standin.log"),
           "PULUMI_BACKEND_URL": f"file://{state}"}
    subprocess.run([str(pulumi), "stack", "select", "--create", stack, "--non-interactive"], cwd=run, env=env,
                   check=True, capture_output=True)
    off_s, off_rc, off_err = _timed([sys.executable, "-m", "posture", "preview", "--project-dir", str(run),
                                     "--stack", stack, "--format", "json"], ROOT)
    real_s, real_rc, real_err = _timed([str(pulumi), "preview", "--stack", stack, "--policy-pack",
                                        str(ROOT / "policies"), "--non-interactive", "--json"], run, env)
    if off_rc not in (0, 1) or real_rc not in (0, 1) or off_rc != real_rc:
        raise SystemExit(f"{n} VMs: offline exit {off_rc}, real exit {real_rc}\n{off_err}\n{real_err}")
    return {"vms": n, "offline_s": round(off_s, 2), "real_s": round(real_s, 2),
            "ratio": round(real_s / off_s, 2), "exit": real_rc, "load": (load_before, _load())}


def render(rows: list[dict], pulumi_version: str, pending: tuple[int, ...] = (), started: str | None = None) -> str:
    """The section: one row per measured size; ``pending`` sizes (not measured yet, or the run stopped during
    them) are named under the table."""
    started = started or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [BEGIN, "", "## Real engine vs offline engine (`make bench-real`)", "",
             f"One run started {started}, {platform.machine()} with {os.cpu_count()} CPUs (the load "
             "column is the 1-minute load average before/after the row: on a loaded machine "
             "compare the ratio, not the times); "
             f"pulumi {pulumi_version} with the stand-in provider vs `python -m posture preview`. Wall-clock "
             "seconds of one preview each, pack included, both exiting with the same code.", "",
             "| VMs | offline preview (s) | real `pulumi preview --policy-pack` (s) | real / offline | exit | load |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        load = "/".join(str(x) for x in r["load"]) if r.get("load") else ""
        lines.append(f"| {r['vms']} | {r['offline_s']} | {r['real_s']} | {r['ratio']} | {r['exit']} | {load} |")
    if pending:
        lines += ["", f"Not measured (yet): {', '.join(f'{n} VMs' for n in pending)}. The section is written "
                  "after each size; this line stays when the run was stopped during the first of them."]
    return "\n".join(lines + ["", END]) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.real_engine", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10,100,500")
    p.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    a = p.parse_args(argv)
    pulumi = E.ensure_pulumi()
    base = E.TOOLS / "bench"
    E.install_standin(base / "home")
    sizes = tuple(int(s) for s in a.sizes.split(","))
    version = subprocess.run([str(pulumi), "version"], capture_output=True, text=True).stdout.strip()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[dict] = []
    write_section(Path(a.out), render(rows, version, sizes, started))
    for i, n in enumerate(sizes):
        rows.append(measure(n, pulumi, base))
        print(json.dumps(rows[-1]), file=sys.stderr)
        write_section(Path(a.out), render(rows, version, sizes[i + 1:], started))
    return 0


if __name__ == "__main__":
    sys.exit(main())

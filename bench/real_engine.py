"""Real engine vs offline engine (issue 10): the same fleets through the real `pulumi preview --policy-pack
policies` (pulumi v3.274.1, stand-in azure-native provider, file:// backend) and through
`python -m posture preview`, in one run; wall-clock times and their ratio.

    venv/bin/python -m bench.real_engine --sizes 10,100,500      # or: make bench-real

Writes the section between the markers below into bench/RESULTS.md (`make bench` keeps it).
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


def measure(n: int, pulumi: Path, base: Path) -> dict:
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
            "ratio": round(real_s / off_s, 2), "exit": real_rc}


def render(rows: list[dict], pulumi_version: str) -> str:
    lines = [BEGIN, "", "## Real engine vs offline engine (`make bench-real`)", "",
             f"One run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()} with "
             f"{os.cpu_count()} CPUs (shared: other jobs were running, so compare the ratio, not the times); "
             f"pulumi {pulumi_version} with the stand-in provider vs `python -m posture preview`. Wall-clock "
             "seconds of one preview each, pack included, both exiting with the same code.", "",
             "| VMs | offline preview (s) | real `pulumi preview --policy-pack` (s) | real / offline | exit |",
             "| ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['vms']} | {r['offline_s']} | {r['real_s']} | {r['ratio']} | {r['exit']} |" for r in rows]
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
    rows = []
    for n in (int(s) for s in a.sizes.split(",")):
        rows.append(measure(n, pulumi, base))
        print(json.dumps(rows[-1]), file=sys.stderr)
    version = subprocess.run([str(pulumi), "version"], capture_output=True, text=True).stdout.strip()
    write_section(Path(a.out), render(rows, version))
    return 0


if __name__ == "__main__":
    sys.exit(main())

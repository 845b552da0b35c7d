"""``python -m tools.realengine {preview,up,destroy} [--stack S] [--dir D] [-- PULUMI_ARGS...]``

Runs the real ``pulumi``, in a run directory under ``.tools/work/`` (see env.work_copy), on the local ``file://`` backend with the stand-in provider (see env.py): builds
the CLI if needed, installs the stand-in, selects or creates the stack, then runs
``pulumi preview --policy-pack policies`` (``up`` likewise with ``--yes``; ``destroy`` with ``--yes``).
The exit status is pulumi's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from tools.realengine import env as E

COMMANDS = {
    "preview": ["preview", "--policy-pack", "{pack}"],
    "up": ["up", "--yes", "--skip-preview", "--policy-pack", "{pack}"],
    "destroy": ["destroy", "--yes", "--skip-preview"],
}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.realengine", description=__doc__.splitlines()[0])
    p.add_argument("command", choices=sorted(COMMANDS))
    p.add_argument("--stack", default="dev")
    p.add_argument("--dir", type=Path, default=E.ROOT, help="project directory (default: this project)")
    own, rest = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    a = p.parse_args(own)
    try:
        pulumi = E.ensure_pulumi()
    except (E.RealEngineUnavailable, subprocess.CalledProcessError) as e:
        print(f"real-engine: {e}", file=sys.stderr)
        return 2
    E.install_standin()
    env = E.pulumi_env(pulumi)
    project = a.dir.resolve()
    run_dir = E.work_copy(project, a.stack, E.WORK / f"{project.name}-{a.stack}")
    print(f"real-engine: pulumi {a.command} of {project / f'Pulumi.{a.stack}.yaml'} in {run_dir} "
          f"(state {E.STATE}, stand-in log {env['AZDR_STANDIN_LOG']})", file=sys.stderr)
    sel = subprocess.run([str(pulumi), "stack", "select", "--create", a.stack, "--non-interactive"],
                         cwd=run_dir, env=env)
    if sel.returncode:
        return sel.returncode
    cmd = [c.format(pack=E.ROOT / "policies") for c in COMMANDS[a.command]]
    return subprocess.run([str(pulumi), *cmd, "--stack", a.stack, "--non-interactive", *rest],
                          cwd=run_dir, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

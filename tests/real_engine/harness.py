"""The real pulumi CLI against the stand-in provider, for tests: isolated PULUMI_HOME and file:// state per
test session, run directories from tools.realengine.env.work_copy, and parsers for engine events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.realengine import env as E

ROOT = E.ROOT
PACK = ROOT / "policies"
MINI = ROOT / "tests" / "fixtures" / "projects" / "mini"
MINI_PACK = ROOT / "tests" / "fixtures" / "packs" / "mini-pack"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: Set by .ci/run: a missing real engine fails these tests instead of skipping them.
REQUIRED_VAR = "AZDR_REAL_ENGINE_REQUIRED"
HOW_TO_ENABLE = ("real-engine tests need a pulumi v3.274+ on PATH or Go 1.26+ to build one "
                 "(`make real-engine`); CI sets AZDR_REAL_ENGINE_REQUIRED=1")


def resolve_pulumi(environ=os.environ) -> Path:
    """The pulumi to test with; ``pytest.skip`` (one line, how to enable) when there is none and no Go,
    ``pytest.fail`` instead when REQUIRED_VAR is set (CI)."""
    import pytest

    try:
        return E.ensure_pulumi()
    except (E.RealEngineUnavailable, subprocess.CalledProcessError) as e:
        if environ.get(REQUIRED_VAR):
            pytest.fail(f"{REQUIRED_VAR} is set but the real engine is unavailable: {e}")
        pytest.skip(HOW_TO_ENABLE)


@dataclass
class Preview:
    code: int
    events: list[dict]
    stderr: str

    @property
    def violations(self) -> set[tuple[str, str]]:
        return {(e["policyEvent"]["policyName"], e["policyEvent"].get("resourceUrn", ""))
                for e in self.events if "policyEvent" in e}

    def messages(self, policy: str) -> list[str]:
        return [e["policyEvent"]["message"] for e in self.events
                if "policyEvent" in e and e["policyEvent"]["policyName"] == policy]

    @property
    def resources(self) -> dict[str, dict]:
        """urn -> {type, parent, inputs} of every resource step (default providers included)."""
        out = {}
        for e in self.events:
            if "resourcePreEvent" in e:
                new = e["resourcePreEvent"]["metadata"]["new"] or {}
                out[new["urn"]] = {"type": new["type"], "parent": new.get("parent", ""),
                                   "inputs": new.get("inputs") or {}}
        return out


@dataclass
class Engine:
    pulumi: Path
    base: Path
    env: dict = field(init=False)

    def __post_init__(self) -> None:
        self.home, self.state, self.work = self.base / "home", self.base / "state", self.base / "work"
        self.log = self.base / "standin.log"
        E.install_standin(self.home)
        self.env = E.pulumi_env(self.pulumi, home=self.home, state=self.state, log=self.log)
        self.backends: dict[Path, str] = {}

    def env_for(self, run_dir: Path) -> dict:
        """The environment for ``run_dir``: its own file:// backend (see :meth:`stack`)."""
        backend = self.backends.get(Path(run_dir).resolve())
        return {**self.env, "PULUMI_BACKEND_URL": backend} if backend else dict(self.env)

    def run(self, *args: str, cwd: Path, input: str | None = None, env: dict | None = None,
            timeout: int = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.pulumi), *map(str, args), "--non-interactive"], cwd=cwd,
                              env={**self.env_for(cwd), **(env or {})}, input=input, capture_output=True,
                              text=True, timeout=timeout)

    def stack(self, project: Path, stack: str, config: dict | None = None, name: str | None = None,
              backend_of: Path | None = None) -> Path:
        """A fresh run directory for ``project``'s ``stack`` (with ``config`` set) and its stack selected.
        Each run directory has its own file:// backend (two copies of the dev stack must not share one
        stack), unless ``backend_of`` names a run directory whose backend it shares (StackReference)."""
        name = name or f"{project.name}-{stack}"
        run_dir = E.work_copy(project, stack, self.work / name, config).resolve()
        if backend_of is not None:
            self.backends[run_dir] = self.backends[Path(backend_of).resolve()]
        else:
            (self.state / name).mkdir(parents=True, exist_ok=True)
            self.backends[run_dir] = f"file://{self.state / name}"
        p = self.run("stack", "select", "--create", stack, cwd=run_dir)
        assert p.returncode == 0, p.stderr
        return run_dir

    def preview(self, run_dir: Path, stack: str, *args: str, pack: Path = PACK) -> Preview:
        p = self.run("preview", "--stack", stack, "--policy-pack", pack, "--json", *args, cwd=run_dir,
                     env={"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"})
        events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
        return Preview(p.returncode, events, p.stderr)

    def log_entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]


def ok(p):
    assert p.returncode == 0, (p.stdout[-4000:], p.stderr[-4000:])
    return p


def offline_preview(project: Path, stack: str, pack: Path = PACK, *args: str) -> dict:
    """``python -m posture preview --format json`` of ``project``'s ``stack`` (exit 0 or 1)."""
    p = subprocess.run([sys.executable, "-m", "posture", "preview", "--project-dir", str(project), "--stack", stack,
                        "--policy-pack", str(pack), "--format", "json", *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=600, env=dict(os.environ))
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def posture_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posture", "check", *map(str, args), "--format", "json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)

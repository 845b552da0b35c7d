"""What a fresh clone needs: exact pins kept in lockstep, and a CI entry point that fails when tests fail."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)$")


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = PIN.match(line)
        assert m, f"{path.name}: {line!r} is not an exact pin (name==version)"
        out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def test_requirements_are_exact_pins_and_agree_with_constraints_and_the_pack():
    program, pack, constraints = (pins(ROOT / "requirements.txt"), pins(ROOT / "policies" / "requirements.txt"),
                                  pins(ROOT / "constraints.txt"))
    for name in ("pulumi", "pulumi-azure-native", "pulumi-policy", "pydantic", "pyyaml", "pytest"):
        assert name in program, name
    assert int(program["pydantic"].split(".")[0]) == 2
    assert {k: constraints.get(k) for k in program} == program
    assert {k: program.get(k) for k in pack} == pack  # the pack's venv gets the same versions


def test_ci_run_calls_make_test_and_fails_with_it(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    make = bindir / "make"
    make.write_text('#!/bin/sh\necho "make $* ${AZDR_REAL_ENGINE_REQUIRED:-}" >> "$FAKE_MAKE_LOG"\n'
                    '[ "$1" = test ] && exit 3\nexit 0\n')
    make.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", FAKE_MAKE_LOG=str(tmp_path / "log"))
    env.pop("AZDR_REAL_ENGINE_REQUIRED", None)  # set when this suite itself runs under .ci/run
    proc = subprocess.run([str(ROOT / ".ci" / "run")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 3
    # the real CLI is built first, then the suite runs with the real-engine skip turned into a failure
    assert (tmp_path / "log").read_text() == "make real-engine \nmake test 1\n"


def test_makefile_targets_install_both_requirement_files_and_run_the_engine_and_pytest():
    text = (ROOT / "Makefile").read_text()
    assert "-r requirements.txt -r policies/requirements.txt -c constraints.txt" in text
    assert re.search(r"^preview: \$\(STAMP\)\n\t\$\(BIN\)/python -m posture preview --stack \$\(STACK\)$", text, re.M)
    assert re.search(r"^test: \$\(STAMP\)\n\t\$\(BIN\)/python -m pytest$", text, re.M)

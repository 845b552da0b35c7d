"""The pinned document (issue 9): `venv/bin/python -m posture preview --stack dev --format json`, run as
the README's user runs it (a subprocess from the repository root), prints exactly
tests/data/golden/preview-dev.json.

Refactoring config, the offline engine or the pack must leave this document unchanged. A deliberate change
(a new resource, input, rule or gap) is one command, then review the diff and commit it:

    venv/bin/python -m tests.test_golden_preview --write

Normalised: nothing. The document has no timestamps, durations, absolute paths or random names; two runs
are byte-identical. The only clock the pack reads is "today" for exemption expiry, and the dev stack has no
exemptions; the test still pins AZDR_POLICY_TODAY so that adding one cannot make the document depend on the
date a test runs. Compared: the whole of stdout, byte for byte, with exit status 0 and nothing on stderr.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden" / "preview-dev.json"
COMMAND = ["venv/bin/python", "-m", "posture", "preview", "--stack", "dev", "--format", "json"]
PINNED_TODAY = "2026-12-02"  # AZDR_POLICY_TODAY (policies/azdr_policies/framework.py): exemption expiry only


def run_preview() -> subprocess.CompletedProcess:
    argv = list(COMMAND)
    if not (ROOT / argv[0]).exists():  # a checkout whose interpreter is not ./venv (the command is the same)
        argv[0] = sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("POSTURE_DEBUG",)}
    env["AZDR_POLICY_TODAY"] = PINNED_TODAY
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def differences(expected: str, actual: str, limit: int = 80) -> str:
    """A unified diff of the two documents (empty when they are identical), cut to `limit` lines."""
    if expected == actual:
        return ""
    diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                     "tests/data/golden/preview-dev.json", "posture preview --stack dev "
                                     "--format json", lineterm="", n=2))
    if not diff:  # same lines, different line endings or final newline
        diff = [f"same lines, different bytes: {expected[-20:]!r} != {actual[-20:]!r}"]
    more = len(diff) - limit
    return "\n".join(diff[:limit] + ([f"... {more} more diff lines"] if more > 0 else []))


def test_preview_of_the_dev_stack_prints_the_pinned_document():
    p = run_preview()
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stderr == ""
    expected = GOLDEN.read_text(encoding="utf-8")
    diff = differences(expected, p.stdout)
    assert not diff, ("the preview document changed; if on purpose: "
                      "venv/bin/python -m tests.test_golden_preview --write\n" + diff)


def test_the_pinned_document_is_the_dev_stack_preview_it_claims_to_be():
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(doc) == ["resources", "summary", "violations"]
    summary = doc["summary"]
    assert (summary["source"], summary["stack"]) == ("program", "dev")
    assert summary["resourceCount"] == len(doc["resources"]) == 142
    assert (summary["mandatory"], summary["advisory"], doc["violations"]) == (0, 0, [])
    assert summary["policyPacks"] == [{"name": "azure-iaas-dr-posture", "version": "0.1.0"}]
    assert len({r["urn"] for r in doc["resources"]}) == len(doc["resources"])


def test_the_comparison_reports_any_change():
    text = GOLDEN.read_text(encoding="utf-8")
    assert differences(text, text) == ""
    changed = text.replace('"resourceGroupName": "rg-dr-backup-westeurope"',
                           '"resourceGroupName": "rg-dr-backup-northeurope"', 1)
    assert changed != text
    diff = differences(text, changed)
    assert '-        "resourceGroupName": "rg-dr-backup-westeurope",' in diff
    assert '+        "resourceGroupName": "rg-dr-backup-northeurope",' in diff
    assert differences(text, text.rstrip("\n")).startswith("same lines, different bytes")


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print("usage: venv/bin/python -m tests.test_golden_preview --write", file=sys.stderr)
        return 2
    p = run_preview()
    if p.returncode != 0 or p.stderr:
        sys.stderr.write(p.stderr)
        print(f"not written: the preview exited {p.returncode}", file=sys.stderr)
        return 1
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    old = GOLDEN.read_text(encoding="utf-8") if GOLDEN.exists() else ""
    GOLDEN.write_text(p.stdout, encoding="utf-8")
    note = " (unchanged)" if old == p.stdout else " (changed: review git diff)"
    print(f"wrote {GOLDEN.relative_to(ROOT)}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

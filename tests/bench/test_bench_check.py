"""The bench's `check` comparison (issue 17): today's `posture/` from git beside this tree's, same output."""

from __future__ import annotations

import json

import pytest

import bench.run as run


def test_check_runs_the_baseline_and_this_tree_on_the_same_state(tmp_path, fleet_capture):
    cap = fleet_capture(2)
    dump = tmp_path / "capture.json"
    dump.write_text(json.dumps({"project": cap.project, "stack": cap.stack,
                                "resources": [run._registration_dump(r) for r in cap.resources]}))
    row = run.worker_check(dump, run.CHECK_BASELINE, rounds=1)
    assert row["check_same_output"] is True
    assert row["check_baseline"] == run.CHECK_BASELINE
    assert len(row["check_old_s"]) == len(row["check_new_s"]) == 1
    assert min(row["check_old_s"] + row["check_new_s"]) > 0
    assert row["check_export_bytes"] > 10_000


def test_baseline_tree_is_the_revisions_posture(tmp_path):
    tree = run._baseline_tree(run.CHECK_BASELINE, tmp_path)
    text = (tree / "posture" / "analyzer.py").read_text()
    assert "class PolicyPackProcess" in text and "class PackEvaluation" not in text
    with pytest.raises(run.BenchError, match=r"--check-baseline no-such-rev: git archive failed"):
        run._baseline_tree("no-such-rev", tmp_path / "x")

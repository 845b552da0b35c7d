"""The cyclic GC is off while a program runs under the mocks and restored after (issue 6: full collections
over the SDK's ever-growing heap made the capture superlinear; bench/NOTES.md)."""

import gc

import pulumi
import pytest

from posture.capture import run_in_mocks


def _program(seen):
    def program():
        seen.append(gc.isenabled())
        pulumi.CustomResource("t:m:R", "r", {"a": 1})
        pulumi.export("x", pulumi.Output.from_input("v").apply(lambda v: seen.append(gc.isenabled()) or v))
    return program


def test_gc_off_during_the_program_and_its_outputs_on_after():
    assert gc.isenabled()
    seen: list[bool] = []
    cap = run_in_mocks(_program(seen), project="p", stack="s", preview=False)
    assert seen == [False, False]
    assert gc.isenabled()
    assert [r.urn for r in cap.resources] == ["urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
                                              "urn:pulumi:s::p::t:m:R::r"]
    assert cap.stack_outputs == {"x": "v"}


def test_gc_restored_when_the_program_fails():
    def boom():
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        run_in_mocks(boom, project="p", stack="s")
    assert gc.isenabled()


def test_gc_left_off_when_the_caller_had_it_off():
    gc.disable()
    try:
        run_in_mocks(_program([]), project="p", stack="s")
        assert not gc.isenabled()
    finally:
        gc.enable()


def _collections_during(fn) -> list[int]:
    """The generation of every cyclic collection that starts while ``fn`` runs."""
    gens: list[int] = []

    def cb(phase, info):
        if phase == "start":
            gens.append(info["generation"])

    gc.callbacks.append(cb)
    try:
        fn()
    finally:
        gc.callbacks.remove(cb)
    return gens


def test_one_collection_after_the_run_by_default():
    gens = _collections_during(lambda: run_in_mocks(_program([]), project="p", stack="s"))
    assert gens == [1]  # a small run: the young generations only (posture.capture.BIG_RUN_OBJECTS)


# Run in its own interpreter: gc.freeze() would leave this test process's garbage behind for good.
_ENDING_PROCESS = """
import gc, json, sys
import pulumi
from posture.capture import run_in_mocks
gens, seen = [], []
gc.callbacks.append(lambda phase, info: phase == "start" and gens.append(info["generation"]))
def program():
    seen.append(gc.isenabled())
    pulumi.CustomResource("t:m:R", "r", {"a": 1})
    pulumi.export("x", pulumi.Output.from_input("v"))
before = gc.get_freeze_count()
cap = run_in_mocks(program, project="p", stack="s", preview=False, process_ends=True)
json.dump({"gens": gens, "seen": seen, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count() - before,
           "left": sum(gc.get_count()), "urns": [r.urn for r in cap.resources], "outputs": cap.stack_outputs},
          sys.stdout)
"""


def test_a_process_that_ends_collects_nothing_and_freezes_the_run():
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", _ENDING_PROCESS], cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["gens"] == []  # no collection: not during the run, not after it
    assert got["seen"] == [False]
    assert got["enabled"] is True
    assert got["frozen"] > 1000  # the run's objects (and the imports') are in the permanent generation
    assert got["urns"] == ["urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "urn:pulumi:s::p::t:m:R::r"]
    assert got["outputs"] == {"x": "v"}

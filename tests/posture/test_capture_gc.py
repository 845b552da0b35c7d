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

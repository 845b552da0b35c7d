"""run_in_mocks waits for the program's Outputs one at a time inside the program, so the SDK's wait_for_rpcs
never runs asyncio.wait(FIRST_COMPLETED) over every pending Output, wave after wave (issue 6, bench/NOTES.md);
the recorded result and error reporting are unchanged."""

import asyncio

import pulumi
import pytest

from posture.capture import run_in_mocks


def _chain_program():
    # Outputs nothing awaits (like azure-native's alias URNs) and chains several applies deep.
    for i in range(30):
        r = pulumi.CustomResource("t:m:R", f"r{i}", {"i": i},
                                  pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="t:m/v1:R")]))
        out = r.id
        for _ in range(5):
            out = out.apply(lambda v: v + "x")
    pulumi.export("last", out)


@pytest.fixture
def wait_sizes(monkeypatch):
    sizes: list[int] = []
    real = asyncio.wait

    async def spy(fs, *a, **k):
        fs = list(fs)
        sizes.append(len(fs))
        return await real(fs, *a, **k)

    monkeypatch.setattr(asyncio, "wait", spy)
    return sizes


def test_outputs_settle_one_at_a_time(wait_sizes):
    cap = run_in_mocks(_chain_program, project="p", stack="s", preview=False)
    assert len(cap.resources) == 31
    assert cap.stack_outputs == {"last": "r29-idxxxxx"}
    assert wait_sizes and max(wait_sizes) == 1


def test_an_async_program_is_awaited_before_settling():
    seen = []

    def program():
        async def later():
            await asyncio.sleep(0)
            seen.append("awaited")
            pulumi.CustomResource("t:m:R", "late", {})
        return later()

    cap = run_in_mocks(program, project="p", stack="s", preview=False)
    assert seen == ["awaited"]
    assert [r.name for r in cap.resources] == ["p-s", "late"]


def test_a_failing_apply_still_fails_the_run():
    def program():
        r = pulumi.CustomResource("t:m:R", "r", {})
        r.id.apply(lambda _: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        run_in_mocks(program, project="p", stack="s", preview=False)


def test_a_failed_run_leaves_nothing_for_the_next_one():
    def bad():
        r = pulumi.CustomResource("t:m:R", "r", {})
        for i in range(5):
            pulumi.CustomResource("t:m:R", f"d{i}", {"v": r.id.apply(lambda _: 1 / 0)})

    with pytest.raises(ZeroDivisionError):
        run_in_mocks(bad, project="p", stack="s", preview=False)
    cap = run_in_mocks(lambda: pulumi.CustomResource("t:m:R", "ok", {}), project="p", stack="s", preview=False)
    assert [r.name for r in cap.resources] == ["p-s", "ok"]

"""Table-driven rule cases. Every rule test module exposes `CASES: list[Case]`; ids start with
`pass-` (no violation expected), `fail-` (exact violations expected) or `advisory-` (an unknown
value the rule lets through as UnknownValueError, which the SDK turns into its advisory; `expected`
is the exact unknown message). The catalog meta-test imports every `test_*` module of this package
and requires per rule a pass and a fail case, a case with `unknown` in its id whose outcome matches
the rule's declared unknown mode, and a case with `missing` in its id. A rule's cases, all four kinds, live in
the test module of its rule module (tests/policies/test_rules_<module>.py for rules/<module>.py); `advisory()`
below builds the `advisory-unknown-*` case for a property set to a preview unknown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from azdr_policies import RULES_BY_ID

from .factories import mutate
from .harness import Result, run_resource, run_stack


@dataclass
class Case:
    rule_id: str
    id: str
    props: dict[str, Any] | Callable[[], Sequence[PolicyResource]]
    """Resource rules: the resource's input props. Stack rules: a builder of all resources."""
    expected: list[Any] = field(default_factory=list)
    """Resource rules: exact messages. Stack rules: exact (message, urn) pairs."""
    config: dict[str, Any] | None = None
    name: str = "res"
    type_: str | None = None

    def run(self) -> Result:
        rule = RULES_BY_ID[self.rule_id]
        if rule.kind == "resource":
            assert isinstance(self.props, dict)
            return run_resource(rule, self.props, name=self.name, type_=self.type_, config=self.config)
        assert callable(self.props)
        return run_stack(rule, self.props(), config=self.config)

    def check(self) -> None:
        assert self.id.startswith(("pass-", "fail-", "advisory-")), self.id
        assert (self.expected == []) == self.id.startswith("pass-"), f"{self.id}: pass cases expect nothing"
        if self.id.startswith("advisory-"):
            with pytest.raises(UnknownValueError) as info:
                self.run()
            assert [info.value.message] == self.expected
            return
        result = self.run()
        assert result.failures == []
        rule = RULES_BY_ID[self.rule_id]
        got = result.messages if rule.kind == "resource" else result.violations
        assert got == self.expected


def params(cases: Sequence[Case]) -> list[Any]:
    return [pytest.param(c, id=f"{c.rule_id}:{c.id}") for c in cases]


KINDS = {UNKNOWN_STRING_VALUE: "string", UNKNOWN_NUMBER_VALUE: "number", UNKNOWN_BOOLEAN_VALUE: "boolean",
         UNKNOWN_ARRAY_VALUE: "array"}


def advisory(rule_id, what, props, path, sentinel, *, name="res", type_=None):
    """An advisory-* case: `path` (a.b[0].c) set to an unknown sentinel, the exact SDK message expected."""
    dotted = path.replace("[", ".").replace("]", "")
    return Case(rule_id, f"advisory-unknown-{what}", mutate(props, path, sentinel),
                [f"{KINDS[sentinel]} value at .{dotted} can't be known during preview"], name=name, type_=type_)

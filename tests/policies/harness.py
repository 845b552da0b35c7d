"""Run one rule the way the pack's servicer does, without a PolicyPack.

Props and config go through a protobuf `Struct` and `MessageToDict` (so every int arrives as a
float, exactly as over gRPC), then `deserialize_properties` and `unknown_checking_proxy`.
Fail-closed failures (what the AZDR-SYS guards would report) are collected separately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from azdr_policies.framework import Rule, stack_failure_key, take_failures

PROJECT = "azure-iaas-dr"
STACK = "test"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def through_struct(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """A dict as the servicer sees it after the gRPC Struct round trip (ints become floats)."""
    s = struct_pb2.Struct()
    if data:
        s.update(dict(data))
    return json_format.MessageToDict(s)


def wire(props: Mapping[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(through_struct(props)))


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass
class Result:
    violations: list[tuple[str, str | None]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [m for m, _ in self.violations]


def run_resource(
    rule: Rule,
    props: Mapping[str, Any],
    *,
    name: str = "res",
    type_: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Result:
    """Validate one resource with `rule`. UnknownValueError propagates (the servicer turns it
    into an advisory); other errors land in `Result.failures` via the fail-closed path."""
    assert rule.kind == "resource"
    type_ = type_ or rule.resource_types[0]
    urn = urn_of(type_, name)
    result = Result()
    cfg = through_struct(config) if config is not None else None
    args = ResourceValidationArgs(type_, wire(props), urn, name, _opts(), None, cfg)
    rule.policy.validate(args, lambda message, u=None: result.violations.append((message, u)))
    result.failures = take_failures(urn)
    return result


def stack_resource(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    *,
    parent: PolicyResource | None = None,
    dependencies: Sequence[PolicyResource] = (),
    property_dependencies: Mapping[str, Sequence[PolicyResource]] | None = None,
) -> PolicyResource:
    """A PolicyResource as AnalyzeStack builds it (props are outputs, proxied)."""
    return PolicyResource(
        type_, wire(props), urn_of(type_, name), name, _opts(), None, parent, list(dependencies),
        {k: list(v) for k, v in (property_dependencies or {}).items()},
    )


def run_stack(rule: Rule, resources: Sequence[PolicyResource], *, config: Mapping[str, Any] | None = None) -> Result:
    assert rule.kind == "stack"
    result = Result()
    cfg = through_struct(config) if config is not None else None
    args = StackValidationArgs(list(resources), cfg)
    rule.policy.validate(args, lambda message, u=None: result.violations.append((message, u)))
    result.failures = take_failures(stack_failure_key())
    return result

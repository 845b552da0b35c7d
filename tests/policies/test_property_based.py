"""Property-based robustness: random and malformed props (missing keys, wrong types, floats for
ints, unknown sentinels, secrets) through EVERY rule. No rule may crash: the only fail-closed record
allowed is a present-but-unreadable property (props.ShapeError, issue 13: it reaches the guard instead of
reading as Azure's default), and an UnknownValueError may escape only from rules whose declared
unknown mode is `advisory` (the servicer turns it into an advisory diagnostic)."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from azdr_policies import RULES

from . import factories as f
from .harness import run_resource, run_stack, stack_resource

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
UNKNOWNS = [UNKNOWN_STRING_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_ARRAY_VALUE,
            UNKNOWN_OBJECT_VALUE]
WORDS = ["GeoRedundant", "LocallyRedundant", "ZoneRedundant", "Enabled", "Disabled", "AlwaysON", "Hourly", "Daily",
         "Weekly", "V1", "V2", "AzureIaasVM", "CanNotDelete", "ReadOnly", "Aligned", "Classic", "Days", "",
         "SimpleRetentionPolicy", "LongTermRetentionPolicy", "SimpleSchedulePolicyV2", f.vault_id()]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(WORDS), st.text(max_size=8), st.sampled_from(UNKNOWNS),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["count", "id", "name", "level", "scope", "state", "x"]), inner, max_size=3),
        inner.map(lambda v: {**SECRET_SIG, "value": v}),
    ),
    max_leaves=6,
)

BASES = [f.vault_props(), f.v2_hourly_policy_props(), f.v1_daily_policy_props(), f.v2_daily_policy_props(),
         f.file_share_policy_props(), f.lock_by_scope_props(f.vault_id()), f.lock_at_resource_props("rsv-dr-weu"),
         f.vm_props(), f.availability_set_props()]


def _paths(obj, prefix=""):
    out = []
    if isinstance(obj, dict) and "4dabf18193072939515e22adb298388d" in obj:
        return out  # a secret is replaced whole, never torn apart (the engine never sends that)
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{prefix}.{k}" if prefix else k
            out.append(p)
            out.extend(_paths(v, p))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            p = f"{prefix}[{i}]"
            out.append(p)
            out.extend(_paths(v, p))
    return out


@st.composite
def props(draw):
    if draw(st.integers(0, 5)) == 0:
        return draw(st.dictionaries(st.sampled_from(["properties", "sku", "level", "scope", "name", "id"]), values,
                                    max_size=4))
    base = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(base)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.integers(0, 3))
        if action == 0:
            base = f.mutate(base, path, f.DELETE)
        elif action == 1:  # int -> float or secret-wrap the current value
            base = f.mutate(base, path, {**SECRET_SIG, "value": draw(values)})
        else:
            base = f.mutate(base, path, draw(values))
    return base


UNREADABLE = "failed to evaluate: a property is present but unreadable: "
RESOURCE_RULES = [r for r in RULES if r.kind == "resource"]
STACK_RULES = [r for r in RULES if r.kind == "stack"]
COMMON = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _type_for(rule, i):
    types = [t for t in rule.resource_types if t != "*"] or ["azure-native:recoveryservices:Vault"]
    return types[i % len(types)]


@COMMON
@given(p=props(), pick=st.integers(0, 10))
def test_no_resource_rule_crashes(p, pick):
    for rule in RESOURCE_RULES:
        try:
            res = run_resource(rule, p, name="r", type_=_type_for(rule, pick))
        except UnknownValueError:
            assert rule.unknown == "advisory", f"{rule.id} let an unknown escape but declares {rule.unknown}"
            continue
        assert all(UNREADABLE in f for f in res.failures), f"{rule.id} crashed on {p!r}: {res.failures}"
        for message, _urn in res.violations:
            assert message.startswith(f"[{rule.id}] "), message


@COMMON
@given(ps=st.lists(props(), min_size=1, max_size=4), picks=st.lists(st.integers(0, 10), min_size=4, max_size=4),
       links=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from(["scope", "resourceName", "parent"])),
                      max_size=3))
def test_no_stack_rule_crashes(ps, picks, links):
    for rule in STACK_RULES:
        resources = [stack_resource(_type_for(rule, picks[i]), f"r{i}", p) for i, p in enumerate(ps)]
        for a, b, kind in links:
            if a < len(resources) and b < len(resources):
                if kind == "parent":
                    resources[a].parent = resources[b]
                else:
                    resources[a].property_dependencies.setdefault(kind, []).append(resources[b])
        try:
            res = run_stack(rule, resources)
        except UnknownValueError:
            assert rule.unknown == "advisory", f"{rule.id} let an unknown escape but declares {rule.unknown}"
            continue
        assert all(UNREADABLE in f for f in res.failures), f"{rule.id} crashed: {res.failures}"
        urns = {r.urn for r in resources}
        for message, urn in res.violations:
            assert message.startswith(f"[{rule.id}] ") and (urn is None or urn in urns)

"""Framework behaviour shared by every rule: exemptions and expiry, config validation,
fail-closed reporting through the guards, unknown modes, and the props helpers."""

import datetime as dt

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from azdr_policies import RULES, RULES_BY_ID, RULES_BY_NAME, set_today
from azdr_policies import framework as fw
from azdr_policies.props import MISSING, as_int, as_list, as_number, get, show

from .factories import mutate, vault_props
from .harness import run_resource, run_stack, stack_resource, urn_of, wire

RSV1 = RULES_BY_ID["AZDR-RSV-001"]
LRS = mutate(vault_props(), "properties.redundancySettings.standardTierStorageRedundancy", "LocallyRedundant")
MSG = ("[AZDR-RSV-001] vault 'rsv' stores backups 'LocallyRedundant': a regional disaster would take the only "
       "copy; set properties.redundancySettings.standardTierStorageRedundancy to 'GeoRedundant'")
VAULT_T = "azure-native:recoveryservices:Vault"


def _ex(resource, expires="2026-12-31", reason="migration to GRS vault tracked in DR-42"):
    return {"exemptions": [{"resource": resource, "reason": reason, "expires": expires}]}


@pytest.mark.parametrize("pattern", ["rsv", "rs*", urn_of(VAULT_T, "rsv"), "urn:pulumi:*::rsv"])
def test_exemption_by_name_or_urn_glob_suppresses(pattern):
    res = run_resource(RSV1, LRS, name="rsv", config=_ex(pattern))
    assert res.violations == [] and res.failures == []


def test_exemption_for_other_resource_does_not_apply():
    assert run_resource(RSV1, LRS, name="rsv", config=_ex("other-*")).messages == [MSG]


def test_exemption_valid_on_its_expiry_day_and_expired_the_day_after():
    set_today(dt.date(2026, 12, 31))
    assert run_resource(RSV1, LRS, name="rsv", config=_ex("rsv")).messages == []
    set_today(dt.date(2027, 1, 1))
    assert run_resource(RSV1, LRS, name="rsv", config=_ex("rsv")).messages == [
        MSG + " (exemption for 'rsv' expired on 2026-12-31: migration to GRS vault tracked in DR-42)"
    ]


def test_today_from_environment(monkeypatch):
    set_today(None)
    monkeypatch.setenv(fw.TODAY_ENV, "2030-01-01")
    assert fw.today() == dt.date(2030, 1, 1)
    monkeypatch.setenv(fw.TODAY_ENV, "soon")
    res = run_resource(RSV1, LRS, name="rsv", config=_ex("rsv"))
    assert res.failures == [
        "rule AZDR-RSV-001 (vault-storage-geo-redundant) failed to evaluate: "
        "environment variable AZDR_POLICY_TODAY='soon' is not a YYYY-MM-DD date"
    ]


@pytest.mark.parametrize(
    "config,error",
    [
        ({"allowZoneRedundant": "yes"},
         "invalid policy pack config vault-storage-geo-redundant.allowZoneRedundant: 'yes' is not allowed; "
         "expected true or false"),
        ({"exemptions": "rsv"},
         "invalid policy pack config vault-storage-geo-redundant.exemptions: expected a list of "
         "{resource, reason, expires}, got 'rsv'"),
        ({"exemptions": [{"resource": "rsv", "reason": "x", "expires": "31/12/2026"}]},
         "invalid policy pack config vault-storage-geo-redundant.exemptions[0].expires: '31/12/2026' is not a "
         "YYYY-MM-DD date"),
        ({"exemptions": [{"resource": "rsv", "expires": "2026-12-31"}]},
         "invalid policy pack config vault-storage-geo-redundant.exemptions[0].reason: a non-empty string is required"),
        ({"exemptions": [{"resource": "rsv", "reason": "x", "expires": "2026-12-31", "owner": "me"}]},
         "invalid policy pack config vault-storage-geo-redundant.exemptions[0]: unknown key(s) owner; allowed: "
         "resource, reason, expires"),
        ({"exemptions": [7]},
         "invalid policy pack config vault-storage-geo-redundant.exemptions[0]: expected an object "
         "{resource, reason, expires}, got 7.0"),
    ],
)
def test_bad_config_fails_closed_naming_the_key(config, error):
    res = run_resource(RSV1, vault_props(), name="rsv", config=config)
    assert res.violations == []
    assert res.failures == [f"rule AZDR-RSV-001 (vault-storage-geo-redundant) failed to evaluate: {error}"]


def test_integer_config_accepts_integral_floats_and_rejects_others():
    key = fw.ConfigKey("minimumDailyRetentionDays", "integer", 30, "d", minimum=1, maximum=9999)
    assert key.coerce("p", 7.0) == 7 and isinstance(key.coerce("p", 7.0), int)
    for bad, why in [(7.5, "7.5"), (0, "0"), (10000, "10000"), (True, "True"), ("7", "'7'")]:
        with pytest.raises(fw.PolicyConfigError) as info:
            key.coerce("p", bad)
        assert str(info.value) == (f"invalid policy pack config p.minimumDailyRetentionDays: {why} is not allowed; "
                                   "expected an integer >= 1 and <= 9999")


def _raising_rule(kind, unknown="advisory"):
    def check(args, cfg):
        if kind == "resource":
            _ = args.props["properties"]["x"]  # unknown in the unknown test, KeyError otherwise
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    return fw.Rule(
        id="AZDR-TST-001", name="test-raising", title="t", severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY, kind=kind, resource_types=(VAULT_T,),
        seed_section="Backup and disaster recovery", rationale="r", remediation="m", snippet="s",
        links=("https://example.invalid",), unknown=unknown, unknown_note="n", missing="m", check=check,
    )


def test_raising_resource_rule_is_reported_by_the_mandatory_guard():
    rule = _raising_rule("resource")
    guard = RULES_BY_ID["AZDR-SYS-001"]
    urn = urn_of(VAULT_T, "rsv")
    reported = []
    from pulumi_policy import ResourceValidationArgs

    from .harness import _opts

    args = ResourceValidationArgs(VAULT_T, wire({"properties": {"y": 1}}), urn, "rsv", _opts(), None)
    rule.policy.validate(args, lambda m, u=None: reported.append(("rule", m)))
    guard.policy.validate(args, lambda m, u=None: reported.append(("guard", m)))
    # the exception's text is withheld (it may carry a property value, possibly a secret); type and place are not
    line = _raising_rule.__code__.co_firstlineno
    assert reported == [("guard", "[AZDR-SYS-001] rule AZDR-TST-001 (test-raising) failed to evaluate: KeyError at "
                                  f"test_framework.py:{line + 3} (message withheld: it may contain property values)")]
    assert guard.enforcement is EnforcementLevel.MANDATORY and isinstance(guard.policy, ResourceValidationPolicy)
    # The failure is consumed: a second guard pass (another resource) reports nothing.
    guard.policy.validate(args, lambda m, u=None: reported.append(("again", m)))
    assert len(reported) == 1


def test_raising_stack_rule_is_reported_by_the_stack_guard():
    rule = _raising_rule("stack")
    guard = RULES_BY_ID["AZDR-SYS-002"]
    assert guard.enforcement is EnforcementLevel.MANDATORY and isinstance(guard.policy, StackValidationPolicy)
    res = run_stack(rule, [stack_resource(VAULT_T, "rsv", vault_props())])
    line = _raising_rule.__code__.co_firstlineno
    assert res.failures == ["rule AZDR-TST-001 (test-raising) failed to evaluate: ZeroDivisionError at "
                            f"test_framework.py:{line + 4} (message withheld: it may contain property values)"]


def test_failures_of_another_resource_do_not_leak():
    rule = _raising_rule("resource")
    run_resource(rule, {"properties": {}}, name="a")  # consumed by the harness
    fw._record_failure(rule, urn_of(VAULT_T, "a"), ValueError("stale"))
    assert run_resource(RSV1, vault_props(), name="b").failures == []


@pytest.mark.parametrize("mode,expected", [
    ("skip", []),
    ("fail", ["[AZDR-TST-001] string value at .properties.x can't be known during preview; "
              "this rule fails closed until the value is known"]),
])
def test_unknown_modes(mode, expected):
    rule = _raising_rule("resource", unknown=mode)
    res = run_resource(rule, {"properties": {"x": UNKNOWN_STRING_VALUE}}, name="rsv")
    assert res.messages == expected and res.failures == []


def test_policy_metadata_is_passed_to_pulumi_policy():
    for rule in RULES:
        p = rule.policy
        assert p.name == rule.name and p.description == rule.title
        assert p.severity is rule.severity and p.enforcement_level is rule.enforcement
        assert p.url == rule.links[0] and rule.id in p.tags
        assert p.framework.reference == rule.id and rule.seed_section in p.framework.specification
        assert p.remediation_steps.startswith(rule.remediation) and "```python" in p.remediation_steps
        if rule.exemptible:
            assert p.config_schema.properties["exemptions"]["items"]["required"] == ["resource", "reason", "expires"]
    assert RULES_BY_NAME["vault-storage-geo-redundant"].policy.config_schema.properties["allowZoneRedundant"] == {
        "type": "boolean", "default": False,
        "description": "Accept ZoneRedundant vault storage (survives a zone, not a region)."}


def test_props_helpers_absent_is_default_and_wrong_shape_raises():
    """Absent reads as the default; present-but-unreadable raises ShapeError (issue 13), for the guard."""
    from azdr_policies.props import ShapeError

    p = wire({"a": {"b": [1, {"c": "x"}], "s": "str", "n": None}})
    assert get(p, "a.b[1].c") == "x"
    assert get(p, "a.b[5].c") is MISSING
    assert get(p, "a.n.x", "d") == "d"
    assert get(p, "a.zz.x") is MISSING
    for path, message in (("a.s.t", "`a.s` is a string where an object belongs"),
                          ("a.s[0]", "`a.s` is a string where a list belongs"),
                          ("a.b.c", "`a.b` is a list where an object belongs")):
        with pytest.raises(ShapeError) as e:
            get(p, path)
        assert str(e.value) == message
    assert as_int(14.0) == 14 and as_int(14.5) is None and as_int(True) is None and as_int("14") is None
    assert as_int(float("nan")) is None and as_number(float("inf")) is None
    assert as_list(MISSING) == [] and as_list(get(p, "a.b"))[0] == 1
    with pytest.raises(ShapeError):
        as_list("abc")
    assert show(MISSING) == "not set" and show(4.0) == "4" and show("x") == "'x'"


def _not_applicable_rule(kind):
    def check(args, cfg):
        args.not_applicable("no vault here")  # the SDK's public API
        yield  # pragma: no cover

    return fw.Rule(
        id="AZDR-TST-002", name="test-not-applicable", title="t", severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY, kind=kind, resource_types=(VAULT_T,),
        seed_section="Backup and disaster recovery", rationale="r", remediation="m", snippet="s",
        links=("https://example.invalid",), unknown="advisory", unknown_note="n", missing="m", check=check,
    )


@pytest.mark.parametrize("kind", ["resource", "stack"])
def test_not_applicable_passes_through_to_the_sdk_and_is_no_failure(kind):
    from pulumi_policy import ResourceValidationArgs, StackValidationArgs

    from .harness import _opts, stack_failure_key, take_failures

    rule = _not_applicable_rule(kind)
    urn = urn_of(VAULT_T, "rsv")
    if kind == "resource":
        args, key = ResourceValidationArgs(VAULT_T, wire({"properties": {}}), urn, "rsv", _opts(), None), urn
    else:
        args, key = StackValidationArgs([stack_resource(VAULT_T, "rsv", {"properties": {}})], None), stack_failure_key()
    reported = []
    with pytest.raises(fw.NOT_APPLICABLE) as raised:
        rule.policy.validate(args, lambda m, u=None: reported.append(m))
    assert raised.value.reason == "no vault here"  # what the SDK's servicer puts in PolicyNotApplicable
    assert reported == [] and take_failures(key) == []
    assert fw.NOT_APPLICABLE.__module__ == "pulumi_policy.policy"

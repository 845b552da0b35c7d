"""AZDR-RSV-*: Recovery Services vault rules."""

import pytest
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, mutate, vault_props
from .harness import run_resource

RED = "properties.redundancySettings.standardTierStorageRedundancy"
CRR = "properties.redundancySettings.crossRegionRestore"

GRS_FIX = f"set {RED} to 'GeoRedundant'"


def _grs_fail(value: str, allowed: str = "'GeoRedundant'") -> str:
    return (f"[AZDR-RSV-001] vault 'rsv' stores backups {value}: a regional disaster would take the only copy; "
            f"set {RED} to {allowed}")


def _unpaired(value: str) -> str:
    return (f"[AZDR-RSV-001] vault 'rsv' in polandcentral stores backups {value} (not set means GeoRedundant): "
            f"polandcentral has no Azure paired region, so no geo-redundant storage; set {RED} to 'ZoneRedundant' "
            f"and take DR copies out of the region with Site Recovery or snapshot copies")


def _crr_off(value: str) -> str:
    return (f"[AZDR-RSV-002] vault 'rsv' is GeoRedundant but cross-region restore is {value} (not set means "
            f"Disabled): backups in the paired region cannot be restored until Microsoft declares a regional "
            f"outage; set {CRR} to 'Enabled'")


def _crr_needs_grs(value: str) -> str:
    return (f"[AZDR-RSV-002] vault 'rsv' enables cross-region restore with {value} storage: Azure accepts "
            f"cross-region restore only on GeoRedundant vaults; {GRS_FIX}")


V = vault_props()
ZRS_OK = "'GeoRedundant' (or 'ZoneRedundant', allowed by config)"

CASES = [
    # AZDR-RSV-001
    Case("AZDR-RSV-001", "pass-geo-redundant", V, name="rsv"),
    Case("AZDR-RSV-001", "pass-missing-defaults-to-grs", mutate(V, "properties.redundancySettings", DELETE), name="rsv"),
    Case("AZDR-RSV-001", "pass-no-properties-at-all", mutate(V, "properties", DELETE), name="rsv"),
    Case("AZDR-RSV-001", "pass-case-insensitive", mutate(V, RED, "georedundant"), name="rsv"),
    Case("AZDR-RSV-001", "pass-zrs-allowed-by-config", mutate(V, RED, "ZoneRedundant"), name="rsv",
         config={"allowZoneRedundant": True}),
    Case("AZDR-RSV-001", "fail-locally-redundant", mutate(V, RED, "LocallyRedundant"),
         [_grs_fail("'LocallyRedundant'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-zone-redundant-by-default", mutate(V, RED, "ZoneRedundant"),
         [_grs_fail("'ZoneRedundant'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-lrs-even-when-zrs-allowed", mutate(V, RED, "LocallyRedundant"),
         [_grs_fail("'LocallyRedundant'", ZRS_OK)], name="rsv", config={"allowZoneRedundant": True}),
    Case("AZDR-RSV-001", "fail-invalid", mutate(V, RED, "Invalid"), [_grs_fail("'Invalid'")], name="rsv"),
    # a wrong-typed redundancy (3) is present-but-unreadable: the guard reports it (tests/policies/test_fail_closed_shapes.py)
    # audit W3: a region without a pair has no GRS; the vault is judged by its region's capabilities
    Case("AZDR-RSV-001", "pass-unpaired-region-zone-redundant",
         mutate(mutate(mutate(V, "location", "polandcentral"), RED, "ZoneRedundant"), CRR, "Disabled"), name="rsv"),
    Case("AZDR-RSV-001", "pass-unpaired-region-display-name", mutate(mutate(V, "location", "Poland Central"), RED,
                                                                     "ZoneRedundant"), name="rsv"),
    Case("AZDR-RSV-001", "fail-unpaired-region-geo-redundant", mutate(V, "location", "polandcentral"),
         [_unpaired("'GeoRedundant'")], name="rsv"),
    Case("AZDR-RSV-001", "fail-unpaired-region-missing-means-grs", mutate(mutate(V, "location", "polandcentral"), RED,
                                                                          DELETE), [_unpaired("not set")], name="rsv"),
    Case("AZDR-RSV-001", "fail-unpaired-region-lrs-where-zones-exist", mutate(mutate(V, "location", "polandcentral"),
                                                                              RED, "LocallyRedundant"),
         [_unpaired("'LocallyRedundant'")], name="rsv"),
    Case("AZDR-RSV-002", "pass-unpaired-region-no-crr-to-enable",
         mutate(mutate(mutate(V, "location", "polandcentral"), RED, "ZoneRedundant"), CRR, "Disabled"), name="rsv"),
    # AZDR-RSV-002
    Case("AZDR-RSV-002", "pass-grs-with-crr", V, name="rsv"),
    Case("AZDR-RSV-002", "pass-missing-redundancy-with-crr", mutate(V, RED, DELETE), name="rsv"),
    Case("AZDR-RSV-002", "pass-lrs-without-crr-left-to-rsv-001",
         mutate(mutate(V, RED, "LocallyRedundant"), CRR, "Disabled"), name="rsv"),
    Case("AZDR-RSV-002", "fail-grs-crr-disabled", mutate(V, CRR, "Disabled"), [_crr_off("'Disabled'")], name="rsv"),
    Case("AZDR-RSV-002", "fail-grs-crr-missing", mutate(V, CRR, DELETE), [_crr_off("not set")], name="rsv"),
    Case("AZDR-RSV-002", "fail-no-properties", mutate(V, "properties", DELETE), [_crr_off("not set")], name="rsv"),
    Case("AZDR-RSV-002", "fail-crr-on-lrs", mutate(V, RED, "LocallyRedundant"),
         [_crr_needs_grs("'LocallyRedundant'")], name="rsv"),
    Case("AZDR-RSV-002", "fail-crr-on-zrs", mutate(V, RED, "ZoneRedundant"),
         [_crr_needs_grs("'ZoneRedundant'")], name="rsv"),
]


@pytest.mark.parametrize("rule_id,path", [("AZDR-RSV-001", RED), ("AZDR-RSV-002", CRR), ("AZDR-RSV-002", RED)])
def test_unknown_is_advisory(rule_id, path):
    """Unknown during preview: the SDK's UnknownValueError propagates (the servicer reports an advisory)."""
    with pytest.raises(UnknownValueError) as info:
        run_resource(RULES_BY_ID[rule_id], mutate(V, path, UNKNOWN_STRING_VALUE), name="rsv")
    assert info.value.message == f"string value at .{path} can't be known during preview"


def test_other_types_are_ignored():
    res = run_resource(RULES_BY_ID["AZDR-RSV-001"], mutate(V, RED, "LocallyRedundant"),
                       type_="azure-native:recoveryservices:ProtectionPolicy")
    assert res.violations == [] and res.failures == []


def test_ints_arrive_as_floats():
    """The harness mirrors gRPC: an int in the props is a float inside the rule."""
    from .harness import wire

    assert wire({"a": {"b": 14}})["a"]["b"] == 14.0
    assert isinstance(wire({"a": {"b": 14}})["a"]["b"], float)


# ---- AZDR-RSV-003 soft delete -------------------------------------------------------------------

SD = "properties.securitySettings.softDeleteSettings"
SD_STATE = f"{SD}.softDeleteState"
SD_DAYS = f"{SD}.softDeleteRetentionPeriodInDays"


def _sd_off(state):
    return (f"[AZDR-RSV-003] vault 'rsv' has soft delete {state}: Azure no longer accepts turning it off (secure by "
            f"default from API 2024-09-30-preview; deleting an item always soft-deletes it); "
            f"set {SD_STATE} to 'Enabled' or 'AlwaysON'")


def _sd_days(shown, minimum=14):
    return (f"[AZDR-RSV-003] vault 'rsv' keeps soft-deleted backups {shown}; set {SD_DAYS} to {minimum}-180 "
            f"(Azure allows 14-180)")


def _sd_not_always_on(state):
    return (f"[AZDR-RSV-003] vault 'rsv' has soft delete {state} but the pack config requires 'AlwaysON' "
            f"(irreversible: soft delete can then never be disabled); set {SD_STATE} to 'AlwaysON'")


ALWAYS_ON = {"requireAlwaysOnSoftDelete": True}
CASES += [
    Case("AZDR-RSV-003", "pass-enabled-14-days", V, name="rsv"),
    Case("AZDR-RSV-003", "pass-always-on", mutate(V, SD_STATE, "AlwaysON"), name="rsv"),
    Case("AZDR-RSV-003", "pass-missing-settings-default-on-14", mutate(V, SD, DELETE), name="rsv"),
    Case("AZDR-RSV-003", "pass-at-max-180", mutate(V, SD_DAYS, 180), name="rsv"),
    Case("AZDR-RSV-003", "pass-always-on-required", mutate(V, SD_STATE, "AlwaysON"), name="rsv", config=ALWAYS_ON),
    Case("AZDR-RSV-003", "pass-at-configured-minimum", mutate(V, SD_DAYS, 30), name="rsv",
         config={"minimumSoftDeleteRetentionDays": 30}),
    Case("AZDR-RSV-003", "fail-disabled", mutate(V, SD_STATE, "Disabled"), [_sd_off("'Disabled'")], name="rsv"),
    Case("AZDR-RSV-003", "fail-invalid", mutate(V, SD_STATE, "Invalid"), [_sd_off("'Invalid'")], name="rsv"),
    Case("AZDR-RSV-003", "fail-below-min-13", mutate(V, SD_DAYS, 13), [_sd_days("13 days")], name="rsv"),
    Case("AZDR-RSV-003", "fail-above-max-181", mutate(V, SD_DAYS, 181), [_sd_days("181 days")], name="rsv"),
    Case("AZDR-RSV-003", "fail-fractional-days", mutate(V, SD_DAYS, 14.5),
         ["[AZDR-RSV-003] vault 'rsv' soft-delete retention 14.5 is not a whole number of days; "
          f"set {SD_DAYS} to 14-180"], name="rsv"),
    Case("AZDR-RSV-003", "fail-below-configured-minimum", mutate(V, SD_DAYS, 29), [_sd_days("29 days", 30)],
         name="rsv", config={"minimumSoftDeleteRetentionDays": 30}),
    Case("AZDR-RSV-003", "fail-missing-days-below-configured-minimum", mutate(V, SD_DAYS, DELETE),
         [_sd_days("14 days (not set means 14)", 30)], name="rsv", config={"minimumSoftDeleteRetentionDays": 30}),
    Case("AZDR-RSV-003", "fail-enabled-when-always-on-required", V, [_sd_not_always_on("'Enabled'")],
         name="rsv", config=ALWAYS_ON),
    Case("AZDR-RSV-003", "fail-missing-state-when-always-on-required", mutate(V, SD_STATE, DELETE),
         [_sd_not_always_on("not set (Enabled)")], name="rsv", config=ALWAYS_ON),
    Case("AZDR-RSV-003", "fail-disabled-and-too-short", mutate(mutate(V, SD_STATE, "Disabled"), SD_DAYS, 7),
         [_sd_off("'Disabled'"), _sd_days("7 days")], name="rsv"),
]

# ---- AZDR-RSV-004 immutability ------------------------------------------------------------------

IMM = "properties.securitySettings.immutabilitySettings.state"


def _imm_off(state):
    return (f"[AZDR-RSV-004] vault 'rsv' immutability is {state} (not set means Disabled): recovery points can be "
            f"deleted or shortened before they expire; set {IMM} to 'Unlocked' (or 'Locked')")


LOCKED = {"requireLockedImmutability": True}
CASES += [
    Case("AZDR-RSV-004", "pass-unlocked", V, name="rsv"),
    Case("AZDR-RSV-004", "pass-locked", mutate(V, IMM, "Locked"), name="rsv"),
    Case("AZDR-RSV-004", "pass-locked-required", mutate(V, IMM, "Locked"), name="rsv", config=LOCKED),
    Case("AZDR-RSV-004", "fail-disabled", mutate(V, IMM, "Disabled"), [_imm_off("'Disabled'")], name="rsv"),
    Case("AZDR-RSV-004", "fail-missing-means-disabled", mutate(V, "properties.securitySettings", DELETE),
         [_imm_off("not set")], name="rsv"),
    Case("AZDR-RSV-004", "fail-unlocked-when-locked-required", V,
         ["[AZDR-RSV-004] vault 'rsv' immutability is 'Unlocked' but the pack config requires 'Locked' "
          f"(irreversible); set {IMM} to 'Locked'"], name="rsv", config=LOCKED),
]

# ---- AZDR-RSV-005 public network access -----------------------------------------------------------

PNA = "properties.publicNetworkAccess"


def _pna(value):
    return (f"[AZDR-RSV-005] vault 'rsv' public network access is {value} (not set means Enabled); "
            f"set {PNA} to 'Disabled' and reach the vault through private endpoints")


CASES += [
    Case("AZDR-RSV-005", "pass-disabled", V, name="rsv"),
    Case("AZDR-RSV-005", "fail-enabled", mutate(V, PNA, "Enabled"), [_pna("'Enabled'")], name="rsv"),
    Case("AZDR-RSV-005", "fail-missing-means-enabled", mutate(V, PNA, DELETE), [_pna("not set")], name="rsv"),
]


@pytest.mark.parametrize("rule_id,path", [
    ("AZDR-RSV-003", SD_STATE), ("AZDR-RSV-003", SD_DAYS), ("AZDR-RSV-004", IMM), ("AZDR-RSV-005", PNA)])
def test_unknown_is_advisory_for_security_settings(rule_id, path):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID[rule_id], mutate(V, path, UNKNOWN_STRING_VALUE), name="rsv")


# ---- AZDR-RSV-006 delete lock (stack) --------------------------------------------------------------

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNK  # noqa: E402

from .factories import lock_at_resource_props, lock_by_scope_props, vault_id  # noqa: E402
from .harness import stack_resource, urn_of  # noqa: E402

VAULT_T = "azure-native:recoveryservices:Vault"
BY_SCOPE = "azure-native:authorization:ManagementLockByScope"
AT_RES = "azure-native:authorization:ManagementLockAtResourceLevel"
VURN = urn_of(VAULT_T, "rsv")


def _vault_out(**extra):
    """Vault outputs as AnalyzeStack sees them (ArmMocks-like: id and name)."""
    return {**vault_props(), "name": "rsv-dr-weu", "id": vault_id(), **extra}


def _no_lock(found=""):
    return (f"[AZDR-RSV-006] vault 'rsv' has no CanNotDelete management lock{found}: one delete of the vault or "
            "its resource group removes the backups; add authorization.ManagementLockByScope(level='CanNotDelete', "
            "scope=<vault>.id)", VURN)


def _stack(lock_type=None, lock_props=None, *, dep=None, parent=False, vault_extra=None):
    def build():
        vault = stack_resource(VAULT_T, "rsv", _vault_out(**(vault_extra or {})))
        out = [vault]
        if lock_type:
            out.append(stack_resource(lock_type, "rsv-lock", lock_props, parent=vault if parent else None,
                                      property_dependencies={dep: [vault]} if dep else None))
        return out
    return build


CASES += [
    Case("AZDR-RSV-006", "pass-by-scope-joined-by-property-dependency",
         _stack(BY_SCOPE, lock_by_scope_props(UNK), dep="scope")),
    Case("AZDR-RSV-006", "pass-by-scope-joined-by-parent", _stack(BY_SCOPE, lock_by_scope_props(UNK), parent=True)),
    Case("AZDR-RSV-006", "pass-by-scope-joined-by-id-fallback", _stack(BY_SCOPE, lock_by_scope_props(vault_id()))),
    Case("AZDR-RSV-006", "pass-by-scope-id-case-insensitive",
         _stack(BY_SCOPE, lock_by_scope_props(vault_id().upper()))),
    Case("AZDR-RSV-006", "pass-by-scope-name-fallback-when-vault-id-unknown",
         _stack(BY_SCOPE, lock_by_scope_props(vault_id()), vault_extra={"id": UNK})),
    Case("AZDR-RSV-006", "pass-at-resource-level-by-name", _stack(AT_RES, lock_at_resource_props("rsv-dr-weu"))),
    Case("AZDR-RSV-006", "pass-at-resource-level-by-dependency",
         _stack(AT_RES, lock_at_resource_props(UNK), dep="resourceName")),
    Case("AZDR-RSV-006", "fail-no-lock", _stack(), [_no_lock()]),
    Case("AZDR-RSV-006", "fail-read-only-lock", _stack(BY_SCOPE, lock_by_scope_props(vault_id(), "ReadOnly")),
         [_no_lock(" (locks found: 'ReadOnly')")]),
    Case("AZDR-RSV-006", "fail-lock-on-other-vault", _stack(BY_SCOPE, lock_by_scope_props(vault_id("rsv-other")))),
    Case("AZDR-RSV-006", "fail-lock-on-same-name-other-rg",
         _stack(BY_SCOPE, lock_by_scope_props(vault_id(rg="rg-other")))),
    Case("AZDR-RSV-006", "fail-at-resource-level-other-type",
         _stack(AT_RES, {**lock_at_resource_props("rsv-dr-weu"), "resourceType": "backupVaults"})),
    Case("AZDR-RSV-006", "fail-unknown-scope-without-dependency", _stack(BY_SCOPE, lock_by_scope_props(UNK))),
    Case("AZDR-RSV-006", "fail-lock-without-level",
         _stack(BY_SCOPE, {"scope": vault_id()}), [_no_lock(" (locks found: not set)")]),
    Case("AZDR-RSV-006", "fail-unknown-level-does-not-count",
         _stack(BY_SCOPE, lock_by_scope_props(UNK, UNK), dep="scope"),
         [_no_lock(" (locks found: unknown during preview)")]),
    Case("AZDR-RSV-006", "fail-at-resource-level-other-rg",
         _stack(AT_RES, lock_at_resource_props("rsv-dr-weu", rg="rg-other"))),
    Case("AZDR-RSV-006", "pass-at-resource-level-rg-case-insensitive",
         _stack(AT_RES, lock_at_resource_props("RSV-DR-WEU", rg="RG-DR-WEU"))),
    Case("AZDR-RSV-006", "pass-no-vaults", lambda: []),
]
for _c in CASES:
    if _c.rule_id == "AZDR-RSV-006" and _c.id.startswith("fail-") and not _c.expected:
        _c.expected = [_no_lock()]


# ---- unknown (preview) and missing: what the rule's docs promise ------------------------------------------

CASES += [
    advisory("AZDR-RSV-001", "redundancy", V, RED, UNKNOWN_STRING_VALUE, name="rsv"),
    advisory("AZDR-RSV-002", "cross-region-restore", V, CRR, UNKNOWN_STRING_VALUE, name="rsv"),
    advisory("AZDR-RSV-003", "retention-days", V, SD_DAYS, UNKNOWN_NUMBER_VALUE, name="rsv"),
    advisory("AZDR-RSV-004", "state", V, IMM, UNKNOWN_STRING_VALUE, name="rsv"),
    advisory("AZDR-RSV-005", "access", V, PNA, UNKNOWN_STRING_VALUE, name="rsv"),
    Case("AZDR-RSV-006", "fail-lock-level-missing-at-resource-level",
         _stack(AT_RES, {k: v for k, v in lock_at_resource_props("rsv-dr-weu").items() if k != "level"}),
         [_no_lock(" (locks found: not set)")]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_delete_lock_exemption_by_vault_name():
    from .harness import run_stack

    res = run_stack(RULES_BY_ID["AZDR-RSV-006"], _stack()(), config={"exemptions": [
        {"resource": "rsv", "reason": "dev stack, torn down nightly", "expires": "2026-07-01"}]})
    assert res.violations == [] and res.failures == []


def _vaults_and_locks(n):
    out = []
    for i in range(n):
        vault = stack_resource(VAULT_T, f"rsv{i}", _vault_out(name=f"rsv-{i}", vaultName=f"rsv-{i}",
                                                              id=vault_id(f"rsv-{i}")))
        by_dep = stack_resource(BY_SCOPE, f"lock{i}", lock_by_scope_props(UNK), property_dependencies={"scope": [vault]})
        by_id = stack_resource(BY_SCOPE, f"lock-id{i}", lock_by_scope_props(vault_id(f"rsv-{i}"), "ReadOnly"))
        out += [vault, by_dep, by_id]
    return out


def test_delete_lock_is_linear_in_vaults_and_locks(monkeypatch):
    """No pairwise vault x lock join: property reads grow exactly linearly with the stack."""
    from azdr_policies.rules import vault as vault_rules

    from .harness import run_stack

    reads = []
    real_read = vault_rules.read
    monkeypatch.setattr(vault_rules, "read", lambda res, path: reads.append(path) or real_read(res, path))

    def count(n):
        reads.clear()
        res = run_stack(RULES_BY_ID["AZDR-RSV-006"], _vaults_and_locks(n))
        assert res.violations == [] and res.failures == []
        return len(reads)

    small, large = count(20), count(80)
    assert small > 0 and large == 4 * small


def test_delete_lock_matches_each_lock_to_its_own_vault():
    from .harness import run_stack

    resources = _vaults_and_locks(3)
    del resources[4]  # rsv1's CanNotDelete lock: only its ReadOnly lock (joined by id) remains
    res = run_stack(RULES_BY_ID["AZDR-RSV-006"], resources)
    assert res.violations == [(
        "[AZDR-RSV-006] vault 'rsv1' has no CanNotDelete management lock (locks found: 'ReadOnly'): one delete of "
        "the vault or its resource group removes the backups; add authorization.ManagementLockByScope("
        "level='CanNotDelete', scope=<vault>.id)", urn_of(VAULT_T, "rsv1"))]


# ---- AZDR-RSV-007 VMs per vault (stack) ------------------------------------------------------------

ITEM_T = "azure-native:recoveryservices:ProtectedItem"


def _items(n, *, dep=True, vault_name="rsv-dr-weu"):
    """A vault and n VM protected items naming it (by dependency, or by name only)."""
    from .factories import protected_item_props

    def build():
        vault = stack_resource(VAULT_T, "rsv", _vault_out())
        out = [vault]
        for i in range(n):
            props = {**protected_item_props(f"vm-{i}"), "vaultName": vault_name}
            out.append(stack_resource(ITEM_T, f"vm-{i}-backup", props,
                                      property_dependencies={"vaultName": [vault]} if dep else None))
        return out
    return build


def _too_many(n, limit=1000):
    return (f"[AZDR-RSV-007] vault 'rsv' protects {n} VMs, more than {limit}: Azure Backup protects up to 1000 VMs"
            f" in one vault and registers at most 250 a day; spread the VMs over more vaults (regions or stacks)",
            urn_of(VAULT_T, "rsv"))


CASES += [
    Case("AZDR-RSV-007", "pass-at-configured-limit", _items(3), config={"maximumVmsPerVault": 3}),
    Case("AZDR-RSV-007", "pass-missing-items-none-protected", _items(0)),
    Case("AZDR-RSV-007", "pass-unknown-vault-name-not-counted", _items(4, dep=False, vault_name=UNK),
         config={"maximumVmsPerVault": 3}),
    Case("AZDR-RSV-007", "fail-above-configured-limit", _items(4), [_too_many(4, 3)], config={"maximumVmsPerVault": 3}),
    Case("AZDR-RSV-007", "fail-joined-by-name", _items(4, dep=False), [_too_many(4, 3)],
         config={"maximumVmsPerVault": 3}),
]


def test_vault_limit_default_is_azures_1000():
    from .harness import run_stack

    assert run_stack(RULES_BY_ID["AZDR-RSV-007"], _items(1001)()).violations == [_too_many(1001)]
    assert run_stack(RULES_BY_ID["AZDR-RSV-007"], _items(1000)()).violations == []

"""components/prior_state.py: the record, each guard's pass and fail case, and the StackReference read under the
SDK mocks (no prior state offline; a mocked prior record is read and judged before any resource)."""

from __future__ import annotations

import copy

import pytest

from components import facts
from components.arm_mocks import ArmMocks
from components.config import ConfigError, parse_stack_config
from components.prior_state import (
    RECORD_KEY,
    build_record,
    guard_prior_state,
    normalise_record,
    prior_state_problems,
    read_prior_record,
)
from posture.capture import run_in_mocks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"


def cfg(vault=None, **app):
    raw = {"workloads": {"app": {"tier": "app-server", "sshPublicKey": KEY, **app}}}
    if vault:
        raw["vault"] = vault
    return parse_stack_config(raw, location="westeurope")


SNAPS = {"method": "incrementalSnapshots", "pointsInTime": ["20260101t0000z"]}


def test_record_of_a_workload():
    rec = build_record(cfg(dataDisks=[{"lun": 0, "sizeGb": 64}], consistentSnapshots=SNAPS))
    [policy] = rec["policies"]
    assert policy.startswith("vm-app-server-v2-4h-")
    assert rec == {
        "version": "1",
        "vms": {f"app-vm-{i}": {"workload": "app", "vault": "westeurope", "policyKind": "Enhanced",
                                "policyName": policy} for i in (0, 1)},
        "policies": {policy: {"vault": "westeurope", "dailyDays": 14, "weeklyWeeks": 0, "monthlyMonths": 0,
                              "yearlyYears": 0}},
        "vaults": {"westeurope": {"immutability": "Unlocked", "registeredVms": 2}},
        "disks": {f"app-vm-{i}/{d}": ["20260101t0000z"] for i in (0, 1) for d in ("os", "lun0")},
    }


def test_unchanged_config_passes():
    rec = build_record(cfg(consistentSnapshots=SNAPS))
    assert prior_state_problems(rec, rec) == []
    assert prior_state_problems(None, rec) == []


def test_enhanced_to_standard_is_refused_and_standard_to_enhanced_is_not():
    enhanced, standard = build_record(cfg()), build_record(cfg(rpoHours=24, trustedLaunch=False))
    assert standard["vms"]["app-vm-0"]["policyKind"] == "Standard"
    problems = prior_state_problems(enhanced, standard)
    assert len(problems) == 2
    assert problems[0] == (
        f"azure-iaas-dr:workloads.app: VM app-vm-0 is backed up with the Enhanced policy {enhanced['vms']['app-vm-0']['policyName']};"
        f" this config moves it to the Standard policy {standard['vms']['app-vm-0']['policyName']} (rpoHours,"
        f" trustedLaunch and the disk SKUs choose the policy type), which Azure does not allow"
        f" (https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy). Keep a setting that selects"
        f" Enhanced (e.g. rpoHours under 24, or trustedLaunch)")
    assert prior_state_problems(standard, enhanced) == []
    assert prior_state_problems(None, standard) == []  # no prior state: nothing to compare


def test_retention_cut_is_refused_under_immutability_only():
    before, after = build_record(cfg()), build_record(cfg(retention={"dailyDays": 10}))
    problems = prior_state_problems(before, after)
    assert [p.split(": ")[0] for p in problems] == ["azure-iaas-dr:workloads.app.retention.dailyDays"] * 2
    assert problems[0].startswith("azure-iaas-dr:workloads.app.retention.dailyDays: 10 is under the 14 VM app-vm-0 has now")
    assert "(vault.immutability Unlocked)" in problems[0] and facts.IMMUTABILITY_URL in problems[0]
    # a longer retention is fine
    assert prior_state_problems(before, build_record(cfg(retention={"dailyDays": 20}))) == []
    # immutability Disabled before and after: the cut is allowed (the config accepts Disabled only with
    # allowWeakerPosture)
    off = {"immutability": "Disabled", "allowWeakerPosture": True}
    assert prior_state_problems(build_record(cfg(vault=off)),
                                build_record(cfg(vault=off, retention={"dailyDays": 10}))) == []
    # Locked before, Disabled requested in the same run: still refused (immutability was on)
    locked = build_record(cfg(vault={"immutability": "Locked"}))
    assert len(prior_state_problems(locked, build_record(cfg(vault=off, retention={"dailyDays": 10})))) == 2


def test_more_than_one_new_point_per_disk_is_refused():
    one = build_record(cfg(consistentSnapshots=SNAPS))
    two_new = build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": [
        "20260101t0000z", "20260102t0000z", "20260103t0000z"]}))
    problems = prior_state_problems(one, two_new)
    assert len(problems) == 2  # the OS disk of each VM
    assert problems[0] == (
        "azure-iaas-dr:workloads.app.consistentSnapshots.pointsInTime: 2 new points in time (20260102t0000z, 20260103t0000z) for"
        " disk app-vm-0/os in one `pulumi up`: at most 1, because Azure copies one incremental snapshot of a disk at"
        " a time and Pulumi does not wait for a copy to complete"
        " (https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions)."
        " Add 20260102t0000z now and the others in later runs, after its copies complete")
    one_new = build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": ["20260101t0000z", "20260102t0000z"]}))
    assert prior_state_problems(one, one_new) == []
    # retiring points is never refused; the first deployment is not judged
    assert prior_state_problems(one_new, build_record(cfg(consistentSnapshots={**SNAPS, "pointsInTime": ["20260102t0000z"]}))) == []
    assert prior_state_problems(None, two_new) == []


def test_registrations_per_vault_in_one_up(monkeypatch):
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 3)
    two, four = build_record(cfg(vmCount=2)), build_record(cfg(vmCount=4))
    assert prior_state_problems(two, four) == []  # 2 new
    problems = prior_state_problems(None, build_record(cfg(vmCount=4)))  # first deployment: 4 new
    assert problems == [
        "azure-iaas-dr:workloads.app.vmCount: 4 new VM registrations in the vault of westeurope in one `pulumi up`:"
        " Azure registers at most 3 VMs per vault per day (https://learn.microsoft.com/azure/backup/backup-support-matrix)."
        " Raise vmCount (or add workloads) over several days, at most 3 new VMs per vault each day"]
    assert len(prior_state_problems(build_record(cfg(vmCount=1, highAvailability=False)), four)) == 0
    monkeypatch.setattr(facts, "MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY", 2)
    assert len(prior_state_problems(build_record(cfg(vmCount=1, highAvailability=False)), four)) == 1


def test_the_limit_is_azures():
    assert facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY == 250 and facts.SNAPSHOT_COPIES_PER_DISK_AT_ONCE == 1
    assert facts.ENHANCED_TO_STANDARD_ALLOWED is False


def test_normalise_record_takes_engine_numbers_and_refuses_other_versions():
    rec = build_record(cfg(consistentSnapshots=SNAPS))
    engine = copy.deepcopy(rec)
    engine["vaults"]["westeurope"]["registeredVms"] = 2.0
    for p in engine["policies"].values():
        p["dailyDays"] = float(p["dailyDays"])
    assert normalise_record(engine) == rec
    assert normalise_record({**rec, "version": "2"}) is None
    assert normalise_record(None) is None
    assert normalise_record({**rec, "vms": {"x": {"workload": "app"}}}) is None


class PriorMocks(ArmMocks):
    """ArmMocks, and the StackReference resolves to ``outputs`` (None: the mocks know no stack)."""

    def __init__(self, outputs):
        super().__init__()
        self.outputs, self.refs = outputs, []

    def new_resource(self, args):
        if args.typ == "pulumi:pulumi:StackReference":
            self.refs.append(args.resource_id)
            return args.resource_id, ({} if self.outputs is None else
                                      {"name": args.resource_id, "outputs": self.outputs, "secretOutputNames": []})
        return super().new_resource(args)


def read(outputs, preview=False):
    mocks, seen = PriorMocks(outputs), []
    run_in_mocks(lambda: seen.append(read_prior_record()), project="azure-iaas-dr", stack="dev",
                 preview=preview, mocks=mocks)
    return seen[0], mocks.refs


def test_reads_its_own_stack_through_a_stack_reference():
    rec = build_record(cfg())
    assert read({RECORD_KEY: rec, "schemaVersion": "1"}) == (rec, ["organization/azure-iaas-dr/dev"])
    assert read({"schemaVersion": "1"})[0] is None  # deployed before the record existed
    assert read({})[0] is None  # first deployment: no outputs
    assert read(None, preview=True)[0] is None  # offline preview: unknown
    assert read(None, preview=False)[0] is None


def test_guard_raises_a_config_error_before_any_resource():
    prior = build_record(cfg())
    mocks = PriorMocks({RECORD_KEY: prior})

    def program():
        guard_prior_state(cfg(rpoHours=24, trustedLaunch=False))
        raise AssertionError("not reached")

    with pytest.raises(Exception) as e:
        run_in_mocks(program, project="azure-iaas-dr", stack="dev", preview=False, mocks=mocks)
    assert isinstance(e.value, ConfigError) or "invalid stack configuration" in str(e.value)
    assert "azure-iaas-dr:workloads.app: VM app-vm-0 is backed up with the Enhanced policy" in str(e.value)
    assert mocks.refs == ["organization/azure-iaas-dr/dev"]
    assert guard_prior_state(cfg(), prior) == prior

"""Guards that need the previous deployment (issue 11): what this stack deployed last time, read back on the
next ``pulumi up`` / ``preview`` through a ``pulumi.StackReference`` to the stack itself.

The program exports a small record (stack output ``deploymentRecord``, see :func:`build_record`) of what later
guards need, derived from config and the clock (so it is known at preview time)::

    deploymentRecord:
      version: "1"
      vms:      {<vm>: {workload, vault: <region>, policyKind: Enhanced|Standard, policyName}}
      policies: {<policy name>: {vault: <region>, dailyDays, weeklyWeeks, monthlyMonths, yearlyYears}}
      vaults:   {<region>: {immutability: Disabled|Unlocked|Locked, registeredVms}}
      disks:    {<vm>/<os|lunN>: [<point-in-time label>, ...]}   # workloads with consistentSnapshots
      registrations:                                            # added within version 1 (absent before)
        {<region>: {vault: <vault name>, recent: [{at: <UTC time>, vms: <count>}, ...]}}

``registrations`` keeps, per vault, the `up` runs of the last 24 hours that registered VMs in it (one entry per
run, at the run's start; older entries are dropped when the next record is written).

The next run reads the previous record (:func:`read_prior_record`) *before any resource is declared* and
:func:`prior_state_problems` refuses, with a :class:`components.config.ConfigError` naming the config key:

* a VM that was on an Enhanced (V2) policy and would go to a Standard (V1) one: "Backup doesn't allow changing
  the policy type to Standard after you enable a VM backup with the Enhanced policy"
  (:data:`components.facts.ENHANCED_TO_STANDARD_ALLOWED`);
* a VM whose retention (daily/weekly/monthly/yearly count) would drop while its vault's immutability is enabled
  (``Unlocked`` or ``Locked``, before or after the change): immutability blocks reducing retention and moving an
  item to a policy with lower retention (:data:`components.facts.IMMUTABILITY_ENABLED_STATES`);
* more than one new point in time on one disk in one ``up``, **the first deployment included** (copies of one
  disk's incremental snapshots cannot overlap, and ``dependsOn`` does not wait for a copy to complete:
  :data:`components.facts.SNAPSHOT_COPIES_PER_DISK_AT_ONCE`): add one label per ``up``;
* new VM registrations in one vault that, with those the record holds for the last 24 hours, exceed 250
  (:data:`components.facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY`; the first deployment too, from an empty
  record). The message names the vault, the counts, and when the window frees up.

"Now" is :func:`utc_now`: the machine's clock, or :data:`CLOCK_VAR` (tests pin it; the unit tests pass
``now=``).

On the first deployment (the stack has no outputs yet) the record is judged against an empty one: only the
snapshot-point and registration limits can refuse it. When the deployed state cannot be known
(:data:`UNKNOWN_PRIOR`: offline under posture's mocks, where the reference resolves to nothing, or a stack
deployed before this record existed, or with an unknown record version) nothing is compared and the deployed
points in time are unknown, so only the registration limit applies (against an empty record): an offline
``posture preview`` of a stack that has grown to several labels is not refused; its real ``pulumi preview``
and ``up`` are judged.

Under the real CLI (verified with pulumi v3.274.1 and a file:// backend, tests/real_engine/test_prior_state.py)
a StackReference to the running stack resolves mid-update to the outputs of the last completed update (no
outputs on the first one). The program waits for it synchronously, as the SDK's own ``pulumi.runtime.invoke``
does, so the guards run before any other resource is registered. The reference is a read resource: it shows as
``pulumi:pulumi:StackReference`` ``prior-state`` (external) in the state, nothing is created in Azure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import pulumi

from . import facts
from .backup_policy import plan_policies
from .config import NAMESPACE, ConfigError, StackConfig
from .restore_points import points_in_time

#: The stack output holding the record, and the record's version.
RECORD_KEY = "deploymentRecord"
RECORD_VERSION = "1"
#: Name of the StackReference resource the program declares to read its own previous outputs.
REFERENCE_NAME = "prior-state"
#: The program's clock, for tests: an ISO-8601 UTC time (``2026-12-02T08:00:00Z``) the guards use as "now"
#: instead of the machine's clock (the registration window). Unset: the machine's clock.
CLOCK_VAR = "AZDR_PROGRAM_NOW"
#: How long a registration counts against a vault's daily limit (:data:`components.facts.VM_REGISTRATION_WINDOW_HOURS`).
REGISTRATION_WINDOW = timedelta(hours=facts.VM_REGISTRATION_WINDOW_HOURS)
_KINDS = {"V2": "Enhanced", "V1": "Standard"}
_RETENTION = (("dailyDays", "daily_days"), ("weeklyWeeks", "weekly_weeks"), ("monthlyMonths", "monthly_months"),
              ("yearlyYears", "yearly_years"))


def vm_key(workload: str, index: int) -> str:
    """The VM's Azure name (``components.workload_compute``): ``<workload>-vm-<i>``."""
    return f"{workload}-vm-{index}"


def utc_now(environ: Mapping[str, str] = os.environ) -> datetime:
    """Now, in UTC, to the second: :data:`CLOCK_VAR` when set (tests), else the machine's clock."""
    raw = environ.get(CLOCK_VAR)
    if not raw:
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        t = None
    if t is None or t.tzinfo is None:
        raise ConfigError([f"environment variable {CLOCK_VAR}: {raw!r} is not an ISO-8601 UTC time such as"
                           f" 2026-12-02T08:00:00Z (unset it to use the machine's clock)"])
    return t.astimezone(timezone.utc).replace(microsecond=0)


def _stamp(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(s: str) -> datetime:
    t = datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError(f"{s!r} has no time zone")
    return t.astimezone(timezone.utc)


def _recent(entries: Any, now: datetime) -> list[dict[str, Any]]:
    """The registration entries still inside the window ending at ``now`` (a later ``at``, from a clock that
    ran ahead, still counts: the safe side)."""
    return [dict(e) for e in entries or () if _parse_stamp(e["at"]) > now - REGISTRATION_WINDOW]


def new_registrations(prior: Optional[Mapping[str, Any]], current: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per vault region, the VMs ``current`` registers there that ``prior`` did not have in that vault."""
    old = (prior or {}).get("vms") or {}
    out: dict[str, list[str]] = {}
    for vm, v in current["vms"].items():
        if old.get(vm, {}).get("vault") != v["vault"]:
            out.setdefault(v["vault"], []).append(vm)
    return out


def build_record(cfg: StackConfig, prior: Optional[Mapping[str, Any]] = None,
                 now: Optional[datetime] = None) -> dict[str, Any]:
    """The record of what ``cfg`` deploys (plain values, no Outputs). ``registrations`` keeps, per vault region,
    the registrations of the last 24 hours before ``now`` (default :func:`utc_now`): ``prior``'s still in the
    window, and this run's new VMs as one entry at ``now``."""
    vms: dict[str, dict[str, Any]] = {}
    policies: dict[str, dict[str, Any]] = {}
    vaults: dict[str, dict[str, Any]] = {}
    for region in cfg.regions:
        count = 0
        for a in plan_policies(cfg.workloads_in(region)):
            r = a.plan.retention
            policies[a.policy_name] = {"vault": region, **{k: getattr(r, attr) for k, attr in _RETENTION}}
            for workload, i in a.vms:
                vms[vm_key(workload, i)] = {"workload": workload, "vault": region,
                                            "policyKind": _KINDS[a.plan.policy_type], "policyName": a.policy_name}
                count += 1
        vaults[region] = {"immutability": cfg.vault_for(region).immutability, "registeredVms": count}
    disks: dict[str, list[str]] = {}
    for w in cfg.workloads.values():
        if w.consistent_snapshots is None:
            continue
        labels = points_in_time(w.consistent_snapshots)
        for i in range(w.vm_count):
            for d in ["os", *(f"lun{dd.lun}" for dd in w.data_disks)]:
                disks[f"{vm_key(w.name, i)}/{d}"] = list(labels)
    record = {"version": RECORD_VERSION, "vms": vms, "policies": policies, "vaults": vaults, "disks": disks}
    now = now or utc_now()
    before = dict((prior or {}).get("registrations") or {})
    new = new_registrations(prior, record)
    registrations: dict[str, dict[str, Any]] = {}
    for region in sorted(set(before) | set(vaults)):
        recent = _recent(before.get(region, {}).get("recent"), now)
        if new.get(region):
            recent.append({"at": _stamp(now), "vms": len(new[region])})
        if recent or region in vaults:
            name = cfg.vault_name(region) if region in vaults else before[region]["vault"]
            registrations[region] = {"vault": name, "recent": recent}
    record["registrations"] = registrations
    return record


def _int(v: Any) -> int:
    # The engine hands numbers back as floats (1.0).
    return int(v)


def normalise_record(raw: Any) -> Optional[dict[str, Any]]:
    """A record read back from the stack outputs in :func:`build_record`'s shape (numbers as int), or None when
    there is none or it is not a version-:data:`RECORD_VERSION` record (then nothing is compared)."""
    if not isinstance(raw, Mapping) or raw.get("version") != RECORD_VERSION:
        return None
    try:
        return {
            "version": RECORD_VERSION,
            "vms": {str(k): {"workload": str(v["workload"]), "vault": str(v["vault"]),
                             "policyKind": str(v["policyKind"]), "policyName": str(v["policyName"])}
                    for k, v in dict(raw.get("vms") or {}).items()},
            "policies": {str(k): {"vault": str(v["vault"]), **{f: _int(v[f]) for f, _ in _RETENTION}}
                         for k, v in dict(raw.get("policies") or {}).items()},
            "vaults": {str(k): {"immutability": str(v["immutability"]), "registeredVms": _int(v["registeredVms"])}
                       for k, v in dict(raw.get("vaults") or {}).items()},
            "disks": {str(k): [str(x) for x in v] for k, v in dict(raw.get("disks") or {}).items()},
            # added within record version 1: absent in records written before it (nothing registered recently)
            "registrations": {
                str(k): {"vault": str(v["vault"]),
                         "recent": [{"at": _stamp(_parse_stamp(str(e["at"]))), "vms": _int(e["vms"])}
                                    for e in v.get("recent") or ()]}
                for k, v in dict(raw.get("registrations") or {}).items()},
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def own_stack_name() -> str:
    """``<organization>/<project>/<stack>`` of the running program (DIY backends: organization ``organization``)."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


class _Unknown:
    """What is deployed cannot be known (see :data:`UNKNOWN_PRIOR`)."""

    def __repr__(self) -> str:
        return "UNKNOWN_PRIOR"


#: :func:`read_prior_record`'s answer when the stack's deployed state cannot be known: offline under posture's
#: mocks (the reference is unknown, or resolves to nothing), or a stack with outputs but no readable record
#: (deployed before the record existed, or an unknown record version). Then the points in time already
#: deployed are unknown and the snapshot-point guard judges nothing; the registration limit is judged against an
#: empty record.
UNKNOWN_PRIOR: Any = _Unknown()


def read_prior_record(stack_name: Optional[str] = None) -> Any:
    """The previous deployment's record, read now (synchronously) through a StackReference to ``stack_name``
    (default: this stack): the record; None on the first deployment (the stack has no outputs); or
    :data:`UNKNOWN_PRIOR` (see the module docstring)."""
    from pulumi.runtime.sync_await import _sync_await

    ref = pulumi.StackReference(REFERENCE_NAME, stack_name=stack_name or own_stack_name())
    if not _sync_await(ref.outputs.is_known()):  # offline preview: the mocks know no stack
        return UNKNOWN_PRIOR
    outputs = _sync_await(ref.outputs.future())
    if not isinstance(outputs, Mapping):  # offline, not a preview: the mocks resolve it to nothing
        return UNKNOWN_PRIOR
    if not outputs:  # the first deployment: the real engine resolves it to the stack's (empty) outputs
        return None
    record = normalise_record(outputs.get(RECORD_KEY))
    return UNKNOWN_PRIOR if record is None else record


def _workload_key(name: str, *rest: str) -> str:
    return f"{NAMESPACE}:" + ".".join(["workloads", name, *rest])


def prior_state_problems(prior: Optional[Mapping[str, Any]], current: Mapping[str, Any],
                         now: Optional[datetime] = None, *, deployed_known: bool = True) -> list[str]:
    """Why the change from ``prior`` to ``current`` (both :func:`build_record` documents, ``current`` built at
    ``now``, default :func:`utc_now`) must be refused, one line per problem naming the config key; ``[]`` when it
    is fine. ``prior`` None (the first deployment): the snapshot-point and registration limits only.
    ``deployed_known`` False (:data:`UNKNOWN_PRIOR`, with ``prior`` None): the registration limit only."""
    out: list[str] = []
    now = now or utc_now()
    old = prior or {"vms": {}, "policies": {}, "vaults": {}, "disks": {}, "registrations": {}}
    for vm, cur in current["vms"].items():
        was = old["vms"].get(vm)
        if was is None:
            continue
        w = cur["workload"]
        if was["policyKind"] == "Enhanced" and cur["policyKind"] == "Standard" and not facts.ENHANCED_TO_STANDARD_ALLOWED:
            out.append(
                f"{_workload_key(w)}: VM {vm} is backed up with the Enhanced policy {was['policyName']}; this config"
                f" moves it to the Standard policy {cur['policyName']} (rpoHours, trustedLaunch and the disk SKUs"
                f" choose the policy type), which Azure does not allow ({facts.ENHANCED_POLICY_URL}). Keep a"
                f" setting that selects Enhanced (e.g. rpoHours under 24, or trustedLaunch)")
        old_vault = old["vaults"].get(was["vault"], {}).get("immutability")
        new_vault = current["vaults"].get(cur["vault"], {}).get("immutability")
        if old_vault in facts.IMMUTABILITY_ENABLED_STATES or new_vault in facts.IMMUTABILITY_ENABLED_STATES:
            before, after = old["policies"].get(was["policyName"]), current["policies"].get(cur["policyName"])
            if before is not None and after is not None:
                for field, _ in _RETENTION:
                    if after[field] < before[field]:
                        out.append(
                            f"{_workload_key(w, 'retention', field)}: {after[field]} is under the {before[field]}"
                            f" VM {vm} has now (policy {was['policyName']}), and immutability is enabled on the"
                            f" vault of {cur['vault']} (vault.immutability {old_vault or new_vault}): Azure does"
                            f" not allow reducing retention under immutability ({facts.IMMUTABILITY_URL}). Keep"
                            f" {before[field]} or more, or disable immutability first (Unlocked only; Locked is"
                            f" irreversible)")
    # Judged on the first deployment too: a first `up` that declares two points of one disk starts two
    # overlapping copies of that disk's incremental snapshots just the same.
    for disk, labels in (current["disks"] if deployed_known else {}).items():
        new = sorted(set(labels) - set(old["disks"].get(disk, ())))
        if len(new) > facts.SNAPSHOT_COPIES_PER_DISK_AT_ONCE:
            vm = disk.split("/", 1)[0]
            w = current["vms"].get(vm, {}).get("workload") or vm.rsplit("-vm-", 1)[0]
            first = "" if prior is not None else " (the first deployment too)"
            out.append(
                f"{_workload_key(w, 'consistentSnapshots', 'pointsInTime')}: {len(new)} new points in time"
                f" ({', '.join(new)}) for disk {disk} in one `pulumi up`{first}: at most"
                f" {facts.SNAPSHOT_COPIES_PER_DISK_AT_ONCE}, because Azure copies one incremental snapshot of a"
                f" disk at a time and Pulumi does not wait for a copy to complete ({facts.SNAPSHOT_COPY_URL})."
                f" Add one label per `pulumi up`: {new[0]} now and the others in later runs, in order, each after"
                f" the previous one's copies complete")
    limit = facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY
    for region, new_vms in sorted(new_registrations(prior, current).items()):
        recent = sorted(_recent(old.get("registrations", {}).get(region, {}).get("recent"), now),
                        key=lambda e: e["at"])
        earlier = sum(e["vms"] for e in recent)
        if len(new_vms) + earlier <= limit:
            continue
        workloads = sorted({current["vms"][vm]["workload"] for vm in new_vms})
        vault = current.get("registrations", {}).get(region, {}).get("vault")
        where = f"vault {vault} ({region})" if vault else f"the vault of {region}"
        if earlier:
            history = ", ".join(f"{e['vms']} at {e['at']}" for e in recent)
            counts = (f"{len(new_vms)} new VM registrations in {where} in this `pulumi up` and {earlier} in the"
                      f" last 24 hours ({history}): {len(new_vms) + earlier}")
        else:
            counts = f"{len(new_vms)} new VM registrations in {where} in one `pulumi up`"
        if len(new_vms) > limit:
            when = (f" Raise vmCount (or add workloads) over several days, at most {limit} new VMs per vault in"
                    f" any 24 hours")
        else:
            # the earliest moment the window has room for all of them: when enough earlier entries are 24 h old
            need, freed, free_at = len(new_vms) + earlier - limit, 0, ""
            for e in recent:
                freed += e["vms"]
                if freed >= need:
                    free_at = _stamp(_parse_stamp(e["at"]) + REGISTRATION_WINDOW)
                    break
            when = (f" The window frees up enough at {free_at}: run `pulumi up` then, or now with at most"
                    f" {max(limit - earlier, 0)} new VMs in this vault")
        out.append(
            f"{', '.join(_workload_key(w, 'vmCount') for w in workloads)}: {counts}; Azure registers at most"
            f" {limit} VMs per vault per day ({facts.BACKUP_LIMITS_URL}; counted over a rolling 24 hours).{when}")
    return out


def guard_prior_state(cfg: StackConfig, prior: Any = None, *,
                      read: bool = True, now: Optional[datetime] = None) -> dict[str, Any]:
    """Build this run's record at ``now`` (default :func:`utc_now`), read the previous one (unless ``read`` is
    False or ``prior`` is given; :data:`UNKNOWN_PRIOR` may be given too), and raise :class:`ConfigError` on any
    :func:`prior_state_problems`. Returns the record to export."""
    now = now or utc_now()
    if prior is None and read:
        prior = read_prior_record()
    known = prior is not UNKNOWN_PRIOR
    prior = prior if known else None
    record = build_record(cfg, prior, now)
    problems = prior_state_problems(prior, record, now, deployed_known=known)
    if problems:
        raise ConfigError([*problems, "(compared with the previous deployment's stack output deploymentRecord;"
                                      " see components/prior_state.py)"])
    return record

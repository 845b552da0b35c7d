"""The change model, as change rules read it: plain data in, small read-only views out.

`posture/changes.py` builds the model (it knows the engine's documents); this module only reads it.
The shape (also in docs/DESIGN.md, "Change rules"):

    {"source": "preview-json" | "baseline", "stack": str,
     "complete": bool,        # false: resources the update leaves unchanged may be absent
     "changes": [{"op": "create" | "same" | "update" | "replace" | "delete",
                  "urn": str,              # the new URN (the old one for a delete)
                  "oldUrn": str | None,    # the prior URN (differs when an alias matched)
                  "type": str,
                  "replaceKnown": bool,    # false: offline, only the provider knows if an update replaces
                  "diff": [str],           # top-level input keys that differ (update/replace)
                  "old": State | None, "new": State | None}]}
    State = {"urn", "type", "id", "inputs", "outputs", "protect", "retainOnDelete", "parent",
             "dependencies", "propertyDependencies"}

Values are wire-shaped (camelCase) as in a stack export; the engine's unknown sentinel marks a value
known only after `pulumi up` and reads as `UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..props import (
    DISK,
    MISSING,
    PROTECTED_ITEM,
    PROTECTION_POLICY,
    VAULT,
    VIRTUAL_MACHINE,
    _split,
)

UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown value in state documents (`pkg/resource/stack/deployment.go` `computedValuePlaceholder`)."""

OPS = ("create", "same", "update", "replace", "delete")
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()
"""A value known only after `pulumi up` (the unknown sentinel), or a fact the model cannot tell."""


def lookup(obj: Any, path: str) -> Any:
    """`a.b[0].c` in plain data: MISSING when absent or None, UNKNOWN when any step is the sentinel."""
    cur = obj
    for part in _split(path):
        if cur == UNKNOWN_SENTINEL:
            return UNKNOWN
        if isinstance(part, int):
            if not isinstance(cur, Sequence) or isinstance(cur, (str, bytes)) or part >= len(cur):
                return MISSING
            cur = cur[part]
        else:
            if not isinstance(cur, Mapping) or part not in cur:
                return MISSING
            cur = cur[part]
        if cur is None:
            return MISSING
    return UNKNOWN if cur == UNKNOWN_SENTINEL else cur


def text(value: Any) -> str | None:
    """A non-empty string value, lower-cased for comparison; None otherwise (UNKNOWN stays None)."""
    return value.lower() if isinstance(value, str) and value else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def shown(value: Any, missing: str = "not set") -> str:
    if value is UNKNOWN:
        return "<known after pulumi up>"
    if value is MISSING or value is None:
        return missing
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"'{value}'" if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class State:
    """One resource's state on one side of the change (prior or new)."""

    urn: str
    type: str
    id: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    protect: bool
    retain_on_delete: bool
    parent: str
    dependencies: tuple[str, ...]
    property_dependencies: Mapping[str, tuple[str, ...]]

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]

    def get(self, path: str) -> Any:
        """An input value (MISSING / UNKNOWN as `lookup`)."""
        return lookup(self.inputs, path)

    def output(self, path: str) -> Any:
        return lookup(self.outputs, path)

    def arm_id(self) -> str | None:
        for value in (self.id, self.outputs.get("id") if isinstance(self.outputs, Mapping) else None):
            if isinstance(value, str) and value and value != UNKNOWN_SENTINEL:
                return value.rstrip("/").lower()
        return None

    def depends_on(self) -> set[str]:
        out = set(self.dependencies)
        for urns in self.property_dependencies.values():
            out.update(urns)
        return out

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> State:
        pdeps = raw.get("propertyDependencies") or {}
        return cls(
            urn=str(raw.get("urn", "")),
            type=str(raw.get("type", "")),
            id=raw.get("id") or None,
            inputs=raw.get("inputs") or {},
            outputs=raw.get("outputs") or {},
            protect=bool(raw.get("protect", False)),
            retain_on_delete=bool(raw.get("retainOnDelete", False)),
            parent=str(raw.get("parent") or ""),
            dependencies=tuple(raw.get("dependencies") or ()),
            property_dependencies={k: tuple(v or ()) for k, v in pdeps.items()},
        )


@dataclass(frozen=True)
class Change:
    op: str
    urn: str
    old_urn: str | None
    type: str
    replace_known: bool
    diff: tuple[str, ...]
    old: State | None
    new: State | None

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]

    @property
    def removes_old(self) -> bool:
        """The prior resource is deleted (a delete, or a replace), unless retainOnDelete keeps it."""
        return self.op in ("delete", "replace") and self.old is not None

    def provider_decides(self, ignore: Iterable[str] = ("tags",)) -> bool:
        """Offline, an update of keys beyond `ignore`: only the provider knows whether it replaces."""
        return self.op == "update" and not self.replace_known and any(k not in set(ignore) for k in self.diff)


@dataclass(frozen=True)
class ChangeFinding:
    """A change rule's finding: the message and the change it is about (None: the stack).
    `unknown`: the finding says the rule cannot tell (the value or fact is not in the model); the
    rule's `unknown` mode decides how it is reported."""

    message: str
    change: Change | None = None
    unknown: bool = False


@dataclass
class ChangeSet:
    """The change model with indexes (built once; every lookup is a dict access)."""

    source: str
    stack: str
    complete: bool
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_type: dict[str, list[Change]] = {}
        self.old_by_urn: dict[str, Change] = {}
        self.new_by_urn: dict[str, Change] = {}
        for c in self.changes:
            self.by_type.setdefault(c.type, []).append(c)
            if c.old is not None:
                self.old_by_urn[c.old.urn] = c
            if c.new is not None:
                self.new_by_urn[c.new.urn] = c
        self._vault_old: dict[tuple[str, str], Change] = {}
        self._vault_new: dict[tuple[str, str], Change] = {}
        for c in self.of_type(VAULT):
            for side, index in (("old", self._vault_old), ("new", self._vault_new)):
                st = getattr(c, side)
                key = vault_key(st) if st is not None else None
                if key:
                    index[key] = c
        self._policy_old: dict[tuple[str, str, str], Change] = {}
        self._policy_new: dict[tuple[str, str, str], Change] = {}
        for c in self.of_type(PROTECTION_POLICY):
            for side, index in (("old", self._policy_old), ("new", self._policy_new)):
                st = getattr(c, side)
                key = policy_key(st) if st is not None else None
                if key:
                    index[key] = c

    @classmethod
    def parse(cls, model: Mapping[str, Any]) -> ChangeSet:
        if not isinstance(model, Mapping) or not isinstance(model.get("changes"), list):
            raise ValueError("a change model is an object with a `changes` list")
        changes = []
        for i, raw in enumerate(model["changes"]):
            op = raw.get("op") if isinstance(raw, Mapping) else None
            if op not in OPS:
                raise ValueError(f"changes[{i}].op: {op!r} is not one of {', '.join(OPS)}")
            old = State.parse(raw["old"]) if raw.get("old") else None
            new = State.parse(raw["new"]) if raw.get("new") else None
            changes.append(Change(
                op=op, urn=str(raw.get("urn", "")), old_urn=raw.get("oldUrn") or (old.urn if old else None),
                type=str(raw.get("type", "")), replace_known=bool(raw.get("replaceKnown", True)),
                diff=tuple(raw.get("diff") or ()), old=old, new=new,
            ))
        return cls(source=str(model.get("source", "")), stack=str(model.get("stack", "")),
                   complete=bool(model.get("complete", True)), changes=changes)

    # -- lookups ----------------------------------------------------------------------------
    def of_type(self, type_: str) -> list[Change]:
        return self.by_type.get(type_, [])

    def vault_change(self, key: tuple[str, str] | None, side: str) -> Change | None:
        if key is None:
            return None
        return (self._vault_old if side == "old" else self._vault_new).get(key)

    def policy_change(self, key: tuple[str, str, str] | None, side: str) -> Change | None:
        if key is None:
            return None
        return (self._policy_old if side == "old" else self._policy_new).get(key)

    def items_of_vault(self, vault: State) -> list[Change]:
        """Protected items the prior state holds in this vault (by resource group and vault name)."""
        key = vault_key(vault)
        return [c for c in self.of_type(PROTECTED_ITEM) if c.old is not None and vault_key(c.old) == key]

    def protects_items(self, vault: State) -> Any:
        """True / False / UNKNOWN: whether the prior state has protected items in this vault. A model
        without unchanged resources (`complete` false) cannot tell "none" from "not shown"."""
        if self.items_of_vault(vault):
            return True
        return False if self.complete else UNKNOWN

    def item_policy(self, item: State, side: str) -> Any:
        """The ProtectionPolicy state an item's `properties.policyId` names on `side`: a State, None
        (an id no policy of the stack has), MISSING (not set) or UNKNOWN (unknown id and no
        dependency names a policy)."""
        pid = item.get("properties.policyId")
        if isinstance(pid, str):
            c = self.policy_change(policy_key_from_id(pid), side)
            if c is None and side == "new":
                c = self.policy_change(policy_key_from_id(pid), "old")
                if c is not None and c.new is None:
                    return c.old  # the item still names a policy this change deletes
            st = getattr(c, side) if c is not None else None
            return st
        if pid is MISSING:
            return MISSING
        index = self.new_by_urn if side == "new" else self.old_by_urn
        for urn in sorted(item.property_dependencies.get("properties", ()) or item.depends_on()):
            c = index.get(urn)
            if c is not None and c.type == PROTECTION_POLICY:
                return getattr(c, side)
        return UNKNOWN

    def item_vault(self, item: State, side: str) -> State | None:
        c = self.vault_change(vault_key(item), side)
        if c is None:
            c = self.vault_change(vault_key(item), "old" if side == "new" else "new")
        return (getattr(c, side) or c.old or c.new) if c is not None else None


def vault_key(state: State) -> tuple[str, str] | None:
    """(resource group, vault name) of a vault, a policy or an item (their inputs name both)."""
    rg, name = text(state.get("resourceGroupName")), text(state.get("vaultName"))
    return (rg, name) if rg and name else None


def policy_key(state: State) -> tuple[str, str, str] | None:
    vk, name = vault_key(state), text(state.get("policyName"))
    return (*vk, name) if vk and name else None


def arm_segments(arm_id: str) -> dict[str, str]:
    """Lower-cased `{segment type: name}` of an ARM id (`resourcegroups`, `vaults`, `backuppolicies`...)."""
    parts = [p for p in arm_id.strip("/").split("/") if p]
    return {parts[i].lower(): parts[i + 1].lower() for i in range(0, len(parts) - 1, 2)}


def policy_key_from_id(policy_id: str) -> tuple[str, str, str] | None:
    seg = arm_segments(policy_id)
    if all(k in seg for k in ("resourcegroups", "vaults", "backuppolicies")):
        return seg["resourcegroups"], seg["vaults"], seg["backuppolicies"]
    return None


def vm_key(state: State) -> str | None:
    """`<resource group>/<vm name>` of a VM (inputs) or of the VM a protected item protects."""
    if state.type == VIRTUAL_MACHINE:
        rg, name = text(state.get("resourceGroupName")), text(state.get("vmName"))
        return f"{rg}/{name}" if rg and name else None
    source = state.get("properties.sourceResourceId")
    if isinstance(source, str):
        seg = arm_segments(source)
        if "resourcegroups" in seg and "virtualmachines" in seg:
            return f"{seg['resourcegroups']}/{seg['virtualmachines']}"
    return None


def location(state: State | None) -> str | None:
    if state is None:
        return None
    return text(state.get("location")) or text(state.output("location"))


def disk_name(state: State) -> str:
    if state.type == DISK:
        name = state.get("diskName")
        return name if isinstance(name, str) and name else state.name
    return state.name

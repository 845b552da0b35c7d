"""Joins between resources for stack rules: property dependencies and parents first, resource
ids as a fallback (ids of new resources are unknown during preview).

Everything here is LINEAR in the number of resources: `Graph` builds its indexes once, and each
lookup is a dict access or a scan of one resource's own dependency list.

A reference resolves to a `Ref`: the target resource (or None) and how it was found or why not:
`dep` (property dependency), `parent`, `id` (id or name match), `unknown` (the reference is unknown
during preview and no dependency names the target), `external` (a known id/name that no resource in
the stack has), `missing` (not set). Rules decide what each status means; none may pass silently on
`unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from .props import (
    MISSING,
    PROTECTED_ITEM,
    PROTECTION_POLICY,
    VAULT,
    VIRTUAL_MACHINE,
    as_list,
    as_str,
    get,
    same_text,
)

UNKNOWN: Any = type("_Unknown", (), {"__repr__": lambda self: "UNKNOWN", "__bool__": lambda self: False})()
"""A value that is unknown during preview (returned by `known`)."""

VM_ITEM_TYPE = "Microsoft.Compute/virtualMachines"


def known(fn: Callable[[], Any]) -> Any:
    """`fn()`, or UNKNOWN when it reads a preview-unknown value."""
    try:
        return fn()
    except UnknownValueError:
        return UNKNOWN


def read(res: PolicyResource, path: str) -> Any:
    """`get(res.props, path)` with unknowns as UNKNOWN (never raises)."""
    return known(lambda: get(res.props, path))


def at(obj: Any, path: str) -> Any:
    """`get(obj, path)` on any proxied value, unknowns as UNKNOWN (never raises)."""
    if obj is UNKNOWN:
        return UNKNOWN
    return known(lambda: get(obj, path))


def items(value: Any) -> list[Any]:
    """Elements of a list value; an unknown list is [UNKNOWN], unknown elements are UNKNOWN;
    anything that is not a list is []."""
    if value is UNKNOWN:
        return [UNKNOWN]
    try:
        n = len(value) if not isinstance(value, (str, bytes)) and isinstance(value, Sequence) else 0
    except UnknownValueError:
        return [UNKNOWN]
    return [known(lambda i=i: value[i]) for i in range(n)]


def norm_id(value: str) -> str:
    return value.rstrip("/").lower()


def id_name(value: str) -> str:
    """The last segment of an ARM id (its resource name)."""
    return value.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Ref:
    target: PolicyResource | None
    status: str
    """dep | parent | id | unknown | external | missing"""
    raw: Any = MISSING

    def why(self, what: str) -> str:
        """Why the reference did not resolve, for messages."""
        if self.status == "unknown":
            return f"{what} is unknown during preview and nothing declares a dependency on the target"
        if self.status == "external":
            return f"{what} {self.raw!r} is not declared in this stack"
        return f"{what} is not set"


class Graph:
    """Indexes over one `StackValidationArgs.resources` list."""

    def __init__(self, resources: Sequence[PolicyResource]):
        self.resources = list(resources)
        self.by_type: dict[str, list[PolicyResource]] = {}
        self.by_id: dict[str, PolicyResource] = {}
        self.by_name: dict[tuple[str, str], list[PolicyResource]] = {}
        for res in self.resources:
            self.by_type.setdefault(res.resource_type, []).append(res)
            rid = as_str(read(res, "id"))
            if rid:
                self.by_id[norm_id(rid)] = res
            name = as_str(read(res, "name"))
            if name:
                self.by_name.setdefault((res.resource_type, name.lower()), []).append(res)

    def of(self, *types: str) -> list[PolicyResource]:
        out: list[PolicyResource] = []
        for t in types:
            out.extend(self.by_type.get(t, ()))
        return out

    @staticmethod
    def deps(res: PolicyResource, prop: str, types: Iterable[str]) -> list[PolicyResource]:
        wanted = set(types)
        seen: dict[str, PolicyResource] = {}
        for d in res.property_dependencies.get(prop, []) or []:
            if d is not None and d.resource_type in wanted:
                seen.setdefault(d.urn, d)
        return list(seen.values())

    def by_ref_id(self, value: Any, types: Iterable[str]) -> Ref:
        """Resolve an ARM id value (already read) to a resource of `types`."""
        if value is UNKNOWN:
            return Ref(None, "unknown")
        rid = as_str(value)
        if not rid:
            return Ref(None, "missing")
        hit = self.by_id.get(norm_id(rid))
        if hit is not None and hit.resource_type in set(types):
            return Ref(hit, "id", rid)
        return Ref(None, "external", rid)

    def ref(self, res: PolicyResource, prop: str, path: str | None, types: Sequence[str],
            *, by_name: bool = False) -> Ref:
        """Resolve `res`'s reference to one resource of `types`: the property dependency of top-level
        property `prop` (if it names exactly one resource of those types), then the parent, then the
        id (or, with by_name, the resource name) at `path`."""
        deps = self.deps(res, prop, types)
        value = read(res, path) if path else MISSING
        if len(deps) == 1:
            return Ref(deps[0], "dep")
        if len(deps) > 1:  # several candidates of the type: disambiguate by id, else take none
            ref = self.by_ref_id(value, types)
            if ref.target is not None and ref.target in deps:
                return ref
        if res.parent is not None and res.parent.resource_type in types:
            return Ref(res.parent, "parent")
        if path is None:
            return Ref(None, "missing")
        if by_name:
            if value is UNKNOWN:
                return Ref(None, "unknown")
            name = as_str(value)
            if not name:
                return Ref(None, "missing")
            rg = as_str(read(res, "resourceGroupName"))
            for t in types:
                hits = [h for h in self.by_name.get((t, name.lower()), ()) if _same_group(rg, h)]
                if hits:
                    return Ref(hits[0], "id", name)
            return Ref(None, "external", name)
        return self.by_ref_id(value, types)


def _same_group(rg: str | None, target: PolicyResource) -> bool:
    """A name join holds only within one resource group: ARM names a child by (resource group, parent name),
    so a same-named vault in a sandbox group is another vault. When either group is not a known string (a
    preview unknown, or not set) the name alone decides, as before."""
    other = as_str(read(target, "resourceGroupName"))
    return rg is None or other is None or rg.lower() == other.lower()


# --------------------------------------------------------------------------------------------
# Backup coverage: protected item -> VM, policy -> vault
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Protection:
    item: PolicyResource
    vm: Ref
    policy: Ref
    vault: Ref | None
    """The policy's vault (None when the policy did not resolve)."""


def is_vm_item(item: PolicyResource) -> bool:
    """A VM protected item; an unknown type counts (it may protect a VM)."""
    value = read(item, "properties.protectedItemType")
    return value is UNKNOWN or same_text(value, VM_ITEM_TYPE)


def policy_vault(graph: Graph, policy: PolicyResource) -> Ref:
    return graph.ref(policy, "vaultName", "vaultName", (VAULT,), by_name=True)


@dataclass
class Coverage:
    by_vm: dict[str, list[Protection]]
    """VM URN -> its protections."""
    unjoined: list[Protection]
    """VM protected items whose VM could not be resolved."""


def coverage(graph: Graph) -> Coverage:
    out = Coverage({}, [])
    vault_cache: dict[str, Ref] = {}
    for item in graph.of(PROTECTED_ITEM):
        if not is_vm_item(item):
            continue
        vm = graph.ref(item, "properties", "properties.sourceResourceId", (VIRTUAL_MACHINE,))
        policy = graph.ref(item, "properties", "properties.policyId", (PROTECTION_POLICY,))
        vault = None
        if policy.target is not None:
            key = policy.target.urn
            if key not in vault_cache:
                vault_cache[key] = policy_vault(graph, policy.target)
            vault = vault_cache[key]
        p = Protection(item, vm, policy, vault)
        if vm.target is None:
            out.unjoined.append(p)
        else:
            out.by_vm.setdefault(vm.target.urn, []).append(p)
    return out


def location(res: PolicyResource) -> Any:
    """The resource's `location` (normalized), MISSING or UNKNOWN."""
    value = read(res, "location")
    if value is UNKNOWN:
        return UNKNOWN
    text = as_str(value)
    return text.replace(" ", "").lower() if text else MISSING


def ids_in(value: Any, key: str = "id") -> list[Any]:
    """`[x[key] for x in value]` for a list of sub-resources, unknowns as UNKNOWN."""
    return [at(x, key) for x in items(value)]

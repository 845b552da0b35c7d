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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
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
from .sdk_speedups import request_memo

UNKNOWN: Any = type("_Unknown", (), {"__repr__": lambda self: "UNKNOWN", "__bool__": lambda self: False})()
"""A value that is unknown during preview (returned by `known`)."""

VM_ITEM_TYPE = "Microsoft.Compute/virtualMachines"
_GRAPH_KEY = "joins.Graph"  # in sdk_speedups.request_memo()


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
    """Indexes over one `StackValidationArgs.resources` list. Read-only once built: `Graph.of_stack` shares one
    between the stack rules of a request."""

    def __init__(self, resources: Sequence[PolicyResource]):
        self.resources: tuple[PolicyResource, ...] = tuple(resources)
        by_type: dict[str, list[PolicyResource]] = {}
        by_id: dict[str, PolicyResource] = {}
        by_name: dict[tuple[str, str], list[PolicyResource]] = {}
        for res in self.resources:
            by_type.setdefault(res.resource_type, []).append(res)
            rid = as_str(read(res, "id"))
            if rid:
                by_id[norm_id(rid)] = res
            name = as_str(read(res, "name"))
            if name:
                by_name.setdefault((res.resource_type, name.lower()), []).append(res)
        self.by_type: Mapping[str, tuple[PolicyResource, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in by_type.items()})
        self.by_id: Mapping[str, PolicyResource] = MappingProxyType(by_id)
        self.by_name: Mapping[tuple[str, str], tuple[PolicyResource, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in by_name.items()})

    @classmethod
    def of_stack(cls, resources: Sequence[PolicyResource]) -> Graph:
        """`Graph(resources)`, built once per AnalyzeStack request: the stack rules of one request get the same
        resource objects in the same order when `sdk_speedups` shares them (its `request_memo`), so the index
        of the first rule serves the rest; any other list (another request, no speedups) gets its own, kept for
        the rest of the request too."""
        memo = request_memo()
        if memo is None:
            return cls(resources)
        graphs: dict[tuple[int, ...], Graph] = memo.setdefault(_GRAPH_KEY, {})
        key = tuple(map(id, resources))  # the stored index holds these objects: no other object has their ids
        graph = graphs.get(key)
        if graph is None:
            graph = graphs[key] = cls(resources)
        return graph

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
# Joins many rules share: resources grouped by what they reference; the stack's backup vaults
# --------------------------------------------------------------------------------------------


def attached(graph: Graph, types: str | Sequence[str], prop: str, path: str | None, targets: Sequence[str],
             *, by_name: bool = False) -> dict[str, list[PolicyResource]]:
    """The resources of `types`, grouped by the URN of the resource of `targets` that their reference
    (`Graph.ref(res, prop, path, targets, by_name=...)`) resolves to, in stack order. A resource whose reference
    does not resolve to one in the stack is left out: the caller judges the targets, not the strays."""
    out: dict[str, list[PolicyResource]] = {}
    for res in graph.of(*((types,) if isinstance(types, str) else types)):
        ref = graph.ref(res, prop, path, targets, by_name=by_name)
        if ref.target is not None:
            out.setdefault(ref.target.urn, []).append(res)
    return out


SITE_RECOVERY_PURPOSE = "site-recovery"
"""The `dr-purpose` tag value of a Recovery Services vault declared for Azure Site Recovery only."""


def backup_vaults(graph: Graph) -> list[PolicyResource]:
    """The vaults that hold backups. A vault the program declares for Azure Site Recovery only (tag `dr-purpose:
    site-recovery`, as AZDR-RSV-001 skips it) runs no backup jobs: multi-user authorization guards Azure Backup's
    critical operations (https://learn.microsoft.com/azure/backup/multi-user-authorization-concept), and the
    built-in job-failure alerts and Backup reports are Azure Backup's; Site Recovery's health is judged by
    AZDR-ASR-*."""
    return [v for v in graph.of(VAULT) if not same_text(read(v, "tags.dr-purpose"), SITE_RECOVERY_PURPOSE)]


def backup_vaults_joined(graph: Graph, types: str | Sequence[str], prop: str, path: str | None, *,
                         by_name: bool = False) -> list[tuple[PolicyResource, list[PolicyResource]]]:
    """The backup vaults of the stack, each with the resources of `types` whose reference to a vault
    (`prop`/`path`, see `attached`) resolves to it ([] for a vault nothing references). No backup vault in
    the stack: an empty list, so a rule's loop over it finds nothing."""
    vaults = backup_vaults(graph)
    if not vaults:
        return []
    by_vault = attached(graph, types, prop, path, (VAULT,), by_name=by_name)
    return [(v, by_vault.get(v.urn, [])) for v in vaults]


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
    """The resource's `location` (normalized), MISSING or UNKNOWN. An azure-native resource without one inherits
    its provider's `location` config, as the provider's Check does (issue 12: the engine sends the provider
    resource with its config)."""
    value = read(res, "location")
    if value is MISSING and res.resource_type.startswith("azure-native:"):
        provider = getattr(res, "provider", None)
        props = getattr(provider, "props", None) if provider is not None else None
        if props is not None:
            value = known(lambda: get(props, "location"))
    if value is UNKNOWN:
        return UNKNOWN
    text = as_str(value)
    return text.replace(" ", "").lower() if text else MISSING


def ids_in(value: Any, key: str = "id") -> list[Any]:
    """`[x[key] for x in value]` for a list of sub-resources, unknowns as UNKNOWN."""
    return [at(x, key) for x in items(value)]


# --------------------------------------------------------------------------------------------
# Network: VM -> NICs -> subnets -> NSGs, in every shape azure-native accepts (issue 12)
# --------------------------------------------------------------------------------------------

VIRTUAL_NETWORK = "azure-native:network:VirtualNetwork"
NIC_TYPE = "azure-native:network:NetworkInterface"
SUBNET_TYPE = "azure-native:network:Subnet"
NSG_TYPE = "azure-native:network:NetworkSecurityGroup"


def _arm_segment(rid: str, collection: str) -> str | None:
    """The name after `/<collection>/` in an ARM id (case-insensitive), or None."""
    parts = rid.strip("/").split("/")
    for i, p in enumerate(parts[:-1]):
        if p.lower() == collection.lower():
            return parts[i + 1]
    return None


def _named(graph: Graph, type_: str, key: str, name: str) -> PolicyResource | None:
    """The resource of `type_` whose name input `key` (or `name` output) is `name`."""
    for res in graph.of(type_):
        for path in (key, "name"):
            value = as_str(read(res, path))
            if value and value.lower() == name.lower():
                return res
    return None


@dataclass(frozen=True)
class SubnetRef:
    """A NIC's subnet: a `network:Subnet` resource, or a subnet declared inline in `VirtualNetwork.subnets`."""
    ref: Ref
    vnet: PolicyResource | None = None
    inline: Any = MISSING
    """The inline subnet object (a proxied mapping) when the subnet is declared in `vnet.subnets`."""

    @property
    def label(self) -> str:
        if self.vnet is not None:
            name = as_str(at(self.inline, "name")) or "?"
            return f"subnet '{name}' of virtual network '{self.vnet.name}'"
        return f"subnet '{self.ref.target.name}'" if self.ref.target is not None else "subnet"


def ref_by_id_or_name(graph: Graph, value: Any, type_: str, collection: str, key: str) -> Ref:
    """An id value: a resource by id, else (a literal ARM id or a bare name) by its name segment."""
    ref = graph.by_ref_id(value, (type_,))
    if ref.status != "external":
        return ref
    name = _arm_segment(ref.raw, collection) if "/" in ref.raw else ref.raw
    hit = _named(graph, type_, key, name) if name else None
    return Ref(hit, "id", ref.raw) if hit is not None else ref


def _inline_subnets(vnet: PolicyResource) -> list[Any]:
    return [s for s in items(read(vnet, "subnets"))]


def nic_subnets(graph: Graph, nic: PolicyResource) -> list[SubnetRef]:
    """The subnets of `nic`'s IP configurations: `Subnet` resources (dependency, id, literal id) and inline
    subnets of a `VirtualNetwork` (dependency on the network, then the subnet name in the id)."""
    out: list[SubnetRef] = []
    subnet_deps = graph.deps(nic, "ipConfigurations", (SUBNET_TYPE,))
    vnet_deps = graph.deps(nic, "ipConfigurations", (VIRTUAL_NETWORK,))
    for conf in items(read(nic, "ipConfigurations")):
        value = at(conf, "subnet.id")
        if value is MISSING:
            # `subnet` given but its id absent (an inline subnet's id read from the network's outputs before Azure
            # assigns it): the dependency names the network, as for an unknown id
            if at(conf, "subnet") is MISSING or not (subnet_deps or vnet_deps):
                continue
            value = UNKNOWN
        if isinstance(value, str) and value:
            ref = ref_by_id_or_name(graph, value, SUBNET_TYPE, "subnets", "subnetName")
            if ref.target is not None:
                out.append(SubnetRef(ref))
                continue
            vnet_name, sub_name = _arm_segment(value, "virtualNetworks"), _arm_segment(value, "subnets")
            vnet = _named(graph, VIRTUAL_NETWORK, "virtualNetworkName", vnet_name) if vnet_name else None
            if vnet is None and len(vnet_deps) == 1:
                vnet = vnet_deps[0]
            if vnet is not None and sub_name:
                hit = next((s for s in _inline_subnets(vnet) if same_text(at(s, "name"), sub_name)), None)
                if hit is not None:
                    out.append(SubnetRef(Ref(vnet, "id", value), vnet, hit))
                    continue
            out.append(SubnetRef(ref))
            continue
        # unknown during preview: the dependency names the target
        if len(subnet_deps) == 1 and not vnet_deps:
            out.append(SubnetRef(Ref(subnet_deps[0], "dep")))
        elif len(vnet_deps) == 1 and not subnet_deps:
            inline = _inline_subnets(vnet_deps[0])
            if len(inline) == 1:
                out.append(SubnetRef(Ref(vnet_deps[0], "dep"), vnet_deps[0], inline[0]))
            elif any(at(s, "networkSecurityGroup") is not MISSING for s in inline):
                out.append(SubnetRef(Ref(None, "unknown")))  # which inline subnet (some hold an NSG) is unknown
        else:
            out.append(SubnetRef(Ref(None, "unknown")))
    return out


def subnet_nsg(graph: Graph, sub: SubnetRef) -> Ref:
    """The NSG of a subnet (a `Subnet` resource or an inline subnet)."""
    if sub.vnet is None:
        assert sub.ref.target is not None
        target = sub.ref.target
        value = read(target, "networkSecurityGroup.id")
        deps = graph.deps(target, "networkSecurityGroup", (NSG_TYPE,))
    else:
        target = sub.vnet
        value = at(sub.inline, "networkSecurityGroup.id")
        deps = graph.deps(target, "subnets", (NSG_TYPE,))
        with_nsg = [s for s in _inline_subnets(target) if at(s, "networkSecurityGroup") is not MISSING]
        if value is MISSING and at(sub.inline, "networkSecurityGroup") is not MISSING and deps:
            value = UNKNOWN  # an NSG object whose id is not there yet: the dependency names it
        if value is UNKNOWN and not (len(deps) == 1 and len(with_nsg) == 1):
            return Ref(None, "unknown")
    if value is MISSING:
        return Ref(None, "missing")
    if value is UNKNOWN:
        return Ref(deps[0], "dep") if len(deps) == 1 else Ref(None, "unknown")
    return ref_by_id_or_name(graph, value, NSG_TYPE, "networkSecurityGroups", "networkSecurityGroupName")


def nic_nsg(graph: Graph, nic: PolicyResource) -> Ref:
    """The NSG on a NIC (dependency, id, literal id or name)."""
    value = read(nic, "networkSecurityGroup.id")
    if value is MISSING:
        return Ref(None, "missing")
    deps = graph.deps(nic, "networkSecurityGroup", (NSG_TYPE,))
    if value is UNKNOWN:
        return Ref(deps[0], "dep") if len(deps) == 1 else Ref(None, "unknown")
    return ref_by_id_or_name(graph, value, NSG_TYPE, "networkSecurityGroups", "networkSecurityGroupName")


def vm_nics(graph: Graph, vm: PolicyResource) -> list[Ref]:
    """The VM's network interfaces: dependencies of `networkProfile`, else ids (literal ids by name)."""
    deps = graph.deps(vm, "networkProfile", (NIC_TYPE,))
    if deps:
        return [Ref(n, "dep") for n in deps]
    return [ref_by_id_or_name(graph, i, NIC_TYPE, "networkInterfaces", "networkInterfaceName")
            for i in (at(n, "id") for n in items(read(vm, "networkProfile.networkInterfaces")))]

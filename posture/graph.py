"""The deploy graph of a capture: what `pulumi up` waits for, and the longest chain it must walk.

What blocks a resource's creation (Python SDK `prepare_resource` / `_resolve_depends_on_urns`, and
the engine's step executor, which creates a resource as soon as its registration arrives):

- its **dependencies** and **property dependencies**: the SDK sends `RegisterResource` only once the
  inputs' `Output`s and the explicit `depends_on` URNs resolve, i.e. once those resources are created;
- its **parent, when the parent is a custom resource** (the SDK awaits the parent's URN, which a custom
  resource only gets back after its own `RegisterResource`, i.e. after creation). A **component** parent
  never blocks its children: its URN comes back at registration;
- its **explicit provider** (a custom resource too);
- a dependency on a **component** means waiting for every custom resource in that component's subtree
  (the SDK expands it so; the component itself takes no time).

Each custom resource counts one step; components and the root Stack count zero. The critical path is
the longest chain of custom resources under these edges: a lower bound on the number of sequential
create rounds of `pulumi up`, however parallel the engine is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Reg(Protocol):  # posture.capture.Registration and anything shaped like it
    urn: str
    type: str
    custom: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str


class GraphError(ValueError):
    """The captured graph is not a DAG."""


def _provider_urn(ref: str) -> str:
    # a provider reference is "<provider-urn>::<provider-id>"
    return ref.rsplit("::", 1)[0] if ref and ref.count("::") >= 4 else ref


def blocking_dependencies(resources: Sequence[_Reg]) -> dict[str, list[str]]:
    """For each custom resource (by URN), the custom resources whose creation it waits for, in
    registration order. Dependencies on components are expanded to the custom resources in their
    subtree; URNs not in the capture (e.g. default providers) are ignored."""
    by_urn = {r.urn: r for r in resources}
    index = {r.urn: i for i, r in enumerate(resources)}
    children: dict[str, list[str]] = {}
    for r in resources:
        if r.parent in by_urn:
            children.setdefault(r.parent, []).append(r.urn)

    subtree_memo: dict[str, frozenset[str]] = {}

    def custom_subtree(urn: str) -> frozenset[str]:
        """Custom resources under component `urn` (iterative, memoised)."""
        if urn in subtree_memo:
            return subtree_memo[urn]
        found: set[str] = set()
        stack, seen = [urn], {urn}
        while stack:
            u = stack.pop()
            for c in children.get(u, ()):
                if c in seen:
                    continue
                seen.add(c)
                if by_urn[c].custom:
                    found.add(c)
                stack.append(c)  # a custom parent's children are created after it, so they count too
        subtree_memo[urn] = frozenset(found)
        return subtree_memo[urn]

    def expand(urn: str) -> frozenset[str] | tuple[str, ...]:
        r = by_urn.get(urn)
        if r is None:
            return ()
        return (urn,) if r.custom else custom_subtree(urn)

    out: dict[str, list[str]] = {}
    for r in resources:
        if not r.custom:
            continue
        waits: set[str] = set()
        for d in r.dependencies:
            waits.update(expand(d))
        for urns in r.property_dependencies.values():
            for d in urns:
                waits.update(expand(d))
        parent = by_urn.get(r.parent)
        if parent is not None and parent.custom:
            waits.add(parent.urn)
        prov = _provider_urn(getattr(r, "provider", "") or "")
        if prov in by_urn and by_urn[prov].custom:
            waits.add(prov)
        waits.discard(r.urn)
        out[r.urn] = sorted(waits, key=index.__getitem__)
    return out


def critical_path(resources: Sequence[_Reg]) -> list[str]:
    """URNs of the longest chain of custom resources `pulumi up` must create one after another, first
    to last. Ties go to the resource registered first. Raises :class:`GraphError` on a cycle."""
    waits = blocking_dependencies(resources)
    index = {r.urn: i for i, r in enumerate(resources)}
    depth: dict[str, int] = {}
    best_pred: dict[str, str | None] = {}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in waits:
        if state.get(start) == 2:
            continue
        stack = [start]
        while stack:
            u = stack[-1]
            if state.get(u) == 2:
                stack.pop()
                continue
            state[u] = 1
            pending = [w for w in waits[u] if state.get(w) != 2]
            for w in pending:
                if state.get(w) == 1:
                    raise GraphError(f"dependency cycle through {w}")
            if pending:
                stack.extend(reversed(pending))
                continue
            pred = None
            for w in waits[u]:  # registration order: the first of equal depth wins
                if pred is None or depth[w] > depth[pred]:
                    pred = w
            depth[u] = 1 + (depth[pred] if pred is not None else 0)
            best_pred[u] = pred
            state[u] = 2
            stack.pop()
    if not depth:
        return []
    end = min(depth, key=lambda u: (-depth[u], index[u]))
    chain = [end]
    while best_pred[chain[-1]] is not None:
        chain.append(best_pred[chain[-1]])  # type: ignore[arg-type]
    return chain[::-1]

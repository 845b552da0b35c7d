"""One deserialization per message and request in the policy SDK's servicer (issue 17).

Why: pulumi_policy 1.21.0's servicer turns a resource's properties into what a rule sees *inside* its loop over
policies -- `unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(properties)))`, three walks
of the whole property tree -- so every `Analyze` does it once per resource policy (25 here) and `AnalyzeStack`
once per stack policy for every resource (24 x 5,698 at 1,000 VMs). That is most of the pack's CPU; the rules
themselves are a small part. Source (lines as in the installed 1.21.0 wheel):
https://github.com/pulumi/pulumi-policy/blob/v1.21.0/sdk/python/lib/pulumi_policy/policy.py#L971-L1115
(`Analyze` L971-L1029, `AnalyzeStack` L1031-L1115, `_get_provider_resource` L1406-L1412).

What `install()` does, for that exact SDK version only (anything else: nothing, and `install()` says why; a test
pins that it is installed on the pinned SDK):

- While the servicer runs `Analyze` or `AnalyzeStack` (a per-thread scope; the server runs requests on a thread
  pool), the three names the servicer calls -- `json_format.MessageToDict`, `deserialize_properties`,
  `unknown_checking_proxy`, looked up in `pulumi_policy.policy`'s globals -- remember their result for the
  object they were given, for the rest of that request. The first policy pays; the others get the same objects.
- Keys are object identities, and each entry holds its key object, so an id cannot be reused by another object
  while the entry exists; the entries go when the request ends. A step is remembered only for what the step
  before it produced in the same request (a message -> its dict -> its deserialized dict -> its proxy), so
  nothing else is ever looked up. Outside those two methods (`Configure`, `Remediate`, ...) nothing changes.
- The same results: the servicer never changes a request, `MessageToDict`'s dict is only read by
  `deserialize_properties`, and its result only by `unknown_checking_proxy`, which copies every container. The
  proxy is what the rules get, so it is now shared by every policy of the request: it is made read-only
  (`_DictProxy.__setitem__`, its only mutator, raises `TypeError`), so a rule that tried to change its
  props would fail loudly (recorded, and reported by the fail-closed guard AZDR-SYS-001/002) instead of
  changing what the next rule sees. No rule of this pack writes to its props (the tests compare every
  response with and without this module, byte for byte).
- The cyclic garbage collector is paused while an `AnalyzeStack` runs (process-wide, counted, so overlapping
  requests resume it once the last one ends). The request holds every resource's remembered trees, and each
  full collection walked all of them again: 11.8 s of a 1,000-VM AnalyzeStack with it, 5.5 s without
  (bench/NOTES.md). Reference counting still frees what is not in a cycle; the rest waits for the next
  collection after the request.

`AZDR_SDK_SPEEDUPS=0` in the pack's environment turns it off (tests and the bench compare both).
"""

from __future__ import annotations

import functools
import gc
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

SDK_VERSION = "1.21.0"
"""The pulumi_policy version whose servicer was read (see above). Another version: not installed."""

DISABLE_ENV = "AZDR_SDK_SPEEDUPS"
"""`AZDR_SDK_SPEEDUPS=0` (or `off`, `false`, `no`): `install()` does nothing."""

_SCOPED_METHODS = ("Analyze", "AnalyzeStack")
#: The remembered steps, in the order the servicer chains them.
STEPS = ("MessageToDict", "deserialize_properties", "unknown_checking_proxy")

_local = threading.local()


@dataclass
class Stats:
    """Calls of each remembered step in the scoped requests of this process: misses (computed) and hits."""

    misses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    requests: int = 0


STATS = Stats()
_stats_lock = threading.Lock()

current: "Installed | None" = None
"""What the last successful `install()` in this process did (its `undo()` restores the SDK)."""


@dataclass
class Installed:
    """What `install()` did: `installed` and, when not, `reason`; `undo()` restores the SDK (tests)."""

    installed: bool
    reason: str = ""
    _undo: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def undo(self) -> None:
        global current
        while self._undo:
            self._undo.pop()()
        if current is self:
            current = None


class _Scope:
    """One request's memo, per step: id(input) -> (input, result), holding the input keeps its id unique; and the
    step's results by id (what the next step accepts)."""

    __slots__ = ("memo", "made", "hits", "misses")

    def __init__(self) -> None:
        self.memo: tuple[dict[int, tuple[Any, Any]], ...] = tuple({} for _ in STEPS)
        self.made: tuple[dict[int, Any], ...] = tuple({} for _ in STEPS)
        self.hits = [0] * len(STEPS)
        self.misses = [0] * len(STEPS)


def _remembered(index: int, fn: Callable[..., Any], make: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """`fn`, step `STEPS[index]`, remembered per request for one positional argument. A step after the first
    accepts only what the step before it made in the same request; `make` computes a result to remember (default
    `fn`). Other calls (more arguments, no scope, an object the step before did not make) go straight to `fn`."""
    make = make or fn

    @functools.wraps(fn)
    def wrapper(value: Any, *args: Any, **kwargs: Any) -> Any:
        scope: _Scope | None = getattr(_local, "scope", None)
        if scope is None or args or kwargs:
            return fn(value, *args, **kwargs)
        memo = scope.memo[index]
        entry = memo.get(id(value))
        if entry is not None and entry[0] is value:
            scope.hits[index] += 1
            return entry[1]
        if index and scope.made[index - 1].get(id(value)) is not value:  # not one of ours: never looked up
            return fn(value)
        result = make(value)
        memo[id(value)] = (value, result)
        scope.made[index][id(result)] = result
        scope.misses[index] += 1
        return result

    return wrapper


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


def _pause_gc() -> None:
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1


def _resume_gc() -> None:
    global _gc_pausers
    with _gc_lock:
        _gc_pausers -= 1
        if _gc_pausers == 0 and _gc_was_enabled:
            gc.enable()


def _scoped(method: Callable[..., Any], pause_gc: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: Any) -> Any:
        if getattr(_local, "scope", None) is not None:  # not expected (no method calls the other): no new scope
            return method(self, request, context)
        scope = _local.scope = _Scope()
        if pause_gc:
            _pause_gc()
        try:
            return method(self, request, context)
        finally:
            _local.scope = None
            if pause_gc:
                _resume_gc()
            with _stats_lock:
                STATS.requests += 1
                for i, step in enumerate(STEPS):
                    STATS.hits[step] += scope.hits[i]
                    STATS.misses[step] += scope.misses[i]

    return wrapper


def _read_only_proxy_classes(proxy_module: Any) -> tuple[type, type]:
    """`_DictProxy` with `__setitem__` refused, and the SDK's `_ListProxy` (a `Sequence`: no mutators)."""

    base = proxy_module._DictProxy  # noqa: SLF001

    class SharedDictProxy(base):  # type: ignore[misc, valid-type]
        """The SDK's proxy, shared by every policy of one request: read-only."""

        __slots__ = ()

        def __setitem__(self, key: Any, value: Any) -> None:
            raise TypeError(f"policy props are read-only (shared by every policy of the request; "
                            f"azdr_policies.sdk_speedups): cannot set {key!r}")

    return SharedDictProxy, proxy_module._ListProxy  # noqa: SLF001


def _freeze(value: Any, dict_proxy: type, frozen: type, list_proxy: type) -> Any:
    """Make every `_DictProxy` of a proxy tree (from the SDK's own `unknown_checking_proxy`) read-only."""
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is dict_proxy:
            v.__class__ = frozen
            stack.extend(v["__target"].values())  # the proxy's own dict of child proxies
        elif type(v) is list_proxy:
            stack.extend(v["__target"])
    return value


def _check(policy_module: Any, proxy_module: Any, version: str) -> str:
    """Why the module cannot be installed on this SDK ('' if it can)."""
    if version != SDK_VERSION:
        return (f"pulumi_policy {version} is not {SDK_VERSION}, the version whose servicer was read; read its "
                f"policy.py Analyze/AnalyzeStack again and update SDK_VERSION")
    servicer = getattr(policy_module, "_PolicyAnalyzerServicer", None)
    if servicer is None:
        return "pulumi_policy.policy has no _PolicyAnalyzerServicer"
    for name in _SCOPED_METHODS:
        if not callable(getattr(servicer, name, None)):
            return f"pulumi_policy.policy._PolicyAnalyzerServicer has no {name}"
    json_format = getattr(policy_module, "json_format", None)
    if json_format is None or not callable(getattr(json_format, "MessageToDict", None)):
        return "pulumi_policy.policy has no json_format.MessageToDict"
    for name in ("deserialize_properties", "unknown_checking_proxy"):
        if not callable(getattr(policy_module, name, None)):
            return f"pulumi_policy.policy has no {name}"
    for name in ("_DictProxy", "_ListProxy"):
        if not isinstance(getattr(proxy_module, name, None), type):
            return f"pulumi_policy.proxy has no class {name}"
    return ""


def _disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("0", "off", "false", "no")


def install(policy_module: Any = None, proxy_module: Any = None, version: str | None = None) -> Installed:
    """Install into `pulumi_policy.policy` (before `PolicyPack(...)`: the server binds the servicer's methods).
    The arguments exist for tests; the pack calls `install()`."""
    if _disabled():
        return Installed(False, f"{DISABLE_ENV}={os.environ.get(DISABLE_ENV)}")
    if policy_module is None:
        from pulumi_policy import policy as policy_module  # type: ignore[no-redef]
    if proxy_module is None:
        from pulumi_policy import proxy as proxy_module  # type: ignore[no-redef]
    if version is None:
        from pulumi_policy.version import VERSION as version  # type: ignore[no-redef]
    reason = _check(policy_module, proxy_module, version)
    if reason:
        return Installed(False, reason)
    servicer = policy_module._PolicyAnalyzerServicer  # noqa: SLF001
    if getattr(servicer.Analyze, "__azdr_sdk_speedups__", False):
        return Installed(False, "already installed")

    done = Installed(True)
    frozen, list_proxy = _read_only_proxy_classes(proxy_module)
    dict_proxy = proxy_module._DictProxy  # noqa: SLF001
    sdk_proxy = policy_module.unknown_checking_proxy

    def read_only_proxy(props: Any) -> Any:
        return _freeze(sdk_proxy(props), dict_proxy, frozen, list_proxy)

    real_json_format = policy_module.json_format
    patches: dict[str, Any] = {
        "json_format": _JsonFormat(real_json_format, _remembered(0, real_json_format.MessageToDict)),
        "deserialize_properties": _remembered(1, policy_module.deserialize_properties),
        "unknown_checking_proxy": _remembered(2, sdk_proxy, read_only_proxy),
    }
    for name, new in patches.items():
        old = getattr(policy_module, name)
        setattr(policy_module, name, new)
        done._undo.append(lambda name=name, old=old: setattr(policy_module, name, old))
    for name in _SCOPED_METHODS:
        old = servicer.__dict__[name]
        new = _scoped(old, pause_gc=name == "AnalyzeStack")
        new.__azdr_sdk_speedups__ = True  # type: ignore[attr-defined]
        setattr(servicer, name, new)
        done._undo.append(lambda name=name, old=old: setattr(servicer, name, old))
    global current
    current = done
    return done


class _JsonFormat:
    """`google.protobuf.json_format` as `pulumi_policy.policy` sees it: `MessageToDict` remembered, the rest
    the module's own."""

    def __init__(self, module: Any, message_to_dict: Callable[..., Any]):
        self._module = module
        self.MessageToDict = message_to_dict

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

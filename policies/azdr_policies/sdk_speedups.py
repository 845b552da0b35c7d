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

- `AnalyzeStack` builds the stack's resources once per request instead of once per stack policy. The SDK's
  loop (L1048-L1086) makes a `PolicyResource` with its options and provider for every resource, links parents
  and dependencies, then calls the policy; after the three steps above were remembered, that loop was most of
  what was left (about 70 % of a 300-VM AnalyzeStack under cProfile, 24 times over). `_analyze_stack` is the
  SDK's method with that loop hoisted out of the policy loop: built when the first stack policy that runs needs
  it (so a failure surfaces where the SDK's would), each policy then gets its own copy of the list of the same
  objects. Those objects are shared, so they are made read-only like the proxies: the `PolicyResource`, its
  options (and their custom timeouts) and provider refuse attribute writes, its dependency lists and
  property-dependency map refuse changes (`TypeError`). `install(prepare_stack_resource=...)` is called on
  each resource before it is frozen: the pack's framework passes its type canonicalization
  (`.../v20240401:Vault` is a Vault), which it would otherwise write into each policy's resources. `request_memo()` gives rule code a dict that lives for the
  current request (the stack rules' join index is built once per request with it, `azdr_policies/joins.py`).

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
    """Calls of each remembered step in the scoped requests of this process: misses (computed) and hits; and the
    AnalyzeStack requests whose resources were built once (`stack_builds`) for `stack_policies` stack policies."""

    misses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    requests: int = 0
    stack_builds: int = 0
    stack_policies: int = 0


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

    __slots__ = ("memo", "made", "hits", "misses", "shared")

    def __init__(self) -> None:
        self.memo: tuple[dict[int, tuple[Any, Any]], ...] = tuple({} for _ in STEPS)
        self.made: tuple[dict[int, Any], ...] = tuple({} for _ in STEPS)
        self.hits = [0] * len(STEPS)
        self.misses = [0] * len(STEPS)
        self.shared: dict[str, Any] = {}  # request_memo()


def request_memo() -> dict[str, Any] | None:
    """A dict that lives while this thread's current `Analyze`/`AnalyzeStack` request runs (None outside one, or
    when this module is not installed): what rule code may share between the policies of one request. Keys are
    the caller's; a value must only be read once stored (the next policy gets the same object)."""
    scope: _Scope | None = getattr(_local, "scope", None)
    return None if scope is None else scope.shared


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
                built = scope.shared.get(_STACK_KEY)
                if built is not None:
                    STATS.stack_builds += 1
                    STATS.stack_policies += built.policies
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


_STACK_KEY = "sdk_speedups.stack"  # the request's _SharedStack in request_memo()
_STACK_NAMES = ("PolicyResource", "StackValidationArgs", "StackValidationPolicy", "EnforcementLevel", "proto",
                "isawaitable", "asyncio", "UnknownValueError", "_NotApplicableError")


_READ_ONLY = "stack resources are read-only (shared by every stack policy of the request; azdr_policies.sdk_speedups)"


def _refuse(what: str) -> Callable[..., Any]:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{_READ_ONLY}: cannot change {type(self).__name__}{what}")

    return refuse


class _ReadOnlyList(list):
    """A list that refuses changes: a shared resource's `dependencies` and `property_dependencies` values."""

    __slots__ = ()
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse(" (a list)")
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse(" (a list)")


class _ReadOnlyDict(dict):
    """A dict that refuses changes: a shared resource's `property_dependencies`."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = pop = popitem = clear = update = setdefault = _refuse(" (a dict)")


def _read_only_subclass(cls: type) -> type:
    """`cls` with attribute writes and deletes refused; an instance becomes read-only by `obj.__class__ = ...`."""

    def refuse(self: Any, name: str, *value: Any) -> None:
        raise TypeError(f"{_READ_ONLY}: cannot set {cls.__name__}.{name}")

    return type(f"Shared{cls.__name__}", (cls,), {"__slots__": (), "__setattr__": refuse, "__delattr__": refuse,
                                                  "__doc__": f"The SDK's {cls.__name__}, read-only (shared)."})


@dataclass
class _SharedStack:
    resources: list[Any]
    policies: int = 0


def _stack_resources(servicer: Any, request: Any, sdk: Any, frozen: dict[type, type],
                     prepare: Callable[[Any], None] | None) -> list[Any]:
    """The SDK's resources for a stack policy (`AnalyzeStack` L1048-L1086, the same objects built the same way),
    then each prepared and made read-only."""
    intermediates = []
    for r in request.resources:
        deserialized = sdk.deserialize_properties(sdk.json_format.MessageToDict(r.properties))
        props = sdk.unknown_checking_proxy(deserialized)
        opts = servicer._get_resource_options(r)  # noqa: SLF001
        provider = servicer._get_provider_resource(r)  # noqa: SLF001
        resource = sdk.PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
        property_dependencies: dict[str, list[str]] = {}
        for k, v in r.propertyDependencies.items():
            property_dependencies[k] = list(v.urns)
        intermediates.append((resource, r.parent, list(r.dependencies), property_dependencies))
    urns_to_resources = {i[0].urn: i[0] for i in intermediates}
    resources = []
    for resource, parent, dependencies, property_dependencies in intermediates:
        # Linked as the SDK links them (only this resource's own attributes are set, so it can be frozen now).
        if parent is not None and parent in urns_to_resources:
            resource.parent = urns_to_resources[parent]
        resource.dependencies = _ReadOnlyList(urns_to_resources[d] for d in dependencies if d in urns_to_resources)
        resource.property_dependencies = _ReadOnlyDict(
            {k: _ReadOnlyList(urns_to_resources[d] for d in v if d in urns_to_resources)
             for k, v in property_dependencies.items()})
        if prepare is not None:
            prepare(resource)
        opts = resource.opts
        for obj in (getattr(opts, "custom_timeouts", None), opts, resource.provider, resource):
            if obj is not None:
                cls = type(obj)
                obj.__class__ = frozen.get(cls) or frozen.setdefault(cls, _read_only_subclass(cls))
        resources.append(resource)
    return resources


def _analyze_stack(sdk: Any, prepare: Callable[[Any], None] | None) -> Callable[..., Any]:
    """The SDK's `AnalyzeStack` (L1031-L1115), its resources built once per request (`_stack_resources`) instead
    of once per stack policy; the rest line for line as the SDK's (private names as the class mangles them)."""
    EnforcementLevel, proto = sdk.EnforcementLevel, sdk.proto
    frozen: dict[type, type] = {}

    def AnalyzeStack(self: Any, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()  # noqa: SLF001
        response = proto.AnalyzeResponse()
        shared: _SharedStack | None = None
        for policy in self._PolicyAnalyzerServicer__policies:
            enforcement_level = self._get_enforcement_level(policy)  # noqa: SLF001
            if enforcement_level == EnforcementLevel.DISABLED or not isinstance(policy, sdk.StackValidationPolicy):
                continue
            if enforcement_level == EnforcementLevel.REMEDIATE:
                enforcement_level = EnforcementLevel.MANDATORY
            report_violation = self._create_report_violation(  # noqa: SLF001
                response, policy.name, policy.description, enforcement_level, policy.severity)
            if shared is None:
                shared = _SharedStack(_stack_resources(self, request, sdk, frozen, prepare))
                memo = request_memo()
                if memo is not None:
                    memo[_STACK_KEY] = shared
            shared.policies += 1
            config = self._get_policy_config(policy.name)  # noqa: SLF001
            args = sdk.StackValidationArgs(list(shared.resources), config, self._PolicyAnalyzerServicer__stack_tags)
            try:
                result = policy.validate(args, report_violation)
                if sdk.isawaitable(result):
                    loop = sdk.asyncio.new_event_loop()
                    task = sdk.asyncio.Task(result, loop=loop)
                    loop.run_until_complete(task)
                    loop.close()
            except sdk.UnknownValueError as e:
                name, version = self._PolicyAnalyzerServicer__policy_pack_name, \
                    self._PolicyAnalyzerServicer__policy_pack_version
                response.diagnostics.append(proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=name,
                    policyPackVersion=version,
                    message=(f"can't run policy '{policy.name}' from policy pack "
                             f"'{name}@v{version}' during preview: {e.message}"),
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),  # noqa: SLF001
                ))
            except sdk._NotApplicableError as e:  # noqa: SLF001
                response.not_applicable.append(proto.PolicyNotApplicable(
                    policy_name=policy.name,
                    reason=e.reason or "",
                ))
        return response

    return AnalyzeStack


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
    for name in _STACK_NAMES:  # what _analyze_stack takes from the module, as the SDK's AnalyzeStack does
        if getattr(policy_module, name, None) is None:
            return f"pulumi_policy.policy has no {name}"
    return ""


def _disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("0", "off", "false", "no")


def install(policy_module: Any = None, proxy_module: Any = None, version: str | None = None, *,
            prepare_stack_resource: Callable[[Any], None] | None = None) -> Installed:
    """Install into `pulumi_policy.policy` (before `PolicyPack(...)`: the server binds the servicer's methods).
    `prepare_stack_resource(resource)`: called on each of AnalyzeStack's shared resources before it is made
    read-only (the pack passes `framework.prepare_stack_resource`). The other arguments exist for tests."""
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
        method = _analyze_stack(policy_module, prepare_stack_resource) if name == "AnalyzeStack" else old
        new = _scoped(method, pause_gc=name == "AnalyzeStack")
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

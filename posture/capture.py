"""Run a Pulumi Python program under the SDK mock runtime and record every registration as the
engine would receive it.

The recording monitor fixes three quirks of `pulumi.runtime.mocks.MockMonitor` (see
docs/DESIGN.md and the offline-engine reference):

- `MockResourceArgs` lacks parent, dependencies and options: we record the full
  `RegisterResourceRequest` instead;
- `MockMonitor.make_urn` keeps only the parent's last type segment and puts the root Stack into the
  chain; the engine (`sdk/go/common/resource/urn/urn.go`) keeps the parent's full qualified type and
  leaves the root stack type out;
- global state leaks between runs (root resource, shared config dict): every run resets it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import inspect
import os
import re
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from google.protobuf import empty_pb2, json_format

from .errors import PostureError
from .project import load_project, load_stack_file, stack_short_name

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SIG_KEY = "4dabf18193072939515e22adb298388d"
REDACTED = "[secret]"
"""What every output shows in place of a secret's value."""


def redact_secrets(value: Any) -> Any:
    """Secret-wrapped values (`{sig: secret, value}`) as REDACTED: output never shows a secret's value, and a
    state document's secrets (which cannot be decrypted offline) compare equal to the program's."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return REDACTED
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v) for v in value]
    return value


@dataclass
class Registration:
    """One resource registration, shaped like the engine's view of it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    id: Optional[str] = None
    provider: str = ""


@dataclass
class LogEntry:
    severity: str
    message: str
    urn: str = ""


@dataclass
class Capture:
    resources: list[Registration]
    stack_outputs: dict[str, Any]
    diagnostics: list[LogEntry]
    project: str
    stack: str
    preview: bool
    unavailable_secure_keys: list[str] = field(default_factory=list)
    unknown_invokes: list[str] = field(default_factory=list)
    """Function tokens whose result the offline engine could not know (answered unknown)."""

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}

    def find(self, type_: str, name: Optional[str] = None) -> list[Registration]:
        return [r for r in self.resources if r.type == type_ and (name is None or r.name == name)]


def struct_to_dict(struct) -> dict[str, Any]:
    """A protobuf Struct as the JSON the SDK put on the wire (numbers are floats)."""
    return json_format.MessageToDict(struct) if struct is not None else {}


def engine_urn(stack: str, project: str, parent_urn: str, type_: str, name: str) -> str:
    """`urn.New` of the Go SDK: the parent's full qualified type is kept, the root Stack type is not."""
    qualified = type_
    if parent_urn:
        parent_type = parent_urn.split("::", 3)[2]
        if parent_type != ROOT_STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


class EchoMocks:
    """Generic mocks: echo the inputs, add a `name` output and a non-empty id."""

    def new_resource(self, args):
        rid = f"{args.name}-id"
        return rid, {**args.inputs, "name": args.inputs.get("name", args.name)}

    def call(self, args):
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": "00000000-0000-0000-0000-000000000001",
                "objectId": "00000000-0000-0000-0000-000000000002",
                "subscriptionId": "00000000-0000-0000-0000-000000000000",
                "tenantId": "00000000-0000-0000-0000-000000000003",
            }
        return {}

    def register_transform(self, transform):  # pragma: no cover - mock API
        pass

    def register_invoke_transform(self, transform):  # pragma: no cover - mock API
        pass


def _make_monitor_class():
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        def __init__(self, mocks):
            super().__init__(mocks)
            self.registrations: list[Registration] = []
            self.registered_outputs: dict[str, dict[str, Any]] = {}
            self._lock = threading.Lock()
            self.duplicate_urns: list[str] = []  # the engine rejects these (posture.preview_mocks)
            self.unknown_invokes: list[str] = []  # invokes answered "unknown" (the mocks returned None)
            self._urns: set[str] = set()
            self.rg_locations: dict[str, str] = {}  # declared resource group name -> literal location
            self.observer: Any = None  # see run_in_mocks
            self.default_providers: Any = None  # posture.preview_mocks.DefaultProviders, from capture_program

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            from pulumi.runtime.settings import get_project, get_stack

            return engine_urn(get_stack(), get_project(), parent, type_, name)

        def RegisterResource(self, request):
            from . import preview_mocks

            loc = preview_mocks.inherited_location(request, self.rg_locations)
            if loc:  # the provider's Check fills it in before the engine (and the pack) see the inputs
                request.object.update({"location": loc})
            preview_mocks.note_resource_group(request, self.rg_locations)
            response = super().RegisterResource(request)
            reg = Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                # The SDK builds these from sets (order varies with hash seeds): sorted here.
                dependencies=sorted(request.dependencies),
                property_dependencies={
                    k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())
                },
                options=_options(request, response.urn),
                inputs=struct_to_dict(request.object),
                # Components have no id and only the outputs they register (RegisterResourceOutputs).
                outputs=(struct_to_dict(response.object) if request.custom and response.HasField("object")
                         else {}),
                id=(response.id or None) if request.custom else None,
                provider=request.provider,
            )
            provider = None
            with self._lock:
                duplicate = reg.urn in self._urns
                if duplicate:
                    self.duplicate_urns.append(reg.urn)
                else:
                    self._urns.add(reg.urn)
                    self.registrations.append(reg)
                    if self.default_providers is not None:  # the engine's default provider, before its first user
                        provider = self.default_providers.assign(reg)
            if self.observer is not None and not duplicate:
                if provider is not None:
                    self.observer.registered(provider)
                self.observer.registered(reg)  # e.g. the pack's Analyze, while the program goes on
            return response

        def Invoke(self, request):
            if request.tok == "pulumi:pulumi:getResource":
                return super().Invoke(request)
            from .preview_mocks import answer_invoke

            with self._lock:
                tokens = self.unknown_invokes
            return answer_invoke(self.mocks, request, tokens)

        def RegisterResourceOutputs(self, request):
            with self._lock:
                self.registered_outputs[request.urn] = struct_to_dict(request.outputs)
            return empty_pb2.Empty()

    return RecordingMonitor


def _alias_urns(request, urn: str) -> list[str]:
    """Alias specs resolved to URNs like the engine does for one resource (`resource.Alias` defaults: this
    resource's name, type, stack, project and parent). Parent-alias multiplication is not done."""
    stack, project = urn.split("::", 2)[0].removeprefix("urn:pulumi:"), urn.split("::", 2)[1]
    out: list[str] = [a.urn for a in request.aliases if a.WhichOneof("alias") == "urn"]
    for a in request.aliases:
        if a.WhichOneof("alias") != "spec":
            continue
        spec = a.spec
        parent = request.parent
        if spec.WhichOneof("parent") == "noParent" and spec.noParent:
            parent = ""
        elif spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
            # The Python SDK sends parentUrn "" for an alias without a parent (Alias(type_=...)): the engine
            # (resmon: aliasParent == "" && !noParent) then uses the resource's own parent.
            parent = spec.parentUrn
        out.append(engine_urn(spec.stack or stack, spec.project or project, parent, spec.type or request.type,
                              spec.name or request.name))
    return out + [u for u in request.aliasURNs if u not in out]


def _options(request, urn: str) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "protect": bool(request.protect),
        "retainOnDelete": bool(request.retainOnDelete),
        "ignoreChanges": list(request.ignoreChanges),
        "deleteBeforeReplace": bool(request.deleteBeforeReplace),
        "deleteBeforeReplaceDefined": bool(request.deleteBeforeReplaceDefined),
        "additionalSecretOutputs": list(request.additionalSecretOutputs),
        "replaceOnChanges": list(request.replaceOnChanges),
        "aliases": _alias_urns(request, urn),
        "provider": request.provider,
        "deletedWith": request.deletedWith,
        "version": request.version,
        "importId": request.importId,
    }
    if request.HasField("customTimeouts"):
        ct = request.customTimeouts
        opts["customTimeouts"] = {"create": ct.create, "update": ct.update, "delete": ct.delete}
    else:
        opts["customTimeouts"] = None
    return opts


_REGISTERING = re.compile(r"^registering resource: ty=(.*?), name=(.*), custom=(?:True|False), remote=(?:True|False)$", re.S)


class _RecordingEngine:
    def __init__(self):
        self.entries: list[LogEntry] = []
        self.construction_order: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def Log(self, request):
        from pulumi.runtime.proto import engine_pb2

        names = {
            engine_pb2.DEBUG: "debug",
            engine_pb2.INFO: "info",
            engine_pb2.WARNING: "warning",
            engine_pb2.ERROR: "error",
        }
        if request.severity == engine_pb2.DEBUG:
            # The SDK logs this synchronously when a resource is constructed: it gives the
            # program's construction order, which (unlike the threaded RPC order) is deterministic.
            m = _REGISTERING.match(request.message)
            if m:
                with self._lock:
                    self.construction_order.setdefault((m.group(1), m.group(2)), len(self.construction_order))
            return empty_pb2.Empty()
        with self._lock:
            self.entries.append(LogEntry(names.get(request.severity, "info"), request.message, request.urn))
        return empty_pb2.Empty()


def _configure(mocks, monitor, engine, project: str, stack: str, preview: bool, config: dict[str, str],
               secret_keys: Optional[list[str]] = None):
    from pulumi.runtime import config as rt_config
    from pulumi.runtime import settings as rt_settings
    from pulumi.runtime.mocks import MockSettings

    rt_settings.set_root_resource(None)  # else the previous run's Stack stays root
    rt_config.set_all_config(dict(config), list(secret_keys or []))  # set_config mutates a shared default dict
    features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    settings = MockSettings(
        monitor=monitor,
        monitor_features=features,
        engine=engine,
        project=project,
        stack=stack,
        dry_run=preview,
        organization="organization",
        callbacks=None,
    )
    rt_settings.configure(settings)
    # Outputs a failed run left behind (the SDK keeps failed ones "to pick up at program exit") would be
    # awaited, and their error raised, by the next run: start empty, as pulumi.runtime.test does.
    with rt_settings.SETTINGS.lock:
        rt_settings.SETTINGS.outputs.clear()


def _stringify_config(config: dict[str, Any]) -> dict[str, str]:
    from .project import config_value_to_string

    out = {}
    for k, v in (config or {}).items():
        if ":" not in k:
            raise PostureError(f"config key {k!r} must be namespaced (`project:key`)")
        out[k] = config_value_to_string(v)
    return out


#: Net allocations during a run above which the collection after it is a full one (100 VMs: ~4 million).
BIG_RUN_OBJECTS = 1_000_000

#: The pulumi SDK whose `Resource.__init__` and `all_aliases` were read for `alias_urns_deferred`.
ALIAS_SDK_VERSION = "3.272.0"


class _DeferredAliasUrn:
    """What `Resource.__init__` keeps in `_aliases` for one alias while `alias_urns_deferred` is on: the
    arguments of the SDK's `collapse_alias_to_urn`, computed only if something asks (`resolve`)."""

    __slots__ = ("args", "collapse")

    def __init__(self, collapse: Callable[..., Any], *args: Any):
        self.collapse = collapse
        self.args = args

    def resolve(self) -> Any:
        return self.collapse(*self.args)


def _alias_patch_reason(sdk_resource: Any, sdk_runtime_resource: Any, version: str) -> str:
    """Why `alias_urns_deferred` cannot apply to this SDK ('' if it can)."""
    if version != ALIAS_SDK_VERSION:
        return f"pulumi {version} is not {ALIAS_SDK_VERSION}, the SDK whose Resource.__init__ was read"
    init = getattr(getattr(sdk_resource, "Resource", None), "__init__", None)
    if "collapse_alias_to_urn" not in getattr(getattr(init, "__code__", None), "co_names", ()):
        return "pulumi.resource.Resource.__init__ no longer calls collapse_alias_to_urn"
    for module, name in ((sdk_resource, "collapse_alias_to_urn"), (sdk_resource, "Alias"),
                         (sdk_runtime_resource, "all_aliases")):
        if not callable(getattr(module, name, None)):
            return f"{module.__name__} has no {name}"
    return ""


@contextlib.contextmanager
def alias_urns_deferred():
    """While the program runs, `Resource.__init__` does not collapse each alias to a URN `Output`.

    pulumi 3.272.0's `Resource.__init__` turns every alias into a URN Output at once
    (`self._aliases.append(collapse_alias_to_urn(...))`: an `Output.all(project, stack).apply(create_urn)` with
    its tasks), whether or not anything reads it. The only reader is `all_aliases`, for a child of the resource,
    and only when the monitor cannot take alias specs (`prepare_aliases`); our mock monitor takes them (the
    SDK's `MockMonitor.SupportsFeature` says yes to everything but `outputValues`), so the SDK sends each
    alias as a spec and never reads those URNs. azure-native gives every resource 18-60 aliases (one per
    older API version), so that unread work was most of the program's run: the 100-VM capture 9.5-9.7 s with
    it, 3.5-4.6 s without, the same registrations (tests/posture/test_capture_aliases.py; bench/NOTES.md).
    pulumi/pulumi#11064 is the SDK's issue about collapsing aliases client-side.

    Here `collapse_alias_to_urn`, as `pulumi.resource` sees it, keeps its arguments (`_DeferredAliasUrn`) for
    an alias that cannot fail to collapse (a URN, or an `Alias` with a name and type); any other goes to the
    SDK as before, so a bad alias still fails the program with the SDK's message. `all_aliases` (if the SDK
    ever takes that path) gets the URNs computed as before. Yields '' when applied, or
    why not (another SDK version, or its code no longer as read: then nothing changes)."""
    import pulumi.resource as sdk_resource
    import pulumi.runtime.resource as sdk_runtime_resource
    from pulumi._version import _VERSION

    reason = _alias_patch_reason(sdk_resource, sdk_runtime_resource, _VERSION)
    if reason:
        yield reason
        return
    collapse = sdk_resource.collapse_alias_to_urn
    real_all_aliases = sdk_runtime_resource.all_aliases
    alias_type = sdk_resource.Alias

    def deferred(alias: Any, name: str, t: str, parent: Any) -> Any:
        # Only what cannot fail: a URN string, or an Alias whose name and type resolve (the SDK's worker
        # raises "No valid 'name'/'type_' passed in for alias." otherwise, and the program fails with it, as
        # before). An Output of an alias, or anything else, goes to the SDK at once.
        if isinstance(alias, str) or (type(alias) is alias_type
                                      and (alias.name if alias.name is not ... else name) is not None
                                      and (alias.type_ if alias.type_ is not ... else t) is not None):
            return _DeferredAliasUrn(collapse, alias, name, t, parent)
        return collapse(alias, name, t, parent)

    def all_aliases(child_aliases: Any, child_name: str, child_type: str, parent: Any) -> Any:
        if parent is not None:
            parent._aliases = [a.resolve() if isinstance(a, _DeferredAliasUrn) else a  # noqa: SLF001
                               for a in parent._aliases]  # noqa: SLF001
        return real_all_aliases(child_aliases, child_name, child_type, parent)

    sdk_resource.collapse_alias_to_urn = deferred
    sdk_runtime_resource.all_aliases = all_aliases
    try:
        yield ""
    finally:
        sdk_resource.collapse_alias_to_urn = collapse
        sdk_runtime_resource.all_aliases = real_all_aliases


@contextlib.contextmanager
def _cyclic_gc_paused(process_ends: bool = False):
    """The cyclic garbage collector off while the program runs (reference counting still frees objects).

    The SDK keeps every resource, Output and pending task alive until the program ends, so the heap grows
    with the fleet and each full collection walks all of it: at 100-300 VMs full collections were ~60 % of
    capture CPU and the capture grew faster than the fleet (bench/NOTES.md). Only garbage *cycles* wait until
    the collector is back on (about +10 % peak memory); recorded data are unaffected.

    ``process_ends`` (the CLI's own process, which exits after its report): nothing is collected. After the run
    most of the heap is the SDK's garbage cycles (1.9 M of 2.4 M tracked objects at 100 VMs, 18.5 M of 20.3 M
    at 1,000), and collecting them was about a quarter of the preview's wall time (3.2 s at 100 VMs, 31.5 s at
    1,000). ``gc.freeze()`` moves everything to the collector's permanent generation, which no collection
    walks, not even the interpreter's at exit, so their finalizers never run; the OS takes the memory back at
    exit. Never for a process that runs more captures (the test suite): each would leave its garbage behind."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if process_ends:
                gc.freeze()
            else:
                # Collect here, at a known point. Left to itself the collector walks everything the run allocated
                # (all still "young") at the next allocation anyway (~10 s at 500 VMs either way) and runs the
                # garbage's finalizers wherever that happens; moving it all to the oldest generation
                # (gc.freeze/unfreeze) instead made that happen inside an unrelated compile() in the test suite
                # (CPython 3.11: "AST constructor recursion depth mismatch"). After a big run a full collection
                # (it is most of the heap) also spares the full collections its survivors would trigger later;
                # after a small one, the young generations only (tests run hundreds of captures).
                gc.collect(2 if gc.get_count()[0] > BIG_RUN_OBJECTS else 1)
            # Only now: enable() before the collection (or the freeze) and its first allocation would start a
            # collection of its own.
            gc.enable()


def _then_settle(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn``, then wait inside the program until every tracked Output has resolved.

    The SDK's ``wait_for_rpcs`` does that wait itself, after the program, with ``asyncio.wait(FIRST_COMPLETED)``
    over *all* pending Outputs, once per wave of completions: ~40-70 rounds over ~14,000 Outputs at 100 VMs
    (most of them azure-native's alias URNs, which nothing awaits), about a quarter of the capture. Awaiting one
    unfinished Output at a time lets the event loop drain the same work in a few waits. At the first failed Output
    it stops and leaves the rest to the SDK (``asyncio.wait`` does not raise), which reports it as before."""

    def program():
        result = fn()

        async def settle():
            import asyncio

            from pulumi.runtime.settings import SETTINGS

            if inspect.isawaitable(result):
                await result
            while True:
                with SETTINGS.lock:
                    pending = [t for t in SETTINGS.outputs if not t.done()]
                if not pending:
                    return
                for task in pending:
                    if not task.done():
                        await asyncio.wait((task,))
                    if task.cancelled() or task.exception() is not None:
                        return  # the SDK raises it, as it would have without this wait

        return settle()

    return program


_NEVER_RETRIEVED = "Future exception was never retrieved"


def _quiet_failed_run_futures() -> None:
    """After a failed run: the SDK's resolver Futures (urn, id, outputs of every resource) all hold the run's
    error, and no one awaits most of them, so asyncio logs "Future exception was never retrieved" with a
    traceback for each when they are collected, long after the error was raised (issue 9 item 6: ~300 lines
    after pytest's summary). The run's error has been raised to the caller already: on the capture's event
    loop, drop exactly that message for plain Futures (Tasks and every other message still reach the
    previous handler)."""
    import asyncio

    from pulumi.runtime.sync_await import _ensure_event_loop

    loop = _ensure_event_loop()
    if getattr(loop, "_posture_quiet_futures", False):
        return
    previous = loop.get_exception_handler()

    def handler(lp, context):
        fut = context.get("future")
        if (context.get("message") == _NEVER_RETRIEVED and isinstance(fut, asyncio.Future)
                and not isinstance(fut, asyncio.Task)):
            return
        if previous is not None:
            previous(lp, context)
        else:
            lp.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._posture_quiet_futures = True


def run_in_mocks(
    fn: Callable[[], Any],
    *,
    config: Optional[dict[str, Any]] = None,
    project: str = "project",
    stack: str = "stack",
    preview: bool = True,
    mocks: Any = None,
    secret_keys: Optional[list[str]] = None,
    monitor_out: Optional[list] = None,
    observer: Any = None,
    default_providers: Any = None,
    process_ends: bool = False,
) -> Capture:
    """Run `fn` as a Pulumi program (inside a root Stack) under recording mocks.

    `config` maps namespaced keys to values (non-strings are passed as the engine does: JSON).
    Exceptions raised by `fn` (or by its outputs) propagate unchanged.

    `observer` (e.g. `posture.analyzer.PackEvaluation`), if given: `observer.registered(reg)` is called with
    each registration as it is recorded (on the SDK's RPC threads, while the program runs; it must not raise),
    and `observer.program_done(resources)` once with the final, ordered registrations after a successful run,
    before the one garbage collection after the program (so work it hands to another process overlaps it).

    `process_ends`: this process exits after its report (the CLI's `main`), so the run's garbage is left to the
    OS instead of collected (`_cyclic_gc_paused`).
    """
    from pulumi.runtime.stack import run_in_stack
    from pulumi.runtime.sync_await import _sync_await

    monitor = _make_monitor_class()(mocks if mocks is not None else EchoMocks())
    monitor.observer = observer
    monitor.default_providers = default_providers
    engine = _RecordingEngine()
    _configure(monitor.mocks, monitor, engine, project, stack, preview, _stringify_config(config or {}),
               secret_keys)
    if monitor_out is not None:
        monitor_out.append(monitor)
    try:
        with _cyclic_gc_paused(process_ends), alias_urns_deferred():
            _sync_await(run_in_stack(_then_settle(fn)))
            if not monitor.duplicate_urns:
                cap = _recorded_capture(monitor, engine, project, stack, preview)
                if observer is not None:
                    observer.program_done(cap.resources)
    except BaseException:
        _quiet_failed_run_futures()
        if monitor.duplicate_urns:  # the engine stops at the duplicate, before anything it caused
            from .preview_mocks import duplicate_urn_error

            raise duplicate_urn_error(monitor.duplicate_urns) from None
        raise
    finally:
        from pulumi.runtime import settings as rt_settings

        rt_settings.set_root_resource(None)
    if monitor.duplicate_urns:
        from .preview_mocks import duplicate_urn_error

        raise duplicate_urn_error(monitor.duplicate_urns)
    return cap


def _recorded_capture(monitor, engine, project: str, stack: str, preview: bool) -> Capture:
    """The run's registrations in the engine's order, with the components' registered outputs."""
    regs = list(monitor.registrations)
    # The root Stack first, then the program's construction order (RPCs run on threads, so the
    # order they reach the monitor varies from run to run); URN breaks ties.
    order = engine.construction_order
    regs.sort(key=lambda r: (0 if r.type == ROOT_STACK_TYPE and not r.parent else 1,
                             order.get((r.type, r.name), len(order)), r.urn))
    for r in regs:
        if not r.custom and r.urn in monitor.registered_outputs:
            r.outputs = monitor.registered_outputs[r.urn]
    if monitor.default_providers is not None:
        regs = monitor.default_providers.insert(regs)
    root = next((r for r in regs if r.type == ROOT_STACK_TYPE and not r.parent), None)
    stack_outputs = dict(root.outputs) if root else {}
    return Capture(
        resources=regs,
        stack_outputs=stack_outputs,
        diagnostics=engine.entries,
        project=project,
        stack=stack,
        preview=preview,
        unknown_invokes=list(monitor.unknown_invokes),
    )


def load_mocks(project_dir: Path, spec: Optional[str]):
    """Instantiate the `module:Class` mocks named in `[tool.posture] mocks`, or the preview mocks (unknown ids
    and computed outputs during preview, as the engine gives them: `posture.preview_mocks`)."""
    if not spec:
        from .preview_mocks import PreviewMocks

        return PreviewMocks()
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise PostureError(
            f"{project_dir / 'pyproject.toml'}: [tool.posture] mocks = {spec!r}: expected \"module:Class\""
        )
    module_name, class_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as e:
        raise PostureError(
            f"{project_dir / 'pyproject.toml'}: [tool.posture] mocks = {spec!r} cannot be loaded: {e}"
        ) from None
    if not inspect.isclass(cls):
        raise PostureError(f"{project_dir / 'pyproject.toml'}: [tool.posture] mocks = {spec!r} is a "
                           f"{type(cls).__name__}, not a class (expected \"module:Class\" with new_resource and call)")
    try:
        mocks = cls()
    except Exception as e:  # noqa: BLE001 - a user class that cannot be built is bad input
        raise PostureError(f"{project_dir / 'pyproject.toml'}: [tool.posture] mocks = {spec!r} cannot be "
                           f"instantiated: {type(e).__name__}: {e}") from None
    missing = [m for m in ("new_resource", "call") if not callable(getattr(mocks, m, None))]
    if missing:
        raise PostureError(f"{project_dir / 'pyproject.toml'}: [tool.posture] mocks = {spec!r} lacks "
                           f"{', '.join(missing)} (see pulumi.runtime.Mocks)")
    return mocks


def _top_level_names(directory: Path) -> set[str]:
    names = set()
    for p in directory.iterdir():
        if p.is_dir() and (p / "__init__.py").exists():
            names.add(p.name)
        elif p.suffix == ".py" and p.stem != "__main__":
            names.add(p.stem)
    return names


@contextlib.contextmanager
def _program_environment(directory: Path):
    """cwd and sys.path like the language host, with the project's own modules isolated so that
    runs of different project copies in one process never share `components` etc."""
    names = _top_level_names(directory)

    def ours(mod_name: str) -> bool:
        return mod_name.split(".")[0] in names

    saved = {k: v for k, v in sys.modules.items() if ours(k)}
    for k in saved:
        del sys.modules[k]
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        for k in [k for k in sys.modules if ours(k)]:
            del sys.modules[k]
        sys.modules.update(saved)


def _program_failure(exc: BaseException, main: Path) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    location = ""
    if frames:
        last = frames[-1]
        location = f" (at {last.filename}:{last.lineno} in {last.name})"
    text = str(exc).strip().splitlines()
    msg = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return f"program failed: {msg}{location}"


def capture_program(
    project_dir: str | Path,
    stack: str,
    *,
    preview: bool = True,
    config_override: Optional[dict[str, Any]] = None,
    secure_placeholder: Optional[str] = None,
    observer: Any = None,
    process_ends: bool = False,
) -> Capture:
    """Run the project's unchanged program for `stack` under recording mocks (`observer`, `process_ends`: see
    `run_in_mocks`).

    `{secure: ...}` config values cannot be decrypted offline: they reach the program as secrets whose value is
    unknown (the engine's unknown sentinel: it stays unknown in every input it flows into), or as
    `secure_placeholder` when given; `Capture.unavailable_secure_keys` names them.

    Raises `PostureError` for bad project/stack files, config errors raised by the program
    (`pulumi.RunError`), duplicate URNs and any other program failure (message "program failed: ...").
    """
    import runpy

    import pulumi

    from . import preview_mocks

    project = load_project(project_dir)
    stack = stack_short_name(stack)  # `org/project/dev` → `dev`, as in URNs and `Pulumi.dev.yaml`
    stack_file = load_stack_file(project, stack)
    config: dict[str, Any] = dict(stack_file.values)
    secure = list(stack_file.unavailable_secure_keys)
    for key in secure:
        config[key] = preview_mocks.UNKNOWN if secure_placeholder is None else secure_placeholder
    if config_override:
        config.update(_stringify_config(config_override))

    monitors: list = []
    with _program_environment(project.directory):
        mocks = load_mocks(project.directory, project.tool.get("mocks"))

        def program():
            runpy.run_path(str(project.main), run_name="__main__")

        def note() -> str:
            text = preview_mocks.unknown_invoke_note(monitors[0].unknown_invokes if monitors else [])
            return f" ({text})" if text else ""

        try:
            cap = run_in_mocks(
                program, config=config, project=project.name, stack=stack, preview=preview, mocks=mocks,
                secret_keys=secure, monitor_out=monitors, observer=observer, process_ends=process_ends,
                # What the engine adds around the program: default providers (and, in RegisterResource, the
                # provider's location default).
                default_providers=preview_mocks.DefaultProviders(config, stack, project.name, preview,
                                                                 frozenset(secure)),
            )
        except pulumi.RunError as e:
            raise PostureError((str(e).strip() or type(e).__name__) + note()) from None
        except PostureError:
            raise
        except Exception as e:  # noqa: BLE001 - any program failure is bad input for the CLI
            raise PostureError(_program_failure(e, project.main) + note()) from None
    for token in cap.unknown_invokes:
        cap.diagnostics.append(LogEntry("warning", f"invoke {token}: " + preview_mocks.unknown_invoke_note([token])))
    cap.unavailable_secure_keys = secure
    return cap

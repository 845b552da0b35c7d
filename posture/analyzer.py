"""Drive an unchanged CrossGuard policy pack over the Analyzer gRPC protocol, as the engine does.

- The pack is started like `pulumi-language-python` starts policy packs:
  `python -u -m pulumi.policy <engine-address> <pack-dir>` with the pack dir as cwd; the pack prints
  its port on stdout. `pulumi.policy.__main__` never dials the engine address (it only `runpy`s the
  pack), so a placeholder address is passed.
- Config is reconciled like `pkg/resource/analyzer/config.go` `ReconcilePolicyPackConfig`.
- Properties are marshalled like `pkg/resource/plugin/analyzer_plugin.go` (KeepUnknowns,
  KeepSecrets, SkipInternalKeys, resources not kept: references flattened to id or urn).
- One `Analyze` per registration (inputs), then one `AnalyzeStack` (outputs, parent, dependencies,
  property dependencies), like `pkg/resource/deploy/step_generator.go`.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from .capture import RESOURCE_SIG, SIG_KEY, Registration
from .errors import PostureError
from .results import PackInfo, PolicyMeta, Violation

# The pack's server accepts 400 MB messages (pulumi_policy._MAX_RPC_MESSAGE_SIZE); match it both ways.
MAX_MESSAGE = 400 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE),
    ("grpc.max_receive_message_length", MAX_MESSAGE),
]
ENGINE_PLACEHOLDER = "127.0.0.1:1"  # never dialled by pulumi.policy.__main__
LEVELS = ("advisory", "mandatory", "disabled", "remediate")
START_TIMEOUT = 60.0


def start_timeout() -> float:
    """Seconds to wait for the pack's port line: START_TIMEOUT, or POSTURE_PACK_START_TIMEOUT."""
    try:
        value = float(os.environ.get("POSTURE_PACK_START_TIMEOUT", START_TIMEOUT))
    except ValueError:
        return START_TIMEOUT
    return value if 0 < value < 3600 else START_TIMEOUT


def _level_name(value: int) -> str:
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.EnforcementLevel.Name(value).lower()


def _level_value(name: str) -> int:
    from pulumi.runtime.proto import analyzer_pb2

    return analyzer_pb2.EnforcementLevel.Value(name.upper())


def _severity_name(value: int) -> str:
    from pulumi.runtime.proto import analyzer_pb2

    name = analyzer_pb2.PolicySeverity.Name(value)
    return "" if name == "POLICY_SEVERITY_UNSPECIFIED" else name.removeprefix("POLICY_SEVERITY_").lower()


# ---------------------------------------------------------------- config (port of config.go)


def parse_policy_pack_config(doc: Any, source: str = "policy pack config") -> dict[str, dict[str, Any]]:
    """`parsePolicyPackConfig`: values are an enforcement level string or an object with an optional
    `enforcementLevel` and properties. Returns {policy: {"enforcementLevel": str, "properties": dict|None}}."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PostureError(f"{source}: must be a JSON object of policy names to levels or objects")
    result: dict[str, dict[str, Any]] = {}
    for key, val in doc.items():
        level = ""
        props: Optional[dict[str, Any]] = None
        if isinstance(val, str):
            if val not in LEVELS:
                raise PostureError(
                    f"{source}: parsing enforcement level for {key!r}: {val!r} is not a valid enforcement "
                    f"level (allowed: {', '.join(LEVELS)})"
                )
            level = val
        elif isinstance(val, dict):
            val = dict(val)
            if "enforcementLevel" in val:
                el = val.pop("enforcementLevel")
                if not isinstance(el, str) or el not in LEVELS:
                    raise PostureError(
                        f"{source}: parsing enforcement level for {key!r}: {el!r} is not a valid enforcement "
                        f"level (allowed: {', '.join(LEVELS)})"
                    )
                level = el
            props = val or None
        else:
            raise PostureError(f"{source}: parsing {key!r}: {val!r} is not a valid value; must be a string or object")
        if not level and not props:
            continue
        result[key] = {"enforcementLevel": level, "properties": props}
    return result


def load_policy_pack_config_file(path: str | Path) -> dict[str, dict[str, Any]]:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise PostureError(f"{path}: cannot read policy pack config: {e.strerror}") from None
    if not text.strip():
        return {}
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise PostureError(f"{path}: policy pack config is not valid JSON: {e.msg} (line {e.lineno})") from None
    return parse_policy_pack_config(doc, str(path))


def _apply_config(result: dict[str, dict[str, Any]], to_apply: dict[str, dict[str, Any]]) -> None:
    all_cfg = to_apply.get("all")
    if all_cfg and all_cfg.get("enforcementLevel") in LEVELS:
        for k, v in result.items():
            result[k] = {"enforcementLevel": all_cfg["enforcementLevel"], "properties": v.get("properties")}
    for policy, given in to_apply.items():
        level, props = "", None
        if policy in result:
            level = result[policy].get("enforcementLevel", "")
            props = result[policy].get("properties")
        if given.get("enforcementLevel") in LEVELS:
            level = given["enforcementLevel"]
        given_props = given.get("properties") or {}
        if given_props and props is None:
            props = {}
        if given_props:
            props = {**props, **copy.deepcopy(given_props)}
        result[policy] = {"enforcementLevel": level, "properties": props}


def reconcile_config(
    info: PackInfo, cli_config: Optional[dict[str, dict[str, Any]]] = None
) -> dict[str, dict[str, Any]]:
    """Port of `ReconcilePolicyPackConfig`: declared levels and schema defaults, then the pack's
    initialConfig, then the user's config (CLI shape, `all` honoured); then each policy's config is
    validated against its configSchema. Validation errors raise `PostureError`."""
    import jsonschema

    result: dict[str, dict[str, Any]] = {}
    for p in info.policies:
        props = None
        for k, schema in ((p.config_schema or {}).get("properties") or {}).items():
            if isinstance(schema, dict) and "default" in schema:
                props = props or {}
                props[k] = copy.deepcopy(schema["default"])
        result[p.name] = {"enforcementLevel": p.enforcement_level, "properties": props}
    if info.initial_config:
        _apply_config(result, info.initial_config)
    if cli_config:
        _apply_config(result, cli_config)

    errors: list[str] = []
    for p in info.policies:
        if p.config_schema is None:
            continue
        schema: dict[str, Any] = {"type": "object"}
        if p.config_schema.get("properties"):
            schema["properties"] = p.config_schema["properties"]
        if p.config_schema.get("required"):
            schema["required"] = p.config_schema["required"]
        props = (result.get(p.name) or {}).get("properties") or {}
        for err in sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=lambda e: list(e.path)):
            where = ".".join(str(x) for x in err.absolute_path)
            errors.append(f"{p.name}: {where + ': ' if where else ''}{err.message}")
    if errors:
        raise PostureError("policy pack config is invalid: " + "; ".join(errors))
    return result


# ---------------------------------------------------------------- marshalling (analyzer_plugin.go)


def marshal_value(value: Any) -> Any:
    """Wire JSON → the engine's analyzer view: `__` keys dropped, resource references flattened."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            rid = value.get("id")
            return rid if isinstance(rid, str) and rid else value.get("urn", "")
        return {k: marshal_value(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [marshal_value(v) for v in value]
    return value


def _struct(props: dict[str, Any]):
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(marshal_value(props or {}))
    return s


def _options(reg: Registration):
    from pulumi.runtime.proto import analyzer_pb2

    o = reg.options or {}
    opts = analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(o.get("protect")),
        ignoreChanges=list(o.get("ignoreChanges") or []),
        deleteBeforeReplace=bool(o.get("deleteBeforeReplace")),
        deleteBeforeReplaceDefined=bool(o.get("deleteBeforeReplaceDefined")),
        additionalSecretOutputs=list(o.get("additionalSecretOutputs") or []),
        aliases=[a for a in (o.get("aliases") or []) if isinstance(a, str)],
        parent=reg.parent or "",
    )
    ct = o.get("customTimeouts")
    if ct:
        seconds = {k: timeout_seconds(ct.get(k), f"{reg.urn}: customTimeouts.{k}") for k in ("create", "update", "delete")}
        opts.customTimeouts.CopyFrom(analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(**seconds))
    return opts


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def timeout_seconds(value: Any, where: str) -> float:
    """A custom timeout as the engine hands it to analyzers: seconds. Programs send Go duration strings
    (`"5m"`, `"1h30m"`; the engine's `generateTimeoutInSeconds` uses `time.ParseDuration`); state
    documents already hold seconds. Empty or absent means 0 (no custom timeout)."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise PostureError(f"{where}: {value!r} is not a duration")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        body = text.lstrip("+-")
        if body == "0":
            return 0.0
        if body and _DURATION.sub("", body) == "":
            return sign * sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION.findall(body))
    raise PostureError(
        f"{where}: {value!r} is not a valid duration (Go duration such as \"30s\", \"5m\", \"1h30m\")"
    )


def _provider_of(reg: Registration, by_urn: dict[str, Registration]) -> Optional[Registration]:
    """The registration of `reg`'s provider reference (`urn::id`), if it is among `by_urn`."""
    ref = reg.provider or (reg.options or {}).get("provider") or ""
    if not ref:
        return None
    prov_urn = ref.rsplit("::", 1)[0] if ref.count("::") >= 4 else ref
    return by_urn.get(prov_urn)


def _provider(reg: Registration, by_urn: dict[str, Registration]):
    from pulumi.runtime.proto import analyzer_pb2

    prov = _provider_of(reg, by_urn)
    if prov is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=prov.type, properties=_struct(prov.outputs or prov.inputs), urn=prov.urn, name=prov.name
    )


# ---------------------------------------------------------------- the pack process


class PolicyPackProcess:
    """An unchanged policy pack running as `python -u -m pulumi.policy` and its Analyzer stub.

    Use as a context manager; the process is always terminated on exit."""

    def __init__(self, pack_dir: str | Path, python: str = sys.executable):
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self._proc: Optional[subprocess.Popen] = None
        self._channel = None
        self._stub = None
        self._stderr = None
        self._info: Optional[PackInfo] = None
        self._abort_lock = threading.Lock()  # start (maybe in a PackEvaluation thread) vs abort
        self._aborted = False

    # -- lifecycle
    def abort(self) -> None:
        """End the pack process now, from any thread, even while `start` waits for its port (the wait then
        sees end of file and `start` fails); a `start` not yet begun will not start one. `close` still cleans up."""
        with self._abort_lock:
            self._aborted = True
            proc = self._proc
            if proc is not None and proc.poll() is None:
                proc.terminate()

    def start(self) -> "PolicyPackProcess":
        import grpc
        from pulumi.runtime.proto import analyzer_pb2_grpc

        if not self.pack_dir.is_dir():
            raise PostureError(f"{self.pack_dir}: policy pack directory not found")
        if not (self.pack_dir / "__main__.py").is_file():
            raise PostureError(f"{self.pack_dir}: not a Python policy pack (no __main__.py)")
        self._stderr = tempfile.TemporaryFile()
        env = dict(os.environ)
        env.pop("PULUMI_CONFIG", None)
        with self._abort_lock:
            if self._aborted:
                raise PostureError(f"{self.pack_dir}: policy pack not started: the check was interrupted")
            self._proc = subprocess.Popen(
                [self.python, "-u", "-m", "pulumi.policy", ENGINE_PLACEHOLDER, str(self.pack_dir)],
                cwd=self.pack_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        port_line: list[bytes] = []
        reader = threading.Thread(target=lambda: port_line.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        timeout = start_timeout()
        try:
            reader.join(timeout)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) while waiting: never leave the pack behind
            self.close()
            raise
        line = port_line[0].strip() if port_line else b""
        if not line.isdigit():
            # pulumi.policy reports a failing pack with `pulumi.log.error`, which, with no engine
            # attached, prints to stdout: read both streams for the reason. A pack still running without
            # having printed a port is ended (close) and named as hung; it is never left behind.
            out = b""
            try:
                if self._proc.wait(5 if port_line else 0.5) is not None and port_line:
                    out = line + b"\n" + self._proc.stdout.read()
            except subprocess.TimeoutExpired:
                self.close()
                raise PostureError(f"{self.pack_dir}: policy pack failed to start: it printed no port within "
                                   f"{timeout:g} s (POSTURE_PACK_START_TIMEOUT) and was stopped") from None
            detail = self._last_line(out.decode(errors="replace")) or self._stderr_tail()
            self.close()
            raise PostureError(f"{self.pack_dir}: policy pack failed to start: {detail}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}", options=CHANNEL_OPTIONS)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        return self

    @staticmethod
    def _last_line(text: str) -> str:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return lines[-1] if lines else ""

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return "(no output)"
        try:
            self._stderr.seek(0)
            lines = [ln for ln in self._stderr.read().decode(errors="replace").splitlines() if ln.strip()]
        except (OSError, ValueError):
            lines = []
        return lines[-1].strip() if lines else "(no output; it exited before printing its port)"

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> "PolicyPackProcess":
        return self.start() if self._proc is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, request):
        import grpc

        if self._stub is None:
            raise RuntimeError("PolicyPackProcess is not started")
        try:
            return getattr(self._stub, method)(request, timeout=600)
        except grpc.RpcError as e:
            detail = e.details() if hasattr(e, "details") else str(e)
            raise PostureError(f"{self.pack_dir}: policy pack {method} failed: {detail}") from None

    # -- protocol
    def info(self) -> PackInfo:
        from google.protobuf import empty_pb2, json_format

        if self._info is not None:
            return self._info
        ai = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = []
        for p in ai.policies:
            schema = None
            if p.HasField("configSchema"):
                schema = {
                    "properties": json_format.MessageToDict(p.configSchema.properties),
                    "required": list(p.configSchema.required),
                }
            fw = {k: getattr(p.framework, k) for k in ("name", "version", "reference", "specification")
                  if getattr(p.framework, k)}
            policies.append(PolicyMeta(
                name=p.name, description=p.description, enforcement_level=_level_name(p.enforcementLevel),
                config_schema=schema, policy_type={1: "resource", 2: "stack"}.get(p.policy_type, "unknown"),
                display_name=p.displayName, severity=_severity_name(p.severity),
                remediation_steps=p.remediation_steps, url=p.url, tags=list(p.tags), framework=fw,
            ))
        initial = {}
        for k, v in ai.initialConfig.items():
            props = json_format.MessageToDict(v.properties) or None
            initial[k] = {"enforcementLevel": _level_name(v.enforcementLevel), "properties": props}
        # Python packs always answer "0.0.1"; the CLI uses PulumiPolicy.yaml's `version` when set.
        version = ai.version
        try:
            doc = yaml.safe_load((self.pack_dir / "PulumiPolicy.yaml").read_text()) or {}
            if isinstance(doc, dict) and doc.get("version"):
                version = str(doc["version"])
        except (OSError, ValueError, yaml.YAMLError):
            pass  # best effort, like the CLI: without a readable version the pack's own answer stands
        self._info = PackInfo(
            name=ai.name, version=version, policies=policies, initial_config=initial,
            description=ai.description, display_name=ai.displayName,
        )
        return self._info

    def configure(self, cli_config: Optional[dict[str, Any]] = None) -> dict[str, dict[str, Any]]:
        """Reconcile and send the config. `cli_config` is the `--policy-pack-config` document (raw
        JSON shape: levels or objects) or None. Returns the reconciled config."""
        from pulumi.runtime.proto import analyzer_pb2

        parsed = parse_policy_pack_config(cli_config) if cli_config else {}
        reconciled = reconcile_config(self.info(), parsed)
        req = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, cfg in sorted(reconciled.items()):
            if cfg.get("enforcementLevel") not in LEVELS:
                continue
            pc = analyzer_pb2.PolicyConfig(enforcementLevel=_level_value(cfg["enforcementLevel"]))
            if cfg.get("properties"):
                pc.properties.update(cfg["properties"])
            req.policyConfig[name].CopyFrom(pc)
        self._call("Configure", req)
        return reconciled

    def _violations(self, response, urn: str) -> list[Violation]:
        return [
            Violation(
                policyPackName=d.policyPackName, policyPackVersion=d.policyPackVersion,
                policyName=d.policyName, enforcementLevel=_level_name(d.enforcementLevel),
                resourceUrn=d.urn or urn, message=d.message, description=d.description,
                severity=_severity_name(d.severity),
            )
            for d in response.diagnostics
        ]

    def analyze(self, resources: Iterable[Registration]) -> list[Violation]:
        """One Analyze per registration (inputs), then one AnalyzeStack (outputs), one call at a time.

        The reference path: `PackEvaluation` returns exactly this list, in this order (tests pin it)."""
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        out: list[Violation] = []
        for r in resources:
            out.extend(self._violations(self._call("Analyze", analyze_request(r, by_urn)), r.urn))
        out.extend(self._violations(self._call("AnalyzeStack", analyze_stack_request(resources, by_urn)), ""))
        return out


def analyze_request(r: Registration, by_urn: dict[str, Registration]):
    """The engine's `AnalyzeRequest` for one registration (its inputs)."""
    from pulumi.runtime.proto import analyzer_pb2

    req = analyzer_pb2.AnalyzeRequest(
        type=r.type, properties=_struct(r.inputs), urn=r.urn, name=r.name, options=_options(r),
    )
    prov = _provider(r, by_urn)
    if prov is not None:
        req.provider.CopyFrom(prov)
    return req


def _stack_resource(r: Registration, by_urn: dict[str, Registration]):
    from pulumi.runtime.proto import analyzer_pb2

    ar = analyzer_pb2.AnalyzerResource(
        type=r.type, properties=_struct(r.outputs), urn=r.urn, name=r.name, options=_options(r),
        parent=r.parent or "", dependencies=list(r.dependencies),
    )
    prov = _provider(r, by_urn)
    if prov is not None:
        ar.provider.CopyFrom(prov)
    for k, urns in r.property_dependencies.items():
        ar.propertyDependencies[k].urns.extend(urns)
    return ar


def analyze_stack_request(resources: list[Registration], by_urn: dict[str, Registration]):
    """The engine's `AnalyzeStackRequest` (outputs, parent, dependencies, property dependencies)."""
    from pulumi.runtime.proto import analyzer_pb2

    stack_req = analyzer_pb2.AnalyzeStackRequest()
    for r in resources:
        stack_req.resources.append(_stack_resource(r, by_urn))
    return stack_req


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def analyze_stack_request_bytes(resources: list[Registration], by_urn: dict[str, Registration]) -> bytes:
    """`analyze_stack_request(...)` serialized, one resource at a time: a repeated message field on the wire is
    its elements' encodings one after another (tag, length, bytes), so no message of the whole stack is built
    (at 1,000 VMs it is 42 MB, built at the program's peak of memory) and no element is copied into one."""
    from pulumi.runtime.proto import analyzer_pb2

    number = analyzer_pb2.AnalyzeStackRequest.DESCRIPTOR.fields_by_name["resources"].number
    tag = _varint(number << 3 | 2)  # wire type 2: length-delimited
    parts = []
    for r in resources:
        data = _stack_resource(r, by_urn).SerializeToString()
        parts.append(tag + _varint(len(data)) + data)
    return b"".join(parts)


# ---------------------------------------------------------------- the pack while resources arrive (issue 17)

#: Calls in flight at most. Enough to keep the pack's four server threads fed; bounded because thousands of
#: concurrent calls on one channel end in CANCELLED (seen with grpcio 1.85 at about 10,000 for a 1,000-VM check).
#: A caller that finds the window full waits (the program's side only when the pack is far behind it).
WINDOW = 32


@dataclass(frozen=True)
class _Failed:
    """A request that could not be sent (a gRPC future is itself an exception: not usable as the marker)."""

    error: Exception


class PackEvaluation:
    """The pack evaluated while the resources arrive.

    `PolicyPackProcess.analyze` starts when every resource is known and makes one call at a time. Here the pack
    process starts (port, info, Configure) in a background thread while the caller runs the program or reads a
    document; `add` sends a resource's Analyze as soon as it is known, as a gRPC future (at most `WINDOW` in
    flight); `add_stack` sends AnalyzeStack; `violations` waits and returns exactly what
    `PolicyPackProcess.analyze` returns for the same resources, in the same order (each resource's Analyze
    violations in the given order, then AnalyzeStack's). An Analyze answer depends only on its request and the
    pack's config (the servicer keeps nothing between requests; the fail-closed bookkeeping of our pack is per
    request and thread, `azdr_policies.framework`), so when it is answered changes nothing.

    One pack process, also for a document check: after `azdr_policies.sdk_speedups` the pack's work is small
    enough that a second process's start-up and the third busy process on a 2-core machine cost more than they
    save (bench/NOTES.md, issue 17).

    Errors (pack start-up, config, marshalling, RPCs) are raised by `info` and `violations`, the first one in the
    order `PolicyPackProcess.analyze` would have met it; `add` never raises (it runs inside the SDK's threads)."""

    def __init__(self, pack_dir: str | Path, cli_config: Optional[dict[str, Any]] = None,
                 python: str = sys.executable):
        self.pack = PolicyPackProcess(pack_dir, python)
        self.cli_config = cli_config
        self._cond = threading.Condition()  # guards _in_flight, _sent, _known
        self._in_flight = 0
        self.calls = 0  # calls sent (tests, bench)
        self._sent: dict[int, tuple[Registration, Any, Optional[Registration]]] = {}  # id(reg) -> (reg, future|error, provider)
        self._known: dict[str, Registration] = {}
        self._stack: Optional[tuple[list[int], Any]] = None
        self._error: Optional[BaseException] = None
        self._ready = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.reconciled_config: dict[str, dict[str, Any]] = {}  # what the pack was configured with

    # -- lifecycle
    def start(self) -> "PackEvaluation":
        def bring_up() -> None:
            try:
                self.pack.start()
                self.pack.info()
                self.reconciled_config = self.pack.configure(self.cli_config)
            except BaseException as e:  # noqa: BLE001 - raised by info()/violations() in the caller's thread
                self._error = e
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=bring_up, name="policy-pack", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        # End the process first: the bring-up thread may still be waiting (up to POSTURE_PACK_START_TIMEOUT)
        # for a port, e.g. when SIGTERM/Ctrl-C interrupts the caller; joining first would wait that long
        # with the pack left running. Once `violations` has returned the thread is done and this only ends.
        self.pack.abort()
        if self._thread is not None:
            self._thread.join()
        self.pack.close()

    def __enter__(self) -> "PackEvaluation":
        return self.start() if self._thread is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def _raise_start_error(self) -> None:
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def info(self) -> PackInfo:
        self._raise_start_error()
        return self.pack.info()

    # -- sending
    def _raw_callable(self, method: str):
        from pulumi.runtime.proto import analyzer_pb2

        service = analyzer_pb2.DESCRIPTOR.services_by_name["Analyzer"].full_name
        return self.pack._channel.unary_unary(  # noqa: SLF001
            f"/{service}/{method}", request_serializer=None,
            response_deserializer=analyzer_pb2.AnalyzeResponse.FromString)

    def _call_async(self, method: str, request):
        with self._cond:
            while self._in_flight >= WINDOW:
                self._cond.wait()
            self._in_flight += 1
            self.calls += 1

        def release(_future) -> None:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

        try:
            if isinstance(request, bytes):  # already serialized (AnalyzeStack): sent as it is
                future = self._raw_callable(method).future(request, timeout=600)
            else:
                future = getattr(self.pack._stub, method).future(request, timeout=600)  # noqa: SLF001
        except BaseException:
            release(None)
            raise
        future.add_done_callback(release)
        return future

    def _started(self) -> bool:
        """Wait until the pack is configured; False if that failed (its error is raised later)."""
        self._ready.wait()
        return self._error is None

    def _send(self, reg: Registration, by_urn: dict[str, Registration]) -> None:
        prov = _provider_of(reg, by_urn)
        sent: Any = None
        try:
            request = analyze_request(reg, by_urn)  # marshalled before waiting: the pack may still be starting
            if self._started():
                sent = self._call_async("Analyze", request)
        except Exception as e:  # noqa: BLE001 - e.g. a bad customTimeouts value: raised in order by violations()
            sent = _Failed(e)
        with self._cond:
            self._sent[id(reg)] = (reg, sent, prov)

    def add(self, reg: Registration) -> None:
        """Send `reg`'s Analyze now (its inputs and options are final once it is registered). Thread-safe."""
        with self._cond:
            if id(reg) in self._sent:
                return
            self._known.setdefault(reg.urn, reg)
        self._send(reg, self._known)

    def add_stack(self, resources: list[Registration]) -> None:
        """Send AnalyzeStack for `resources` (final: outputs included), e.g. while the caller tidies up."""
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        sent: Any = None
        try:
            request = analyze_stack_request_bytes(resources, by_urn)
            if self._started():
                sent = self._call_async("AnalyzeStack", request)
        except Exception as e:  # noqa: BLE001 - raised by violations()
            sent = _Failed(e)
        self._stack = ([id(r) for r in resources], sent)

    # -- results
    def _result(self, method: str, sent: Any, urn: str) -> list[Violation]:
        import grpc

        if isinstance(sent, _Failed):
            raise sent.error
        try:
            response = sent.result()
        except grpc.RpcError as e:
            detail = e.details() if hasattr(e, "details") else str(e)
            raise PostureError(f"{self.pack.pack_dir}: policy pack {method} failed: {detail}") from None
        return self.pack._violations(response, urn)  # noqa: SLF001

    def violations(self, resources: Iterable[Registration]) -> list[Violation]:
        """Every resource's Analyze violations in the order of `resources`, then AnalyzeStack's: the list
        `PolicyPackProcess.analyze(resources)` returns. Sends what was not sent yet, or was sent with a
        different provider in view (a provider registered after the resource that uses it)."""
        self._raise_start_error()
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        if self._stack is None or self._stack[0] != [id(r) for r in resources]:
            self.add_stack(resources)  # first: the longest call, answered while the rest is sent
        for r in resources:
            with self._cond:
                entry = self._sent.get(id(r))
            if entry is None or _provider_of(r, by_urn) is not entry[2]:
                self._send(r, by_urn)
        assert self._stack is not None
        out: list[Violation] = []
        for r in resources:
            with self._cond:
                sent = self._sent[id(r)][1]
            out.extend(self._result("Analyze", sent, r.urn))
        out.extend(self._result("AnalyzeStack", self._stack[1], ""))
        return out

    def run(self, resources: Iterable[Registration]) -> tuple[PackInfo, list[Violation]]:
        """The pack over resources known up front: `send`, then `(info, violations)`."""
        resources = list(resources)
        self.send(resources)
        return self.info(), self.violations(resources)

    def send(self, resources: Iterable[Registration]) -> None:
        """Every call for resources known up front (a document check), without waiting for the answers:
        AnalyzeStack first (the longest call: the pack works on it while this process marshals the Analyze
        requests), then each Analyze; `violations(resources)` collects them."""
        resources = list(resources)
        self.add_stack(resources)
        for r in resources:
            self.add(r)

    # -- as the observer of posture.capture (run_in_mocks / capture_program)
    def registered(self, reg: Registration) -> None:
        self.add(reg)

    def program_done(self, resources: list[Registration]) -> None:
        self.add_stack(resources)

"""A stand-in ``azure-native`` resource provider for the real Pulumi engine, with no Azure behind it.

The real CLI (``make real-preview`` / ``real-up`` / ``real-destroy`` and tests/real_engine/) loads it from
the isolated PULUMI_HOME as ``plugins/resource-azure-native-v<wheel version>/pulumi-resource-azure-native``
(installed by :mod:`tools.realengine.env`). It speaks the ResourceProvider gRPC protocol through the stubs
the ``pulumi`` wheel ships (``pulumi.runtime.proto``):

* ``GetPluginInfo`` answers the installed ``pulumi_azure_native`` version;
* ``Configure`` accepts secrets and supports preview (so preview outputs carry ARM ``name``/``type`` like
  the offline engine's; the engine still reports the id as unknown in preview);
* ``Check`` echoes the inputs and fills the own-name input (``vaultName``, ``vmName``, ...) of a resource the
  program leaves to autonaming with its Pulumi name: stable, unlike azure-native's random suffix;
* ``Diff`` answers "unknown", so the engine diffs the inputs itself (no replacements are modelled);
* ``Create`` / ``Update`` / ``Read`` / ``Invoke`` take ARM ids, outputs and function results from the
  project's offline mocks (``[tool.posture] mocks`` in pyproject.toml, :class:`components.arm_mocks.ArmMocks`):
  one implementation for both engines;
* every ``Create``, ``Update`` and ``Delete`` is appended as one JSON line to ``$AZDR_STANDIN_LOG`` (default
  ``$PULUMI_HOME/standin.log``): what a real run would have asked Azure to do (Create and Update with the
  inputs they were given, every secret replaced by ``"[secret]"``).

Nothing is printed to stdout before the port (the engine reads it from the first line).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import signal
import sys
import threading
import tomllib
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def plugin_version() -> str:
    """The version the Python SDK asks the engine for: the installed wheel's distribution version
    (``AZDR_STANDIN_VERSION`` when the launcher serves another package, such as the tests' ``fixture``)."""
    return os.environ.get("AZDR_STANDIN_VERSION") or importlib.metadata.version("pulumi_azure_native")


def load_mocks(root: Path = ROOT) -> Any:
    """The ``module:Class`` named by ``[tool.posture] mocks`` in ``root/pyproject.toml``, instantiated."""
    spec = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["posture"]["mocks"]
    module_name, class_name = spec.split(":")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return getattr(importlib.import_module(module_name), class_name)()


def _to_dict(s: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(s) if s is not None else {}


def _to_struct(d: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


def _has_unknown(v: Any) -> bool:
    if v == UNKNOWN:
        return True
    if isinstance(v, dict):
        return any(_has_unknown(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_unknown(x) for x in v)
    return False


SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _redacted(v: Any) -> Any:
    """``v`` with every secret replaced by ``"[secret]"``: the log records what was asked, never a secret."""
    if isinstance(v, dict):
        if v.get("4dabf18193072939515e22adb298388d") == SECRET_SIG:
            return "[secret]"
        return {k: _redacted(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_redacted(x) for x in v]
    return v


def _urn_name(urn: str) -> str:
    return urn.split("::")[-1]


def _urn_type(urn: str) -> str:
    return urn.split("::")[2].split("$")[-1]


class StandInProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, mocks: Any, log_path: Path) -> None:
        self.mocks = mocks
        self.log_path = log_path
        self._lock = threading.Lock()
        self.default_location = ""  # the provider's `location` config (azure-native:location)
        self.rg_locations: dict[str, str] = {}  # resource group name (lower case) -> literal location, from Check

    # -- helpers ---------------------------------------------------------------------------------------
    def _log(self, op: str, urn: str, rid: str, **extra: Any) -> None:
        line = json.dumps({"op": op, "urn": urn, "type": _urn_type(urn), "id": rid, **extra}, sort_keys=True)
        with self._lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def _arm(self, urn: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        args = type("Args", (), {"typ": _urn_type(urn), "name": _urn_name(urn), "inputs": inputs})()
        rid, outputs = self.mocks.new_resource(args)
        return rid, outputs

    # -- plugin ----------------------------------------------------------------------------------------
    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=plugin_version())

    def Configure(self, request, context):
        args = _to_dict(request.args) if request.HasField("args") else {}
        loc = args.get("location") or request.variables.get("azure-native:location", "")
        self.default_location = loc if isinstance(loc, str) and not _has_unknown(loc) else ""
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True,
                                              acceptResources=False, acceptOutputs=False)

    def Attach(self, request, context):
        return empty_pb2.Empty()

    def Cancel(self, request, context):
        return empty_pb2.Empty()

    # -- resources -------------------------------------------------------------------------------------
    def Check(self, request, context):
        news = _to_dict(request.news)
        key = own_name_key(self.mocks, _urn_type(request.urn))
        if key and key not in news:
            olds = _to_dict(request.olds)
            news[key] = olds.get(key) or _urn_name(request.urn)
        self._inherit_location(_urn_type(request.urn), news)
        return provider_pb2.CheckResponse(inputs=_to_struct(news))

    def _inherit_location(self, typ: str, news: dict[str, Any]) -> None:
        """azure-native's Check gives a resource with a `location` input and none set the provider's `location`
        config, else its resource group's location (azure-native reads the group from Azure; the stand-in knows
        the groups it has checked). The offline engine does the same (posture.preview_mocks.inherited_location)."""
        from posture.preview_mocks import takes_location

        if "location" not in news and takes_location(typ):
            loc = self.default_location
            rg = news.get("resourceGroupName")
            if not loc and isinstance(rg, str) and not _has_unknown(rg):
                loc = self.rg_locations.get(rg.lower(), "")
            if loc:
                news["location"] = loc
        if typ == "azure-native:resources:ResourceGroup":
            name, loc = news.get("resourceGroupName"), news.get("location")
            if isinstance(name, str) and isinstance(loc, str) and not _has_unknown(name) and not _has_unknown(loc):
                self.rg_locations[name.lower()] = loc

    def Diff(self, request, context):
        return provider_pb2.DiffResponse()  # DIFF_UNKNOWN: the engine compares old and new inputs itself

    def Create(self, request, context):
        inputs = _to_dict(request.properties)
        rid, outputs = self._arm(request.urn, inputs)
        if request.preview:
            return provider_pb2.CreateResponse(id="", properties=_to_struct(outputs))
        if _has_unknown(inputs):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{request.urn}: unknown input at create")
        self._log("create", request.urn, rid, inputs=_redacted(inputs))
        return provider_pb2.CreateResponse(id=rid, properties=_to_struct(outputs))

    def Update(self, request, context):
        news = _to_dict(request.news)
        _, outputs = self._arm(request.urn, news)
        merged = {**_to_dict(request.olds), **outputs}
        if not request.preview:
            self._log("update", request.urn, request.id, inputs=_redacted(news))
        return provider_pb2.UpdateResponse(properties=_to_struct(merged))

    def Read(self, request, context):
        props = _to_dict(request.properties)
        inputs = _to_dict(request.inputs)
        return provider_pb2.ReadResponse(id=request.id, properties=_to_struct(props), inputs=_to_struct(inputs))

    def Delete(self, request, context):
        self._log("delete", request.urn, request.id)
        return empty_pb2.Empty()

    def Invoke(self, request, context):
        args = type("Args", (), {"token": request.tok, "args": _to_dict(request.args), "provider": ""})()
        # a function the mocks cannot answer reads Azure (offline: unknown, and named in the output); the stand-in,
        # which has no Azure, answers an empty result, as the SDK's default mocks do (a documented gap)
        return provider_pb2.InvokeResponse(**{"return": _to_struct(self.mocks.call(args) or {})})


def own_name_key(mocks: Any, typ: str) -> str | None:
    """The input that holds a resource's own Azure name, as the mocks know it (None: not modelled)."""
    fn = getattr(mocks, "own_name_key", None)
    return fn(typ) if fn else None


def main(argv: list[str]) -> int:
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    log_path = Path(os.environ.get("AZDR_STANDIN_LOG") or home / "standin.log")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(StandInProvider(load_mocks(), log_path), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What the offline engine adds to the SDK mock runtime so that a program nobody here wrote sees what a real
`pulumi preview` gives it (issue 12). `posture.capture` calls these; nothing here knows Azure beyond the
azure-native SDK's own class signatures.

- `PreviewMocks`, the default mocks (a project without `[tool.posture] mocks`): during preview a resource being
  created gets an unknown id, and its outputs are the inputs the program gave and nothing else (the SDK makes
  every other output unknown during a dry run, as the engine does with a provider's preview outputs). Outside
  preview (`up` mode) it echoes inputs with a known id and `name`.
- Invokes: a mocks `call` that returns ``None`` means "the offline engine cannot know this result" (it reads
  Azure). The monitor then answers as the engine answers an invoke it does not service: the result is wholly
  unknown (`ResourceInvokeResponse.unknown`), and the token is recorded so that the output (and any program
  failure) names the function.
- Default providers: every custom resource without an explicit provider gets the engine's default provider
  resource `pulumi:providers:<package>::default_<version>` with the stack's `<package>:*` config as inputs
  (`pkg/resource/deploy/providers/registry.go`, default provider naming; `pulumi stack export` shows them).
- Inherited locations: an azure-native resource whose SDK class takes `location` but was given none gets the
  `azure-native:location` provider config (as the provider's `Check` fills it in), else the literal location of
  its resource group declared in the stack.
- Duplicate URNs: the engine rejects a program that registers one URN twice
  ("Duplicate resource URN '...'; try giving it a unique name").
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from typing import Any, Optional

from .errors import PostureError

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
CLIENT_CONFIG_TOKEN = "azure-native:authorization:getClientConfig"
CLIENT_CONFIG = {
    "clientId": "00000000-0000-0000-0000-000000000001",
    "objectId": "00000000-0000-0000-0000-000000000002",
    "subscriptionId": "00000000-0000-0000-0000-000000000000",
    "tenantId": "00000000-0000-0000-0000-000000000003",
}
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


class PreviewMocks:
    """Default mocks of the offline engine: preview semantics of a real engine (see the module docstring)."""

    def new_resource(self, args):
        from pulumi.runtime.settings import is_dry_run

        inputs = dict(args.inputs)
        if args.resource_id:  # a read (`Resource.get`): the engine reads Azure; nothing is known offline
            return args.resource_id, {}
        if is_dry_run():
            return "", inputs  # "" id: unknown; outputs not given as inputs: unknown (SDK dry-run rule)
        return f"{args.name}-id", {**inputs, "name": inputs.get("name", args.name)}

    def call(self, args) -> Optional[dict[str, Any]]:
        if args.token == CLIENT_CONFIG_TOKEN:
            return dict(CLIENT_CONFIG)
        return None  # the result is read from Azure: unknown offline

    def register_transform(self, transform):  # pragma: no cover - mock API
        pass

    def register_invoke_transform(self, transform):  # pragma: no cover - mock API
        pass


def answer_invoke(mocks, request, unknown_tokens: list[str]):
    """The monitor's answer to a function invoke: the mocks' result, or wholly unknown when the mocks return
    None (the token is appended to `unknown_tokens`)."""
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockCallArgs
    from pulumi.runtime.proto import provider_pb2, resource_pb2
    from pulumi.runtime.sync_await import _sync_await

    args = rpc.deserialize_properties(request.args)
    result = mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
    if result is None:
        if request.tok not in unknown_tokens:
            unknown_tokens.append(request.tok)
        return resource_pb2.ResourceInvokeResponse(unknown=True)
    failures = None
    if not isinstance(result, dict):
        result, raw = result
        failures = [provider_pb2.CheckFailure(property=p, reason=r) for p, r in raw]
    ret = _sync_await(rpc.serialize_properties(result, {}))
    return resource_pb2.ResourceInvokeResponse(failures=failures, **{"return": ret})


def unknown_invoke_note(tokens: list[str]) -> str:
    if not tokens:
        return ""
    return (f"the result of {', '.join(tokens)} is unknown offline (the function reads Azure; a real preview "
            f"would call it)")


def duplicate_urn_error(urns: list[str]) -> PostureError:
    shown = ", ".join(f"'{u}'" for u in urns[:3]) + (f" and {len(urns) - 3} more" if len(urns) > 3 else "")
    return PostureError(f"Duplicate resource URN {shown}; try giving it a unique name (the Pulumi engine rejects "
                        f"a program that registers one URN twice)")


# ---------------------------------------------------------------- inherited location


@lru_cache(maxsize=None)
def takes_location(type_: str) -> bool:
    """Whether the azure-native SDK class of `type_` (`azure-native:<module>:<Type>`) has a `location` input."""
    parts = type_.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return False
    module = "pulumi_azure_native." + parts[1].replace("/", ".")
    try:
        cls = getattr(importlib.import_module(module), parts[2])
        return "location" in inspect.signature(cls._internal_init).parameters
    except (ImportError, AttributeError, TypeError, ValueError):
        return False


def inherited_location(request, rg_locations: dict[str, str]) -> str:
    """The location the azure-native provider's `Check` gives a resource registered without one: the
    `azure-native:location` provider config, else the literal location of its resource group when that group is
    declared in the stack (the provider reads the group from Azure). "" when it does not apply or is not known."""
    if not request.custom or "location" in request.object.fields or not takes_location(request.type):
        return ""
    if request.provider:  # an explicit provider: its own config, not the stack's (not emulated)
        return ""
    from pulumi.runtime.config import get_config

    default = get_config("azure-native:location")
    if default:
        return str(default)
    rg = request.object.fields.get("resourceGroupName")
    if rg is not None and rg.WhichOneof("kind") == "string_value":
        return rg_locations.get(rg.string_value.lower(), "")
    return ""


def note_resource_group(request, rg_locations: dict[str, str]) -> None:
    """Remember a declared resource group's literal name and location (for `inherited_location`)."""
    if request.type != "azure-native:resources:ResourceGroup":
        return
    name, loc = request.object.fields.get("resourceGroupName"), request.object.fields.get("location")
    if name is None or loc is None or loc.WhichOneof("kind") != "string_value" or loc.string_value == UNKNOWN:
        return
    if name.WhichOneof("kind") == "string_value" and name.string_value != UNKNOWN:
        rg_locations[name.string_value.lower()] = loc.string_value


# ---------------------------------------------------------------- default providers


def _provider_config(config: dict[str, str], package: str, version: str) -> dict[str, Any]:
    prefix = f"{package}:"
    inputs: dict[str, Any] = {k[len(prefix):]: v for k, v in sorted(config.items()) if k.startswith(prefix)}
    if version:
        inputs["version"] = version
    return inputs


class DefaultProviders:
    """The engine's default provider resources, made as the program registers: `assign` points a custom resource
    without an explicit provider at its package's default provider (`pulumi:providers:<package>::default_<ver>`,
    the stack's `<package>:*` config as inputs) and returns that provider when the resource is its first user, so
    the caller can register it first (the engine registers a default provider before its first user, and the pack
    sees it on every Analyze); `insert` puts each provider before its first user in a final, ordered list."""

    def __init__(self, config: dict[str, str], stack: str, project: str, preview: bool,
                 secret_keys: frozenset[str] = frozenset()):
        self.config, self.stack, self.project, self.preview = config, stack, project, preview
        self.secret_keys = secret_keys
        self.providers: dict[str, Any] = {}

    def assign(self, r) -> Any:
        from .capture import Registration, engine_urn

        if not r.custom or r.type.startswith(PROVIDER_TYPE_PREFIX) or r.provider:
            return None
        package = r.type.split(":", 1)[0]
        version = (r.options or {}).get("version") or ""
        name = "default_" + version.replace(".", "_").replace("-", "_").replace("+", "_") if version else "default"
        urn = engine_urn(self.stack, self.project, "", f"{PROVIDER_TYPE_PREFIX}{package}", name)
        first = urn not in self.providers
        if first:
            inputs = _provider_config(self.config, package, version)
            for key in list(inputs):
                if f"{package}:{key}" in self.secret_keys:
                    inputs[key] = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                   "value": inputs[key]}
            pid = UNKNOWN if self.preview else f"{name}-id"
            options = {"protect": False, "retainOnDelete": False, "ignoreChanges": [], "deleteBeforeReplace": False,
                       "deleteBeforeReplaceDefined": False, "additionalSecretOutputs": [], "replaceOnChanges": [],
                       "aliases": [], "provider": "", "deletedWith": "", "version": version, "importId": "",
                       "customTimeouts": None}
            self.providers[urn] = Registration(urn=urn, type=f"{PROVIDER_TYPE_PREFIX}{package}", name=name,
                                               custom=True, options=options, inputs=inputs, outputs=dict(inputs),
                                               id=None if self.preview else pid)
        prov = self.providers[urn]
        r.provider = f"{urn}::{prov.id or UNKNOWN}"
        return prov if first else None

    def insert(self, registrations) -> list:
        """`registrations` with each default provider just before the first resource that uses it."""
        if not self.providers:
            return list(registrations)
        out, placed = [], set()
        for r in registrations:
            urn = (r.provider or "").rsplit("::", 1)[0]
            if urn in self.providers and urn not in placed:
                out.append(self.providers[urn])
                placed.add(urn)
            out.append(r)
        return out


def add_default_providers(registrations, config: dict[str, str], stack: str, project: str, preview: bool,
                          secret_keys: frozenset[str] = frozenset()):
    """Insert the engine's default provider resources (before their first user) and point every custom resource
    without an explicit provider at its package's default provider. Returns the new list."""
    dp = DefaultProviders(config, stack, project, preview, secret_keys)
    for r in registrations:
        dp.assign(r)
    return dp.insert(registrations)

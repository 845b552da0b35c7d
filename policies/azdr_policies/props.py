"""Safe access to wire-shaped (camelCase) resource properties.

Props reach a rule as `unknown_checking_proxy(deserialize_properties(...))`: nested dicts and
lists are read-only proxies, every number is a float, and reading a value that is unknown during
preview raises `pulumi_policy.proxy.UnknownValueError`. These helpers never raise on a missing key
(they return the default); they DO let `UnknownValueError` through, so each rule decides what an unknown
means (see `Rule.unknown`). A value that is PRESENT but of the wrong shape (a string where an object
belongs, settings wrapped in a list, an enum with surrounding spaces, a number where text belongs) is not
absent: it raises `ShapeError`, which the framework records and the mandatory fail-closed guard reports
(issue 13: present-but-unreadable never reads as Azure's default). Shape errors name the path and the
type found, never the value (it may be a secret).

Type tokens carrying an API version (`azure-native:recoveryservices/v20240401:Vault`, in state written by
older azure-native majors) are matched as their version-less token (`canonical_type`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Type tokens (azure-native v3).
VAULT = "azure-native:recoveryservices:Vault"
PROTECTION_POLICY = "azure-native:recoveryservices:ProtectionPolicy"
PROTECTED_ITEM = "azure-native:recoveryservices:ProtectedItem"
LOCK_BY_SCOPE = "azure-native:authorization:ManagementLockByScope"
LOCK_AT_RESOURCE = "azure-native:authorization:ManagementLockAtResourceLevel"
LOCK_AT_RESOURCE_GROUP = "azure-native:authorization:ManagementLockAtResourceGroupLevel"
VIRTUAL_MACHINE = "azure-native:compute:VirtualMachine"
AVAILABILITY_SET = "azure-native:compute:AvailabilitySet"
DISK = "azure-native:compute:Disk"
SNAPSHOT = "azure-native:compute:Snapshot"
IMAGE = "azure-native:compute:Image"
GALLERY_IMAGE_VERSION = "azure-native:compute:GalleryImageVersion"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
NETWORK_SECURITY_GROUP = "azure-native:network:NetworkSecurityGroup"
SECURITY_RULE = "azure-native:network:SecurityRule"
NETWORK_INTERFACE = "azure-native:network:NetworkInterface"
SUBNET = "azure-native:network:Subnet"

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")
_VERSIONED = re.compile(r"^([^:/]+:[^:/]+)/v[0-9][0-9A-Za-z]*(:[^:]+)$", re.ASCII)


def canonical_type(token: str) -> str:
    """`azure-native:recoveryservices/v20240401:Vault` -> `azure-native:recoveryservices:Vault`."""
    m = _VERSIONED.match(token) if isinstance(token, str) else None
    return f"{m.group(1)}{m.group(2)}" if m else token


class ShapeError(Exception):
    """A property is present but not of the shape Azure defines: the rule cannot read it (fail closed)."""


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


class _Missing:
    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Returned by `get` when a path is absent (or crosses a non-container); distinct from None."""


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _SEGMENT.findall(path):
        parts.append(int(index) if index else name)
    return parts


def get(obj: Any, path: str, default: Any = MISSING) -> Any:
    """Read `a.b[0].c` from nested mappings/sequences. Missing keys and out-of-range indexes yield
    `default`; a present value of the wrong container type raises `ShapeError` naming the path. Unknown
    preview values raise UnknownValueError."""
    cur = obj
    if cur is MISSING or cur is None:
        return default
    walked = ""
    for part in _split(path):
        if isinstance(part, int):
            if isinstance(cur, (str, bytes)) or not isinstance(cur, Sequence):
                raise ShapeError(f"`{walked or '(value)'}` is {kind(cur)} where a list belongs")
            if part >= len(cur):
                return default
            cur = cur[part]
            walked += f"[{part}]"
        else:
            if not isinstance(cur, Mapping):
                raise ShapeError(f"`{walked or '(value)'}` is {kind(cur)} where an object belongs")
            walked += f".{part}" if walked else part
            if part not in cur:
                return default
            cur = cur[part]
        if cur is None:
            return default
    return cur


def as_str(value: Any) -> str | None:
    """The value if it is a non-empty string, else None."""
    return value if isinstance(value, str) and value != "" else None


def as_int(value: Any) -> int | None:
    """An integral number (protobuf sends ints as floats: 14.0 -> 14); None for anything else
    (bools, non-integral floats, strings, NaN/inf, missing)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(float(value)):
        return float(value)
    return None


def as_list(value: Any) -> list[Any]:
    """Items of a list (elements read through the proxy); [] when absent; `ShapeError` for a present
    value that is not a list."""
    if value is MISSING or value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ShapeError(f"{kind(value)} where a list belongs")
    return [value[i] for i in range(len(value))]


def as_map(value: Any) -> Mapping[str, Any]:
    """The mapping; {} when absent; `ShapeError` for a present value that is not an object."""
    if value is MISSING or value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ShapeError(f"{kind(value)} where an object belongs")
    return value


def same_text(a: Any, b: str) -> bool:
    """Case-insensitive comparison for Azure enum strings (ARM accepts any case). Absent (or any
    non-JSON sentinel) is False; a present number/boolean/object/list, or text with surrounding
    whitespace, is `ShapeError`: an enum the rule cannot read is not "some other value"."""
    if isinstance(a, str):
        if a != a.strip():
            raise ShapeError(f"an enum value with leading or trailing whitespace where {b!r} or another "
                             "value of the enum belongs")
        return a.lower() == b.lower()
    if isinstance(a, (bool, int, float, Mapping)) or (isinstance(a, Sequence) and not isinstance(a, bytes)):
        raise ShapeError(f"{kind(a)} where an enum string (such as {b!r}) belongs")
    return False


def show(value: Any) -> str:
    """Render a wire value for a message: strings quoted, integral floats as ints, missing as
    'not set'."""
    if value is MISSING or value is None:
        return "not set"
    n = as_int(value)
    if n is not None:
        return str(n)
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def has_key(obj: Any, key: str) -> bool:
    """Whether a mapping holds `key`, without reading its value (so an unknown value still counts
    as present and never raises; `key in proxy` would read it)."""
    return isinstance(obj, Mapping) and any(k == key for k in iter(obj))

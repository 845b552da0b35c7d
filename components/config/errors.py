"""ConfigError, and pydantic errors turned into ``azure-iaas-dr:<key path>: <value>: <allowed>`` lines."""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Annotated, Any, Union

import pulumi
from pydantic import BaseModel, SecretStr, ValidationError

from .inputs import NAMESPACE, WORKLOAD_NAME_ALLOWED, ProgramConfig


class ConfigError(pulumi.RunError):
    """Invalid stack config. ``problems`` holds one line per problem; ``str()`` joins them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid stack configuration:\n  " + "\n  ".join(self.problems))


# --- parsing ---------------------------------------------------------------------------------------------

class _Shown(str):
    """A description shown in place of a value (never quoted)."""


_MISSING = _Shown("<missing>")


def _show(value: Any) -> str:
    if isinstance(value, _Shown):
        return str(value)
    if isinstance(value, SecretStr):
        return "[secret]"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(path: str, value: Any, allowed: str) -> str:
    prefix = path if ":" in path.split(".")[0] else f"{NAMESPACE}:{path}"
    return f"{prefix}: {_show(value)}: {allowed}"


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated from a field annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _walk(loc: tuple) -> tuple[type[BaseModel] | None, Any]:
    """The model class holding the last element of ``loc`` and that element's FieldInfo (or None)."""
    current: Any = ProgramConfig
    parent: type[BaseModel] | None = None
    field_info = None
    skip_key = False
    for part in loc:
        if skip_key:
            skip_key = False
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            parent = current
            field_info = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
            if field_info is None:
                return parent, None
            current = _unwrap(field_info.annotation)
        else:
            return parent, field_info
        origin = typing.get_origin(current)
        if origin in (dict, list):
            skip_key = True
            current = _unwrap(typing.get_args(current)[-1])
    return parent, field_info


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_from(err: dict, field_info: Any, parent: type[BaseModel] | None) -> str:
    kind = err["type"]
    extra = (field_info.json_schema_extra or {}) if field_info is not None else {}
    if kind == "extra_forbidden":
        keys = sorted((f.alias or n) for n, f in parent.model_fields.items()) if parent else []
        return "unknown key; allowed keys: " + ", ".join(keys)
    if kind == "missing":
        desc = field_info.description if field_info is not None else ""
        return f"required ({desc.rstrip('.')})" if desc else "required"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return "one of " + expected.replace("'", '"')
    if isinstance(extra, dict) and extra.get("allowed") and kind not in ("dict_type", "model_type", "list_type"):
        return str(extra["allowed"])
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "an integer"
    if kind in ("string_type",):
        return "a string"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys to values"
    if kind == "list_type":
        return "a list"
    if kind == "string_pattern_mismatch":
        return "a string matching " + err.get("ctx", {}).get("pattern", "")
    return err["msg"]


def _pydantic_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        parent, field_info = _walk(loc)
        value = _MISSING if err["type"] == "missing" else err.get("input")
        if loc and loc[0] == "adminPassword":
            value = _Shown("[secret]") if value is not _MISSING else value
        elif value is not _MISSING and _masked(loc, err["type"]):
            value = _Shown("[value hidden]")
        # dict keys that fail their pattern are reported on the key itself
        if err["type"] == "string_pattern_mismatch" and loc and loc[-1] == "[key]":
            loc = loc[:-1]
            problems.append(_problem(_path(loc), value, WORKLOAD_NAME_ALLOWED))
            continue
        problems.append(_problem(_path(loc), value, _allowed_from(err, field_info, parent)))
    return problems


_SECRET_LOOKING = re.compile(r"pass(word)?|pwd|secret|token|credential|private|apikey|key$", re.I)


def _masked(loc: tuple, err_type: str) -> bool:
    """Whether a config error must not echo the value: an unknown key (a misspelt adminPassword is still a
    password) or a secret-looking one."""
    return err_type == "extra_forbidden" or any(isinstance(p, str) and _SECRET_LOOKING.search(p) for p in loc)

"""Bounded, validated reading of every file the offline engine reads (issue 13).

Every input file is read with a size bound (`check --stack-export /dev/zero` stops at the bound instead of
reading GiBs), decoded as strict UTF-8 (a byte that is not UTF-8 is an error naming the file and the byte
offset), and every parsed document is walked once, without recursion, for what would otherwise crash deep in
the engine: nesting deeper than protobuf's Struct can carry, lone surrogates (they cannot be encoded as
UTF-8 on the wire or on stdout), integers past what a protobuf double holds, cycles and alias explosions
("billion laughs") in YAML. Each problem is a `PostureError` (exit 2) naming the file and the key path.

YAML is read as the Pulumi CLI reads stack and project files (go-yaml v3, YAML 1.2 core schema for plain
scalars): `22:00` is the string "22:00" (YAML 1.1 reads sexagesimal 1320), `yes`/`no`/`on`/`off` are
strings, `0o17` is octal; aliases are resolved but their expanded size is bounded.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import PostureError

MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""Stack/project files, pyproject.toml, pack config: 16 MiB."""
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
"""`pulumi stack export` / `pulumi preview --json` documents: 512 MiB (POSTURE_MAX_DOCUMENT_BYTES overrides)."""
MAX_DEPTH = 64
"""Nesting levels of a document value. protobuf's Struct parser stops at 100 message levels and every JSON
level costs a Struct and a Value (ListValue) message, so ~50 levels is what reaches a policy pack."""
MAX_NODES = 1_000_000
"""Values (scalars and containers) a YAML document may expand to through aliases."""
MAX_FLOAT = 2.0**1023 * (2 - 2.0**-52)


def _limit(default: int, env: str) -> int:
    raw = os.environ.get(env, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def read_text(
    path: str | Path, what: str, max_bytes: int | None = None, *, short_missing: bool = False
) -> str:
    """The file's text: at most `max_bytes`, strict UTF-8 (a BOM is allowed), else a `PostureError`."""
    limit = max_bytes if max_bytes is not None else MAX_CONFIG_BYTES
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError as e:
        if short_missing:
            raise PostureError(f"{path}: {what} not found") from None
        raise PostureError(f"{path}: cannot read {what}: {e.strerror}") from None
    except IsADirectoryError:
        raise PostureError(f"{path}: cannot read {what}: it is a directory") from None
    except OSError as e:
        raise PostureError(f"{path}: cannot read {what}: {e.strerror or e}") from None
    if len(data) > limit:
        raise PostureError(f"{path}: {what} is larger than {limit:,} bytes (the limit for this input)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PostureError(
            f"{path}: {what} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None


def document_limit() -> int:
    return _limit(MAX_DOCUMENT_BYTES, "POSTURE_MAX_DOCUMENT_BYTES")


def _where(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _bad_string(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def check_value(value: Any, source: str, *, max_depth: int = MAX_DEPTH, max_nodes: float = MAX_NODES) -> None:
    """Walk a parsed document iteratively; raise `PostureError` naming `source` and the key path for
    nesting past `max_depth`, lone surrogates, non-string keys, numbers no double can hold, cycles and more
    than `max_nodes` values (alias expansion)."""
    stack: list[tuple[Any, list[Any], frozenset[int]]] = [(value, [], frozenset())]
    nodes = 0
    while stack:
        v, path, ancestors = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise PostureError(f"{source}: more than {max_nodes:,} values (YAML aliases expand too far?)")
        if isinstance(v, str):
            if _bad_string(v):
                raise PostureError(
                    f"{source}: `{_where(path)}` holds a lone surrogate (not valid Unicode text)"
                )
        elif isinstance(v, bool) or v is None:
            pass
        elif isinstance(v, int):
            if abs(v) > MAX_FLOAT:
                raise PostureError(
                    f"{source}: `{_where(path)}` holds an integer too large for a number "
                    "(Pulumi and protobuf carry numbers as 64-bit floats)"
                )
        elif isinstance(v, float):
            if math.isnan(v) or math.isinf(v):
                raise PostureError(f"{source}: `{_where(path)}` is not a finite number")
        elif isinstance(v, (dict, list)):
            if id(v) in ancestors:
                raise PostureError(f"{source}: `{_where(path)}` refers to itself (a recursive YAML alias)")
            if len(path) >= max_depth:
                raise PostureError(
                    f"{source}: `{_where(path[:8])}...` is nested deeper than {max_depth} levels"
                )
            inner = ancestors | {id(v)}
            if isinstance(v, dict):
                for k, child in v.items():
                    if not isinstance(k, str):
                        raise PostureError(
                            f"{source}: `{_where(path)}` has a key that is not a string: {type(k).__name__}"
                        )
                    if _bad_string(k):
                        raise PostureError(f"{source}: `{_where(path)}` has a key with a lone surrogate")
                    stack.append((child, path + [k], inner))
            else:
                for i, child in enumerate(v):
                    stack.append((child, path + [i], inner))
        else:  # dates, bytes, sets from YAML tags
            raise PostureError(f"{source}: `{_where(path)}` is a {type(v).__name__}, not a JSON value")


def load_json(path: str | Path, what: str, max_bytes: int | None = None) -> Any:
    text = read_text(path, what, max_bytes if max_bytes is not None else document_limit())
    return parse_json(text, path, what)


def parse_json(text: str, path: str | Path, what: str) -> Any:
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise PostureError(f"{path}: {what} is not valid JSON: {e.msg} (line {e.lineno})") from None
    except RecursionError:
        raise PostureError(f"{path}: {what} is nested too deeply") from None
    except ValueError as e:  # int digit limit, NaN/Infinity
        raise PostureError(f"{path}: {what} is not valid JSON: {str(e).splitlines()[0]}") from None
    check_value(doc, f"{path}", max_nodes=math.inf)  # JSON has no aliases: the size bound is the file's
    return doc


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


# ------------------------------------------------------------------ YAML as the Pulumi CLI reads it


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema resolution of plain scalars (go-yaml v3) and bounded depth."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _regex, _first in (
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_regex, re.ASCII), _first)


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    if len(text.lstrip("+-")) > 400:
        raise yaml.constructor.ConstructorError(
            None, None, f"integer {text[:20]}... is too long", node.start_mark
        )
    return int(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _BoundedLoader(_Loader):
    def compose_node(self, parent, index):
        depth = getattr(self, "_posture_depth", 0)
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark
            )
        self._posture_depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._posture_depth = depth


def load_yaml(path: str | Path, what: str) -> Any:
    text = read_text(path, what, short_missing=True)
    try:
        doc = yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise PostureError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise PostureError(f"{path}: not valid YAML: nested too deeply") from None
    check_value(doc, str(path))
    return doc

"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI does, offline.

Config values are handed to the program as the engine hands them over (`PULUMI_CONFIG`): strings, with
structured values JSON-encoded. `{secure: ...}` values cannot be decrypted offline: their keys are
reported in `StackFile.unavailable_secure_keys` and left out of the config, never guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import PostureError

_SCHEMA_PATH = Path(__file__).parent / "schemas" / "project.json"


@dataclass(frozen=True)
class Project:
    name: str
    runtime: Any
    directory: Path
    main: Path  # the program file to run (`__main__.py` of the program directory)
    stack_config_dir: Path
    # key (namespaced) -> default value from the project `config:` block
    config_defaults: dict[str, Any] = field(default_factory=dict)
    # raw `tool.posture` table of the project's pyproject.toml, if any
    tool: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StackFile:
    """A stack's config as `Pulumi.<stack>.yaml` gives it to the engine (not the program's validated config,
    `components.config.StackConfig`, which the program builds from these values)."""

    stack: str
    # namespaced key -> value as the program sees it (str)
    values: dict[str, str]
    # namespaced keys whose value is `{secure: ...}` (or contains one): not available offline
    unavailable_secure_keys: list[str]


@lru_cache(maxsize=1)
def _project_schema() -> dict:
    return json.loads(_SCHEMA_PATH.read_text())


def _read_yaml(path: Path, what: str) -> Any:
    """Bounded, strict UTF-8, YAML 1.2 plain scalars like the Pulumi CLI (`posture/inputs.py`)."""
    from .inputs import load_yaml

    return load_yaml(path, what)


def _namespaced(key: str, project_name: str) -> str:
    return key if ":" in key else f"{project_name}:{key}"


def _read_tool_table(directory: Path) -> dict[str, Any]:
    import tomllib

    path = directory / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        from .inputs import read_text

        data = tomllib.loads(read_text(path, "pyproject.toml"))
    except tomllib.TOMLDecodeError as e:
        raise PostureError(f"{path}: not valid TOML: {e}") from None
    table = data.get("tool", {}).get("posture", {})
    if not isinstance(table, dict):
        raise PostureError(f"{path}: [tool.posture] must be a table")
    return table


def load_project(project_dir: str | Path) -> Project:
    """Read and validate `Pulumi.yaml` (or `Pulumi.yml`) of `project_dir`."""
    directory = Path(project_dir).resolve()
    if not directory.is_dir():
        raise PostureError(f"{project_dir}: project directory not found")
    path = directory / "Pulumi.yaml"
    if not path.exists() and (directory / "Pulumi.yml").exists():
        path = directory / "Pulumi.yml"
    doc = _read_yaml(path, "Pulumi project file")
    if not isinstance(doc, dict):
        raise PostureError(f"{path}: must be a YAML mapping with at least `name` and `runtime`")
    validator = jsonschema.Draft202012Validator(_project_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise PostureError(f"{path}: `{where}` is invalid: {err.message}")
    if "runtime" not in doc:
        raise PostureError(f"{path}: `runtime` is required (this engine runs `runtime: python`)")
    runtime = doc["runtime"]
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PostureError(f"{path}: `runtime` is {runtime_name!r}; the offline engine runs only `python`")
    name = doc["name"]

    main = directory
    if doc.get("main"):
        main = (directory / doc["main"]).resolve()
    main_file = main / "__main__.py" if main.is_dir() else main
    if not main_file.is_file():
        raise PostureError(f"{path}: program not found: {main_file} (set `main` or add __main__.py)")

    defaults: dict[str, Any] = {}
    config = doc.get("config")
    if isinstance(config, dict):
        for key, decl in config.items():
            if key == "secret" and isinstance(decl, bool):
                continue
            full = _namespaced(key, name)
            if isinstance(decl, dict):
                if "value" in decl:
                    defaults[full] = decl["value"]
                elif "default" in decl:
                    defaults[full] = decl["default"]
            else:
                defaults[full] = decl
    stack_config_dir = directory / doc["stackConfigDir"] if doc.get("stackConfigDir") else directory
    if isinstance(config, str):  # deprecated form: config directory
        stack_config_dir = directory / config
    return Project(
        name=name,
        runtime=runtime,
        directory=directory,
        main=main_file,
        stack_config_dir=stack_config_dir,
        config_defaults=defaults,
        tool=_read_tool_table(directory),
    )


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return True
        return any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def config_value_to_string(value: Any) -> str:
    """The string the engine passes to the program for a config value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}", re.ASCII)  # fullmatch: `$` would accept "dev\n"


def stack_short_name(stack: str) -> str:
    """`org/project/stack` or `stack` → `stack` (the name in URNs and in `Pulumi.<stack>.yaml`), validated
    like the CLI validates stack names."""
    parts = stack.split("/") if isinstance(stack, str) else [None]
    name = parts[-1]
    if len(parts) > 3 or not all(isinstance(p, str) and _STACK_NAME.fullmatch(p) and p not in (".", "..")
                                 for p in parts):
        raise PostureError(
            f"stack name {stack!r} is invalid: use letters, digits, `-`, `_` or `.` (at most 100), "
            "optionally as `org/project/stack`"
        )
    return name


def load_stack_file(project: Project, stack: str) -> StackFile:
    """Project config defaults overlaid by `Pulumi.<stack>.yaml`'s `config:` map."""
    stack = stack_short_name(stack)
    path = project.stack_config_dir / f"Pulumi.{stack}.yaml"
    if not path.exists() and (project.stack_config_dir / f"Pulumi.{stack}.yml").exists():
        path = project.stack_config_dir / f"Pulumi.{stack}.yml"
    if not path.exists():
        raise PostureError(f"{path}: stack config file not found (is the stack name `{stack}` right?)")
    doc = _read_yaml(path, "stack config file")
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise PostureError(f"{path}: must be a YAML mapping with a `config:` map")
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise PostureError(f"{path}: `config` must be a mapping of keys to values")

    merged: dict[str, Any] = dict(project.config_defaults)
    secure: list[str] = []
    for key, value in config.items():
        if not isinstance(key, str) or not key or key.count(":") > 1:
            raise PostureError(f"{path}: config key {key!r} is invalid: use `name` or `namespace:name`")
        full = _namespaced(key, project.name)
        if _contains_secure(value):
            secure.append(full)
            merged.pop(full, None)
            continue
        merged[full] = value
    values = {k: config_value_to_string(v) for k, v in sorted(merged.items()) if v is not None}
    return StackFile(stack=stack, values=values, unavailable_secure_keys=sorted(secure))

"""Loading the stack config: from the Pulumi runtime (public SDK config API) or a ``Pulumi.<stack>.yaml`` file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pulumi

from .errors import ConfigError
from .inputs import LOCATION_KEY, NAMESPACE
from .resolved import StackConfig
from .resolve import parse_stack_config


def _runtime_config() -> tuple[dict[str, Any], set[str]]:
    """All config the program was given (``PULUMI_CONFIG`` under the engine, ``set_all_config`` under
    mocks) and which of its keys are secret, through the SDK's public ``pulumi.runtime`` config API
    (``PULUMI_CONFIG_SECRET_KEYS`` under the engine, ``is_config_secret`` for keys set under mocks)."""
    from pulumi import runtime as rt
    from pulumi.runtime import config as rc

    merged = dict(rt.get_config_env())
    merged.update(rc.CONFIG.get())
    secret = set(rt.get_config_secret_keys_env()) | {k for k in merged if rt.is_config_secret(k)}
    return merged, secret


def load_stack_config(project: str | None = None) -> StackConfig:
    """Read and validate the program config from the Pulumi runtime. Raises :class:`ConfigError`."""
    project = project or pulumi.get_project() or NAMESPACE
    merged, secret = _runtime_config()
    prefix = f"{project}:"
    raw = {k[len(prefix):]: v for k, v in merged.items() if k.startswith(prefix)}
    secret_keys = {k[len(prefix):] for k in secret if k.startswith(prefix)}
    location = merged.get(LOCATION_KEY)
    return parse_stack_config(raw, location=location, project=project, secret_keys=secret_keys)


def load_stack_file(path: str | os.PathLike[str], project: str = NAMESPACE) -> StackConfig:
    """Validate a ``Pulumi.<stack>.yaml`` file directly (tests, tooling). ``{secure: ...}`` values count as
    present secrets. Raises :class:`ConfigError` naming the file on unreadable YAML."""
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError([f"{p}: cannot read stack config: {e}"]) from None
    config = doc.get("config") or {} if isinstance(doc, dict) else {}
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for key, value in config.items():
        ns, _, name = key.partition(":")
        if ns != project:
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret.add(name)
            value = "[secure value]"
        raw[name] = value
    return parse_stack_config(raw, location=config.get(LOCATION_KEY), project=project, secret_keys=secret)

"""A `pulumi stack export` document (deployment v3) of captured registrations, for `posture check` benchmarks
and tests of a big document (issue 17): what the state would hold after `pulumi up` of the same program with
providers that echo their inputs.

Secrets become `plaintext` secrets (as `pulumi stack export --show-secrets` writes them), so the check reads
them back to the same values; shapes as `posture.formats` reads them (`sdk/go/common/apitype/core.go`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from posture.capture import SECRET_SIG, SIG_KEY, Registration


def _state_value(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value.get("value"))}
        return {k: _state_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_state_value(v) for v in value]
    return value


def state_resource(r: Registration) -> dict[str, Any]:
    o = r.options or {}
    res: dict[str, Any] = {"urn": r.urn, "custom": r.custom, "type": r.type,
                           "inputs": _state_value(r.inputs), "outputs": _state_value(r.outputs)}
    if r.id:
        res["id"] = r.id
    if r.parent:
        res["parent"] = r.parent
    if r.dependencies:
        res["dependencies"] = list(r.dependencies)
    if r.property_dependencies:
        res["propertyDependencies"] = {k: list(v) for k, v in r.property_dependencies.items()}
    if r.provider:
        res["provider"] = r.provider
    for key in ("protect", "retainOnDelete"):
        if o.get(key):
            res[key] = True
    for key in ("ignoreChanges", "additionalSecretOutputs", "aliases"):
        if o.get(key):
            res[key] = list(o[key])
    if o.get("customTimeouts"):
        res["customTimeouts"] = dict(o["customTimeouts"])
    if o.get("deletedWith"):
        res["deletedWith"] = o["deletedWith"]
    return res


def stack_export(resources: Iterable[Registration]) -> dict[str, Any]:
    return {"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": ""},
                                         "resources": [state_resource(r) for r in resources]}}


def write_stack_export(resources: Iterable[Registration], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(stack_export(resources)))
    return path

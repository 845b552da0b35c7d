"""Read `pulumi stack export` and `pulumi preview --json` documents into Registrations.

Encrypted secrets become the string "[secret]" (as `pulumi policy analyze --file` redacts undecryptable
secrets); `--show-secrets` plaintext ones reach the pack as secrets with their value; the unknown sentinel
is kept. Shapes: `pkg/resource/stack/deployment.go`,
`sdk/go/common/apitype/core.go` (DeploymentV3/V4), `pkg/display/json.go` (PreviewDigest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .capture import REDACTED, SECRET_SIG, SIG_KEY, UNKNOWN, Registration
from .errors import PostureError



def _redact(value: Any, where: str = "") -> Any:
    """Secrets of a state document: a `ciphertext` one cannot be decrypted offline and becomes "[secret]";
    a `plaintext` one (`--show-secrets`) stays a secret holding its value, as the engine hands a decrypted
    secret to the pack (`KeepSecrets`). Output renderers never print secret values."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "plaintext" in value and isinstance(value["plaintext"], str):
                try:
                    return {SIG_KEY: SECRET_SIG, "value": json.loads(value["plaintext"])}
                except json.JSONDecodeError:
                    raise PostureError(f"{where}: a secret's `plaintext` is not valid JSON") from None
            return REDACTED
        return {k: _redact(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, where) for v in value]
    return value


def _load_json(path: str | Path, what: str) -> Any:
    """Bounded size, strict UTF-8, depth/surrogate/number checks (`posture/inputs.py`)."""
    from .inputs import load_json

    return load_json(path, what)


def _field(res: dict, key: str, kind: type | tuple[type, ...], where: str, default: Any) -> Any:
    """`res[key]` if absent/null (→ default) or of `kind`; a present value of another type is an error."""
    value = res.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        names = names.replace("dict", "an object").replace("list", "a list").replace("str", "a string") \
            .replace("bool", "true or false")
        raise PostureError(f"{where}: `{key}` must be {names}, not {type(value).__name__}")
    return value


def _strings(res: dict, key: str, where: str) -> list[str]:
    items = _field(res, key, list, where, [])
    if not all(isinstance(x, str) for x in items):
        raise PostureError(f"{where}: `{key}` must be a list of strings")
    return list(items)


def _has_unknown(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if v == UNKNOWN:
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _registration(res: Any, where: str, *, state: bool = False) -> Registration:
    if not isinstance(res, dict) or not isinstance(res.get("urn"), str) or not isinstance(res.get("type"), str):
        raise PostureError(f"{where}: each resource needs string `urn` and `type`")
    urn = res["urn"]
    parts = urn.split("::", 3)
    if len(parts) != 4 or not urn.startswith("urn:pulumi:"):
        raise PostureError(f"{where}: {urn!r} is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)")
    at = f"{where}: {urn}"
    ct = _field(res, "customTimeouts", dict, at, None)
    inputs = _field(res, "inputs", dict, at, {})
    outputs = _field(res, "outputs", dict, at, {})
    if state:  # the engine resolves every unknown before it writes state: a sentinel here is a forged document
        for key, value in (("inputs", inputs), ("outputs", outputs)):
            if _has_unknown(value):
                raise PostureError(f"{at}: `{key}` holds the unknown-value sentinel, which state never holds "
                                   "(use `check --preview-json` for a preview)")
    prop_deps = _field(res, "propertyDependencies", dict, at, {})
    for k, v in prop_deps.items():
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise PostureError(f"{at}: `propertyDependencies.{k}` must be a list of URNs")
    return Registration(
        urn=urn,
        type=res["type"],
        name=parts[3],
        custom=_field(res, "custom", bool, at, False),
        parent=_field(res, "parent", str, at, ""),
        dependencies=_strings(res, "dependencies", at),
        property_dependencies={k: list(v or []) for k, v in prop_deps.items()},
        options={
            "protect": _field(res, "protect", bool, at, False),
            "retainOnDelete": _field(res, "retainOnDelete", bool, at, False),
            "ignoreChanges": _strings(res, "ignoreChanges", at),
            "deleteBeforeReplace": False,
            "deleteBeforeReplaceDefined": False,
            "additionalSecretOutputs": _strings(res, "additionalSecretOutputs", at),
            "aliases": [a for a in _field(res, "aliases", list, at, []) if isinstance(a, str)],
            "provider": _field(res, "provider", str, at, ""),
            "deletedWith": _field(res, "deletedWith", str, at, ""),
            "customTimeouts": ct,
        },
        inputs=_redact(inputs, f"{at} inputs"),
        outputs=_redact(outputs, f"{at} outputs"),
        id=_field(res, "id", str, at, "") or None,
        provider=_field(res, "provider", str, at, ""),
    )


def read_stack_export(path: str | Path) -> list[Registration]:
    """`pulumi stack export` (`{"version": 3|4, "deployment": {...}}`) → Registrations, skipping
    resources pending deletion."""
    doc = _load_json(path, "stack export")
    if not isinstance(doc, dict) or "deployment" not in doc:
        raise PostureError(f"{path}: not a `pulumi stack export` document (no `deployment`)")
    version = doc.get("version")
    if version not in (3, 4):
        raise PostureError(f"{path}: deployment version {version!r} is not supported (supported: 3, 4)")
    deployment = doc["deployment"]
    if not isinstance(deployment, dict):  # `[]`, `null`, `""` are not an empty stack: they are unreadable
        raise PostureError(f"{path}: `deployment` must be an object with a `resources` list")
    resources = deployment.get("resources")
    if resources is None:
        resources = []
    if not isinstance(resources, list):
        raise PostureError(f"{path}: `deployment.resources` must be a list")
    out = []
    for i, r in enumerate(resources):
        if isinstance(r, dict) and r.get("delete") is not None and not isinstance(r.get("delete"), bool):
            raise PostureError(f"{path}: deployment.resources[{i}].delete must be true or false, "
                               f"not {type(r['delete']).__name__}")
        if isinstance(r, dict) and r.get("delete") is True:
            continue  # pending deletion: not part of the stack
        out.append(_registration(r, str(path), state=True))
    return out


def read_preview_json(path: str | Path) -> list[Registration]:
    """`pulumi preview --json` (PreviewDigest) → Registrations from `steps[].newState`; deletes skipped."""
    doc = _load_json(path, "preview JSON")
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise PostureError(f"{path}: not a `pulumi preview --json` document (no `steps` list)")
    out = []
    seen = set()
    for step in doc["steps"]:
        if not isinstance(step, dict):
            raise PostureError(f"{path}: each step must be an object")
        op = step.get("op", "")
        if op in ("delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"):
            continue
        state = step.get("newState")
        if not state:
            continue
        reg = _registration(state, str(path))
        if "outputs" not in state:
            # A preview digest carries no outputs for a create; the engine hands AnalyzeStack what the
            # provider's preview returns, which starts from the inputs (seen with the real engine:
            # tests/real_engine/test_lifecycle.py). Without this, stack rules read every output as unset.
            reg.outputs = dict(reg.inputs)
        if reg.urn in seen:  # replace = create-replacement + replace + delete-replaced: keep the first
            continue
        seen.add(reg.urn)
        out.append(reg)
    return out

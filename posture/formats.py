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

from .capture import SECRET_SIG, SIG_KEY, Registration
from .errors import PostureError

REDACTED = "[secret]"


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
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise PostureError(f"{path}: cannot read {what}: {e.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PostureError(f"{path}: {what} is not valid JSON: {e.msg} (line {e.lineno})") from None


def _registration(res: Any, where: str) -> Registration:
    if not isinstance(res, dict) or not isinstance(res.get("urn"), str) or not isinstance(res.get("type"), str):
        raise PostureError(f"{where}: each resource needs string `urn` and `type`")
    urn = res["urn"]
    parts = urn.split("::", 3)
    if len(parts) != 4 or not urn.startswith("urn:pulumi:"):
        raise PostureError(f"{where}: {urn!r} is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)")
    ct = res.get("customTimeouts")
    return Registration(
        urn=urn,
        type=res["type"],
        name=parts[3],
        custom=bool(res.get("custom", False)),
        parent=res.get("parent") or "",
        dependencies=list(res.get("dependencies") or []),
        property_dependencies={k: list(v or []) for k, v in (res.get("propertyDependencies") or {}).items()},
        options={
            "protect": bool(res.get("protect", False)),
            "retainOnDelete": bool(res.get("retainOnDelete", False)),
            "ignoreChanges": list(res.get("ignoreChanges") or []),
            "deleteBeforeReplace": False,
            "deleteBeforeReplaceDefined": False,
            "additionalSecretOutputs": list(res.get("additionalSecretOutputs") or []),
            "aliases": [a for a in (res.get("aliases") or []) if isinstance(a, str)],
            "provider": res.get("provider") or "",
            "deletedWith": res.get("deletedWith") or "",
            "customTimeouts": ct if isinstance(ct, dict) else None,
        },
        inputs=_redact(res.get("inputs") or {}, f"{where}: {urn} inputs"),
        outputs=_redact(res.get("outputs") or {}, f"{where}: {urn} outputs"),
        id=res.get("id") or None,
        provider=res.get("provider") or "",
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
    deployment = doc["deployment"] or {}
    if not isinstance(deployment, dict):
        raise PostureError(f"{path}: `deployment` must be an object with a `resources` list")
    resources = deployment.get("resources") or []
    if not isinstance(resources, list):
        raise PostureError(f"{path}: `deployment.resources` must be a list")
    return [_registration(r, str(path)) for r in resources if not (isinstance(r, dict) and r.get("delete"))]


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

"""`--format json`: the result as one JSON document (resources in tree order with their inputs, secrets as
"[secret]"; violations; summary; the change summary when a prior state was given). `tests/test_golden_preview.py`
pins the dev stack's document."""

from __future__ import annotations

import json
from typing import Any

from ..capture import redact_secrets
from ..results import Result, tree_order


def to_json(result: Result) -> dict[str, Any]:
    counts = result.counts()
    return {
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent,
             "inputs": redact_secrets(r.inputs)}
            for _, r in tree_order(result.resources)
        ],
        "violations": [v.as_event() for v in result.sorted_violations()],
        "summary": {
            "source": result.source,
            "stack": result.stack,
            "resourceCount": len(result.resources),
            "mandatory": counts.get("mandatory", 0),
            "advisory": counts.get("advisory", 0),
            "policyPacks": [{"name": p.name, "version": p.version} for p in result.packs],
            "gaps": list(result.gaps),
            "unavailableSecureKeys": list(result.unavailable_secure_keys),
            "exitCode": result.exit_code(),
        },
        **({"changes": dict(result.changes)} if result.changes is not None else {}),
    }


def render_json(result: Result) -> str:
    return json.dumps(to_json(result), indent=2, sort_keys=False) + "\n"

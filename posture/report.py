"""Render an analysis: text (like `pulumi preview`'s policy section), JSON."""

from __future__ import annotations

import json
from typing import Any, Optional

from .capture import SECRET_SIG, SIG_KEY
from .results import PackInfo, Result, tree_order

def redact_secrets(value: Any) -> Any:
    """Secret-wrapped values (`{sig: secret, value}`) as "[secret]": output never shows a secret's value."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return "[secret]"
        return {k: redact_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_secrets(v) for v in value]
    return value


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


def render_text(result: Result, color: bool = False) -> str:
    def c(code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if color else s

    lines: list[str] = []
    lines.append(c("1", "Offline engine: this is an approximation of `pulumi preview --policy-pack`.")
                 if result.source == "program" else
                 c("1", f"Offline check of a {result.source} document with the policy pack."))
    lines.append("It cannot see:")
    for g in result.gaps:
        lines.append(f"  - {g}")
    if result.unavailable_secure_keys:
        lines.append("  - secure config keys unavailable offline: " + ", ".join(result.unavailable_secure_keys))
    lines.append("")
    lines.append(f"Resources ({len(result.resources)}):")
    for depth, r in tree_order(result.resources):
        lines.append("    " + "    " * depth + f"{r.type}  {r.name}")
    lines.append("")
    if result.changes is not None:
        ops = ", ".join(f"{n} {op}" for op, n in result.changes["summary"].items())
        lines.append(f"Changes ({result.changes['source']}): {ops}")
        lines.append("")
    violations = result.sorted_violations()
    lines.append("Policies:")
    for pack in result.packs:
        mine = [v for v in violations if v.policyPackName == pack.name]
        mark = "failed" if any(v.enforcementLevel in ("mandatory", "remediate") for v in mine) else "passed"
        lines.append(f"    {pack.name}@v{pack.version} ({mark})")
        for v in mine:
            level = c("31" if v.enforcementLevel == "mandatory" else "33", f"{v.enforcementLevel}:")
            msg = v.message.splitlines() or [""]
            lines.append(f"        - {level} [{v.policyName}] {msg[0]}")
            for extra in msg[1:]:
                lines.append(f"          {extra}")
            lines.append(f"          resource: {v.resourceUrn or '(stack)'}")
    counts = result.counts()
    lines.append("")
    lines.append(
        f"Summary: {len(result.resources)} resources, {counts.get('mandatory', 0)} mandatory and "
        f"{counts.get('advisory', 0)} advisory policy violations"
        + (" (mandatory violations: exit 1)" if result.exit_code() else "")
    )
    return "\n".join(lines) + "\n"


def render(result: Result, fmt: str, color: bool = False, packs: Optional[list[PackInfo]] = None,
           project_dir: Optional[str] = None) -> str:
    if fmt == "json":
        return render_json(result)
    if fmt in ("markdown", "sarif"):  # PR comment / code scanning: posture/renderers.py
        from . import renderers

        if fmt == "markdown":
            return renderers.render_markdown(result)
        return renderers.render_sarif(result, project_dir=project_dir)
    return render_text(result, color=color)

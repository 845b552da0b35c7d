"""`--format text` (the default): the policy section as `pulumi preview --policy-pack` prints it, after what the
offline engine cannot see."""

from __future__ import annotations

from ..results import BLOCKING, Result, tree_order


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
        mark = "failed" if any(v.enforcementLevel in BLOCKING for v in mine) else "passed"
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

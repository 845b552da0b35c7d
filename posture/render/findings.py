"""What the Markdown and SARIF renderings read from a violation (`Item`): rule id, severity, resource, finding,
expired exemption.

Everything the renderers know about a rule comes from the pack over GetAnalyzerInfo (`PolicyMeta`:
description, enforcement level, severity, remediation_steps, url, tags, framework) and from the
diagnostics themselves; `posture/` never imports the pack.

Conventions read from the diagnostics (not specific to one pack, each optional):

- The SDK sends `message = description + "\\n" + reported text`; the *finding* shown is the reported
  text's first line (the description when nothing was reported).
- A rule id is the policy's `framework.reference`, else its first tag shaped like an id
  (`AZDR-RSV-001`), else a leading `[ID] ` in the reported text (stripped from the finding).
- An expired exemption is reported by the pack as a violation whose text ends with
  ` (exemption for '<resource>' expired on YYYY-MM-DD: <reason>)`. Exemptions that still apply
  suppress the violation inside the pack, so they never reach the engine and are not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..results import LEVEL_ORDER, PackInfo, PolicyMeta, Result, Violation

SEVERITIES = ("critical", "high", "medium", "low", "unspecified")
RULE_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+$")
LEADING_ID_RE = re.compile(r"^\[(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+)\]\s*")
EXPIRED_RE = re.compile(
    r" \(exemption for '(?P<resource>[^']*)' expired on (?P<expires>[0-9]{4}-[0-9]{2}-[0-9]{2}): (?P<reason>.*)\)\s*$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Item:
    """One violation, with what the renderers show about it."""

    violation: Violation
    meta: Optional[PolicyMeta]
    rule_id: str
    severity: str
    resource_type: str
    resource_name: str
    finding: str
    exemption: Optional[dict[str, str]]

    @property
    def level(self) -> str:
        return self.violation.enforcementLevel

    @property
    def urn(self) -> str:
        return self.violation.resourceUrn


def parse_urn(urn: str) -> tuple[str, str]:
    """`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>` -> (type, name); ("", "") if not a URN."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return "", ""
    return parts[2].rsplit("$", 1)[-1], parts[3]


def rule_id(meta: Optional[PolicyMeta], reported: str = "") -> str:
    if meta is not None:
        ref = (meta.framework or {}).get("reference", "")
        if ref:
            return ref
        for tag in meta.tags:
            if RULE_ID_RE.match(tag):
                return tag
    m = LEADING_ID_RE.match(reported)
    return m.group("id") if m else ""


def _policies(packs: list[PackInfo]) -> dict[tuple[str, str], PolicyMeta]:
    return {(pack.name, p.name): p for pack in packs for p in pack.policies}


def _reported_text(v: Violation) -> str:
    """The text the rule reported: the message without the SDK's leading description line."""
    msg = v.message
    desc = v.description
    if desc and msg == desc:
        return ""
    if desc and msg.startswith(desc + "\n"):
        return msg[len(desc) + 1:]
    return msg


def make_item(v: Violation, meta: Optional[PolicyMeta]) -> Item:
    reported = _reported_text(v)
    exemption = None
    m = EXPIRED_RE.search(reported)
    if m:
        exemption = {k: m.group(k) for k in ("resource", "expires", "reason")}
        reported = reported[: m.start()]
    rid = rule_id(meta, reported)
    lead = LEADING_ID_RE.match(reported)
    if lead and lead.group("id") == rid:
        reported = reported[lead.end():]
    lines = [ln.strip() for ln in reported.splitlines() if ln.strip()]
    finding = lines[0] if lines else (v.description or (meta.description if meta else "") or v.message.strip())
    severity = v.severity or (meta.severity if meta else "") or "unspecified"
    if severity not in SEVERITIES:
        severity = "unspecified"
    rtype, rname = parse_urn(v.resourceUrn)
    return Item(v, meta, rid, severity, rtype, rname, finding, exemption)


def items(result: Result) -> list[Item]:
    """Every violation as an `Item`, in a stable order: severity, level, rule, resource, message."""
    metas = _policies(result.packs)
    out = [make_item(v, metas.get((v.policyPackName, v.policyName))) for v in result.violations]
    return sorted(out, key=lambda i: (
        SEVERITIES.index(i.severity), LEVEL_ORDER.get(i.level, 9), i.rule_id, i.violation.policyName,
        i.urn, i.violation.message, i.violation.policyPackName,
    ))


def first_line(text: str) -> str:
    for ln in (text or "").splitlines():
        if ln.strip():
            return ln.strip()
    return ""

"""Change rules (AZDR-CHG-*): judge the change from the deployed state to the new one.

A CrossGuard pack sees only the new inputs, so it cannot tell that a pull request turns cross-region
restore off after the first backup or drops a protected item. These rules are `framework.Rule`s of
kind "change" (same ids, docs, enforcement levels, thresholds and exemptions as the pack's rules, read
from the same `--policy-pack-config` file) whose `check(ChangeSet, RuleConfig)` is a pure function
over the change model `posture/changes.py` builds (see `model.py` for its shape).

    evaluate(model, config) -> [finding dicts]

`config` is the reconciled policy config `{rule name: {"enforcementLevel": str, "properties": dict}}`
(posture reconciles the `--policy-pack-config` document like the engine does for the pack).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..framework import FRAMEWORK_NAME, FRAMEWORK_VERSION, SEED_DOCUMENT, PolicyConfigError, Rule, exempted_text
from . import backup, compute, vault
from .model import ChangeFinding, ChangeSet

CHANGE_PACK_NAME = "azure-iaas-dr-changes"
"""The name change findings are reported under, beside the policy pack's results."""

CHANGE_RULES: list[Rule] = sorted([*vault.RULES, *backup.RULES, *compute.RULES], key=lambda r: r.id)
CHANGE_RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in CHANGE_RULES}


def rule_info() -> list[dict[str, Any]]:
    """Metadata of every change rule as plain data (the fields of the Analyzer's PolicyInfo)."""
    out = []
    for r in CHANGE_RULES:
        schema = r.config_schema()
        out.append({
            "name": r.name,
            "description": r.title,
            "enforcementLevel": r.enforcement.value,
            "severity": r.severity.value,
            "configSchema": {"properties": dict(schema.properties or {})} if schema else None,
            "remediationSteps": r.remediation_steps(),
            "url": r.links[0] if r.links else "",
            "tags": [r.id, *r.tags],
            "framework": {"name": FRAMEWORK_NAME, "version": FRAMEWORK_VERSION, "reference": r.id,
                          "specification": f"{SEED_DOCUMENT}: {r.seed_section}"},
        })
    return out


def _finding(rule: Rule, level: str, urn: str, text: str, unknown: bool = False) -> dict[str, Any]:
    return {"ruleId": rule.id, "ruleName": rule.name, "title": rule.title, "enforcementLevel": level,
            "severity": rule.severity.value, "urn": urn, "message": text, "unknown": unknown}


def evaluate(model: Mapping[str, Any], config: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Run every change rule over `model`. A disabled rule reports nothing; an unknown finding follows
    the rule's `unknown` mode (skip / advisory / fail at the rule's level); a rule that raises is
    reported as a MANDATORY finding "rule <id> (<name>) failed to evaluate: ..." (fail closed); a finding
    an active exemption covers is reported as ADVISORY, its text ending "(suppressed by the exemption for
    '<pattern>' until <date>: <reason>)"."""
    changes = ChangeSet.parse(model)
    config = config or {}
    out: list[dict[str, Any]] = []
    # change findings an active exemption covers: suppressed, never hidden (as the pack's AZDR-SYS-003/004 do),
    # each is reported once, advisory, under its own rule, with the exemption's pattern, reason and expiry
    suppressed: list[tuple[str, str | None]] = []
    for rule in CHANGE_RULES:
        rc = config.get(rule.name) or {}
        level = rc.get("enforcementLevel") or rule.enforcement.value
        if level == "disabled":
            continue
        try:
            cfg = rule.parse_config(rc.get("properties"))
            findings: list[ChangeFinding] = list(rule.check(changes, cfg))
        except Exception as exc:  # noqa: BLE001 - fail closed
            detail = str(exc) if isinstance(exc, PolicyConfigError) else f"{type(exc).__name__}: {exc}"
            out.append(_finding(rule, "mandatory", "",
                                f"[{rule.id}] rule {rule.id} ({rule.name}) failed to evaluate: {detail}"))
            continue
        for f in findings:
            before = len(suppressed)
            flevel = level
            if f.unknown:
                if rule.unknown == "skip":
                    continue
                if rule.unknown == "advisory":
                    flevel = "advisory"
            urn = f.change.urn if f.change is not None else ""
            name = f.change.name if f.change is not None else None
            text = exempted_text(rule, cfg, f.message, name, urn or None, suppressed=suppressed)
            if text is not None:
                out.append(_finding(rule, flevel, urn, text, f.unknown))
            for stext, surn in suppressed[before:]:
                out.append(_finding(rule, "advisory", surn or "", stext, f.unknown))
    return out


__all__ = ["CHANGE_PACK_NAME", "CHANGE_RULES", "CHANGE_RULES_BY_NAME", "ChangeFinding", "ChangeSet", "evaluate",
           "rule_info"]

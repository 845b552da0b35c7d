"""The result model of an analysis: what the pack reported (`Violation`, per pack `PackInfo` and its
`PolicyMeta`) and one run's `Result` (resources, violations, packs, what the engine cannot see, the change
summary). The engine (`posture.analyzer`, `posture.changes`, `posture.cli`) builds it; `posture.render`
renders it. This module imports no renderer and no part of the engine but the `Registration` type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .capture import Registration


@dataclass(frozen=True)
class Violation:
    policyPackName: str
    policyPackVersion: str
    policyName: str
    enforcementLevel: str
    resourceUrn: str
    message: str
    description: str = ""
    severity: str = ""

    def as_event(self) -> dict[str, str]:
        """The fields of Pulumi's policy events that the JSON output carries."""
        return {
            "policyPackName": self.policyPackName,
            "policyName": self.policyName,
            "enforcementLevel": self.enforcementLevel,
            "resourceUrn": self.resourceUrn,
            "message": self.message,
        }


@dataclass
class PolicyMeta:
    name: str
    description: str
    enforcement_level: str
    config_schema: Optional[dict[str, Any]]
    policy_type: str
    display_name: str = ""
    severity: str = ""
    remediation_steps: str = ""
    url: str = ""
    tags: list[str] = field(default_factory=list)
    framework: dict[str, str] = field(default_factory=dict)


@dataclass
class PackInfo:
    name: str
    version: str
    policies: list[PolicyMeta]
    initial_config: dict[str, dict[str, Any]]
    description: str = ""
    display_name: str = ""


#: What the offline engine cannot see, listed in every rendering of a `preview` (`PREVIEW_GAPS`) or `check`
#: (`CHECK_GAPS`) result.
PREVIEW_GAPS = [
    "no provider Check: azure-native defaults, autonaming (*Name properties) and validation are not "
    "applied to inputs (only the inherited location is)",
    "functions that read Azure (invokes) return unknown; a real preview calls Azure",
    "no prior state: no diff, no replace/delete steps; every resource is analyzed as a create",
    "resource outputs come from the mocks (by default unknown in preview unless given as inputs), not from Azure",
    "stack transforms are not run by the mock monitor",
    "secure config ({secure: ...}) cannot be decrypted offline: the program gets an unknown secret",
    "stack tags are not sent to the policy pack",
    "Remediate is not called",
]
CHECK_GAPS = [
    "resources come from a document: the program is not run and no provider is called",
    "secrets in the document are redacted to \"[secret]\"",
    "stack tags are not sent to the policy pack",
]
LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}
#: The enforcement levels that fail a run (exit 1).
BLOCKING = ("mandatory", "remediate")


@dataclass
class Result:
    resources: list[Registration]
    violations: list[Violation]
    packs: list[PackInfo]
    gaps: list[str]
    source: str
    stack: str = ""
    unavailable_secure_keys: list[str] = field(default_factory=list)
    changes: Optional[dict[str, Any]] = None
    """With a prior state (`check --preview-json`, `preview --baseline`): the change model's source,
    completeness and resource count per op (`posture/changes.py`); the change rules' findings are
    in `violations` under their own pack."""

    def sorted_violations(self) -> list[Violation]:
        return sorted(
            self.violations,
            key=lambda v: (v.policyPackName, LEVEL_ORDER.get(v.enforcementLevel, 9), v.policyName,
                           v.resourceUrn, v.message),
        )

    def counts(self) -> dict[str, int]:
        c = {"mandatory": 0, "advisory": 0, "remediate": 0}
        for v in self.violations:
            c[v.enforcementLevel] = c.get(v.enforcementLevel, 0) + 1
        return c

    def exit_code(self) -> int:
        return 1 if any(v.enforcementLevel in BLOCKING for v in self.violations) else 0


def tree_order(resources: list[Registration]) -> list[tuple[int, Registration]]:
    """Depth-first by parent; siblings keep their (deterministic) capture order."""
    urns = {r.urn for r in resources}
    children: dict[str, list[Registration]] = {}
    roots = []
    for r in resources:
        if r.parent and r.parent in urns:
            children.setdefault(r.parent, []).append(r)
        else:
            roots.append(r)
    out: list[tuple[int, Registration]] = []

    def walk(r: Registration, depth: int):
        out.append((depth, r))
        for c in children.get(r.urn, []):
            walk(c, depth + 1)

    for r in roots:
        walk(r, 0)
    return out

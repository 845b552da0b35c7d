"""Azure IaaS DR posture rules for CrossGuard (importable; never builds a PolicyPack).

`POLICIES` is what `policies/__main__.py` hands to `PolicyPack`; `RULES` carries the metadata
(id, severity, rationale, remediation, unknown/missing behaviour, config) the catalog is
generated from.
"""

from .framework import PACK_NAME, Finding, Rule, RuleConfig, set_today, today
from .registry import RULES, RULES_BY_ID, RULES_BY_NAME

PACK_DESCRIPTION = (
    "Disaster-recovery posture for Azure IaaS VMs and disks: geo-redundant Recovery Services vaults, "
    "VM backup policy content, backup coverage, compute placement, snapshots and images."
)

POLICIES = [rule.policy for rule in RULES]

__all__ = [
    "PACK_DESCRIPTION", "PACK_NAME", "POLICIES", "RULES", "RULES_BY_ID", "RULES_BY_NAME",
    "Finding", "Rule", "RuleConfig", "set_today", "today",
]

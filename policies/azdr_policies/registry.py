"""The ordered rule list. Add a rule module here (and only here) to put it in the pack.

The fail-closed guards (AZDR-SYS-001/002) are appended last: the servicer runs policies in list
order, and the guards report what earlier rules failed to evaluate for the same request.
"""

from __future__ import annotations

from types import ModuleType

from .framework import Rule, guard_rules
from .rules import (backup_policy, compute, coverage, gallery, prerequisites, security, site_recovery, snapshots,
                    storage, vault)

RULE_MODULES: tuple[ModuleType, ...] = (vault, backup_policy, compute, coverage, prerequisites, snapshots, gallery,
                                         storage, security, site_recovery)


def _collect() -> list[Rule]:
    rules: list[Rule] = []
    for module in RULE_MODULES:
        rules.extend(module.RULES)
    rules.extend(guard_rules())
    return rules


RULES: list[Rule] = _collect()
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}

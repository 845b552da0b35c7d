"""Workload tier presets (the seed's scenarios) and their Markdown table."""

from __future__ import annotations

from dataclasses import dataclass

from .. import facts


# --- tier presets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierPreset:
    """Defaults a workload of this tier gets; each can be overridden by the workload's own key."""

    name: str
    seed_scenario: str
    rpo_hours: int
    high_availability: bool
    vm_count: int
    vm_size: str
    disk_sku: str
    daily_days: int
    weekly_weeks: int
    monthly_months: int
    yearly_years: int
    instant_restore_days: int
    cost: str
    #: Cross-region (regional-disaster) RPO target: what Azure Backup reaches, the vault tier's daily point plus
    #: geo-replication lag (components/facts.py CROSS_REGION_RPO_HOURS). Tighter needs Site Recovery or snapshots.
    cross_region_rpo_hours: int = facts.CROSS_REGION_RPO_HOURS


TIERS: dict[str, TierPreset] = {
    t.name: t
    for t in (
        TierPreset(
            "database", "1: major database solutions (SQL Server / Oracle with HA)",
            rpo_hours=4, high_availability=True, vm_count=2, vm_size="Standard_E4s_v5",
            disk_sku="Premium_ZRS", daily_days=30, weekly_weeks=12, monthly_months=0, yearly_years=0,
            instant_restore_days=7,
            cost="highest: 6 Enhanced backups a day (in-region snapshots; the day's last reaches the vault and"
                 " the paired region), 30 days + 12 weeks kept, 7 days of snapshots, 2 VMs",
        ),
        TierPreset(
            "cluster", "2: a cluster of redundant VMs (e.g. Cassandra)",
            rpo_hours=24, high_availability=True, vm_count=3, vm_size="Standard_D4s_v5",
            disk_sku="Premium_ZRS", daily_days=14, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=2,
            cost="medium: the cluster is the in-region redundancy; one daily copy per node, 14 days",
        ),
        TierPreset(
            "app-server", "3: IaaS application whose data changes hourly",
            rpo_hours=4, high_availability=True, vm_count=2, vm_size="Standard_D2s_v5",
            disk_sku="StandardSSD_ZRS", daily_days=14, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=5,
            cost="medium-high: 6 Enhanced backups a day in-region (Azure's floor is 4 h, not the seed's hourly);"
                 " cross-region only the day's last",
        ),
        TierPreset(
            "reporting", "3: reporting server whose output can be regenerated",
            rpo_hours=24, high_availability=False, vm_count=1, vm_size="Standard_D2s_v5",
            disk_sku="StandardSSD_LRS", daily_days=7, weekly_weeks=0, monthly_months=0, yearly_years=0,
            instant_restore_days=1,
            cost="lowest: one daily backup kept 7 days, 1 day of snapshots, a single VM",
        ),
        TierPreset(
            "critical-data", "4: recovery from application data corruption (e.g. pricing data)",
            rpo_hours=24, high_availability=False, vm_count=1, vm_size="Standard_D2s_v5",
            disk_sku="Premium_LRS", daily_days=30, weekly_weeks=12, monthly_months=60, yearly_years=10,
            instant_restore_days=5,
            cost="storage-heavy: daily backups with weekly, monthly (5 y) and yearly (10 y) points to roll back to",
        ),
    )
}


def tier_table() -> str:
    """The tier presets as a Markdown table (tools.gendocs writes it into docs/config.md)."""
    rows = [
        "| tier | seed scenario | RPO in-region (h) | RPO cross-region (h) | HA (VMs) | retention"
        " daily/weekly/monthly/yearly | instant restore (d) | disk SKU | cost trade-off |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in TIERS.values():
        ha = f"yes ({t.vm_count})" if t.high_availability else f"no ({t.vm_count})"
        ret = f"{t.daily_days}d / {t.weekly_weeks}w / {t.monthly_months}m / {t.yearly_years}y"
        rows.append(
            f"| `{t.name}` | {t.seed_scenario} | {t.rpo_hours} | {t.cross_region_rpo_hours} | {ha} | {ret}"
            f" | {t.instant_restore_days}"
            f" | {t.disk_sku} | {t.cost} |"
        )
    return "\n".join(rows)

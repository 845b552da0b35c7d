"""bench tooling: the fleet generator, the floor replay, the report's target verdicts (issue 6)."""

from __future__ import annotations

import json

import pytest
import yaml

from bench.fleet import REGIONS, TIERS, FleetError, fleet_config, main, workload_sizes
from bench.report import render, targets
from bench.run import BenchError, parse_sizes, replay
from components.config import parse_stack_config
from posture.capture import EchoMocks, run_in_mocks


def _parsed(n):
    cfg = fleet_config(n)
    raw = {k.split(":", 1)[1]: v for k, v in cfg.items() if k.startswith("azure-iaas-dr:")}
    return parse_stack_config(raw, location=cfg["azure-native:location"])


@pytest.mark.parametrize("n, workloads", [(2, 1), (10, 5), (20, 5), (100, 10), (2000, 200)])
def test_fleet_has_exactly_n_vms_and_validates(n, workloads):
    cfg = _parsed(n)
    assert len(cfg.workloads) == workloads
    assert sum(w.vm_count for w in cfg.workloads.values()) == n
    assert all(2 <= w.vm_count <= 10 for w in cfg.workloads.values())


def test_fleet_spreads_every_tier_over_both_primary_regions():
    cfg = _parsed(100)
    assert {(w.tier, w.region) for w in cfg.workloads.values()} == {(t, r) for t in TIERS for r in REGIONS}
    assert {w.region: w.dr_region for w in cfg.workloads.values()} == {"westeurope": "northeurope",
                                                                       "eastus2": "centralus"}
    cfg10 = _parsed(10)
    assert {w.tier for w in cfg10.workloads.values()} == set(TIERS)
    assert {w.region for w in cfg10.workloads.values()} == set(REGIONS)


@pytest.mark.parametrize("n, regions", [(500, 2), (1000, 4), (2000, 8)])
def test_no_vault_gets_more_than_250_new_vms_and_every_tier_meets_every_region(n, regions):
    """The program refuses more than 250 new VM registrations per vault in one `pulumi up`
    (components/prior_state.py): bigger fleets take more primary regions, each with its Azure pair."""
    from components.facts import MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY, REGION_PAIRS

    cfg = _parsed(n)
    per_region: dict[str, int] = {}
    for w in cfg.workloads.values():
        per_region[w.region] = per_region.get(w.region, 0) + w.vm_count
    assert len(per_region) == regions
    assert max(per_region.values()) <= MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY == 250
    assert {(w.tier, w.region) for w in cfg.workloads.values()} == {(t, r) for t in TIERS for r in per_region}
    assert all(w.dr_region == REGION_PAIRS[w.region] for w in cfg.workloads.values())


def test_fleet_networks_do_not_overlap():
    cfg = _parsed(2000)
    spaces = [w.address_space for w in cfg.workloads.values()]
    assert len(set(spaces)) == len(spaces) == 200
    assert spaces[:2] == ["10.1.0.0/24", "10.1.1.0/24"] and spaces[-1] == "10.1.199.0/24"


def test_workload_sizes_are_even_and_bad_sizes_are_rejected():
    assert workload_sizes(23) == [5, 5, 5, 4, 4]
    assert workload_sizes(3) == [3]
    with pytest.raises(FleetError, match=r"fleet size 1: an integer of at least 2 VMs"):
        workload_sizes(1)
    with pytest.raises(FleetError, match=r"vms_per_workload 101: an integer from 2 to 100"):
        workload_sizes(10, 101)


def test_fleet_cli_prints_a_stack_file(capsys):
    assert main(["4"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc == {"config": fleet_config(4)}
    assert main(["x"]) == 2
    assert "usage: python -m bench.fleet N" in capsys.readouterr().err


def test_parse_sizes():
    assert parse_sizes("10, 100") == [10, 100]
    with pytest.raises(BenchError, match=r"--sizes '10,a': a comma-separated list of VM counts"):
        parse_sizes("10,a")
    with pytest.raises(BenchError, match=r"--sizes: fleet size 1: an integer of at least 2 VMs"):
        parse_sizes("1")


def _dump(cap):
    return {"project": cap.project, "stack": cap.stack, "resources": [
        {"urn": r.urn, "type": r.type, "name": r.name, "custom": r.custom, "parent": r.parent,
         "dependencies": r.dependencies, "property_dependencies": r.property_dependencies,
         "options": r.options, "inputs": r.inputs, "outputs": r.outputs} for r in _program_registrations(cap)]}


def _program_registrations(cap):
    """The program's own registrations: not the engine's default providers (posture.preview_mocks)."""
    return [r for r in cap.resources if not (r.type.startswith("pulumi:providers:") and r.name.startswith("default"))]


def test_floor_replays_the_same_registrations(fleet_capture):
    """The floor registers exactly what the program registered: URNs, parents, dependencies, property
    dependencies, inputs, protect/retainOnDelete/version/aliases -- with no components or config model."""
    cap = fleet_capture(2)
    floor = run_in_mocks(lambda: replay(_dump(cap)), project=cap.project, stack=cap.stack, preview=True,
                         mocks=EchoMocks())

    def shape(regs):
        return sorted((r.urn, r.type, r.custom, r.parent, tuple(r.dependencies),
                       # keys without dependencies left out: an inherited location is filled in by the
                       # provider's Check (posture.preview_mocks), not given by the program, so it has no entry
                       tuple((k, tuple(v)) for k, v in r.property_dependencies.items() if v),
                       json.dumps(r.inputs, sort_keys=True), r.options["protect"], r.options["retainOnDelete"], r.options["version"],
                       len(r.options["aliases"])) for r in regs)

    assert len(floor.resources) == len(_program_registrations(cap)) > 20
    assert shape(floor.resources) == shape(_program_registrations(cap))


def _row(vms, preview, floor, stack_rule_s=0.001, resources=None, max_bytes=1000):
    resources = resources or vms * 6
    return {"vms": vms, "resources": resources, "capture_s": preview * 0.8, "tail_s": preview * 0.2,
            "preview_s": preview, "floor_s": floor, "pack_start_s": 0.2, "pack_cpu_s": preview * 0.1,
            "rpc": {"Analyze": {"calls": resources, "max_bytes": 900},
                    "AnalyzeStack": {"calls": 1, "max_bytes": max_bytes}},
            "serial_preview_s": preview * 1.5, "serial_same_violations": True, "serial_rss_mib": 1,
            "serial_rpc": {"Analyze": {"calls": resources, "seconds": 0.05, "bytes": 1, "max_bytes": 900},
                           "AnalyzeStack": {"calls": 1, "seconds": 0.01, "bytes": 1, "max_bytes": max_bytes}},
            "check_baseline": "abc1234", "check_export_bytes": 5e6, "check_old_s": [10.0, 12.0],
            "check_new_s": [5.0, 6.0], "check_same_output": True, "check_old_rss_mib": 90, "check_new_rss_mib": 95,
            "engine_max_message": 400 * 2**20, "pack_max_message": 400 * 2**20, "violations": 0,
            "rules": [{"id": "AZDR-X-001", "name": "x", "kind": "stack", "evaluations": 1, "seconds": stack_rule_s,
                       "violations": 0}],
            "critical_path": ["a::b"], "types": {"t": resources}, "rss_mib": 1, "pack_rss_mib": 1,
            "floor_rss_mib": 1}


def test_targets_met():
    rows = [_row(100, 10.0, 8.0, 0.001), _row(1000, 91.0, 80.0), _row(2000, 190.0, 160.0, 0.021)]
    assert [v for _, _, v in targets(rows)] == ["met"] * 8
    assert targets(rows)[0][1] == "91.00 s / 80.00 s = **1.14x**"
    assert targets(rows)[1][1] == "95.00 / 100.00 ms = **0.95x**"
    assert [t for t, _, _ in targets(rows)[3:7]] == [
        "preview <= 1.15x the floor at 1,000 VMs", "preview <= 1.3x the floor at 100 VMs",
        "`check --stack-export` of the 1,000-VM state <= 0.5x today's time (same run)",
        "preview peak memory <= 1.1x the floor's at 1,000 VMs (program process)"]
    assert targets(rows)[5][1] == "11.00 s / 22.00 s (2 rounds each) = **0.50x**"
    assert targets(rows)[6][1] == "1 MiB / 1 MiB = **1.00x**"


def test_issue17_targets_missed():
    rows = [_row(100, 10.5, 8.0), _row(1000, 93.0, 80.0)]
    rows[1].update(check_new_s=[5.0, 6.1], rss_mib=1.2)
    assert [v for _, _, v in targets(rows)[2:6]] == ["**missed**"] * 4
    assert targets(rows)[4][1] == "11.10 s / 22.00 s (2 rounds each) = **0.50x**"
    # the same time with a different output is a miss, and says so
    rows[1].update(check_new_s=[5.0, 5.0], check_same_output=False)
    assert targets(rows)[4][1:] == ("10.00 s / 22.00 s (2 rounds each) = **0.45x**; **outputs differ**", "**missed**")


def test_targets_missed():
    # 2x the floor, superlinear per VM, a pairwise stack rule (20x the resources, 400x the time),
    # a message over the limit
    rows = [_row(100, 10.0, 8.0, 0.001), _row(1000, 200.0, 100.0),
            _row(2000, 400.0, 170.0, 0.4, max_bytes=401 * 2**20)]
    verdicts = targets(rows)
    assert [v for _, _, v in verdicts[:3]] + [verdicts[-1][2]] == ["**missed**"] * 4
    assert verdicts[2][1] == "worst AZDR-X-001: **20.00x** (all rules below)"


def test_render_reports_missing_sizes_and_the_reproduce_command():
    meta = {"date": "2026-01-01 00:00 UTC", "command": "make bench",
            "machine": {"cpu": "cpu", "cores": "2", "memory": "4 GiB", "os": "Linux", "python": "3.11"},
            "versions": {"pulumi": "1"}}
    text = render([_row(10, 1.0, 0.5)], meta)
    assert "| whole preview <= 1.5x the floor at 1,000 VMs | not measured (no 1,000-VM run) | n/a |" in text
    assert "- reproduce: `make bench`" in text
    assert "| 10 | 60 | 0.80 | 0.20 | 0.20 | 1.00 | 1.50 | 0.50 | 2.00 | 3.00 | 100.00 | 50.00 |" in text
    assert "| 10 | 5.0 | `abc1234` | 10.00, 12.00 | 5.00, 6.00 | 0.50 | yes | 90 | 95 |" in text


def test_a_stack_rule_under_the_timer_noise_floor_is_listed_not_judged():
    def with_guard(row, guard_s):
        row["rules"].append({"id": "AZDR-SYS-002", "name": "guard", "kind": "stack", "evaluations": 1,
                             "seconds": guard_s, "violations": 0})
        return row

    # the guard "grows" 50x, but its whole run at 2,000 VMs is 0.5 ms: timer noise, not a join
    rows = [with_guard(_row(100, 10.0, 8.0, 0.001), 0.00001), _row(1000, 100.0, 80.0),
            with_guard(_row(2000, 210.0, 160.0, 0.021), 0.0005)]
    verdict = targets(rows)[2]
    assert verdict[1:] == ("worst AZDR-X-001: **1.05x** (all rules below); not judged, under 1 ms in total at "
                           "2,000 VMs: AZDR-SYS-002", "met")
    # the same guard at 1 ms in total is judged, and its growth is a miss
    rows[2]["rules"][1]["seconds"] = 0.001
    assert targets(rows)[2][1:] == ("worst AZDR-SYS-002: **5.00x** (all rules below)", "**missed**")

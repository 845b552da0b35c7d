"""One facts module: components/facts.py is the source, policies/azdr_policies/facts.py its generated copy
(the pack cannot import components/), and posture reads the region pairs from that copy."""

import ast
import importlib.util
from pathlib import Path

import pytest

from components import facts
from tools import genfacts

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = sorted(n for n in vars(facts) if n.isupper() and not n.startswith("_"))


def _pack_facts():
    spec = importlib.util.spec_from_file_location("_pack_facts_under_test", genfacts.TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_pack_copy_is_current():
    assert genfacts.main(["--check"]) == 0, "run `venv/bin/python -m tools.genfacts`"


def test_check_fails_when_a_fact_changes_without_regenerating(monkeypatch, capsys):
    monkeypatch.setattr(facts, "MAX_VMS_PER_POLICY", 99)
    assert genfacts.main(["--check"]) == 1
    assert "policies/azdr_policies/facts.py is stale" in capsys.readouterr().err


def test_the_pack_copy_holds_every_fact_with_the_same_value():
    pack = _pack_facts()
    shared = [n for n in PUBLIC if n not in genfacts.PROGRAM_ONLY]
    assert sorted(n for n in vars(pack) if n.isupper() and not n.startswith("_")) == shared
    for name in shared:
        assert getattr(pack, name) == getattr(facts, name), name


def test_program_only_facts_stay_out_of_the_pack_copy():
    pack = _pack_facts()
    assert genfacts.PROGRAM_ONLY and genfacts.PROGRAM_ONLY <= set(PUBLIC)
    assert [n for n in genfacts.PROGRAM_ONLY if hasattr(pack, n)] == []


def test_the_pack_copy_imports_nothing():
    tree = ast.parse(genfacts.TARGET.read_text())
    assert [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))] == []


def test_every_fact_names_its_source():
    text = genfacts.SOURCE.read_text()
    for names, urls in genfacts._sources(ast.parse(text), text.splitlines()):  # noqa: SLF001
        assert any("https://" in u for u in urls), f"{names}: no source URL in the comment above it"


def test_region_capabilities_table():
    caps = facts.REGION_CAPABILITIES
    assert all(set(row) == {"pair", "zones", "grs", "restricted", "source"} for row in caps.values())
    assert all(row["grs"] == (row["pair"] is not None) for row in caps.values())
    assert all(row["source"].startswith("https://learn.microsoft.com/") for row in caps.values())
    assert all(row["pair"] in caps for row in caps.values() if row["pair"])
    # regions-list marks Australia Central 2, not Australia Central, as restricted (audit W17)
    assert "australiacentral2" in facts.RESTRICTED_REGIONS and "australiacentral" not in facts.RESTRICTED_REGIONS
    assert facts.RESTRICTED_REGIONS == {
        "australiacentral2", "brazilsoutheast", "francesouth", "germanynorth", "norwaywest", "southafricawest",
        "swedensouth", "switzerlandwest", "uaecentral"}
    # pair regions without zones (audit W9): no ZRS there
    for region in ("westus", "northcentralus", "westcentralus", "ukwest", "canadaeast", "southindia",
                   "westindia", "koreasouth", "australiasoutheast"):
        assert not facts.has_zones(region), region
    assert facts.has_zones("westeurope") and facts.has_zones("polandcentral")
    assert {r for r in facts.REGION_PAIRS if facts.is_one_way_pair(r)} == {
        "brazilsouth", "brazilsoutheast", "westindia", "westus3"}
    assert facts.UNPAIRED_REGIONS == {r for r, c in caps.items() if not c["grs"]}


def test_fault_domain_caveat_takes_the_safe_side():
    # MicrosoftDocs lists 2 where the sap-automation capture said 3 (audit W18)
    for region in ("westus2", "japaneast", "centralindia", "brazilsouth"):
        assert facts.max_fault_domains(region) == 2, region
    assert facts.max_fault_domains("westeurope") == 3 and facts.max_fault_domains("newregion") == 2


def test_scale_limits():
    assert (facts.MAX_VMS_PER_POLICY, facts.MAX_VMS_PER_VAULT, facts.MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY) == (
        100, 1000, 250)


def test_posture_reads_region_pairs_from_the_pack_copy(tmp_path):
    from posture.dr import pack_facts
    from posture.errors import PostureError

    assert pack_facts.region_pairs() == facts.REGION_PAIRS
    assert pack_facts.cross_region_rpo_hours() == facts.CROSS_REGION_RPO_HOURS
    fake = tmp_path / "facts.py"
    fake.write_text("REGION_PAIRS = {'a': 'b'}\nCROSS_REGION_RPO_HOURS = 7\n")
    assert pack_facts.region_pairs(fake) == {"a": "b"} and pack_facts.cross_region_rpo_hours(fake) == 7
    with pytest.raises(PostureError, match="generated facts are missing"):
        pack_facts.load(tmp_path / "absent.py")


def test_no_module_keeps_its_own_region_table():
    assert not (ROOT / "components" / "regions.py").exists()
    for path in [*ROOT.glob("components/*.py"), *ROOT.glob("policies/azdr_policies/**/*.py"),
                 *ROOT.glob("posture/**/*.py")]:
        if path.name == "facts.py":
            continue
        text = path.read_text()
        assert '"westeurope": "northeurope"' not in text, path
        assert "components.regions" not in text, path

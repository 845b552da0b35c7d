"""Catalog meta-tests: every rule module registered, ids/names unique and well-formed, docs
complete, a pass and a fail case per rule, and the committed CATALOG.md is generated."""

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from pulumi_policy import Severity

import azdr_policies.rules as rules_pkg
from azdr_policies import POLICIES, RULES
from azdr_policies.catalog import CATALOG_PATH, render
from azdr_policies.framework import SEED_SECTIONS, UNKNOWN_MODES
from azdr_policies.registry import RULE_MODULES

SEED = Path("/work/shared/seed/azure-iaas-disks-backup-and-dr.txt")


def test_every_rule_module_is_registered():
    modules = {m.name for m in pkgutil.iter_modules(rules_pkg.__path__)}
    registered = {m.__name__.rsplit(".", 1)[1] for m in RULE_MODULES}
    assert modules == registered
    for module in RULE_MODULES:
        assert module.RULES, module.__name__
        for rule in module.RULES:
            assert rule in RULES


def test_ids_and_names_unique_and_well_formed():
    ids = [r.id for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    for r in RULES:
        assert re.fullmatch(r"AZDR-[A-Z]{3}-\d{3}", r.id), r.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
    assert [p.name for p in POLICIES] == names
    assert [r.id for r in RULES[-2:]] == ["AZDR-SYS-001", "AZDR-SYS-002"], "guards must run last"


def test_docs_are_complete():
    for r in RULES:
        assert isinstance(r.severity, Severity)
        assert r.title.endswith(".") and len(r.title) < 120, r.id
        assert r.seed_section in SEED_SECTIONS, r.id
        assert f"'{r.seed_section}'" in r.rationale, f"{r.id}: rationale must cite its seed section"
        assert r.remediation.strip() and r.snippet.strip(), r.id
        assert "import" in r.snippet or "Args(" in r.snippet, f"{r.id}: remediation needs a Pulumi Python snippet"
        assert r.links and all(u.startswith("https://") for u in r.links), r.id
        assert r.unknown in UNKNOWN_MODES and r.unknown_note.strip(), r.id
        assert r.missing.strip(), r.id
        assert r.resource_types, r.id


# The section headings of the seed document (/work/shared/seed/azure-iaas-disks-backup-and-dr.txt),
# copied verbatim so the meta-tests run without /work/shared.
SEED_HEADINGS = (
    "Azure IaaS resiliency",
    "Backup and disaster recovery",
    "Backup and DR scenarios",
    "Scenario 1: Major database solutions",
    "Scenario 2: A cluster of redundant VMs",
    "Scenario 3: IaaS application workload",
    "Scenario 4: IaaS application data issues",
    "Disaster recovery solution: Azure Backup",
    "Using Azure Backup",
    "Azure Backup flow",
    "Steps to enable a backup",
    "Steps for recovery",
    "Alternative solution: Consistent snapshots",
    "Create snapshots while the VM is running",
    "Create snapshots while the VM is offline",
    "Copy the snapshots to another region",
    "Back up Azure unmanaged VM disks with incremental snapshots",
    "Recovery from snapshots",
    "Other options",
    "SQL Server",
    "Other considerations",
    "Appendix: Understanding the impact of data redundancy",
)


def test_seed_sections_are_real_headings():
    assert set(SEED_SECTIONS) <= set(SEED_HEADINGS), sorted(set(SEED_SECTIONS) - set(SEED_HEADINGS))
    assert {r.seed_section for r in RULES} <= set(SEED_HEADINGS)


def test_copied_headings_match_the_seed_when_it_is_available():
    if not SEED.exists():  # the project must work without /work/shared; the copy above is what counts
        pytest.skip(f"{SEED} not available")
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    assert [h for h in lines if h in SEED_HEADINGS] == list(SEED_HEADINGS)  # present, once, in order


SNIPPET_MODULES = {
    "rs": "pulumi_azure_native.recoveryservices", "compute": "pulumi_azure_native.compute",
    "network": "pulumi_azure_native.network", "storage": "pulumi_azure_native.storage",
    "authorization": "pulumi_azure_native.authorization",
    "monitor": "pulumi_azure_native.monitor", "alertsmanagement": "pulumi_azure_native.alertsmanagement",
}


def _resolve(node, modules):
    """The object an `alias.Name.MEMBER` chain names, None if it is not such a chain; raises
    AttributeError naming the chain when the installed azure-native has no such name."""
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not (isinstance(node, ast.Name) and node.id in modules):
        return None
    obj = modules[node.id]
    for attr in reversed(chain):
        if not hasattr(obj, attr):
            raise AttributeError(f"{node.id}.{'.'.join(reversed(chain))}")
        obj = getattr(obj, attr)
    return obj


def _snippet_problems(rule, modules) -> list[str]:
    problems = []
    tree = ast.parse(rule.snippet, filename=f"{rule.id} snippet")  # a SyntaxError fails the test
    compile(tree, f"{rule.id} snippet", "exec")
    for node in ast.walk(tree):
        try:
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                _resolve(node, modules)
            if isinstance(node, ast.Call):
                target = _resolve(node.func, modules)
                if inspect.isclass(target):
                    init = getattr(target, "_internal_init", target.__init__)  # resources: overloaded __init__
                    params = inspect.signature(init).parameters
                    problems += [f"{target.__name__}({kw.arg}=...)" for kw in node.keywords
                                 if kw.arg and kw.arg not in params]
        except AttributeError as exc:
            problems.append(f"no {exc}")
    return sorted(set(problems))


def test_remediation_snippets_are_valid_python_using_real_azure_native_names():
    modules = {alias: importlib.import_module(name) for alias, name in SNIPPET_MODULES.items()}
    for r in RULES:
        assert _snippet_problems(r, modules) == [], r.id
    # the check can fail: a misspelt class, enum member or keyword is reported
    bad = dataclasses.replace(RULES[0], snippet="rs.Vault('v', resource_grop=rg, sku=rs.SkuName.RS1)\n"
                                                 "rs.NoSuchArgs(x=1)\nrs.StandardTierStorageRedundancy.GEO")
    assert _snippet_problems(bad, modules) == [
        "Vault(resource_grop=...)", "no rs.NoSuchArgs", "no rs.SkuName.RS1", "no rs.StandardTierStorageRedundancy.GEO"]
    with pytest.raises(SyntaxError):
        _snippet_problems(dataclasses.replace(RULES[0], snippet="rs.Vault(("), modules)


def _collect_cases():
    package = __package__
    here = Path(__file__).parent
    cases = []
    for info in pkgutil.iter_modules([str(here)]):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"{package}.{info.name}")
            cases.extend(getattr(module, "CASES", []))
    return cases


def test_every_rule_has_a_pass_and_a_fail_case():
    cases = _collect_cases()
    for r in RULES:
        if r.id.startswith("AZDR-SYS-"):
            continue  # guards: exercised by test_framework (raising rules) and every pass case
        ids = [c.id for c in cases if c.rule_id == r.id]
        assert any(i.startswith("pass-") for i in ids), f"{r.id} has no pass-* case"
        assert any(i.startswith("fail-") for i in ids), f"{r.id} has no fail-* case"
    case_ids = [(c.rule_id, c.id) for c in cases]
    assert len(set(case_ids)) == len(case_ids), "duplicate case ids"


UNKNOWN_OUTCOME = {"advisory": "advisory-", "skip": "pass-", "fail": "fail-"}


def test_every_rule_tests_its_unknown_and_missing_behaviour():
    """The declared unknown mode is exercised (its outcome prefix: advisory-/pass-/fail-) and so is a
    missing property (the Azure default the rule documents)."""
    cases = _collect_cases()
    problems = []
    for r in RULES:
        if r.id.startswith("AZDR-SYS-"):
            continue
        ids = [c.id for c in cases if c.rule_id == r.id]
        want = UNKNOWN_OUTCOME[r.unknown]
        if not any("unknown" in i and i.startswith(want) for i in ids):
            problems.append(f"{r.id}: no {want}*unknown* case (unknown mode {r.unknown})")
        if any("unknown" in i and not i.startswith(want) and i.startswith("advisory-") for i in ids):
            problems.append(f"{r.id}: an advisory-* case but the unknown mode is {r.unknown}")
        if not any("missing" in i for i in ids):
            problems.append(f"{r.id}: no *missing* case")
    assert problems == []


def test_committed_catalog_is_generated():
    assert CATALOG_PATH.read_text(encoding="utf-8") == render(), "run `venv/bin/python -m policies.catalog`"


def test_catalog_check_mode_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    from azdr_policies import catalog

    target = tmp_path / "CATALOG.md"
    monkeypatch.setattr(catalog, "CATALOG_PATH", target)
    assert catalog.main(["--check"]) == 1  # absent
    assert capsys.readouterr().err == f"{target} is stale: run `python -m policies.catalog`\n"
    assert catalog.main([]) == 0 and target.read_text(encoding="utf-8") == render()
    assert catalog.main(["--check"]) == 0
    target.write_text(render().replace("AZDR-RSV-001", "AZDR-RSV-999", 1), encoding="utf-8")
    assert catalog.main(["--check"]) == 1

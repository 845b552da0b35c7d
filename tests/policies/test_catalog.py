"""Catalog meta-tests: every rule module registered, ids/names unique and well-formed, docs
complete, a pass and a fail case per rule, and the committed CATALOG.md is generated."""

import importlib
import pkgutil
import re
from pathlib import Path

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


def test_seed_sections_are_real_headings():
    if not SEED.exists():  # the project must work without /work/shared
        return
    lines = {line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()}
    assert set(SEED_SECTIONS) <= lines



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


def test_committed_catalog_is_generated():
    assert CATALOG_PATH.read_text(encoding="utf-8") == render(), "run `venv/bin/python -m policies.catalog`"

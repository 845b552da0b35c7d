"""The README stays true: the generated sections of docs/config.md are current, its two set-up commands are the Makefile's,
CI runs the test one, and every `python -m posture` line it shows parses with the real CLI parser."""

import re
import shlex
from pathlib import Path

import pytest

from posture.cli import build_parser
from tools import gendocs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


CONFIG_DOC = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")


def test_generated_sections_of_the_config_doc_are_current():
    assert gendocs.render(CONFIG_DOC, gendocs.DOCS[gendocs.CONFIG_DOC]) == CONFIG_DOC, (
        "docs/config.md is stale: run venv/bin/python -m tools.gendocs")
    assert "<!-- BEGIN GENERATED: config -->" in CONFIG_DOC and "<!-- BEGIN GENERATED: tiers -->" in CONFIG_DOC


def test_readme_is_short_and_generates_nothing():
    assert len(README.splitlines()) <= 160
    assert "BEGIN GENERATED" not in README


def test_the_two_setup_commands_come_first_and_exist():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make preview", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^preview: ", makefile, re.MULTILINE) and re.search(r"^test: ", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


DOC_TEXTS = [README] + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]


def _posture_lines():  # the README's and the docs' (content moved there from the README)
    code = "\n".join(c for text in DOC_TEXTS for c in re.findall(r"```sh\n(.*?)```", text, re.DOTALL))
    for line in code.splitlines():
        match = re.search(r"python -m posture (.+)$", line)
        if match:
            yield match.group(1).split("#")[0].split("&&")[0].strip().strip("`")


@pytest.mark.parametrize("args", sorted(set(_posture_lines())))
def test_every_posture_command_in_the_readme_parses(args):
    # Usage lines show optional parts in brackets and choices with bars: take the first choice.
    concrete = re.sub(r"\[([^\]]*)\]", r"\1", args)
    concrete = re.sub(r"\(([^)|]*)\|[^)]*\)", r"\1", concrete)
    concrete = re.sub(r"(--format )(\w+)(\|\w+)+", r"\1\2", concrete)
    concrete = concrete.replace("NAME", "dev").replace("FILE", "x.json")
    build_parser().parse_args(shlex.split(concrete))


def test_the_rule_table_is_linked_not_copied_and_the_catalog_names_every_rule():
    import sys

    sys.path.insert(0, str(ROOT / "policies"))  # as the language host loads the pack
    from azdr_policies import RULES

    catalog = (ROOT / "policies" / "CATALOG.md").read_text(encoding="utf-8")
    assert "policies/CATALOG.md" in README
    for rule in RULES:
        assert f"| {rule.id} | `{rule.name}` |" in catalog
        assert f"| {rule.id} |" not in README


def test_every_relative_link_of_the_readme_and_docs_resolves():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), (doc.name, target)

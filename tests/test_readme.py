"""The README stays true: its generated sections are current, its two set-up commands are the Makefile's,
CI runs the test one, and every `python -m posture` line it shows parses with the real CLI parser."""

import re
import shlex
from pathlib import Path

import pytest

from posture.cli import build_parser
from tools import gendocs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_sections_are_current():
    assert gendocs.render(README) == README, "README.md is stale: run venv/bin/python -m tools.gendocs"


def test_the_two_setup_commands_come_first_and_exist():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make preview", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^preview: ", makefile, re.MULTILINE) and re.search(r"^test: ", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _posture_lines():
    code = "\n".join(re.findall(r"```sh\n(.*?)```", README, re.DOTALL))
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


def test_readme_names_every_rule_of_the_pack():
    import sys

    sys.path.insert(0, str(ROOT / "policies"))  # as the language host loads the pack
    from azdr_policies import RULES

    for rule in RULES:
        assert f"| {rule.id} | `{rule.name}` |" in README

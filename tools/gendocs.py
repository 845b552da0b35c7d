"""Regenerate the generated sections of README.md from the code, so the README stays true.

    venv/bin/python -m tools.gendocs          # rewrite README.md in place
    venv/bin/python -m tools.gendocs --check  # exit 1 if README.md is stale (a test runs this)

Sections live between ``<!-- BEGIN GENERATED: <name> -->`` and ``<!-- END GENERATED: <name> -->``:

* ``tiers``: the workload tier presets (``components.config.tier_table``);
* ``config``: every config key, its type, default and description, from the pydantic input models;
* ``rules``: the rule catalog, the table part of ``policies/CATALOG.md`` (itself generated from the rules).
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CATALOG = ROOT / "policies" / "CATALOG.md"


def _type_name(annotation: typing.Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args if a is not type(None))
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map of {_type_name(args[1])}" if len(args) == 2 else "map"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    name = getattr(annotation, "__name__", str(annotation))
    return {"str": "string", "int": "integer", "bool": "boolean", "SecretStr": "secret string"}.get(name, name)


def _nested_models(annotation: typing.Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_nested_models(arg))
    return found


def _default(field: typing.Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.default
    if value is PydanticUndefined or value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ([], {}, ""):
        return f"`{value!r}`".replace("'", '"')
    return f"`{value}`"


def model_rows(model: type[BaseModel], prefix: str, seen: set[type]) -> list[str]:
    rows: list[str] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}{key}"
        desc = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{path}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
        container = typing.get_origin(field.annotation)
        sub_prefix = {list: f"{path}[].", dict: f"{path}.<name>."}.get(container, f"{path}.")
        for sub in _nested_models(field.annotation):
            nested.append((sub_prefix, sub))
    for sub_prefix, sub in nested:
        if sub in seen:
            continue
        seen.add(sub)
        rows.extend(model_rows(sub, sub_prefix, seen))
    return rows


def config_section() -> str:
    from components import config

    head = [
        "All program keys live in the `azure-iaas-dr` namespace (`pulumi config set azure-iaas-dr:<key>`);",
        "`azure-native:location` is the primary region. Structured keys are YAML objects in",
        "`Pulumi.<stack>.yaml` (or `pulumi config set --path`).",
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
    ]
    return "\n".join(head + model_rows(config.ProgramConfig, "", set()))


def tiers_section() -> str:
    from components.config import tier_table

    return tier_table()


def rules_section() -> str:
    text = CATALOG.read_text(encoding="utf-8")
    table: list[str] = []
    for line in text.splitlines():  # the first table: the pack's rules (the change rules' table follows later)
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    if not table:
        raise SystemExit(f"{CATALOG}: no catalog table found (run: venv/bin/python -m policies.catalog)")
    return "\n".join(table)


SECTIONS = {"tiers": tiers_section, "config": config_section, "rules": rules_section}


def render(readme: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.DOTALL
        )
        if not pattern.search(readme):
            raise SystemExit(f"README.md: missing the generated section markers for '{name}'")
        body = build()
        readme = pattern.sub(lambda m, body=body: f"{m.group(1)}{body}\n{m.group(2)}", readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if README.md is stale")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print("README.md is stale: run `venv/bin/python -m tools.gendocs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

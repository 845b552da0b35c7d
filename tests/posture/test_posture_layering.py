"""The layers of `posture/` (docs/DESIGN.md, "Offline engine"): one result model that renders nothing, renderers
that read only the result model, DR documents that learn Azure facts from the pack's generated facts, and no
module that imports `components/` (the program is run by path, `runpy`, never imported). Read from the source
(every import statement, at module level or inside a function), so a new import that breaks a layer fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTURE = ROOT / "posture"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(POSTURE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The absolute names `name` imports (relative imports resolved; `from x import y` counts `x` and `x.y`)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
    return out


def _posture_imports(name: str) -> set[str]:
    return {m for m in _imports(name) if m in MODULES and m != name}


def test_the_layers_are_read_from_every_module():
    assert {"posture.results", "posture.render", "posture.render.text", "posture.render.json",
            "posture.render.markdown", "posture.render.sarif", "posture.dr", "posture.dr.report",
            "posture.dr.site_recovery", "posture.dr.runbook", "posture.dr.pack_facts", "posture.dr.values"} <= set(MODULES)
    assert _posture_imports("posture.render.sarif") == {"posture.results", "posture.render.findings"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_posture_module_imports_components_or_the_pack(name):
    bad = {m for m in _imports(name) if m.split(".")[0] in ("components", "policies", "azdr_policies")}
    assert not bad, f"{name} imports {sorted(bad)}"


def test_the_result_model_imports_no_renderer_and_no_engine():
    assert _posture_imports("posture.results") == {"posture.capture"}  # the Registration type only


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("posture.render")))
def test_renderers_read_only_the_result_model(name):
    allowed = {"posture.results", "posture.capture"} | {m for m in MODULES if m.startswith("posture.render")}
    assert _posture_imports(name) <= allowed, name


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("posture.dr")))
def test_dr_documents_import_no_renderer_and_no_engine(name):
    allowed = {"posture.capture", "posture.errors"} | {m for m in MODULES if m.startswith("posture.dr")}
    assert _posture_imports(name) <= allowed, name


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_degrades_quietly(name):
    """No `try: import ... except ImportError` anywhere: a missing part is an error, not a smaller report."""
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Try):
            caught = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            assert not caught & {"ImportError", "ModuleNotFoundError"}, f"{name}:{node.lineno}"


def test_results_render_and_dr_form_no_import_cycle():
    layered = [m for m in MODULES if m.startswith(("posture.results", "posture.render", "posture.dr"))]
    graph = {m: {d for d in _posture_imports(m) if d in layered and d not in (m.rpartition(".")[0],)}
             for m in layered}
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert m not in path, " -> ".join((*path, m))
        if m in done:
            return
        for d in graph[m]:
            visit(d, (*path, m))
        done.add(m)

    for m in layered:
        visit(m, ())

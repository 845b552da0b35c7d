"""The real Pulumi CLI, offline: where it is, and an isolated PULUMI_HOME with the stand-in provider.

Layout (all under the git-ignored ``.tools/``):

* ``.tools/bin/``          ``pulumi``, ``pulumi-language-python`` (+ ``-exec``), built by ``build.sh``;
* ``.tools/pulumi-home/``  PULUMI_HOME: ``plugins/resource-azure-native-v<wheel version>/`` (the stand-in),
  ``credentials.json``; nothing is read from or written to ``~/.pulumi``;
* ``.tools/state/``        the ``file://`` backend.

:func:`pulumi_env` is the environment every real-engine command runs with: passphrase secrets
(``PULUMI_CONFIG_PASSPHRASE``, default :data:`PASSPHRASE`), no update check, no plugin acquisition, no
registry resolution, no ambient plugins, no Cloud.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from tools.realengine.standin import plugin_version

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
BIN = TOOLS / "bin"
#: Where the mutable parts live (PULUMI_HOME, the file:// state, the run directories): ``.tools/``, or the
#: directory AZDR_REAL_ENGINE_VAR names. The tests that run `make real-up` / `make real-destroy` as the README
#: writes them set it, so they never touch a developer's local stacks; the binaries stay in ``.tools/bin``.
VAR_DIR_VAR = "AZDR_REAL_ENGINE_VAR"
VAR = Path(os.environ[VAR_DIR_VAR]) if os.environ.get(VAR_DIR_VAR) else TOOLS
HOME = VAR / "pulumi-home"
STATE = VAR / "state"
BUILD_SCRIPT = ROOT / "tools" / "realengine" / "build.sh"
#: The local stacks' passphrase. Not a secret: it protects only stand-in state on this machine.
PASSPHRASE = "azure-iaas-dr-local"
MIN_MINOR = 274
#: Packages the stand-in serves besides azure-native: the offline engine's fixture project (tests/fixtures), and
#: the classic `azure` provider whose VM the unjudged-vms program fixture declares (any version: the fixture
#: asks for none, so the engine takes the one installed).
EXTRA_PACKAGES = {"fixture": "0.0.1", "azure": "6.0.0"}


class RealEngineUnavailable(RuntimeError):
    pass


def _compatible(version: str) -> bool:
    m = re.fullmatch(r"v?3\.(\d+)\.\d+.*", version.strip())
    return bool(m) and int(m.group(1)) >= MIN_MINOR


def find_pulumi() -> Path | None:
    """``.tools/bin/pulumi`` if built, else a compatible ``pulumi`` on PATH with its language host beside it."""
    if (BIN / "pulumi").is_file() and (BIN / "pulumi-language-python").is_file():
        return BIN / "pulumi"
    found = shutil.which("pulumi")
    if not found:
        return None
    real = Path(found).resolve()
    if not (real.parent / "pulumi-language-python").exists():
        return None
    try:
        out = subprocess.run([found, "version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found) if _compatible(out) else None


def can_build() -> bool:
    return shutil.which("go") is not None


def ensure_pulumi() -> Path:
    """A usable ``pulumi``: found, or built by build.sh (needs Go); RealEngineUnavailable otherwise."""
    found = find_pulumi()
    if found:
        return found
    if not can_build():
        raise RealEngineUnavailable("no compatible pulumi (v3.274+) on PATH and no Go to build one")
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True)
    found = find_pulumi()
    if not found:
        raise RealEngineUnavailable(f"{BUILD_SCRIPT} ran but no pulumi was found in {BIN}")
    return found


def install_standin(home: Path = HOME, python: str = sys.executable) -> Path:
    """Install the stand-in as ``plugins/resource-azure-native-v<wheel version>/`` (and the fixture
    packages) under ``home``; drop stale versions. Returns the azure-native plugin directory."""
    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    wanted = {"azure-native": plugin_version(), **EXTRA_PACKAGES}
    for old in plugins.glob("resource-*-v*"):
        name, _, ver = old.name[len("resource-"):].rpartition("-v")
        if name in wanted and ver != wanted[name]:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    first = None
    for name, ver in wanted.items():
        d = plugins / f"resource-{name}-v{ver}"
        d.mkdir(exist_ok=True)
        exe = d / f"pulumi-resource-{name}"
        exe.write_text(
            "#!/bin/sh\n"
            "# Stand-in provider (tools/realengine/standin.py), installed by tools/realengine/env.py.\n"
            f"PYTHONPATH='{ROOT}' AZDR_STANDIN_PACKAGE='{name}' AZDR_STANDIN_VERSION='{ver}' "
            f"exec '{python}' -m tools.realengine.standin \"$@\"\n")
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        first = first or d
    return first


def pulumi_env(pulumi: Path, home: Path = HOME, state: Path = STATE, log: Path | None = None) -> dict[str, str]:
    """Environment for running ``pulumi`` offline against the file backend in ``state``."""
    state.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    path = [str(pulumi.resolve().parent), str(Path(sys.executable).parent)]
    env.update({
        "PATH": os.pathsep.join(path + [env.get("PATH", "")]),
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": env.get("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
        "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
    })
    env.pop("PULUMI_ACCESS_TOKEN", None)
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    env["AZDR_STANDIN_LOG"] = str(log or home / "standin.log")
    return env


WORK = VAR / "work"


def work_copy(project: Path, stack: str, dest: Path, config: dict | None = None) -> Path:
    """A run directory for ``project``'s ``stack``: symlinks to every top-level entry (program, components,
    venv, ...) and a fresh copy of ``Pulumi.<stack>.yaml`` (with ``config`` keys set, if given).

    Why a copy: ``pulumi stack init`` writes the passphrase provider's ``encryptionsalt`` into the stack
    file (and re-quotes values), so running the real CLI in the project itself would change tracked
    files. The salt of an earlier run in ``dest`` is carried over, so its secrets stay readable."""
    import yaml

    dest.mkdir(parents=True, exist_ok=True)
    for entry in project.iterdir():
        if entry.name in {".git", ".tools", "__pycache__"} or re.fullmatch(r"Pulumi\..+\.ya?ml", entry.name):
            continue
        link = dest / entry.name
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == entry.resolve() and entry.name != "Pulumi.yaml":
                continue
            shutil.rmtree(link) if link.is_dir() and not link.is_symlink() else link.unlink()
        link.symlink_to(entry.resolve())
    # A relative runtime virtualenv (`venv`, `../../venv`) is made absolute: it must name the project's venv
    # from the run directory too.
    pyaml = yaml.safe_load((project / "Pulumi.yaml").read_text()) or {}
    opts = (pyaml.get("runtime") or {}).get("options") if isinstance(pyaml.get("runtime"), dict) else None
    if isinstance(opts, dict) and isinstance(opts.get("virtualenv"), str) and not Path(opts["virtualenv"]).is_absolute():
        opts["virtualenv"] = str((project / opts["virtualenv"]).resolve())
        (dest / "Pulumi.yaml").unlink()
        (dest / "Pulumi.yaml").write_text(yaml.safe_dump(pyaml, sort_keys=False))
    src = project / f"Pulumi.{stack}.yaml"
    target = dest / src.name
    doc = yaml.safe_load(src.read_text()) if src.exists() else {}
    doc = doc or {}
    if config:
        doc.setdefault("config", {}).update(config)
    if target.exists():
        old = yaml.safe_load(target.read_text()) or {}
        if "encryptionsalt" in old and "encryptionsalt" not in doc:
            doc["encryptionsalt"] = old["encryptionsalt"]
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    return dest

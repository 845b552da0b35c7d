"""A copy of the real project with stack-config changes, for tests that run the real program end to end."""

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: A vault that is locally redundant (and so cannot have cross-region restore): the pack must reject it.
LOCALLY_REDUNDANT_VAULT = {
    "azure-iaas-dr:vault": {
        "storageRedundancy": "LocallyRedundant", "crossRegionRestore": False, "allowWeakerPosture": True,
    },
}


def copy_project(dest: Path, config: dict, stack: str = "dev") -> Path:
    """Copy the program (not the pack) into ``dest`` and set ``config`` keys in ``Pulumi.<stack>.yaml``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", f"Pulumi.{stack}.yaml", "__main__.py", "pyproject.toml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "components", dest / "components", ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = dest / f"Pulumi.{stack}.yaml"
    doc = yaml.safe_load(stack_file.read_text())
    doc["config"].update(config)
    stack_file.write_text(yaml.safe_dump(doc))
    return dest

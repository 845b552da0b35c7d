"""Regenerate tests/changes/fixtures/preview-changes.json (`venv/bin/python -m tests.changes.make_fixtures`).

The change: cross-region restore turned off on the vault, the `reporting` workload dropped from config,
and data disk `database-vm-0-data-1` re-created from a snapshot (creationData changes: the provider
replaces the disk). Written with `pulumi preview --json`'s default flags (no --show-sames).
"""

import json
from pathlib import Path

from tests.changes import documents

FIXTURE = Path(__file__).with_name("fixtures") / "preview-changes.json"
DISK = "workload-database-vm-0-data-1"
SNAPSHOT_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-database/providers/"
               "Microsoft.Compute/snapshots/database-vm-0-data-1-restore")
NEW_CONFIG = {"azure-iaas-dr:vault": {"crossRegionRestore": False, **documents.V},
              **documents.workloads(lambda w: w.pop("reporting"))}


def preview_changes_document() -> dict:
    model = documents.model(NEW_CONFIG)
    for c in model["changes"]:
        if c["urn"].endswith("::" + DISK):
            c["new"]["inputs"]["creationData"] = {"createOption": "Copy", "sourceResourceId": SNAPSHOT_ID}
            c["op"], c["diff"] = "update", ["creationData"]
    return documents.preview_digest(model, replaces={DISK: ["creationData"]})


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(preview_changes_document(), indent=4) + "\n")
    print(f"wrote {FIXTURE}")

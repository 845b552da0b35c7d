"""Documents for change-rule tests, made offline from the dev stack.

- `baseline(config)`: run the offline engine on the dev stack (as `pulumi up` would deploy it) and
  write the capture as a v3 `pulumi stack export` (`posture.changes.stack_export_from_capture`).
- `model(new_config, base_config)`: the change model of the dev stack from `base_config` to
  `new_config`, built through the same `--baseline` path the CLI uses.
- `preview_digest(model, ...)`: the same change written as `pulumi preview --json` writes it. Shape
  read from the Pulumi sources (snapshot 1b5949891b3cefcb9974752b24a5ecef0acc86c8):
  `pkg/display/json.go` (PreviewDigest, PreviewStep, PropertyDiff), `pkg/backend/display/json.go`
  (`ShowPreviewDigest`: steps in event order, `getPreviewMetadataStep`: op, urn, provider, oldState,
  newState, diffReasons, replaceReasons, detailedDiff always present, null for no diff;
  `stateForJSONOutput`: secrets as "[secret]"), `pkg/backend/display/display.go` (`shouldShow`: a
  `same` step only with --show-sames or a changed protect; the root stack always),
  `sdk/go/common/apitype/core.go` (ResourceV3 field names and omitempty).
  Only the provider decides a replace: `replaces` names the resources whose update the (assumed)
  provider turned into a replace, with the keys it gave as replaceReasons.
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from posture import changes
from posture.capture import ROOT_STACK_TYPE, capture_program

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_REF = ("urn:pulumi:dev::azure-iaas-dr::pulumi:providers:azure-native::default_3_29_0::"
                "7c1b4b0e-0000-4000-8000-000000000001")
V = {"allowWeakerPosture": True}
# The program's clock (components/prior_state.py): deploymentRecord.registrations carries the run's time, so the
# documents made here, and the committed fixture, pin it.
os.environ.setdefault("AZDR_PROGRAM_NOW", "2026-12-02T08:00:00Z")


def workloads(edit) -> dict[str, Any]:
    """`azure-iaas-dr:workloads` of the dev stack with `edit(workloads)` applied."""
    w = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["azure-iaas-dr:workloads"])
    edit(w)
    return {"azure-iaas-dr:workloads": w}


def security(edit) -> dict[str, Any]:
    """`azure-iaas-dr:security` of the dev stack with `edit(security)` applied."""
    s = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["azure-iaas-dr:security"])
    edit(s)
    return {"azure-iaas-dr:security": s}


def _key(config: Optional[dict]) -> str:
    return json.dumps(config or {}, sort_keys=True)


@lru_cache(maxsize=64)
def _capture(config_key: str, preview: bool):
    return capture_program(ROOT, "dev", preview=preview, config_override=json.loads(config_key) or None)


@lru_cache(maxsize=64)
def _baseline_doc(config_key: str) -> str:
    return json.dumps(changes.stack_export_from_capture(_capture(config_key, False)))


def baseline(config: Optional[dict] = None) -> dict[str, Any]:
    """The dev stack deployed with `config` as a v3 `pulumi stack export` document."""
    return json.loads(_baseline_doc(_key(config)))


def write_baseline(path: Path, config: Optional[dict] = None) -> Path:
    path.write_text(json.dumps(baseline(config)))
    return path


def model(new_config: Optional[dict] = None, base_config: Optional[dict] = None) -> dict:
    """The change model from the dev stack deployed with `base_config` to the program with `new_config`."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = write_baseline(Path(d) / "baseline.json", base_config)
        old = changes.read_baseline(path)
    return changes.model_from_baseline(old, _capture(_key(new_config), True).resources, "dev")


def _state_v3(state: dict[str, Any]) -> dict[str, Any]:
    """A model state as `stack.SerializeResource` writes a ResourceV3 (omitempty fields left out)."""
    out: dict[str, Any] = {"urn": state["urn"], "custom": state["type"] != ROOT_STACK_TYPE and
                           not state["type"].startswith("azure-iaas-dr:"), "type": state["type"]}
    if state.get("id"):
        out["id"] = state["id"]
    for key in ("inputs", "outputs"):
        if state.get(key):
            out[key] = state[key]
    if state.get("parent"):
        out["parent"] = state["parent"]
    if state.get("protect"):
        out["protect"] = True
    if state.get("dependencies"):
        out["dependencies"] = state["dependencies"]
    if out["custom"]:
        out["provider"] = PROVIDER_REF
    if state.get("propertyDependencies"):
        out["propertyDependencies"] = state["propertyDependencies"]
    if state.get("retainOnDelete"):
        out["retainOnDelete"] = True
    return out


def preview_digest(model: dict[str, Any], *, show_sames: bool = False,
                   replaces: Optional[dict[str, list[str]]] = None) -> dict[str, Any]:
    """`pulumi preview --json` of the change in `model` (default flags: no --show-sames, no
    --show-replacement-steps). `replaces`: {resource name: replaceReasons} the provider replaces."""
    replaces = replaces or {}
    steps, deletes = [], []
    counts: dict[str, int] = {}
    for c in model["changes"]:
        op = c["op"]
        name = c["urn"].rsplit("::", 1)[-1]
        if name in replaces:
            op = "replace"
        counts[op] = counts.get(op, 0) + 1
        root = c["type"] == ROOT_STACK_TYPE
        if op == "same" and not show_sames and not root and c["old"]["protect"] == c["new"]["protect"]:
            continue
        step: dict[str, Any] = {"op": op, "urn": c["urn"]}
        if c["type"] != ROOT_STACK_TYPE and not c["type"].startswith("azure-iaas-dr:"):
            step["provider"] = PROVIDER_REF
        if c["old"]:
            step["oldState"] = _state_v3(c["old"])
        if c["new"]:
            step["newState"] = _state_v3(c["new"])
        if op == "update":
            step["diffReasons"] = list(c["diff"])
            step["detailedDiff"] = {k: {"kind": "update", "inputDiff": True} for k in c["diff"]}
        elif op == "replace":
            step["diffReasons"] = list(c["diff"])
            step["replaceReasons"] = list(replaces[name])
            step["detailedDiff"] = {k: {"kind": "update-replace" if k in replaces[name] else "update",
                                        "inputDiff": True} for k in c["diff"]}
        else:
            step["detailedDiff"] = None
        (deletes if op == "delete" else steps).append(step)
    steps += reversed(deletes)  # the engine deletes dependents first: reverse of the prior state's order
    return {"config": {"azure-native:location": "westeurope", "azure-iaas-dr:protect": "false"},
            "steps": steps, "duration": 4250000000, "changeSummary": counts}

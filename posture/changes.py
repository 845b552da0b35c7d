"""The change model (prior state -> new state, per URN) and the run of the pack's change rules.

Two sources, one model (shape: `policies/azdr_policies/changes/model.py`, docs/DESIGN.md):

- `pulumi preview --json`: a `PreviewDigest` (`pkg/display/json.go`), whose `steps[]` carry `op`,
  `urn`, `oldState`/`newState` (`apitype.ResourceV3`), `diffReasons`, `replaceReasons`. Read from the
  Pulumi sources (`pkg/backend/display/json.go` `ShowPreviewDigest`/`getPreviewMetadataStep`,
  `pkg/backend/display/display.go` `shouldShow`, `pkg/resource/deploy/step.go` ops):
  * `same` steps are written only with `--show-sames` (or when `protect` changed); without it the
    document lacks unchanged resources and the model says so (`complete: false`);
  * a replace is one logical `replace` step (old and new state); with `--show-replacement-steps` it
    is also `create-replacement` + `delete-replaced`, merged here into one `replace`;
  * an aliased resource's step has the new URN and an `oldState` with the old URN;
  * `read`/`refresh`/`discard*`/`remove-pending-replace`/`diff`/`extend-parameterize` change no
    managed resource and are skipped.
  The engine (with the real provider) decided every op: `replaceKnown` is true.
- `posture preview --baseline EXPORT`: a `pulumi stack export` of the deployed stack vs the offline
  capture of the program. URNs match directly or through the new registration's aliases (as the
  engine's step generator does); inputs are compared top-level key by key. No provider is called, so
  an update's `replaceKnown` is false: rules say "only the provider knows" instead of guessing.

`stack_export_from_capture` writes a capture as a v3 `pulumi stack export` document (tests and demos
use it to make baselines offline).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, Optional

from .analyzer import parse_policy_pack_config, reconcile_config
from .capture import ROOT_STACK_TYPE, SECRET_SIG, SIG_KEY, Capture, Registration, redact_secrets
from .errors import PostureError
from .formats import REDACTED, _load_json, _redact
from .results import PackInfo, PolicyMeta, Violation

OPS = ("create", "same", "update", "replace", "delete")
SKIPPED_OPS = ("read", "read-replacement", "refresh", "discard", "discard-replaced", "remove-pending-replace",
               "diff", "extend-parameterize")
STEP_OPS = {"same": "same", "create": "create", "import": "create", "update": "update", "replace": "replace",
            "create-replacement": "replace", "delete-replaced": "replace", "import-replacement": "replace",
            "delete": "delete"}
PROVIDER_PREFIX = "pulumi:providers:"

GAP_NO_SAMES = (
    "the preview document has no unchanged resources (written without `--show-sames`): change rules cannot "
    "always tell whether a vault holds items, and a change of retainOnDelete alone is not shown"
)
GAP_BASELINE = (
    "change model from a baseline export and the offline capture: no provider Diff, so whether an update "
    "forces a replace is unknown (reported as advisory where it matters); provider resources are not compared"
)


# ---------------------------------------------------------------- states


def _state(raw: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("urn"), str) or not isinstance(raw.get("type"), str):
        raise PostureError(f"{where}: each state needs string `urn` and `type`")
    pdeps = raw.get("propertyDependencies") or {}
    return {
        "urn": raw["urn"], "type": raw["type"], "id": raw.get("id") or None,
        "inputs": _redact(raw.get("inputs") or {}, f"{where}: {raw['urn']} inputs"),
        "outputs": _redact(raw.get("outputs") or {}, f"{where}: {raw['urn']} outputs"),
        "protect": bool(raw.get("protect", False)), "retainOnDelete": bool(raw.get("retainOnDelete", False)),
        "parent": raw.get("parent") or "", "dependencies": list(raw.get("dependencies") or []),
        "propertyDependencies": {k: list(v or []) for k, v in pdeps.items()} if isinstance(pdeps, dict) else {},
    }


def _registration_state(reg: Registration) -> dict[str, Any]:
    o = reg.options or {}
    return {
        "urn": reg.urn, "type": reg.type, "id": reg.id, "inputs": redact_secrets(reg.inputs), "outputs": redact_secrets(reg.outputs),
        "protect": bool(o.get("protect")), "retainOnDelete": bool(o.get("retainOnDelete")), "parent": reg.parent,
        "dependencies": list(reg.dependencies),
        "propertyDependencies": {k: list(v) for k, v in reg.property_dependencies.items()},
    }


def _same_value(old: Any, new: Any) -> bool:
    if old == REDACTED or new == REDACTED:  # a secret cannot be compared offline
        return True
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same_value(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same_value(a, b) for a, b in zip(old, new))
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    return old == new


def input_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Top-level input keys whose values differ (a key on one side only differs)."""
    return sorted(k for k in set(old) | set(new) if not _same_value(old.get(k), new.get(k)))


def _change(op: str, urn: str, old: Optional[dict], new: Optional[dict], *, replace_known: bool,
            diff: list[str]) -> dict[str, Any]:
    st = new or old or {}
    return {"op": op, "urn": urn, "oldUrn": old["urn"] if old else None, "type": st.get("type", ""),
            "replaceKnown": replace_known, "diff": diff, "old": old, "new": new}


def summary(model: dict[str, Any]) -> dict[str, int]:
    """Resource count per op (root stack and providers left out), every op listed."""
    counts = dict.fromkeys(OPS, 0)
    for c in model["changes"]:
        if c["type"] != ROOT_STACK_TYPE:
            counts[c["op"]] += 1
    return counts


# ---------------------------------------------------------------- preview --json


def model_from_preview_json(path: str | Path) -> dict[str, Any]:
    doc = _load_json(path, "preview JSON")
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise PostureError(f"{path}: not a `pulumi preview --json` document (no `steps` list)")
    merged: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for i, step in enumerate(doc["steps"]):
        where = f"{path}: steps[{i}]"
        if not isinstance(step, dict) or not isinstance(step.get("urn"), str):
            raise PostureError(f"{where}: each step needs an `op` and a string `urn`")
        raw_op = step.get("op")
        if raw_op in SKIPPED_OPS:
            continue
        if raw_op not in STEP_OPS:
            raise PostureError(f"{where}: op {raw_op!r} is not a Pulumi step op (pkg/resource/deploy/step.go)")
        op = STEP_OPS[raw_op]
        old = _state(step["oldState"], where) if step.get("oldState") else None
        new = _state(step["newState"], where) if step.get("newState") else None
        if raw_op == "delete-replaced":
            new = None
        reasons = step.get("replaceReasons") if op == "replace" else step.get("diffReasons")
        diff = sorted(str(k) for k in (reasons or step.get("diffReasons") or []))
        urn = step["urn"]
        if urn not in merged:
            merged[urn] = _change(op, urn, old, new, replace_known=True, diff=diff)
            order.append(urn)
            continue
        prior = merged[urn]  # replacement steps of one resource: one logical replace
        if op == "replace" or prior["op"] == "replace":
            prior["op"] = "replace"
        prior["old"] = prior["old"] or old
        prior["oldUrn"] = prior["oldUrn"] or (old["urn"] if old else None)
        prior["new"] = prior["new"] or new
        prior["diff"] = sorted(set(prior["diff"]) | set(diff))
    changes = [merged[u] for u in order if not merged[u]["type"].startswith(PROVIDER_PREFIX)]
    non_root = [c for c in changes if c["type"] != ROOT_STACK_TYPE]
    # `same` steps are written only with --show-sames, or (without it) when protect changed.
    complete = any(c["op"] == "same" and c["old"] and c["new"] and c["old"]["protect"] == c["new"]["protect"]
                   for c in non_root) or all(c["op"] == "create" for c in non_root)
    stack = ""
    if changes:
        stack = changes[0]["urn"].split("::")[0].removeprefix("urn:pulumi:")
    return {"source": "preview-json", "stack": stack, "complete": complete, "changes": changes}


# ---------------------------------------------------------------- --baseline


def read_baseline(path: str | Path) -> list[dict[str, Any]]:
    """The resources of a `pulumi stack export` (v3/v4) as states; pending deletes, reads and provider
    resources left out."""
    doc = _load_json(path, "baseline stack export")
    if not isinstance(doc, dict) or not isinstance(doc.get("deployment"), dict):
        raise PostureError(f"{path}: --baseline needs a `pulumi stack export` document (no `deployment` object)")
    if doc.get("version") not in (3, 4):
        raise PostureError(f"{path}: deployment version {doc.get('version')!r} is not supported (supported: 3, 4)")
    resources = doc["deployment"].get("resources")
    resources = [] if resources is None else resources
    if not isinstance(resources, list):
        raise PostureError(f"{path}: `deployment.resources` must be a list")
    out = []
    for r in resources:
        if isinstance(r, dict) and (r.get("delete") or r.get("external")):
            continue
        st = _state(r, str(path))
        if not st["type"].startswith(PROVIDER_PREFIX):
            out.append(st)
    return out


def model_from_baseline(old_states: list[dict[str, Any]], new: list[Registration], stack: str = "") -> dict[str, Any]:
    """Match prior states to new registrations by URN, else by the registration's alias URNs."""
    old_by_urn = {s["urn"]: s for s in old_states}
    taken: set[str] = set()
    changes = []
    for reg in new:
        if reg.type.startswith(PROVIDER_PREFIX):
            continue
        new_state = _registration_state(reg)
        old = old_by_urn.get(reg.urn) if reg.urn not in taken else None
        if old is None:
            for alias in (reg.options or {}).get("aliases") or []:
                if alias in old_by_urn and alias not in taken:
                    old = old_by_urn[alias]
                    break
        if old is None:
            changes.append(_change("create", reg.urn, None, new_state, replace_known=True, diff=[]))
            continue
        taken.add(old["urn"])
        diff = input_diff(old["inputs"], new_state["inputs"])
        changes.append(_change("update" if diff else "same", reg.urn, old, new_state, replace_known=False, diff=diff))
    for old in old_states:
        if old["urn"] not in taken:
            changes.append(_change("delete", old["urn"], old, None, replace_known=True, diff=[]))
    return {"source": "baseline", "stack": stack, "complete": True, "changes": changes}


def stack_export_from_capture(cap: Capture, *, time: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    """A capture as a v3 `pulumi stack export` document (`apitype.DeploymentV3`, `ResourceV3`). Secret
    values are written as ciphertext placeholders (never their value); unknowns stay the sentinel."""

    def seal(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(SIG_KEY) == SECRET_SIG:
                return {SIG_KEY: SECRET_SIG, "ciphertext": "offline-capture"}
            return {k: seal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [seal(v) for v in value]
        return value

    resources = []
    for reg in cap.resources:
        o = reg.options or {}
        res: dict[str, Any] = {"urn": reg.urn, "custom": reg.custom, "type": reg.type}
        if reg.custom and reg.id:
            res["id"] = reg.id
        res["inputs"] = seal(reg.inputs)
        res["outputs"] = seal(reg.outputs or (reg.inputs if reg.custom else {}))
        if reg.parent:
            res["parent"] = reg.parent
        for key, value in (("protect", o.get("protect")), ("retainOnDelete", o.get("retainOnDelete"))):
            if value:
                res[key] = True
        if reg.dependencies:
            res["dependencies"] = list(reg.dependencies)
        if reg.property_dependencies:
            res["propertyDependencies"] = {k: list(v) for k, v in reg.property_dependencies.items()}
        resources.append(res)
    return {"version": 3, "deployment": {
        "manifest": {"time": time, "magic": "", "version": "posture-offline-capture"},
        "resources": resources,
    }}


# ---------------------------------------------------------------- running the change rules


def load_change_rules(pack_dir: Path):
    """`azdr_policies.changes` of the pack in `pack_dir`, or None when the pack has none."""
    pack_dir = Path(pack_dir).resolve()
    if not (pack_dir / "azdr_policies" / "changes" / "__init__.py").is_file():
        return None
    loaded = sys.modules.get("azdr_policies")
    try:
        if loaded is None or Path(loaded.__file__).resolve().parent.parent == pack_dir:
            if str(pack_dir) not in sys.path:
                sys.path.insert(0, str(pack_dir))
            return importlib.import_module("azdr_policies.changes")
        # Another pack's azdr_policies is loaded in this process: load this one under its own name
        # (its imports are relative, so the package name does not matter).
        name = "_azdr_pack_" + hashlib.sha256(str(pack_dir).encode()).hexdigest()[:12]
        if name not in sys.modules:
            init = pack_dir / "azdr_policies" / "__init__.py"
            spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        return importlib.import_module(f"{name}.changes")
    except Exception as e:  # noqa: BLE001 - a broken pack is bad input, named
        raise PostureError(f"{pack_dir}: the pack's change rules failed to load: {type(e).__name__}: {e}") from None


def change_rule_names(pack_dir: Path) -> set[str]:
    """The policy names of the pack's change rules (configured in the same pack config file); empty without."""
    module = load_change_rules(pack_dir)
    return set() if module is None else {i["name"] for i in module.rule_info()}


def change_pack_info(module, version: str) -> PackInfo:
    metas = [
        PolicyMeta(name=i["name"], description=i["description"], enforcement_level=i["enforcementLevel"],
                   config_schema=i["configSchema"], policy_type="change", severity=i["severity"],
                   remediation_steps=i["remediationSteps"], url=i["url"], tags=list(i["tags"]),
                   framework=dict(i["framework"]))
        for i in module.rule_info()
    ]
    return PackInfo(name=module.CHANGE_PACK_NAME, version=version, policies=metas, initial_config={},
                    description="Change rules: the change from the deployed state to the new one.",
                    display_name="Azure IaaS DR change rules")


def run_change_rules(
    model: dict[str, Any], pack_dir: Path, cli_config: Optional[dict[str, Any]], version: str,
) -> tuple[Optional[PackInfo], list[Violation]]:
    """Reconcile the `--policy-pack-config` document for the change rules (defaults, `all`, levels,
    JSON-schema validation: `analyzer.reconcile_config`, the engine's algorithm) and evaluate them.
    Returns (None, []) when the pack has no change rules."""
    module = load_change_rules(pack_dir)
    if module is None:
        return None, []
    info = change_pack_info(module, version)
    parsed = parse_policy_pack_config(cli_config, "policy pack config") if cli_config else {}
    reconciled = reconcile_config(info, parsed)
    violations = []
    for f in module.evaluate(model, reconciled):
        violations.append(Violation(
            policyPackName=info.name, policyPackVersion=version, policyName=f["ruleName"],
            enforcementLevel=f["enforcementLevel"], resourceUrn=f["urn"], message=f"{f['title']}\n{f['message']}",
            description=f["title"], severity=f["severity"],
        ))
    return info, violations


def judge(result, model: dict[str, Any], pack_dir: Path, cli_config: Optional[dict[str, Any]]) -> None:
    """Run the change rules over `model` and add them to `result` (a `posture.results.Result`): their findings
    beside the policy pack's violations, their rules as one more pack, the change summary and gaps.
    A pack without `azdr_policies.changes` leaves `result` as it is."""
    version = result.packs[0].version if result.packs else ""
    info, violations = run_change_rules(model, pack_dir, cli_config, version)
    if info is None:  # another pack (no azdr_policies.changes): the result stays the pack's alone
        return
    gaps = list(result.gaps)
    if model["source"] == "baseline":
        gaps = [g for g in gaps if not g.startswith("no prior state")] + [GAP_BASELINE]
    if not model["complete"]:
        gaps.append(GAP_NO_SAMES)
    result.packs = [*result.packs, info]
    result.violations = [*result.violations, *violations]
    result.gaps = gaps
    result.changes = {"source": model["source"], "complete": model["complete"], "summary": summary(model)}

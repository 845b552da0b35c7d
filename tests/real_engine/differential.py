"""Offline `posture preview --format json` vs the real engine's preview events: the normalisations the
README's "Known gaps of the offline engine" lists, and nothing else."""

from __future__ import annotations

import re
from typing import Any

from components.arm_mocks import ArmMocks
from tests.real_engine.harness import UNKNOWN, Preview

ARM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/")
_MOCKS = ArmMocks()


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _same(real: Any, offline: Any) -> bool:
    """Equal, except that

    * a real preview reports an id as unknown where the offline mocks give an ARM id (gap: outputs come
      from mocks; in a real preview `id` is known only after `pulumi up`);
    * a secret is an envelope `{<sig>: ..., "ciphertext": "[secret]"}` in the engine's events and
      `"[secret]"` in the offline JSON (both hide the value; the packs of both engines get the value)."""
    if real == UNKNOWN and isinstance(offline, str) and ARM_ID.match(offline):
        return True
    if isinstance(real, dict) and SECRET_SIG in real:
        return offline == "[secret]"
    if isinstance(real, dict) and isinstance(offline, dict):
        return real.keys() == offline.keys() and all(_same(real[k], offline[k]) for k in real)
    if isinstance(real, list) and isinstance(offline, list):
        return len(real) == len(offline) and all(_same(a, b) for a, b in zip(real, offline))
    return real == offline


def real_resources(preview: Preview, offline_inputs: dict[str, dict]) -> dict[str, dict]:
    """The real preview's resources, normalised:

    * default provider resources (`pulumi:providers:*`) are dropped (gap: no default provider resources);
    * an own-name input (`vaultName`, `resourceGroupName`, ...) that the provider's Check filled in because
      the program left it to autonaming is dropped when the offline inputs lack it (gap: no provider
      Check, so no autonaming offline)."""
    out = {}
    for urn, r in preview.resources.items():
        if r["type"].startswith("pulumi:providers:"):
            continue
        inputs = dict(r["inputs"])
        key = _MOCKS.own_name_key(r["type"])
        if key and key not in offline_inputs.get(urn, {}) and inputs.get(key) == urn.rsplit("::", 1)[1]:
            del inputs[key]
        out[urn] = {"type": r["type"], "parent": r["parent"], "inputs": inputs}
    return out


def differences(offline: dict, preview: Preview) -> list[str]:
    """Every disagreement between the two engines, as readable lines (empty: they agree)."""
    off = {r["urn"]: {"type": r["type"], "parent": r["parent"], "inputs": r["inputs"]} for r in offline["resources"]}
    real = real_resources(preview, {u: r["inputs"] for u, r in off.items()})
    diffs = [f"only offline: {u}" for u in sorted(off.keys() - real.keys())]
    diffs += [f"only real: {u}" for u in sorted(real.keys() - off.keys())]
    for urn in sorted(off.keys() & real.keys()):
        o, r = off[urn], real[urn]
        for k in ("type", "parent"):
            if o[k] != r[k]:
                diffs.append(f"{urn}: {k} offline {o[k]!r} real {r[k]!r}")
        if not _same(r["inputs"], o["inputs"]):
            diffs.append(f"{urn}: inputs offline {o['inputs']!r} real {r['inputs']!r}")
    ov = {(v["policyName"], v["resourceUrn"]) for v in offline["violations"]}
    diffs += [f"violation only offline: {v}" for v in sorted(ov - preview.violations)]
    diffs += [f"violation only real: {v}" for v in sorted(preview.violations - ov)]
    return diffs


def _sorted(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted(x) for x in v]
    return v


def sorted_config_copy(run_dir, stack: str, dest):
    """A copy of ``run_dir`` for the offline engine whose ``Pulumi.<stack>.yaml`` has every object's keys
    sorted: what the CLI hands the program (gap: the offline engine keeps the file's key order)."""
    import shutil

    import yaml

    shutil.copytree(run_dir, dest / "offline", symlinks=True)
    f = dest / "offline" / f"Pulumi.{stack}.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["config"] = {k: _sorted(v) for k, v in doc.get("config", {}).items()}
    f.write_text(yaml.safe_dump(doc, sort_keys=False))
    return dest / "offline"

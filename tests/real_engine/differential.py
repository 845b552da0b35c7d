"""Offline `posture preview --format json` vs the real engine's preview events: the normalisations the
docs/offline-engine.md's "Known gaps of the offline engine" lists, and nothing else."""

from __future__ import annotations

import re
from typing import Any

from components.arm_mocks import ArmMocks
from tests.real_engine.harness import UNKNOWN, Preview

ARM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/")
_MOCKS = ArmMocks()


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _same(real: Any, offline: Any, autonamed: frozenset[str] = frozenset(), name_gap: bool = False) -> bool:
    """Equal, except that

    * a real preview reports an id as unknown where the offline mocks give an ARM id (gap: outputs come
      from mocks; in a real preview `id` is known only after `pulumi up`);
    * a secret is an envelope `{<sig>: ..., "ciphertext": "[secret]"}` in the engine's events and
      `"[secret]"` in the offline JSON (both hide the value; the packs of both engines get the value);
    * an input fed from the `name` output of a resource the stand-in's Check autonamed (`autonamed`: those
      Pulumi names) is that name for real and unknown offline (gap: no provider Check, so no autonaming
      offline, and an output that is not an input is unknown in an offline preview);
    * only with ``name_gap`` (the known gap of the program fixtures, pinned per fixture in test_differential.py,
      NOT a normalisation): an input unknown offline matches any string the real preview has there."""
    if offline == UNKNOWN and isinstance(real, str) and (real in autonamed or name_gap):
        return True
    if real == UNKNOWN and isinstance(offline, str) and ARM_ID.match(offline):
        return True
    if isinstance(real, dict) and SECRET_SIG in real:
        return offline == "[secret]"
    if isinstance(real, dict) and isinstance(offline, dict):
        return real.keys() == offline.keys() and all(_same(real[k], offline[k], autonamed, name_gap) for k in real)
    if isinstance(real, list) and isinstance(offline, list):
        return len(real) == len(offline) and all(_same(a, b, autonamed, name_gap) for a, b in zip(real, offline))
    return real == offline


def real_resources(preview: Preview, offline_inputs: dict[str, dict],
                   autonamed: set[str] | None = None) -> dict[str, dict]:
    """The real preview's resources, normalised:

    * default provider resources (`pulumi:providers:*`) are dropped: the CLI's events never show a default
      provider's step (the offline JSON lists them, see `offline_resources`);
    * an own-name input (`vaultName`, `resourceGroupName`, ...) that the provider's Check filled in because
      the program left it to autonaming is dropped when the offline inputs lack it (gap: no provider
      Check, so no autonaming offline);
    * `pulumi:pulumi:StackReference` reads (the program's `prior-state`, components/prior_state.py) are
      dropped: the engine's builtin provider reads them (a read step), the offline engine answers them
      through the mocks and lists no read."""
    out = {}
    for urn, r in preview.resources.items():
        if r["type"].startswith("pulumi:providers:") or r["type"] == "pulumi:pulumi:StackReference":
            continue
        inputs = dict(r["inputs"])
        key = _MOCKS.own_name_key(r["type"])
        if key and key not in offline_inputs.get(urn, {}) and inputs.get(key) == urn.rsplit("::", 1)[1]:
            del inputs[key]
            if autonamed is not None:
                autonamed.add(urn.rsplit("::", 1)[1])
        out[urn] = {"type": r["type"], "parent": r["parent"], "inputs": inputs}
    return out


def _default_provider(urn: str, typ: str) -> bool:
    return typ.startswith("pulumi:providers:") and urn.rsplit("::", 1)[1].startswith("default")


def offline_resources(offline: dict) -> dict[str, dict]:
    """The offline JSON's resources, normalised: default providers (`pulumi:providers:<pkg>::default[_<ver>]`)
    are dropped (gap: the offline engine registers them as the engine does and the pack sees them, but a real
    preview's events hide a default provider's step, so there is nothing to compare them with)."""
    return {r["urn"]: {"type": r["type"], "parent": r["parent"], "inputs": r["inputs"]}
            for r in offline["resources"] if not _default_provider(r["urn"], r["type"])}


def differences(offline: dict, preview: Preview, name_gap: bool = False) -> list[str]:
    """Every disagreement between the two engines, as readable lines (empty: they agree). ``name_gap``: see
    :func:`_same` (for pinning the known gap only)."""
    off = offline_resources(offline)
    names: set[str] = set()
    real = real_resources(preview, {u: r["inputs"] for u, r in off.items()}, names)
    autonamed = frozenset(names)
    diffs = [f"only offline: {u}" for u in sorted(off.keys() - real.keys())]
    diffs += [f"only real: {u}" for u in sorted(real.keys() - off.keys())]
    for urn in sorted(off.keys() & real.keys()):
        o, r = off[urn], real[urn]
        for k in ("type", "parent"):
            if o[k] != r[k]:
                diffs.append(f"{urn}: {k} offline {o[k]!r} real {r[k]!r}")
        if not _same(r["inputs"], o["inputs"], autonamed, name_gap):
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

"""Code scanning (`--format sarif`): the SARIF 2.1.0 log of a result, one run per policy pack, problems only.
Deterministic: same result in, same bytes out."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

from ..results import PolicyMeta, Result
from .findings import first_line, items, parse_urn, rule_id

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "sarif-schema-2.1.0.json"
DEFAULT_INFORMATION_URI = "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/"
FINGERPRINT_KEY = "drPostureFinding/v1"
SARIF_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
# GitHub code scanning: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


@lru_cache(maxsize=1)
def sarif_schema() -> dict[str, Any]:
    """The bundled official SARIF 2.1.0 JSON schema (see posture/schemas/SOURCES.md)."""
    return json.loads(SARIF_SCHEMA_FILE.read_text())


def fingerprint(policy_name: str, urn: str) -> str:
    return hashlib.sha256(f"{policy_name}\x00{urn}".encode()).hexdigest()


def _workload_lines(config_file: Path) -> dict[str, int]:
    """1-based line of each `<project>:workloads.<name>` key in a stack config file ({} if unreadable)."""
    import yaml

    try:
        root = yaml.compose(config_file.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}

    def child(node, key_test):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and key_test(k.value):
                    return k, v
        return None, None

    _, config = child(root, lambda k: k == "config")
    _, workloads = child(config, lambda k: k.endswith(":workloads"))
    if not isinstance(workloads, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in workloads.value if isinstance(k, yaml.ScalarNode)}


def _artifact_uri(path: Path) -> str:
    """A path relative to the working directory (the repository root in CI) as a relative URI;
    a file outside it as an absolute file URI."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath("."))).as_posix()
    except ValueError:
        return absolute.as_uri()


def _workload_of(inputs: Any) -> str:
    tags = inputs.get("tags") if isinstance(inputs, dict) else None
    value = tags.get("dr-workload") if isinstance(tags, dict) else None
    if isinstance(value, str) and value and "," not in value:
        return value
    return ""


def _level(enforcement: str) -> str:
    return SARIF_LEVELS.get(enforcement, "warning")


def _rule_descriptor(meta: PolicyMeta) -> dict[str, Any]:
    rid = rule_id(meta)
    desc = meta.description or meta.name
    full = desc
    spec = (meta.framework or {}).get("specification", "")
    if spec:
        full += f"\n\nSource: {spec}"
    d: dict[str, Any] = {
        "id": meta.name,
        "shortDescription": {"text": first_line(desc) or meta.name},
        "fullDescription": {"text": full},
    }
    if meta.display_name:
        d["name"] = meta.display_name
    help_text = meta.remediation_steps or desc
    help_md = help_text + (f"\n\n[Documentation]({meta.url})" if meta.url else "")
    d["help"] = {"text": help_text + (f"\n\nSee {meta.url}" if meta.url else ""), "markdown": help_md}
    if meta.url:
        d["helpUri"] = meta.url
    cfg: dict[str, Any] = {"level": _level(meta.enforcement_level)}
    if meta.enforcement_level == "disabled":
        cfg["enabled"] = False
    d["defaultConfiguration"] = cfg
    tags = list(meta.tags)
    if meta.severity in SECURITY_SEVERITY and "security" not in tags:
        tags.append("security")  # GitHub shows `security-severity` only on rules tagged "security"
    props: dict[str, Any] = {"tags": tags, "enforcementLevel": meta.enforcement_level,
                             "policyType": meta.policy_type}
    if rid:
        props["ruleId"] = rid
    if meta.severity:
        props["severity"] = meta.severity
        if meta.severity in SECURITY_SEVERITY:
            props["security-severity"] = SECURITY_SEVERITY[meta.severity]
    d["properties"] = props
    return d


def to_sarif(
    result: Result, project_dir: Optional[str | Path] = None, env: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log: one run per policy pack, problems only (no pass results).

    Each result points at `Pulumi.<stack>.yaml` (relative to the working directory, under
    `project_dir`): at the line of the workload's key when the resource's `dr-workload` tag names
    one workload, else line 1; the URN is the result's logical location (kind "resource").
    `env` (default `os.environ`) supplies GITHUB_SERVER_URL/GITHUB_REPOSITORY for the driver's
    informationUri (the repository), else the CrossGuard documentation."""
    env = os.environ if env is None else env
    project = Path(project_dir) if project_dir is not None else Path(".")
    config_file = project / (f"Pulumi.{result.stack}.yaml" if result.stack else "Pulumi.yaml")
    config_uri = _artifact_uri(config_file)
    workload_lines = _workload_lines(config_file) if result.stack else {}
    by_urn = {r.urn: r for r in result.resources}
    stack_urn = next((r.urn for r in result.resources if r.type == "pulumi:pulumi:Stack"), "")
    info_uri = DEFAULT_INFORMATION_URI
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY"):
        info_uri = f"{env['GITHUB_SERVER_URL'].rstrip('/')}/{env['GITHUB_REPOSITORY']}"

    all_items = items(result)
    pack_names = [p.name for p in result.packs]
    pack_names += sorted({i.violation.policyPackName for i in all_items} - set(pack_names))
    packs = {p.name: p for p in result.packs}
    runs = []
    for name in pack_names:
        pack = packs.get(name)
        rules = [_rule_descriptor(m) for m in (pack.policies if pack else [])]
        index = {r["id"]: n for n, r in enumerate(rules)}
        driver: dict[str, Any] = {"name": name, "informationUri": info_uri, "rules": rules}
        version = pack.version if pack else next(
            (i.violation.policyPackVersion for i in all_items if i.violation.policyPackName == name), "")
        if version:
            driver["version"] = version
        if pack and (pack.description or pack.display_name):
            driver["fullName"] = pack.display_name or name
            if pack.description:
                driver["shortDescription"] = {"text": " ".join(pack.description.split())}
        results = []
        for it in (i for i in all_items if i.violation.policyPackName == name):
            v = it.violation
            reg = by_urn.get(v.resourceUrn)
            line = workload_lines.get(_workload_of(reg.inputs if reg else None), 1)
            location: dict[str, Any] = {
                "physicalLocation": {
                    "artifactLocation": {"uri": config_uri},
                    "region": {"startLine": line},
                },
            }
            urn = v.resourceUrn or stack_urn
            if urn:
                logical: dict[str, Any] = {"fullyQualifiedName": urn, "kind": "resource"}
                if it.resource_name or not v.resourceUrn:
                    logical["name"] = it.resource_name or parse_urn(urn)[1] or urn
                location["logicalLocations"] = [logical]
            res: dict[str, Any] = {
                "ruleId": v.policyName,
                "level": _level(v.enforcementLevel),
                "message": {"text": v.message},
                "locations": [location],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(v.policyName, v.resourceUrn)},
            }
            if v.policyName in index:
                res["ruleIndex"] = index[v.policyName]
            props: dict[str, Any] = {"enforcementLevel": v.enforcementLevel, "severity": it.severity}
            if it.rule_id:
                props["ruleId"] = it.rule_id
            if it.resource_type:
                props["resourceType"] = it.resource_type
            if it.exemption:
                props["expiredExemption"] = dict(it.exemption)
            res["properties"] = props
            results.append(res)
        runs.append({
            "tool": {"driver": driver},
            "automationDetails": {"id": f"dr-posture/{result.stack or 'stack'}/"},
            "results": results,
            "properties": {
                "source": result.source,
                "stack": result.stack,
                "resourceCount": len(result.resources),
                "gaps": list(result.gaps),
                "unavailableSecureKeys": list(result.unavailable_secure_keys),
            },
        })
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": runs}


def render_sarif(
    result: Result, project_dir: Optional[str | Path] = None, env: Optional[Mapping[str, str]] = None,
) -> str:
    return json.dumps(to_sarif(result, project_dir, env), indent=2) + "\n"

"""PR-ready renderings of an analysis: Markdown (PR comments) and SARIF 2.1.0 (code scanning).

Everything the renderers know about a rule comes from the pack over GetAnalyzerInfo (`PolicyMeta`:
description, enforcement level, severity, remediation_steps, url, tags, framework) and from the
diagnostics themselves; `posture/` never imports the pack.

Conventions read from the diagnostics (not specific to one pack, each optional):

- The SDK sends `message = description + "\\n" + reported text`; the *finding* shown is the reported
  text's first line (the description when nothing was reported).
- A rule id is the policy's `framework.reference`, else its first tag shaped like an id
  (`AZDR-RSV-001`), else a leading `[ID] ` in the reported text (stripped from the finding).
- An expired exemption is reported by the pack as a violation whose text ends with
  ` (exemption for '<resource>' expired on YYYY-MM-DD: <reason>)`. Exemptions that still apply
  suppress the violation inside the pack, so they never reach the engine and are not listed.

Both renderings are deterministic: same result in, same bytes out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

from .results import LEVEL_ORDER, PackInfo, PolicyMeta, Result, Violation

SEVERITIES = ("critical", "high", "medium", "low", "unspecified")
RULE_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+$")
LEADING_ID_RE = re.compile(r"^\[(?P<id>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+)\]\s*")
EXPIRED_RE = re.compile(
    r" \(exemption for '(?P<resource>[^']*)' expired on (?P<expires>[0-9]{4}-[0-9]{2}-[0-9]{2}): (?P<reason>.*)\)\s*$",
    re.DOTALL,
)
SOURCE_LABELS = {
    "program": "offline preview of the program",
    "preview-json": "`pulumi preview --json` document",
    "stack-export": "`pulumi stack export` document",
}

CHANGE_PACK = "azure-iaas-dr-changes"
"""The pack name change-rule findings carry (`azdr_policies.changes.CHANGE_PACK_NAME`)."""

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_SCHEMA_FILE = Path(__file__).with_name("schemas") / "sarif-schema-2.1.0.json"
DEFAULT_INFORMATION_URI = "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/"
FINGERPRINT_KEY = "drPostureFinding/v1"
SARIF_LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
# GitHub code scanning: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


# ---------------------------------------------------------------- reading violations


@dataclass(frozen=True)
class Item:
    """One violation, with what the renderers show about it."""

    violation: Violation
    meta: Optional[PolicyMeta]
    rule_id: str
    severity: str
    resource_type: str
    resource_name: str
    finding: str
    exemption: Optional[dict[str, str]]

    @property
    def level(self) -> str:
        return self.violation.enforcementLevel

    @property
    def urn(self) -> str:
        return self.violation.resourceUrn


def parse_urn(urn: str) -> tuple[str, str]:
    """`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>` -> (type, name); ("", "") if not a URN."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        return "", ""
    return parts[2].rsplit("$", 1)[-1], parts[3]


def rule_id(meta: Optional[PolicyMeta], reported: str = "") -> str:
    if meta is not None:
        ref = (meta.framework or {}).get("reference", "")
        if ref:
            return ref
        for tag in meta.tags:
            if RULE_ID_RE.match(tag):
                return tag
    m = LEADING_ID_RE.match(reported)
    return m.group("id") if m else ""


def _policies(packs: list[PackInfo]) -> dict[tuple[str, str], PolicyMeta]:
    return {(pack.name, p.name): p for pack in packs for p in pack.policies}


def _reported_text(v: Violation) -> str:
    """The text the rule reported: the message without the SDK's leading description line."""
    msg = v.message
    desc = v.description
    if desc and msg == desc:
        return ""
    if desc and msg.startswith(desc + "\n"):
        return msg[len(desc) + 1:]
    return msg


def make_item(v: Violation, meta: Optional[PolicyMeta]) -> Item:
    reported = _reported_text(v)
    exemption = None
    m = EXPIRED_RE.search(reported)
    if m:
        exemption = {k: m.group(k) for k in ("resource", "expires", "reason")}
        reported = reported[: m.start()]
    rid = rule_id(meta, reported)
    lead = LEADING_ID_RE.match(reported)
    if lead and lead.group("id") == rid:
        reported = reported[lead.end():]
    lines = [ln.strip() for ln in reported.splitlines() if ln.strip()]
    finding = lines[0] if lines else (v.description or (meta.description if meta else "") or v.message.strip())
    severity = v.severity or (meta.severity if meta else "") or "unspecified"
    if severity not in SEVERITIES:
        severity = "unspecified"
    rtype, rname = parse_urn(v.resourceUrn)
    return Item(v, meta, rid, severity, rtype, rname, finding, exemption)


def items(result: Result) -> list[Item]:
    """Every violation as an `Item`, in a stable order: severity, level, rule, resource, message."""
    metas = _policies(result.packs)
    out = [make_item(v, metas.get((v.policyPackName, v.policyName))) for v in result.violations]
    return sorted(out, key=lambda i: (
        SEVERITIES.index(i.severity), LEVEL_ORDER.get(i.level, 9), i.rule_id, i.violation.policyName,
        i.urn, i.violation.message, i.violation.policyPackName,
    ))


def _first_line(text: str) -> str:
    for ln in (text or "").splitlines():
        if ln.strip():
            return ln.strip()
    return ""


# ---------------------------------------------------------------- Markdown


_MD_ESCAPE = re.compile(r"([\\*_\[\]!|~#])")
_MENTION = re.compile(r"(?<![0-9A-Za-z_.-])@")  # where GitHub would read @user or @org/team


def one_line(text: str) -> str:
    """Text on one line: line breaks, tabs and every other control or format character (ANSI escapes, NUL,
    U+2028/2029, bidi overrides) become a space, so no value can start a line of its own (issue 13)."""
    return "".join(" " if (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")) else
                   ("\ufffd" if unicodedata.category(ch) == "Cs" else ch) for ch in str(text))


def _md(text: str) -> str:
    """Inline text for a list item, on one line: HTML-significant characters as entities, Markdown
    punctuation that could open a link, image, emphasis, table cell or heading backslash-escaped, `@` as an
    entity (no mentions); backtick spans kept (a code span cannot hold a link or a heading)."""
    text = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("&#64;", _MD_ESCAPE.sub(r"\\\1", text))


def _code(text: str) -> str:
    text = one_line(text)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict(result: Result) -> str:
    c = result.counts()
    if result.exit_code():
        return "failed"
    return "passed with advisories" if c.get("advisory", 0) else "passed"


def _rule_label(item: Item) -> str:
    name = _code(item.violation.policyName)
    return f"{_code(item.rule_id)} {name}" if item.rule_id else name


def _resource_label(item: Item) -> str:
    if not item.urn:
        return "the stack"
    if not item.resource_type:
        return _code(item.urn)
    return f"{_code(item.resource_type)} **{_md(item.resource_name)}**"


def _fix(item: Item) -> str:
    meta = item.meta
    if meta is None:
        return ""
    step = _first_line(meta.remediation_steps)
    parts = []
    if step:
        parts.append(_md(step))
    if meta.url:
        parts.append(f"[docs]({meta.url})")
    return " ".join(parts)


def violation_line(item: Item) -> str:
    """One Markdown list item per violation: level, rule, resource, finding, fix, URN."""
    line = f"- **{item.level}** {_rule_label(item)} on {_resource_label(item)}: {_md(item.finding)}"
    if item.exemption:
        line += f" _(exemption expired {item.exemption['expires']})_"
    fix = _fix(item)
    if fix:
        line += f" — **Fix:** {fix}"
    if item.urn and item.resource_type:
        line += f" <sub>{_code(item.urn)}</sub>"
    return line


MAX_MARKDOWN_CHARS = 60_000
"""GitHub rejects comments over 65,536 characters: past this budget, the lowest-severity lines are
left out (the counts and headings stay) with a note saying how many."""


POLICY_TITLE = "Policy results"
"""Title of the policy section. `preview --format markdown` follows it with the DR posture report
(`posture/report_dr.py`, "## DR posture of stack ..."): the two titles must not read alike."""


def render_markdown(result: Result, max_chars: int = MAX_MARKDOWN_CHARS, appendix: str = "") -> str:
    """The PR comment: the policy results, then `appendix` (the DR posture report), all within
    `max_chars`.

    The policy results keep their full length when the whole fits. Otherwise the appendix gets what
    the full policy results leave, but at least half the budget; past its share it is cut at a line
    boundary (never inside a fenced block) with a note naming the command that prints it whole, and
    the policy results drop their lowest-severity lines to fit the rest."""
    appendix = appendix.strip("\n")
    if not appendix:
        return _render_policy_results(result, max_chars)
    full = _render_policy_results(result, 1 << 62)  # uncut
    share = max(max_chars - len(full) - 2, max_chars // 2)
    if len(appendix) > share:
        appendix = _cut_appendix(appendix, share, result.stack)
    policy = full if len(full) + len(appendix) + 2 <= max_chars else \
        _render_policy_results(result, max_chars - len(appendix) - 2)
    return policy + "\n" + appendix + "\n"


def _cut_appendix(text: str, limit: int, stack: str) -> str:
    """`text` cut to at most `limit` characters at a line boundary, outside any ``` fence, with a note."""
    command = "python -m posture report" + (f" --stack {stack}" if stack else "")
    note = f"_The DR posture report is cut here (PR comment size limit): run `{command}` for all of it._"
    room = limit - len(note) - 2
    kept: list[str] = []
    used = 0
    fence_at: Optional[int] = None  # index in `kept` of the open fence's first line
    for line in text.split("\n"):
        if used + len(line) + 1 > room:
            break
        if line.lstrip().startswith("```"):
            fence_at = None if fence_at is not None else len(kept)
        kept.append(line)
        used += len(line) + 1
    if fence_at is not None:
        kept = kept[:fence_at]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, "", note]) if kept else note


def _render_policy_results(result: Result, max_chars: int) -> str:
    all_items = items(result)
    counts = result.counts()
    stack = f" for stack {_code(result.stack)}" if result.stack else ""
    verdict = _verdict(result)
    mark = {"failed": ":x:", "passed": ":white_check_mark:"}.get(verdict, ":warning:")
    out: list[str] = [f"## {mark} {POLICY_TITLE}{stack}: {verdict}", ""]

    packs = ", ".join(f"{_code(p.name + '@v' + p.version)}" for p in result.packs) or "none"
    out.append(
        f"Violations: **{counts.get('mandatory', 0)}** mandatory, **{counts.get('advisory', 0)}** advisory"
        + (f", **{counts['remediate']}** remediate" if counts.get("remediate") else "")
        + f" · {_plural(len(result.resources), 'resource')}"
        + f" · policy pack {packs} · {SOURCE_LABELS.get(result.source, result.source)}"
    )
    if result.changes is not None:  # change rules ran (posture/changes.py)
        ops = ", ".join(f"**{n}** {op}" for op, n in result.changes["summary"].items())
        out.append("")
        out.append(f"Changes: {ops} · change rules {_code(CHANGE_PACK)} judge the change from the deployed state")
    if result.exit_code():
        out.append("")
        out.append("Mandatory violations block this change (exit code 1).")
    out.append("")

    if not all_items:
        out.append("No policy violations.")
        out.append("")
    head, out = out, []
    groups = [(sev, [i for i in all_items if i.severity == sev]) for sev in SEVERITIES]

    expired = [i for i in all_items if i.exemption]
    if expired:
        out.append(f"### Expired exemptions ({len(expired)})")
        out.append("")
        out.append("These exemptions no longer apply; renew them in the policy pack config or fix the resource.")
        out.append("")
        for i in expired:
            ex = i.exemption or {}
            out.append(
                f"- {_rule_label(i)} for {_code(ex['resource'])}: expired {ex['expires']} ({_md(ex['reason'])})"
            )
        out.append("")

    gaps = list(result.gaps)
    if result.unavailable_secure_keys:
        gaps.append("secure config keys unavailable offline: " + ", ".join(result.unavailable_secure_keys))
    if gaps:
        title = ("What the offline engine cannot see" if result.source == "program"
                 else "What this offline check cannot see")
        out.append(f"<details><summary>{title} ({len(gaps)})</summary>")
        out.append("")
        out.extend(f"- {_md(g)}" for g in gaps)
        out.append("")
        out.append("</details>")
        out.append("")
    tail = out
    budget = max_chars - sum(len(ln) + 1 for ln in head + tail) - 300
    body: list[str] = []
    omitted = 0
    for sev, group in groups:
        if not group:
            continue
        heading = f"### {sev.capitalize()} ({len(group)})"
        budget -= len(heading) + 3
        shown = []
        for i in group:
            line = violation_line(i)
            if omitted or len(line) + 1 > budget:
                omitted += 1
                continue
            shown.append(line)
            budget -= len(line) + 1
        if shown:
            body += [heading, "", *shown, ""]
    if omitted:
        body.append(f"_{_plural(omitted, 'more violation')} not shown (PR comment size limit): see the code "
                    "scanning alerts (SARIF) or run `python -m posture` locally._")
        body.append("")
    return "\n".join(head + body + tail).rstrip("\n") + "\n"


# ---------------------------------------------------------------- SARIF


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
        "shortDescription": {"text": _first_line(desc) or meta.name},
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

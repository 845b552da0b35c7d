"""The PR comment (`--format markdown`): the policy results, then the DR posture report the CLI appends
(`posture.dr.report`), within GitHub's comment size. Deterministic: same result in, same bytes out."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from ..results import Result
from .findings import SEVERITIES, Item, first_line, items

SOURCE_LABELS = {
    "program": "offline preview of the program",
    "preview-json": "`pulumi preview --json` document",
    "stack-export": "`pulumi stack export` document",
}

CHANGE_PACK = "azure-iaas-dr-changes"
"""The pack name change-rule findings carry (`azdr_policies.changes.CHANGE_PACK_NAME`)."""


_MD_ESCAPE = re.compile(r"([\\*_\[\]!|~#])")
_MENTION = re.compile(r"(?<![0-9A-Za-z_.-])@")  # where GitHub would read @user or @org/team


def _inline_text(text: str) -> str:
    """Text on one line: line breaks, tabs and every other control or format character (ANSI escapes, NUL,
    U+2028/2029, bidi overrides) become a space, so no value can start a line of its own (issue 13)."""
    return "".join(" " if (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")) else
                   ("\ufffd" if unicodedata.category(ch) == "Cs" else ch) for ch in str(text))


def _md(text: str) -> str:
    """Inline text for a list item, on one line: HTML-significant characters as entities, Markdown
    punctuation that could open a link, image, emphasis, table cell or heading backslash-escaped, `@` as an
    entity (no mentions); backtick spans kept (a code span cannot hold a link or a heading)."""
    text = _inline_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("&#64;", _MD_ESCAPE.sub(r"\\\1", text))


def _code(text: str) -> str:
    text = _inline_text(text)
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
    step = first_line(meta.remediation_steps)
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
(`posture/dr/report.py`, "## DR posture of stack ..."): the two titles must not read alike."""


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

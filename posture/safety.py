"""What the CLI does to results before any format renders them (issue 13, classes 2-4 and 6).

- Secrets: every value a document or program marks secret (`{sig: secret, value}`; a `--show-secrets`
  export's plaintext) is collected, and any violation message that contains one (as text, as a number's
  text, or as its JSON) gets "[secret]" in its place, in every format. The pack cannot do this itself:
  pulumi-policy hands validation policies the unwrapped value.
- Outputs judged: `check --stack-export` sends each resource's outputs (what Azure has) through `Analyze`
  as well as its inputs (what was asked); findings only the outputs show are marked as such.
- Pack config: unknown policy names are an error naming them; disabled policies (and the fail-closed guards
  above all) are announced on stderr.
- Text output: names, types, URNs and message lines have control characters escaped and the reported
  text kept on one line, so a resource name cannot forge a "(passed)" line or ANSI colour.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from .capture import REDACTED, SECRET_SIG, SIG_KEY, Registration
from .errors import PostureError, one_line
from .results import PackInfo, Violation

MIN_SECRET_LEN = 3
"""Shorter secret values are not searched for (they would blank out ordinary words)."""
GUARDS = ("rule-evaluation-failed", "stack-rule-evaluation-failed")
OUTPUTS_NOTE = " (found in the resource's outputs: what Azure has, not what was asked)"


def secret_values(resources: Iterable[Registration]) -> set[str]:
    """Text forms of every secret-marked value in the resources' inputs and outputs."""
    found: set[str] = set()

    def leaves(v: Any) -> None:
        stack = [v]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)
            elif isinstance(x, bool) or x is None:
                continue
            elif isinstance(x, float) and x.is_integer():
                found.update({str(int(x)), str(x)})
            else:
                found.add(str(x))

    def walk(v: Any) -> None:
        stack = [v]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                if x.get(SIG_KEY) == SECRET_SIG:
                    value = x.get("value")
                    leaves(value)
                    if isinstance(value, (dict, list)):
                        found.add(json.dumps(value))
                        found.add(json.dumps(value, separators=(",", ":")))
                    continue
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)

    for r in resources:
        walk(r.inputs)
        walk(r.outputs)
    return {s for s in found if len(s) >= MIN_SECRET_LEN}


def redact(text: str, secrets: set[str]) -> str:
    for s in sorted(secrets, key=len, reverse=True):  # longest first: a secret containing another
        if s in text:
            text = text.replace(s, REDACTED)
    return text


def redact_violations(violations: list[Violation], resources: Iterable[Registration]) -> list[Violation]:
    secrets = secret_values(resources)
    if not secrets:
        return violations
    return [
        dataclasses.replace(v, message=redact(v.message, secrets), description=redact(v.description, secrets))
        for v in violations
    ]


def output_variants(resources: list[Registration]) -> list[Registration]:
    """For `check --stack-export`: each custom resource with outputs, as a registration whose inputs are
    its outputs (Analyze then judges what Azure has)."""
    return [
        dataclasses.replace(r, inputs=r.outputs)
        for r in resources
        if r.custom and isinstance(r.outputs, dict) and r.outputs and r.outputs != r.inputs
    ]


def merge_output_findings(from_inputs: list[Violation], from_outputs: list[Violation]) -> list[Violation]:
    """Input findings, then output findings that say something new (marked as coming from outputs)."""
    seen = {(v.policyName, v.resourceUrn, v.message) for v in from_inputs}
    out = list(from_inputs)
    for v in from_outputs:
        if (v.policyName, v.resourceUrn, v.message) in seen:
            continue
        seen.add((v.policyName, v.resourceUrn, v.message))
        out.append(dataclasses.replace(v, message=v.message + OUTPUTS_NOTE) if v.resourceUrn else v)
    return out


def check_config_names(info: PackInfo, cli_config: Any, also: Any = ()) -> None:
    """A policy name in the pack config that the pack does not have is a typo, not a no-op. `also`: more names
    the same config file may configure (the pack's change rules, posture/changes.py)."""
    if not isinstance(cli_config, dict):
        return
    names = {p.name for p in info.policies} | set(also)
    unknown = sorted(k for k in cli_config if k != "all" and k not in names)
    if unknown:
        raise PostureError(
            f"policy pack config names {len(unknown)} polic{'y' if len(unknown) == 1 else 'ies'} that pack "
            f"{info.name} does not have: {', '.join(repr(one_line(k)[:80]) for k in unknown)} "
            "(names are the kebab-case policy names of policies/CATALOG.md)"
        )


def disabled_warnings(info: PackInfo, reconciled: dict[str, dict[str, Any]], cli_config: Any) -> list[str]:
    """Lines announcing what the config switched off (stderr; never silent)."""
    off = sorted(
        n
        for n, c in reconciled.items()
        if c.get("enforcementLevel") == "disabled" and n in {p.name for p in info.policies}
    )
    lines = []
    all_cfg = cli_config.get("all") if isinstance(cli_config, dict) else None
    if all_cfg == "disabled" or (isinstance(all_cfg, dict) and all_cfg.get("enforcementLevel") == "disabled"):
        lines.append(
            'warning: the policy pack config disables every policy ("all": "disabled"), the fail-closed '
            "guards too: nothing is judged and the exit code says nothing about DR posture"
        )
        return lines
    guards = [g for g in GUARDS if g in off]
    if guards:
        lines.append(
            f"warning: the policy pack config disables the fail-closed guard(s) {', '.join(guards)}: "
            "a rule that cannot evaluate now passes silently"
        )
    others = [n for n in off if n not in GUARDS]
    if others:
        lines.append(
            f"warning: the policy pack config disables {len(others)} polic"
            f"{'y' if len(others) == 1 else 'ies'}: {', '.join(others)}"
        )
    return lines


def for_text(
    resources: list[Registration], violations: list[Violation]
) -> tuple[list[Registration], list[Violation]]:
    """Copies safe for the text renderer: every name on one printable line; a message is its first line
    (the policy description) and the reported text, each escaped and on one line."""
    regs = [dataclasses.replace(r, name=one_line(r.name), type=one_line(r.type)) for r in resources]
    out = []
    for v in violations:
        lines = v.message.split("\n", 1)
        message = one_line(lines[0]) + ("\n" + one_line(lines[1]) if len(lines) > 1 else "")
        out.append(
            dataclasses.replace(
                v, message=message, resourceUrn=one_line(v.resourceUrn), policyName=one_line(v.policyName)
            )
        )
    return regs, out

"""Issue 13, engine side of classes 2-4 and 6: outputs judged in `check --stack-export`; no secret value in
any format; unknown policy names in the pack config named; disabled policies announced; names and messages
rendered on one line, escaped for the format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posture import cli
from posture.capture import SECRET_SIG, SIG_KEY, Registration
from posture.render.markdown import _code, _md
from posture.results import Violation
from posture.safety import disabled_warnings, for_text, redact_violations, secret_values

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "tests" / "fixtures" / "packs" / "mini-pack"
FORMATS = ("text", "json", "markdown", "sarif")
THING = "fixture:index:Thing"


def _thing(name: str, inputs: dict, outputs: dict | None = None) -> dict:
    return {
        "urn": f"urn:pulumi:prod::mini::{THING}::{name}",
        "custom": True,
        "id": f"{name}-id",
        "type": THING,
        "inputs": inputs,
        "outputs": outputs if outputs is not None else dict(inputs),
    }


def _export(tmp_path: Path, *resources: dict) -> Path:
    doc = tmp_path / "export.json"
    rg = {
        "urn": "urn:pulumi:prod::mini::azure-native:resources:ResourceGroup::rg",
        "custom": True,
        "id": "rg-id",
        "type": "azure-native:resources:ResourceGroup",
        "inputs": {},
        "outputs": {},
    }
    doc.write_text(json.dumps({"version": 3, "deployment": {"resources": [rg, *resources]}}))
    return doc


def _check(capsys, doc: Path, fmt: str = "json", *extra) -> tuple[int, str, str]:
    code = cli.run(
        ["check", "--stack-export", str(doc), "--policy-pack", str(PACK), "--format", fmt, *map(str, extra)]
    )
    out, err = capsys.readouterr()
    return code, out, err


def _plain(value) -> dict:
    return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


# ------------------------------------------------------------------ outputs are judged too


def test_stack_export_outputs_are_judged_as_well_as_inputs(capsys, tmp_path):
    doc = _export(
        tmp_path,
        _thing(
            "drifted",
            {"count": 1, "location": "westeurope"},
            {"count": 9, "location": "westeurope", "name": "drifted"},
        ),
    )
    code, out, err = _check(capsys, doc)
    assert code == 1, err
    msgs = [v["message"] for v in json.loads(out)["violations"] if v["policyName"] == "thing-count-limit"]
    assert msgs == [
        "Things stay within their count limit.\ncount 9 exceeds maxCount 2. (found in the resource's "
        "outputs: what Azure has, not what was asked)"
    ]


def test_preview_json_is_judged_on_inputs_only(capsys, tmp_path):
    steps = {
        "steps": [
            {"op": "create", "urn": _thing("t", {})["urn"],  # every step of `pulumi preview --json` names its urn
             "newState": _thing("t", {"count": 1, "location": "westeurope"}, {"count": 9})}
        ]
    }
    doc = tmp_path / "preview.json"
    doc.write_text(json.dumps(steps))
    code = cli.run(["check", "--preview-json", str(doc), "--policy-pack", str(PACK), "--format", "json"])
    out, _ = capsys.readouterr()
    assert "thing-count-limit" not in [v["policyName"] for v in json.loads(out)["violations"]]
    assert code == 0


# ------------------------------------------------------------------ secrets


@pytest.mark.parametrize("fmt", FORMATS)
def test_show_secrets_plaintext_never_printed(capsys, tmp_path, fmt):
    doc = _export(tmp_path, _thing("leaky", {"count": _plain(77777), "location": _plain("s3cr3t-region")}))
    code, out, err = _check(capsys, doc, fmt)
    assert code == 1, err
    assert "77777" not in out and "s3cr3t-region" not in out and "s3cr3t" not in err
    assert ("[secret]" if fmt != "markdown" else "\\[secret\\]") in out  # a secret value was there


def test_secret_values_and_redaction():
    reg = Registration(
        urn="u",
        type="t",
        name="n",
        custom=True,
        inputs={"a": {SIG_KEY: SECRET_SIG, "value": {"pw": "hunter22", "n": 4.0, "pin": 12345.0}}},
        outputs={"b": [{SIG_KEY: SECRET_SIG, "value": "tok-abc"}], "c": "public"},
    )
    assert secret_values([reg]) >= {"hunter22", "12345", "12345.0", "tok-abc"}
    assert "public" not in secret_values([reg]) and "4" not in secret_values([reg])
    v = Violation("p", "1", "pol", "mandatory", "u", "d\npassword hunter22 and pin 12345 leak", "d")
    assert redact_violations([v], [reg])[0].message == "d\npassword [secret] and pin [secret] leak"


# ------------------------------------------------------------------ pack config


def test_unknown_policy_name_in_pack_config_is_an_error(capsys, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"thing-count-limt": "advisory", "all": "mandatory"}))
    code, out, err = _check(capsys, _export(tmp_path), "json", "--policy-pack-config", cfg)
    assert (code, out) == (2, "")
    assert err.strip() == (
        "error: policy pack config names 1 policy that pack fixture-pack does not have: "
        "'thing-count-limt' (names are the kebab-case policy names of policies/CATALOG.md)"
    )


def test_all_disabled_is_announced(capsys, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"all": "disabled"}))
    code, out, err = _check(
        capsys, _export(tmp_path, _thing("big", {"count": 9})), "json", "--policy-pack-config", cfg
    )
    assert code == 0 and json.loads(out)["violations"] == []
    assert err.strip() == (
        'warning: the policy pack config disables every policy ("all": "disabled"), the '
        "fail-closed guards too: nothing is judged and the exit code says nothing about DR posture"
    )


def test_disabled_guards_and_policies_are_announced():
    from posture.results import PackInfo, PolicyMeta

    metas = [
        PolicyMeta(n, "", "mandatory", None, "resource")
        for n in ("a", "b", "rule-evaluation-failed", "stack-rule-evaluation-failed")
    ]
    info = PackInfo("pack", "1", metas, {})
    reconciled = {
        "a": {"enforcementLevel": "disabled"},
        "b": {"enforcementLevel": "mandatory"},
        "rule-evaluation-failed": {"enforcementLevel": "disabled"},
        "stack-rule-evaluation-failed": {"enforcementLevel": "mandatory"},
    }
    assert disabled_warnings(info, reconciled, {"a": "disabled", "rule-evaluation-failed": "disabled"}) == [
        "warning: the policy pack config disables the fail-closed guard(s) rule-evaluation-failed: a rule that "
        "cannot evaluate now passes silently",
        "warning: the policy pack config disables 1 policy: a",
    ]


# ------------------------------------------------------------------ output injection

FORGED = "x\n    fixture-pack@v1.2.3 (passed)\n\x1b[32mSummary: 0 resources\x1b[0m\r"


def test_text_output_cannot_forge_lines_or_colour(capsys, tmp_path):
    thing = _thing("big", {"count": 9, "location": "westeurope"})
    thing["urn"] = f"urn:pulumi:prod::mini::{THING}::{FORGED}"
    code, out, err = _check(capsys, _export(tmp_path, thing), "text")
    assert code == 1, err
    assert "\x1b" not in out and "\r" not in out
    assert "    fixture-pack@v1.2.3 (passed)" not in out.splitlines()
    assert [ln for ln in out.splitlines() if ln.startswith("Summary:")] == [
        "Summary: 2 resources, 1 mandatory and 1 advisory policy violations (mandatory violations: exit 1)"
    ]
    assert "\\x1b[32mSummary" in out  # shown, escaped


def test_for_text_keeps_description_and_reported_text_on_two_lines():
    v = Violation("p", "1", "pol", "mandatory", "u\n", "Desc.\nfound a\nb\x07", "Desc.")
    _, [safe] = for_text([], [v])
    assert safe.message == "Desc.\nfound a | b\\x07" and safe.resourceUrn == "u"


def test_markdown_escaping_is_one_line_and_inert():
    text = _md("x\n## Heading [link](https://evil.example) ![img](x) **b** @team <b>&")
    assert "\n" not in text
    assert text == (
        "x \\#\\# Heading \\[link\\](https://evil.example) \\!\\[img\\](x) \\*\\*b\\*\\* &#64;team "
        "&lt;b&gt;&amp;"
    )
    assert "\n" not in _code("a\n# b") and _code("a\n# b") == "`a # b`"


def test_markdown_output_has_no_injected_heading_or_link(capsys, tmp_path):
    thing = _thing("big", {"count": 9, "location": "westeurope"})
    thing["urn"] = f"urn:pulumi:prod::mini::{THING}::n\n## Approved [click](https://evil.example)"
    code, out, err = _check(capsys, _export(tmp_path, thing), "markdown")
    assert code == 1, err
    assert not any(ln.startswith("## Approved") for ln in out.splitlines())
    import re

    outside_code = re.sub(r"`[^`]*`", "", out)  # inside a code span a link is inert text
    assert "[click](https://evil.example)" not in outside_code
    assert "\\[click\\](https://evil.example)" in outside_code

"""`--format markdown`: the PR comment, exact for known violations, through the renderer and the CLI."""

import random

from posture.render.findings import make_item, parse_urn
from posture.render.markdown import render_markdown
from posture.results import Violation
from tests.posture.render_samples import (
    FIX, MINI, PACK, VAULT_URN, VM_URN, posture, run_real, sample_pack, sample_result, sample_violations,
)

EXPECTED_SAMPLE = """\
## :x: Policy results for stack `dev`: failed

Violations: **2** mandatory, **1** advisory · 3 resources · policy pack `dr-pack@v0.1.0` · offline preview of the program

Mandatory violations block this change (exit code 1).

### Critical (1)

- **mandatory** `AZDR-RSV-001` `vault-geo-redundant` on `azure-native:recoveryservices:Vault` **rsv-dr-westeurope**: \
vault 'rsv-dr-westeurope' is 'LocallyRedundant' _(exemption expired 2024-12-31)_ — **Fix:** Set the vault's storage \
redundancy to GeoRedundant. [docs](https://example.invalid/geo) <sub>`{vault}`</sub>

### High (1)

- **advisory** `AZDR-BKP-010` `vm-agent-provisioned` on `azure-native:compute:VirtualMachine` **vm-app-0**: \
VM 'vm-app-0' has &lt;no&gt; agent — **Fix:** Set osProfile.linuxConfiguration.provisionVMAgent to true. <sub>`{vm}`</sub>

### Unspecified (1)

- **mandatory** `AZDR-RSV-006` `vault-delete-lock` on the stack: no CanNotDelete lock on any vault

### Expired exemptions (1)

These exemptions no longer apply; renew them in the policy pack config or fix the resource.

- `AZDR-RSV-001` `vault-geo-redundant` for `rsv-*`: expired 2024-12-31 (GRS migration in OPS-12)

<details><summary>What the offline engine cannot see (3)</summary>

- no provider Check
- outputs come from &lt;mocks&gt;
- secure config keys unavailable offline: proj:apiToken

</details>
""".format(vault=VAULT_URN, vm=VM_URN)


def test_sample_markdown_is_exact():
    assert render_markdown(sample_result()) == EXPECTED_SAMPLE


def test_markdown_is_deterministic_whatever_the_violation_order():
    shuffled = sample_violations()
    random.Random(7).shuffle(shuffled)
    assert shuffled != sample_violations()
    assert render_markdown(sample_result(shuffled)) == EXPECTED_SAMPLE


def test_clean_run_markdown_is_exact():
    result = sample_result(violations=[])
    result.gaps = []
    result.unavailable_secure_keys = []
    assert render_markdown(result) == (
        "## :white_check_mark: Policy results for stack `dev`: passed\n\n"
        "Violations: **0** mandatory, **0** advisory · 3 resources · policy pack `dr-pack@v0.1.0` · "
        "offline preview of the program\n\nNo policy violations.\n"
    )


def test_advisories_only_pass_with_a_warning_title():
    only_advisory = [v for v in sample_violations() if v.enforcementLevel == "advisory"]
    md = render_markdown(sample_result(only_advisory))
    assert md.splitlines()[0] == "## :warning: Policy results for stack `dev`: passed with advisories"
    assert "block this change" not in md


def test_item_reading_rule_ids_severity_and_findings():
    pack = sample_pack()
    metas = {p.name: p for p in pack.policies}
    agent, lock, geo = (make_item(v, metas[v.policyName]) for v in sample_violations())
    # id from framework.reference; from a tag; none declared: from the message's leading [ID] (stripped)
    assert (geo.rule_id, agent.rule_id, lock.rule_id) == ("AZDR-RSV-001", "AZDR-BKP-010", "AZDR-RSV-006")
    # the diagnostic's severity wins; else the policy's; else unspecified
    assert (geo.severity, agent.severity, lock.severity) == ("critical", "high", "unspecified")
    assert geo.exemption == {"resource": "rsv-*", "expires": "2024-12-31", "reason": "GRS migration in OPS-12"}
    assert agent.exemption is None
    assert agent.finding == "VM 'vm-app-0' has <no> agent"
    assert lock.finding == "no CanNotDelete lock on any vault"
    # a violation with no reported text (the SDK sends the description only) shows the description
    bare = make_item(Violation("dr-pack", "0.1.0", "vault-delete-lock", "mandatory", "", "Vaults are locked.",
                               "Vaults are locked."), metas["vault-delete-lock"])
    assert bare.finding == "Vaults are locked."
    # a policy the pack did not describe: the id can still come from the message
    unknown = make_item(Violation("p", "1", "x", "advisory", "", "X.\n[ABC-DEF-002] boom", "X."), None)
    assert (unknown.rule_id, unknown.finding, unknown.severity) == ("ABC-DEF-002", "boom", "unspecified")
    # no id anywhere: none, and a bracketed word that is not an id stays in the finding
    plain = make_item(Violation("p", "1", "x", "advisory", "", "X.\n[note] boom", "X."), None)
    assert (plain.rule_id, plain.finding) == ("", "[note] boom")


def test_parse_urn():
    assert parse_urn(VAULT_URN) == ("azure-native:recoveryservices:Vault", "rsv-dr-westeurope")
    assert parse_urn("urn:pulumi:dev::p::t:m:T::name::with::colons") == ("t:m:T", "name::with::colons")
    assert parse_urn("") == ("", "")
    assert parse_urn("not-a-urn") == ("", "")


# ---------------------------------------------------------------- through the CLI


#: posture/render/markdown.py escapes Markdown punctuation in every gap line (`*` as `\*`); it renders unchanged.
GAPS_PREVIEW = """\
<details><summary>What the offline engine cannot see (9)</summary>

- no provider Check: azure-native defaults, autonaming (\\*Name properties) and validation are not applied to \
inputs (only the inherited location is)
- functions that read Azure (invokes) return unknown; a real preview calls Azure
- no prior state: no diff, no replace/delete steps; every resource is analyzed as a create
- resource outputs come from the mocks (by default unknown in preview unless given as inputs), not from Azure
- stack transforms are not run by the mock monitor
- secure config ({secure: ...}) cannot be decrypted offline: the program gets an unknown secret
- stack tags are not sent to the policy pack
- Remediate is not called
- secure config keys unavailable offline: mini:apiToken

</details>
"""


DR_SECTION = "\n## DR posture of stack "  # `preview --format markdown` appends posture/dr/report.py's report


def policy_part(out: str) -> str:
    """The policy results (posture/render/markdown.py), without the DR report the CLI appends after them."""
    return out.split(DR_SECTION, 1)[0]


def test_cli_preview_markdown_on_the_fixture_is_exact():
    code, out, err = posture("preview", "--project-dir", MINI, "--policy-pack", PACK, "--stack", "big",
                             "--format", "markdown")
    assert code == 1, err
    # two sections with distinct titles: the policy results, then the DR posture report (posture/dr/report.py)
    titles = [ln for ln in out.splitlines() if ln.startswith("## ")]
    assert titles == ["## :x: Policy results for stack `big`: failed", "## DR posture of stack `big`"]
    assert out.endswith("\n## DR posture of stack `big`\n\nNo VMs tagged with `dr-workload` are declared.\n")
    out = policy_part(out)
    consumer = "urn:pulumi:big::mini::fixture:app:Outer$fixture:index:Thing::app-consumer"
    fix = "— **Fix:** Lower `replicas` or raise `maxCount`. [docs](https://example.invalid/thing-count-limit)"
    assert out == (
        "## :x: Policy results for stack `big`: failed\n\n"
        "Violations: **1** mandatory, **2** advisory · 8 resources · policy pack `fixture-pack@v1.2.3` · "
        "offline preview of the program\n\n"
        "Mandatory violations block this change (exit code 1).\n\n"
        "### Unspecified (3)\n\n"
        "- **mandatory** `thing-count-limit` on `fixture:index:Thing` **app-consumer**: count 3 exceeds "
        f"maxCount 2. {fix} <sub>`{consumer}`</sub>\n"
        # the location is unknown during preview: the SDK's advisory, one line
        "- **advisory** `thing-count-limit` on `fixture:index:Thing` **app-consumer**: can't run policy "
        "'thing-count-limit' from policy pack 'fixture-pack@v0.0.1' during preview: string value at .location "
        f"can't be known during preview {fix} <sub>`{consumer}`</sub>\n"
        "- **advisory** `things-protected` on `fixture:index:Thing` **app-consumer**: Thing 'app-consumer' "
        "(parent app) is not protected. — **Fix:** Set `protect=True` on the Thing. "
        f"<sub>`{consumer}`</sub>\n\n"
        + GAPS_PREVIEW.replace("(9)", "(8)").replace("- secure config keys unavailable offline: mini:apiToken\n", "")
    )
    # the big stack has no secure key; dev has one and passes (advisories only): exit code unchanged
    code, out, err = posture("preview", "--project-dir", MINI, "--policy-pack", PACK, "--stack", "dev",
                             "--format", "markdown")
    assert code == 0, err
    assert out.startswith("## :warning: Policy results for stack `dev`: passed with advisories\n")
    assert policy_part(out).endswith(GAPS_PREVIEW)


def test_cli_preview_markdown_builds_the_comment_once(monkeypatch, capsys):
    """The policy results and the DR report are rendered into one comment by one `render_markdown` call."""
    from posture import cli
    from posture.render import markdown

    calls = []
    real = markdown.render_markdown

    def counting(result, *args, **kwargs):
        calls.append(kwargs.get("appendix", ""))
        return real(result, *args, **kwargs)

    monkeypatch.setattr(markdown, "render_markdown", counting)
    code = cli.run(["preview", "--project-dir", str(MINI), "--policy-pack", str(PACK), "--stack", "big",
                    "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 1
    assert calls == ["## DR posture of stack `big`\n\nNo VMs tagged with `dr-workload` are declared.\n"]
    assert out.endswith("\n## DR posture of stack `big`\n\nNo VMs tagged with `dr-workload` are declared.\n")


def test_cli_check_markdown_keeps_the_exit_code():
    doc = FIX / "documents" / "preview.json"
    code_json, _, _ = posture("check", "--preview-json", doc, "--policy-pack", PACK, "--format", "json")
    code, out, err = posture("check", "--preview-json", doc, "--policy-pack", PACK, "--format", "markdown")
    assert (code, code_json) == (1, 1), err
    lines = out.splitlines()
    assert lines[2] == ("Violations: **1** mandatory, **2** advisory · 2 resources · policy pack "
                        "`fixture-pack@v1.2.3` · `pulumi preview --json` document")
    assert "- **advisory** `stack-has-resource-group` on the stack: The stack declares no resource group." in lines
    assert "<details><summary>What this offline check cannot see (3)</summary>" in lines


def test_cli_rejects_an_unknown_format_with_exit_2():
    code, out, err = posture("check", "--preview-json", "x.json", "--format", "html")
    assert code == 2 and out == ""
    assert "argument --format: invalid choice: 'html' (choose from 'text', 'json', 'markdown', 'sarif')" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- the real pack: ids, severity, expiry


def test_real_pack_markdown_shows_rule_id_severity_and_the_expired_exemption(lrs_project):
    code, out, err = run_real(lrs_project, "markdown")
    assert code == 1, err + out
    out = policy_part(out)
    lines = out.splitlines()
    assert lines[0] == "## :x: Policy results for stack `dev`: failed"
    # other rules may fire on the weakened vault too (the catalog grows): find this rule's line
    (critical,) = [ln for ln in lines if ln.startswith("- **mandatory** `AZDR-RSV-001` ")]
    header = [ln for ln in lines[:lines.index(critical)] if ln.startswith("### ")][-1]
    assert header.startswith("### Critical (")
    vault_urn = ("urn:pulumi:dev::azure-iaas-dr::azure-iaas-dr:recovery_vault:RecoveryVault"
                 "$azure-native:recoveryservices:Vault::vault-westeurope-vault")
    assert critical.startswith("- **mandatory** `AZDR-RSV-001` `vault-storage-geo-redundant` on "
                               "`azure-native:recoveryservices:Vault` **vault-westeurope-vault**: ")
    assert "'LocallyRedundant'" in critical and "[AZDR-RSV-001]" not in critical
    assert " _(exemption expired 2024-12-31)_ — **Fix:** " in critical
    assert critical.endswith(f"<sub>`{vault_urn}`</sub>")
    assert ("- `AZDR-RSV-001` `vault-storage-geo-redundant` for `vault-westeurope-*`: expired 2024-12-31 "
            "(GRS migration in OPS-12)") in lines


def test_long_reports_stay_under_the_comment_limit_lowest_severity_first():
    result = sample_result()
    assert render_markdown(result, max_chars=len(EXPECTED_SAMPLE) + 350) == EXPECTED_SAMPLE
    vault_line = next(ln for ln in EXPECTED_SAMPLE.splitlines() if ln.startswith("- **mandatory** `AZDR-RSV-001`"))
    cut = render_markdown(result, max_chars=len(EXPECTED_SAMPLE) + 100)
    assert cut == EXPECTED_SAMPLE.split("### High (1)")[0] + (
        "_2 more violations not shown (PR comment size limit): see the code scanning alerts (SARIF) or run "
        "`python -m posture` locally._\n\n"
        "### Expired exemptions (1)" + EXPECTED_SAMPLE.split("### Expired exemptions (1)")[1])
    assert vault_line in cut.splitlines()
    # a thousand violations: under GitHub's 65,536-character comment limit, counts intact
    many = [Violation("dr-pack", "0.1.0", "vm-agent-provisioned", "advisory", f"{VM_URN}-{n:04d}",
                      f"Protected VMs have their VM agent.\n[AZDR-BKP-010] VM {n} has no agent " + "x" * 80,
                      "Protected VMs have their VM agent.") for n in range(1000)]
    big = render_markdown(sample_result(many))
    assert len(big) <= 60_000
    shown = [ln for ln in big.splitlines() if ln.startswith("- **advisory**")]
    assert 100 < len(shown) < 1000
    assert f"_{1000 - len(shown)} more violations not shown (PR comment size limit)" in big
    assert "Violations: **0** mandatory, **1000** advisory" in big and "### High (1000)" in big
    assert big.endswith("</details>\n")


# ---------------------------------------------------------------- the appended DR report shares the budget

REPORT = "## DR posture of stack `dev`\n\n| workload | tier |\n| --- | --- |\n| `db` | database |\n"
CUT_NOTE = ("_The DR posture report is cut here (PR comment size limit): run `python -m posture report --stack dev` "
            "for all of it._")


def test_appendix_follows_the_policy_results_under_its_own_title():
    md = render_markdown(sample_result(), appendix=REPORT)
    assert md == EXPECTED_SAMPLE + "\n" + REPORT
    assert [ln for ln in md.splitlines() if ln.startswith("## ")] == [
        "## :x: Policy results for stack `dev`: failed", "## DR posture of stack `dev`"]
    # with the policy renderer's usual reserve for its "not shown" note, nothing is cut
    assert render_markdown(sample_result(), max_chars=len(md) + 300, appendix=REPORT) == md


def test_appendix_counts_against_the_comment_limit():
    """The report is counted: one character short of the whole, the policy results shrink (lowest
    severity first) exactly as if their own limit were what the report leaves, and the report stays whole."""
    whole = EXPECTED_SAMPLE + "\n" + REPORT
    assert render_markdown(sample_result(), max_chars=len(whole), appendix=REPORT) == whole
    limit = len(whole) - 1
    policy_only = render_markdown(sample_result(), max_chars=len(EXPECTED_SAMPLE) - 1)
    assert "_2 more violations not shown (PR comment size limit)" in policy_only
    md = render_markdown(sample_result(), max_chars=limit, appendix=REPORT)
    assert md == policy_only + "\n" + REPORT
    assert len(md) <= limit


def test_a_huge_appendix_is_cut_outside_fences_and_the_whole_stays_under_the_limit():
    rows = "\n".join(f"| `w{n:05d}` | database | {'x' * 60} |" for n in range(2000))
    mermaid = "```mermaid\nflowchart LR\n" + "\n".join(f"  a{n} --> b{n}" for n in range(3000)) + "\n```"
    report = f"## DR posture of stack `dev`\n\n| workload | tier | note |\n| --- | --- | --- |\n{rows}\n\n{mermaid}\n"
    md = render_markdown(sample_result(), appendix=report)
    assert len(md) <= 60_000
    assert md.startswith(EXPECTED_SAMPLE + "\n## DR posture of stack `dev`\n")  # policy results whole
    assert md.endswith("\n\n" + CUT_NOTE + "\n")
    assert "```" not in md  # the cut fell in the table: no half fence
    kept_rows = [ln for ln in md.splitlines() if ln.startswith("| `w")]
    assert 500 < len(kept_rows) < 2000 and kept_rows == rows.splitlines()[: len(kept_rows)]


def test_a_cut_inside_a_fenced_block_drops_the_whole_block():
    from posture.render.markdown import _cut_appendix

    text = "## DR posture of stack `dev`\n\nintro\n\n```mermaid\n" + "\n".join(["  a --> b"] * 50) + "\n```\ntail"
    cut = _cut_appendix(text, len(CUT_NOTE) + 80, "dev")
    assert cut == "## DR posture of stack `dev`\n\nintro\n\n" + CUT_NOTE
    # a block that fits whole is kept, and so is what follows while it fits
    assert _cut_appendix(text, len(text) + len(CUT_NOTE) + 3, "dev") == text + "\n\n" + CUT_NOTE
    # nothing fits: the note alone
    assert _cut_appendix(text, len(CUT_NOTE) + 5, "dev") == CUT_NOTE


def test_when_both_overflow_each_keeps_at_least_half():
    many = [Violation("dr-pack", "0.1.0", "vm-agent-provisioned", "advisory", f"{VM_URN}-{n:04d}",
                      f"Protected VMs have their VM agent.\n[AZDR-BKP-010] VM {n} has no agent " + "x" * 80,
                      "Protected VMs have their VM agent.") for n in range(1000)]
    report = "## DR posture of stack `dev`\n\n" + "\n".join(f"- gap {n} " + "y" * 80 for n in range(1000)) + "\n"
    md = render_markdown(sample_result(many), max_chars=40_000, appendix=report)
    assert len(md) <= 40_000
    policy, _, appendix = md.partition("\n## DR posture of stack `dev`\n")
    assert 19_000 < len(appendix) <= 20_000 and 19_000 < len(policy) < 20_000  # half each
    assert appendix.endswith(CUT_NOTE + "\n") and "more violations not shown (PR comment size limit)" in policy
    assert policy.startswith("## :warning: Policy results for stack `dev`: passed with advisories\n")

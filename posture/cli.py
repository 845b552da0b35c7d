"""`python -m posture`: the offline `pulumi preview --policy-pack` and a checker for exported state.

Exit codes: 0 no mandatory violation; 1 a mandatory violation; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

from .errors import PostureError

INSTALL_HINT = (
    "the Pulumi CLI is not installed (no `pulumi` on PATH). Install it from "
    "https://www.pulumi.com/docs/install/ (e.g. `curl -fsSL https://get.pulumi.com | sh`), "
    "or use the default `--engine offline`."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's usage errors are bad input too: exit 2
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m posture", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument("--policy-pack-config", metavar="FILE",
                        help="JSON policy config in the `pulumi preview --policy-pack-config` shape")
    common.add_argument("--format", choices=["text", "json", "markdown", "sarif"], default="text",
                        help="text (default), json, markdown (PR comment) or sarif (SARIF 2.1.0)")
    common.add_argument("--policy-pack", metavar="DIR", default="policies",
                        help="policy pack directory (default: policies)")

    p = sub.add_parser("preview", parents=[common], help="run the program offline and the policy pack")
    p.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml; default dev)")
    p.add_argument("--engine", choices=["offline", "pulumi"], default="offline")
    p.add_argument("--project-dir", metavar="DIR", default=".", help="project directory (default .)")

    rb = sub.add_parser("runbook", help="write the recovery runbook (Markdown) of the declared resources")
    rb.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml; default dev)")
    rb.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    rb.add_argument("--project-dir", metavar="DIR", default=".", help="project directory (default .)")

    rp = sub.add_parser("report", help="DR posture report of the declared resources (RPO, copies, HA, gaps)")
    rp.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml; default dev)")
    rp.add_argument("--format", choices=["markdown", "json"], default="markdown")
    rp.add_argument("--project-dir", metavar="DIR", default=".", help="project directory (default .)")

    c = sub.add_parser("check", parents=[common], help="run the policy pack over an exported document")
    src = c.add_mutually_exclusive_group(required=True)
    src.add_argument("--stack-export", metavar="FILE", help="`pulumi stack export` output")
    src.add_argument("--preview-json", metavar="FILE", help="`pulumi preview --json` output")
    return parser


def _pack_dir(arg: str, project_dir: Optional[Path]) -> Path:
    p = Path(arg)
    if p.is_absolute() or p.exists() or project_dir is None:
        return p
    return project_dir / p


def _load_pack_config(path: Optional[str]):
    if not path:
        return None
    from .analyzer import load_policy_pack_config_file

    load_policy_pack_config_file(path)  # validates shape and levels, with the file named in errors
    text = Path(path).read_text()
    return json.loads(text) if text.strip() else None


def _run_pulumi(args) -> int:
    """Hand over to `pulumi preview --policy-pack` (same stack, pack and pack config); pulumi's exit code."""
    exe = shutil.which("pulumi")
    if exe is None:
        raise PostureError(INSTALL_HINT)
    if args.format != "text":
        raise PostureError(
            f"--format {args.format} needs the offline engine: `pulumi preview` prints no policy results in "
            "--json; run `pulumi preview --json > preview.json` and then "
            f"`python -m posture check --preview-json preview.json --format {args.format}`"
        )
    project_dir = Path(args.project_dir)
    if not project_dir.is_dir():
        raise PostureError(f"--project-dir {args.project_dir}: project directory not found")
    pack_dir = _pack_dir(args.policy_pack, project_dir)
    if not pack_dir.is_dir():
        raise PostureError(f"--policy-pack {args.policy_pack}: policy pack directory not found ({pack_dir})")
    cmd = [exe, "preview", "--stack", args.stack, "--policy-pack", str(pack_dir.resolve())]
    if args.policy_pack_config:
        _load_pack_config(args.policy_pack_config)  # a missing or malformed file is named here, not by pulumi
        cmd += ["--policy-pack-config", str(Path(args.policy_pack_config).resolve())]
    code = subprocess.call(cmd, cwd=project_dir)
    return code if code >= 0 else 128 - code  # killed by a signal: the shell's convention


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    from . import report

    if args.command in ("runbook", "report"):
        return _run_dr_document(args)
    try:
        if args.command == "preview":
            if args.engine == "pulumi":
                return _run_pulumi(args)
            from .capture import capture_program

            project_dir = Path(args.project_dir)
            cli_config = _load_pack_config(args.policy_pack_config)
            pack_dir = _pack_dir(args.policy_pack, project_dir)
            from .analyzer import PackEvaluation

            with PackEvaluation(pack_dir, cli_config) as pack:  # the pack evaluates while the program runs
                cap = capture_program(project_dir, args.stack, preview=True, observer=pack)
                info, violations = pack.info(), pack.violations(cap.resources)
            result = report.Result(
                resources=cap.resources, violations=violations, packs=[info], gaps=report.PREVIEW_GAPS,
                source="program", stack=args.stack, unavailable_secure_keys=cap.unavailable_secure_keys,
            )
        else:
            from . import formats

            from .analyzer import PackEvaluation, check_processes

            cli_config = _load_pack_config(args.policy_pack_config)
            document = args.stack_export or args.preview_json
            # the pack processes start while the document is read
            with PackEvaluation(_pack_dir(args.policy_pack, None), cli_config,
                                processes=check_processes(document)) as pack:
                if args.stack_export:
                    resources, source = formats.read_stack_export(args.stack_export), "stack-export"
                else:
                    resources, source = formats.read_preview_json(args.preview_json), "preview-json"
                info, violations = pack.run(resources)
            stack = resources[0].urn.split("::")[0].removeprefix("urn:pulumi:") if resources else ""
            result = report.Result(
                resources=resources, violations=violations, packs=[info], gaps=report.CHECK_GAPS,
                source=source, stack=stack,
            )
    except PostureError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text = report.render(result, args.format, color=sys.stdout.isatty(),
                         project_dir=getattr(args, "project_dir", None))
    if args.command == "preview" and args.format == "markdown":  # the DR posture report (posture/report_dr.py)
        from . import renderers, report_dr

        report_md = report_dr.render_markdown(report_dr.build(cap.resources, args.stack))
        text = renderers.render_markdown(result, appendix=report_md)  # one comment-size budget for both
    sys.stdout.write(text)
    sys.stdout.flush()
    return result.exit_code()


def _run_dr_document(args) -> int:
    """`runbook` and `report`: capture the program offline and render from its registrations."""
    from . import report_dr, runbook
    from .capture import capture_program

    try:
        cap = capture_program(Path(args.project_dir), args.stack, preview=True)
        model = report_dr.build(cap.resources, args.stack)
        if args.command == "runbook":
            text = runbook.render(model)
        else:
            text = report_dr.render_json(model) if args.format == "json" else report_dr.render_markdown(model, "#")
        if getattr(args, "output", None):
            try:
                Path(args.output).write_text(text)
            except OSError as e:
                raise PostureError(f"--output {args.output}: cannot write: {e.strerror}") from None
        else:
            sys.stdout.write(text)
    except PostureError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def main() -> None:
    raise SystemExit(run())

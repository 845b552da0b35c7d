"""`python -m posture`: the offline `pulumi preview --policy-pack` and a checker for exported state.

Exit codes: 0 no mandatory violation; 1 a mandatory violation; 2 bad input (usage, files, config, documents,
a failing program); 3 the tool itself failed (an unexpected error, or the report could not be written):
no verdict; 130 interrupted (Ctrl-C or SIGTERM; the pack process is ended first). Every error is one
line on stderr, never a traceback (POSTURE_DEBUG=1 shows it).
"""

from __future__ import annotations

import dataclasses

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from .errors import EXIT_TOOL_FAILED, PostureError, one_line
from .render import FORMATS

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
    common.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), json, markdown (PR comment) or sarif (SARIF 2.1.0)")
    common.add_argument("--policy-pack", metavar="DIR", default="policies",
                        help="policy pack directory (default: policies)")

    p = sub.add_parser("preview", parents=[common], help="run the program offline and the policy pack")
    p.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml; default dev)")
    p.add_argument("--engine", choices=["offline", "pulumi"], default="offline")
    p.add_argument("--project-dir", metavar="DIR", default=".", help="project directory (default .)")
    p.add_argument("--baseline", metavar="EXPORT",
                   help="`pulumi stack export` of the deployed stack: also judge the change with the change rules")
    p.add_argument("--secure-placeholder", metavar="TEXT", default=None,
                   help="value given to the program for {secure: ...} config keys (default: an unknown secret)")

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
    from .analyzer import parse_policy_pack_config
    from .inputs import MAX_CONFIG_BYTES, parse_json, read_text

    text = read_text(path, "policy pack config", MAX_CONFIG_BYTES)
    if not text.strip():
        return None
    doc = parse_json(text, path, "policy pack config")
    parse_policy_pack_config(doc, str(path))  # validates shape and levels, with the file named in errors
    return doc


def _judged(pack, resources, cli_config, *, judge_outputs: bool = False):
    """The pack's verdict on `resources` from a started `analyzer.PackEvaluation` (which may have been sent them
    already, as the program ran): config names checked, disabled policies announced, violations carrying no
    secret value (posture/safety.py). With `judge_outputs` (state documents) each resource's outputs are
    analyzed as well as its inputs."""
    from . import changes, safety

    info = pack.info()
    safety.check_config_names(info, cli_config, also=changes.change_rule_names(pack.pack.pack_dir))
    for line in safety.disabled_warnings(info, pack.reconciled_config, cli_config):
        _error(line)
    violations = pack.violations(resources)
    if judge_outputs:
        variants = safety.output_variants(resources)
        if variants:
            violations = safety.merge_output_findings(violations, pack.violations(variants))
    return info, safety.redact_violations(violations, resources)


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


def run(argv: Optional[Sequence[str]] = None, *, process_ends: bool = False) -> int:
    """The CLI; never raises (argparse's --help/usage SystemExit aside): every failure is one line on stderr
    and exit 2 (bad input) or 3 (the tool failed). ``process_ends``: the process exits when this returns
    (``main``), so a program's run is not followed by a garbage collection (``posture.capture.run_in_mocks``)."""
    try:
        return _run(argv, process_ends)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _error("error: interrupted; no verdict")
        return 130
    except PostureError as e:
        _error(f"error: {one_line(str(e))}")
        return 2
    except RecursionError:
        _error("error: an input is nested too deeply to process")
        return 2
    except MemoryError:
        _error("error: out of memory (an input is too large)")
        return EXIT_TOOL_FAILED
    except _OutputFailed as e:
        _error(f"error: cannot write the report to stdout: {e}; no verdict")
        return EXIT_TOOL_FAILED
    except BaseException as e:  # noqa: BLE001 - fail closed: no traceback, and a code no verdict reads as pass
        if os.environ.get("POSTURE_DEBUG"):
            import traceback

            traceback.print_exc()
        _error(f"error: internal error ({type(e).__name__}: {one_line(str(e))[:300]}); no verdict "
               "(exit 3; POSTURE_DEBUG=1 shows the traceback)")
        return EXIT_TOOL_FAILED


class _OutputFailed(Exception):
    pass


def _error(line: str) -> None:
    try:
        if sys.stderr is not None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _write_stdout(text: str) -> None:
    """Write the report; a closed, full or broken stdout is `_OutputFailed` (exit 3), and stdout is then
    pointed at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        if sys.stdout is None:
            raise OSError("stdout is closed")
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError) as e:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        except OSError:
            pass
        reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise _OutputFailed(reason) from None


def _capture(project_dir: Path, stack: str, secure_placeholder: Optional[str] = None, observer: Any = None,
             process_ends: bool = False):
    """`capture_program`, with a program that calls `sys.exit()` reported as a failed program (exit 2)
    instead of ending the engine with the program's code and no report."""
    from .capture import capture_program

    try:
        return capture_program(project_dir, stack, preview=True, secure_placeholder=secure_placeholder,
                               observer=observer, process_ends=process_ends)
    except SystemExit as e:
        raise PostureError(f"program failed: it called sys.exit({e.code!r}) before it finished") from None


def _run(argv: Optional[Sequence[str]] = None, process_ends: bool = False) -> int:
    args = build_parser().parse_args(argv)
    from .results import CHECK_GAPS, PREVIEW_GAPS, Result

    if args.command in ("runbook", "report"):
        return _run_dr_document(args, process_ends)
    try:
        if args.command == "preview":
            if args.engine == "pulumi":
                if args.baseline:
                    raise PostureError("--baseline needs the offline engine; with the real CLI run `pulumi preview "
                                       "--json --show-sames > preview.json` and `python -m posture check "
                                       "--preview-json preview.json`")
                return _run_pulumi(args)
            project_dir = Path(args.project_dir)
            cli_config = _load_pack_config(args.policy_pack_config)
            pack_dir = _pack_dir(args.policy_pack, project_dir)
            if args.baseline:  # a bad baseline is named before the program runs
                from . import changes

                baseline = changes.read_baseline(args.baseline)
            from .analyzer import PackEvaluation

            with PackEvaluation(pack_dir, cli_config) as pack:  # the pack evaluates while the program runs
                cap = _capture(project_dir, args.stack, secure_placeholder=args.secure_placeholder, observer=pack,
                               process_ends=process_ends)
                info, violations = _judged(pack, cap.resources, cli_config)
            result = Result(
                resources=cap.resources, violations=violations, packs=[info], gaps=PREVIEW_GAPS,
                source="program", stack=args.stack, unavailable_secure_keys=cap.unavailable_secure_keys,
            )
            if args.baseline:  # the change rules (posture/changes.py)
                model = changes.model_from_baseline(baseline, cap.resources, args.stack)
                changes.judge(result, model, pack_dir, cli_config)
        else:
            from . import formats

            from .analyzer import PackEvaluation

            cli_config = _load_pack_config(args.policy_pack_config)
            # the pack starts while the document is read
            with PackEvaluation(_pack_dir(args.policy_pack, None), cli_config) as pack:
                if args.stack_export:
                    resources, source = formats.read_stack_export(args.stack_export), "stack-export"
                else:
                    resources, source = formats.read_preview_json(args.preview_json), "preview-json"
                pack.send(resources)
                info, violations = _judged(pack, resources, cli_config, judge_outputs=source == "stack-export")
            stack = resources[0].urn.split("::")[0].removeprefix("urn:pulumi:") if resources else ""
            result = Result(
                resources=resources, violations=violations, packs=[info], gaps=CHECK_GAPS,
                source=source, stack=stack,
            )
            if args.preview_json:  # the change rules (posture/changes.py)
                from . import changes

                model = changes.model_from_preview_json(args.preview_json)
                changes.judge(result, model, _pack_dir(args.policy_pack, None), cli_config)
    except PostureError as e:
        _error(f"error: {one_line(str(e))}")
        return 2
    if args.format == "text":  # one printable line per name and reported text (posture/safety.py)
        from . import safety

        regs, safe = safety.for_text(result.resources, result.violations)
        result = dataclasses.replace(result, resources=regs, violations=safe)  # every other field kept
    appendix = ""
    if args.command == "preview" and args.format == "markdown":  # the DR posture report (posture/dr/report.py)
        from .dr import report as dr_report

        appendix = dr_report.render_markdown(dr_report.build(cap.resources, args.stack))
    from .render import render

    text = render(result, args.format, color=bool(sys.stdout is not None and sys.stdout.isatty()),
                  project_dir=getattr(args, "project_dir", None), appendix=appendix)  # one comment-size budget
    _write_stdout(text)
    return result.exit_code()


def _run_dr_document(args, process_ends: bool = False) -> int:
    """`runbook` and `report`: capture the program offline and render from its registrations."""
    from .dr import report as dr_report
    from .dr import runbook

    try:
        cap = _capture(Path(args.project_dir), args.stack, process_ends=process_ends)
        model = dr_report.build(cap.resources, args.stack)
        if args.command == "runbook":
            text = runbook.render(model)
        else:
            text = dr_report.render_json(model) if args.format == "json" else dr_report.render_markdown(model, "#")
        if getattr(args, "output", None):
            try:
                Path(args.output).write_text(text)
            except OSError as e:
                raise PostureError(f"--output {args.output}: cannot write: {e.strerror}") from None
        else:
            _write_stdout(text)
    except PostureError as e:
        _error(f"error: {one_line(str(e))}")
        return 2
    return 0


def _terminate(signum, _frame):
    raise KeyboardInterrupt  # unwinds through the context managers: the pack process is ended


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate)  # `timeout`, CI cancellation: end children, then exit
    raise SystemExit(run(process_ends=True))

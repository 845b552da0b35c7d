"""Issue 13, class 1: no input crashes the engine. Bad input is exit 2 with one line naming the file; an
unexpected failure is exit 3 (never 0 or 1, which read as verdicts); no traceback; no child process left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posture import cli, formats, inputs
from posture.analyzer import _options, _struct
from posture.errors import EXIT_TOOL_FAILED, PostureError

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
MINI = FIX / "projects" / "mini"
PACK = FIX / "packs" / "mini-pack"
EXPORT = FIX / "documents" / "stack-export-v3.json"


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.run([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def mini(tmp_path) -> Path:
    shutil.copytree(MINI, tmp_path / "mini", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "mini"


# ------------------------------------------------------------------ bytes that are not UTF-8, in every file


@pytest.mark.parametrize("target", ["Pulumi.yaml", "Pulumi.dev.yaml", "pyproject.toml", "pack-config"])
def test_non_utf8_in_every_file_preview_reads(capsys, mini, target):
    path = mini / ("cfg.json" if target == "pack-config" else target)
    path.write_bytes(b"name: mini\n# caf\xe9\n")
    args = ["preview", "--project-dir", mini, "--policy-pack", PACK]
    if target == "pack-config":
        args += ["--policy-pack-config", path]
    code, out, err = run_cli(capsys, *args)
    assert (code, out) == (2, "")
    assert one_error_line(err).endswith(
        f"{path}: "
        + {
            "Pulumi.yaml": "Pulumi project file",
            "Pulumi.dev.yaml": "stack config file",
            "pyproject.toml": "pyproject.toml",
            "pack-config": "policy pack config",
        }[target]
        + " is not UTF-8 text (byte 0xe9 at offset 16)"
    )


@pytest.mark.parametrize("flag", ["--stack-export", "--preview-json"])
def test_non_utf8_document(capsys, tmp_path, flag):
    doc = tmp_path / "doc.json"
    doc.write_bytes(b'{"version": 3, "deployment": {"resources": []}, "x": "\xff"}')
    code, out, err = run_cli(capsys, "check", flag, doc, "--policy-pack", PACK)
    assert (code, out) == (2, "")
    assert "is not UTF-8 text (byte 0xff at offset 54)" in one_error_line(err)


# ------------------------------------------------------------------ shapes that used to crash or pass


def _export(resources, **extra) -> str:
    return json.dumps({"version": 3, "deployment": {"resources": resources, **extra}})


URN = "urn:pulumi:s::p::azure-native:recoveryservices:Vault::v"


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"inputs": [1]}, "`inputs` must be an object, not list"),
        ({"outputs": "x"}, "`outputs` must be an object, not str"),
        ({"dependencies": 3}, "`dependencies` must be a list, not int"),
        ({"dependencies": [3]}, "`dependencies` must be a list of strings"),
        ({"parent": 7}, "`parent` must be a string, not int"),
        ({"custom": "yes"}, "`custom` must be true or false, not str"),
        ({"propertyDependencies": {"a": 1}}, "`propertyDependencies.a` must be a list of URNs"),
        (
            {"inputs": {"sku": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}},
            "`inputs` holds the unknown-value sentinel, which state never holds",
        ),
        ({"delete": "false"}, "deployment.resources[0].delete must be true or false, not str"),
    ],
)
def test_wrong_typed_fields_are_named(tmp_path, resource, message):
    doc = tmp_path / "export.json"
    doc.write_text(_export([{"urn": URN, "type": "azure-native:recoveryservices:Vault", **resource}]))
    with pytest.raises(PostureError) as e:
        formats.read_stack_export(doc)
    assert message in str(e.value)


@pytest.mark.parametrize("deployment", [[], None, "", 0])
def test_unreadable_deployment_is_not_an_empty_stack(tmp_path, deployment):
    doc = tmp_path / "export.json"
    doc.write_text(json.dumps({"version": 3, "deployment": deployment}))
    with pytest.raises(PostureError, match="`deployment` must be an object"):
        formats.read_stack_export(doc)


def test_delete_true_is_still_skipped(tmp_path):
    doc = tmp_path / "export.json"
    doc.write_text(_export([{"urn": URN, "type": "t", "delete": True}, {"urn": URN + "2", "type": "t"}]))
    assert [r.name for r in formats.read_stack_export(doc)] == ["v2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 500 + "]" * 500, "nested deeper than 64 levels"),
        ('{"a": ' + "9" * 5000 + "}", "Exceeds the limit (4300 digits)"),
        ('{"a": 1' + "0" * 400 + "}", "integer too large for a number"),
        ('{"a": "\\ud800"}', "`a` holds a lone surrogate"),
        ('{"\\udfff": 1}', "has a key with a lone surrogate"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
    ],
)
def test_hostile_json_is_a_clear_error(tmp_path, text, message):
    doc = tmp_path / "doc.json"
    doc.write_text(text)
    with pytest.raises(PostureError) as e:
        inputs.load_json(doc, "stack export")
    assert message in str(e.value) and str(doc) in str(e.value)


def test_size_bound_stops_reading(monkeypatch, capsys):
    monkeypatch.setenv("POSTURE_MAX_DOCUMENT_BYTES", "4096")
    code, out, err = run_cli(capsys, "check", "--stack-export", "/dev/zero", "--policy-pack", PACK)
    assert (code, out) == (2, "")
    assert (
        one_error_line(err)
        == "error: /dev/zero: stack export is larger than 4,096 bytes (the limit for this input)"
    )


def test_default_document_bound_is_bounded():
    assert inputs.document_limit() == 512 * 1024 * 1024


# ------------------------------------------------------------------ YAML as the Pulumi CLI reads it, bounded


def _yaml(tmp_path, text: str):
    p = tmp_path / "Pulumi.dev.yaml"
    p.write_text(text)
    return inputs.load_yaml(p, "stack config file")


def test_yaml_plain_scalars_read_like_the_pulumi_cli(tmp_path):
    doc = _yaml(
        tmp_path, "a: 22:00\nb: yes\nc: off\nd: 2026-01-01\ne: 0o17\nf: 12\ng: 1.5\nh: ~\ni: true\nj: 0x1F\n"
    )
    assert doc == {
        "a": "22:00",
        "b": "yes",
        "c": "off",
        "d": "2026-01-01",
        "e": 15,
        "f": 12,
        "g": 1.5,
        "h": None,
        "i": True,
        "j": 31,
    }
    with pytest.raises(PostureError, match="`k` is not a finite number"):
        _yaml(tmp_path, "k: .inf\n")


def test_yaml_merge_keys_still_work(tmp_path):
    assert _yaml(tmp_path, "b: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n")["c"] == {"x": 1, "y": 2}


def test_billion_laughs_is_refused_quickly(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(PostureError, match="more than 1,000,000 values"):
        _yaml(tmp_path, "\n".join(lines) + "\n")


def test_recursive_alias_and_deep_yaml(tmp_path):
    with pytest.raises(PostureError, match="refers to itself"):
        _yaml(tmp_path, "a: &a [*a]\n")
    with pytest.raises(PostureError, match="nested deeper than 64 levels"):
        _yaml(tmp_path, "[" * 500 + "]" * 500 + "\n")


def test_stack_name_with_trailing_newline_is_refused(capsys, mini):
    code, out, err = run_cli(
        capsys, "preview", "--project-dir", mini, "--stack", "dev\n", "--policy-pack", PACK
    )
    assert (code, out) == (2, "")
    assert one_error_line(err).startswith("error: stack name 'dev\\n' is invalid")


def test_arabic_indic_digits_are_not_a_stack_name(capsys, mini):
    code, _, err = run_cli(
        capsys, "preview", "--project-dir", mini, "--stack", "dev\u0663", "--policy-pack", PACK
    )
    assert code == 2 and "is invalid" in err


# ------------------------------------------------------------------ program and mocks


def test_program_calling_sys_exit_is_a_failed_program(capsys, mini):
    (mini / "__main__.py").write_text("import sys\nsys.exit(0)\n")
    code, out, err = run_cli(capsys, "preview", "--project-dir", mini, "--policy-pack", PACK)
    assert (code, out) == (2, "")
    assert one_error_line(err) == "error: program failed: it called sys.exit(0) before it finished"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("json:dumps", "is a function, not a class"),
        ("json:JSONDecodeError", "cannot be instantiated"),
        ("json:JSONEncoder", "lacks new_resource, call"),
    ],
)
def test_mocks_entry_that_is_not_a_mocks_class(capsys, mini, spec, message):
    (mini / "pyproject.toml").write_text(f'[tool.posture]\nmocks = "{spec}"\n')
    code, out, err = run_cli(capsys, "preview", "--project-dir", mini, "--policy-pack", PACK)
    assert (code, out) == (2, "")
    assert message in one_error_line(err)


# ------------------------------------------------------------------ the tool failing is exit 3, not a verdict


def test_unexpected_exception_is_exit_3_one_line(capsys, monkeypatch):
    def boom(path):
        raise KeyError("surprise")

    monkeypatch.setattr(formats, "read_stack_export", boom)
    code, out, err = run_cli(capsys, "check", "--stack-export", EXPORT, "--policy-pack", PACK)
    assert (code, out) == (EXIT_TOOL_FAILED, "")
    assert one_error_line(err) == (
        "error: internal error (KeyError: 'surprise'); no verdict "
        "(exit 3; POSTURE_DEBUG=1 shows the traceback)"
    )


def _posture(*args, stdout=subprocess.PIPE, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "posture", *map(str, args)],
        cwd=ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_stdout_full_is_exit_3():
    with open("/dev/full", "w") as full:
        proc = _posture("check", "--stack-export", EXPORT, "--policy-pack", PACK, stdout=full)
    assert proc.returncode == EXIT_TOOL_FAILED
    assert (
        proc.stderr.strip() == "error: cannot write the report to stdout: No space left on device; no verdict"
    )


def test_stdout_closed_is_exit_3():
    proc = subprocess.run(
        f"'{sys.executable}' -m posture check --stack-export '{EXPORT}' --policy-pack '{PACK}' >&-",
        shell=True,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert proc.returncode == EXIT_TOOL_FAILED
    assert proc.stderr.strip() == "error: cannot write the report to stdout: stdout is closed; no verdict"


def _processes_mentioning(marker: str) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker in (d / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def _children() -> list[int]:
    """Live (not zombie) processes whose parent is this test process."""
    me, out = os.getpid(), []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me and fields[0] != "Z":
                out.append(int(d.name))
    return out


def test_pack_that_never_prints_its_port_is_stopped(tmp_path):
    pack = tmp_path / "hanging-pack"
    pack.mkdir()
    (pack / "__main__.py").write_text("import time\ntime.sleep(3600)\n")
    env = {**os.environ, "POSTURE_PACK_START_TIMEOUT": "1.5"}
    proc = _posture("check", "--stack-export", EXPORT, "--policy-pack", pack, env=env, timeout=60)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.strip() == (
        f"error: {pack}: policy pack failed to start: it printed no port within 1.5 s "
        "(POSTURE_PACK_START_TIMEOUT) and was stopped"
    )
    assert _processes_mentioning(str(pack)) == []


# ------------------------------------------------------------------ property-based: any document, no crash

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["04da6b54-80e4-46f7-96ec-b56ff0331ba9", "\ud800"]),
)


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    )


_values = st.recursive(_scalars, _containers, max_leaves=12)
_field_values = st.one_of(_values, st.sampled_from([URN, "urn:pulumi:s::p::t::x"]))
_resources = st.fixed_dictionaries(
    {"urn": st.one_of(st.just(URN), st.text(max_size=10)), "type": st.one_of(st.just("t:m:R"), _scalars)},
    optional={
        k: _field_values
        for k in (
            "inputs",
            "outputs",
            "dependencies",
            "parent",
            "custom",
            "delete",
            "propertyDependencies",
            "protect",
            "ignoreChanges",
            "aliases",
            "id",
            "provider",
            "customTimeouts",
            "additionalSecretOutputs",
        )
    },
)


def _encode(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=True).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    resources=st.one_of(st.lists(_resources, max_size=3), _values), version=st.sampled_from([3, 4, 2, "3"])
)
def test_any_stack_export_reads_or_is_a_clear_error(tmp_path, resources, version):
    doc = tmp_path / "export.json"
    doc.write_bytes(_encode({"version": version, "deployment": {"resources": resources}}))
    try:
        regs = formats.read_stack_export(doc)
    except PostureError as e:
        assert str(e).startswith(f"{doc}: ")  # names the file
        return
    for r in regs:  # what was read reaches the wire without an exception
        _struct(r.inputs)
        _struct(r.outputs)
        _options(r)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.one_of(
        st.lists(
            st.fixed_dictionaries(
                {"op": st.sampled_from(["create", "same", "delete"])},
                optional={"newState": st.one_of(_resources, _values)},
            ),
            max_size=3,
        ),
        _values,
    )
)
def test_any_preview_json_reads_or_is_a_clear_error(tmp_path, steps):
    doc = tmp_path / "preview.json"
    doc.write_bytes(_encode({"steps": steps}))
    try:
        regs = formats.read_preview_json(doc)
    except PostureError:
        return
    for r in regs:
        _struct(r.inputs)
        _options(r)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=_values)
def test_any_stack_config_reads_or_is_a_clear_error(tmp_path, config):
    import yaml

    from posture import project as proj

    try:
        text = yaml.safe_dump({"config": config}, allow_unicode=False)
    except yaml.YAMLError:
        return
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.s.yaml").write_text(text)
    try:
        sc = proj.load_stack_file(proj.load_project(tmp_path), "s")
    except PostureError:
        return
    assert all(isinstance(v, str) for v in sc.values.values())


# ------------------------------------------------------------------ property-based, end to end through the CLI

_doc_resources = st.lists(
    st.fixed_dictionaries(
        {
            "urn": st.sampled_from(
                [URN, "urn:pulumi:s::p::fixture:index:Thing::t", "urn:pulumi:s::p::t::x\n\x1b[1m"]
            ),
            "type": st.sampled_from(
                ["fixture:index:Thing", "azure-native:recoveryservices/v20240401:Vault", "t"]
            ),
            "custom": st.booleans(),
        },
        optional={
            "inputs": _values,
            "outputs": _values,
            "delete": _scalars,
            "parent": _scalars,
            "dependencies": _values,
        },
    ),
    max_size=3,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(resources=_doc_resources, fmt=st.sampled_from(["text", "json", "markdown", "sarif"]))
def test_any_document_through_the_cli_exits_0_1_or_2(capsys, tmp_path, resources, fmt):
    """exit in {0, 1, 2}, one error line and no traceback, no secret in the output, no pack left running."""
    secret = "pl41nt3xt-s3cret"
    resources = [
        *resources,
        {
            "urn": "urn:pulumi:s::p::fixture:index:Thing::leak",
            "type": "fixture:index:Thing",
            "custom": True,
            "inputs": {
                "count": 3,
                "location": {
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    "plaintext": json.dumps(secret),
                },
            },
        },
    ]
    doc = tmp_path / "export.json"
    doc.write_bytes(_encode({"version": 3, "deployment": {"resources": resources}}))
    code = cli.run(["check", "--stack-export", str(doc), "--policy-pack", str(PACK), "--format", fmt])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and secret not in out and secret not in err
    if code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1
    assert _children() == []


def test_sigterm_while_waiting_for_the_pack_ends_it(tmp_path):
    import signal
    import time

    pack = tmp_path / "slow-pack"
    pack.mkdir()
    (pack / "__main__.py").write_text("import time\ntime.sleep(3600)\n")
    env = {**os.environ, "POSTURE_PACK_START_TIMEOUT": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture", "check", "--stack-export", str(EXPORT), "--policy-pack", str(pack)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _processes_mentioning(str(pack)) or len(_processes_mentioning(str(pack))) < 2:
        assert time.monotonic() < deadline, "the pack never started"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (130, "")
    assert err.strip() == "error: interrupted; no verdict"
    time.sleep(0.2)
    assert _processes_mentioning(str(pack)) == []

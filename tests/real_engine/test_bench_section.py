"""bench/real_engine.py writes its own section of bench/RESULTS.md and leaves the rest alone."""

from bench.real_engine import BEGIN, END, render, write_section


def test_section_is_appended_then_replaced_in_place(tmp_path):
    f = tmp_path / "RESULTS.md"
    f.write_text("# Bench\n\nrows\n")
    rows = [{"vms": 10, "offline_s": 2.0, "real_s": 5.0, "ratio": 2.5, "exit": 0, "load": (3.5, 4.0)}]
    write_section(f, render(rows, "v3.274.1"))
    first = f.read_text()
    assert first.startswith("# Bench\n\nrows\n\n" + BEGIN) and first.endswith(END + "\n")
    assert "| 10 | 2.0 | 5.0 | 2.5 | 0 | 3.5/4.0 |" in first
    assert "Not measured" not in first
    f.write_text(first + "tail\n")
    write_section(f, render([{**rows[0], "real_s": 7.0, "ratio": 3.5}], "v3.274.1"))
    second = f.read_text()
    assert second.count(BEGIN) == 1 and "| 10 | 2.0 | 7.0 | 3.5 | 0 | 3.5/4.0 |" in second
    assert second.endswith(END + "\ntail\n")


def test_sizes_not_measured_yet_are_named_under_the_rows(tmp_path):
    """The section is written after every size, so a run stopped during 500 VMs keeps 10 and 100."""
    rows = [{"vms": 10, "offline_s": 2.0, "real_s": 5.0, "ratio": 2.5, "exit": 0, "load": (1.0, 2.0)}]
    text = render(rows, "v3.274.1", pending=(100, 500), started="2026-12-02 11:50 UTC")
    assert "One run started 2026-12-02 11:50 UTC" in text
    assert "| 10 | 2.0 | 5.0 | 2.5 | 0 | 1.0/2.0 |" in text
    assert "Not measured (yet): 100 VMs, 500 VMs." in text
    assert "| 100 |" not in text
    assert "Not measured" not in render(rows, "v3.274.1", pending=())

"""cProfile of the offline preview of an N-VM fleet (issue 6, item 4): ``python -m bench.run --profile N``.

Profiles the preview as `python -m posture preview` runs it (issue 17): the program with the pack evaluating
beside it (client side: marshalling and sending each Analyze, the AnalyzeStack request; the pack's own time runs
in its own process and shows here only as the wait after the program, and per rule in bench/RESULTS.md). Writes
``bench/profile-<N>.txt``: the top functions by cumulative and by own time, and the share of time spent in
our code (components/, posture/, __main__.py) versus the SDKs.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _share(stats: pstats.Stats, needle: str) -> float:
    """Own (tottime) seconds of functions whose file path contains ``needle``."""
    return sum(v[2] for k, v in stats.stats.items() if needle in k[0])  # type: ignore[attr-defined]


def profile_preview(n_vms: int, top: int = 30) -> Path:
    import pulumi  # noqa: F401 - as in the benchmark, outside the measurement

    from bench.fleet import fleet_config
    from posture.analyzer import PackEvaluation
    from posture.capture import capture_program

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    with PackEvaluation(ROOT / "policies") as pack:
        cap = capture_program(ROOT, "dev", config_override=fleet_config(n_vms), observer=pack)
        t_capture = time.perf_counter() - t0
        pack.violations(cap.resources)
        prof.disable()
    total = time.perf_counter() - t0

    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    site = "site-packages/"
    shares = {
        "pulumi SDK (site-packages/pulumi/)": _share(stats, site + "pulumi/"),
        "pulumi_azure_native": _share(stats, site + "pulumi_azure_native/"),
        "asyncio": _share(stats, "asyncio/"),
        "our components/": _share(stats, str(ROOT / "components")),
        "our posture/": _share(stats, str(ROOT / "posture")),
        "of which posture/analyzer.py": _share(stats, str(ROOT / "posture" / "analyzer.py")),
        "grpc / protobuf": _share(stats, site + "grpc/") + _share(stats, site + "google/"),
    }
    header = [
        f"# cProfile: offline preview of a {n_vms}-VM fleet ({len(cap.resources)} resources)",
        f"# wall under the profiler: capture (pack evaluating beside it) {t_capture:.1f} s, total {total:.1f} s",
        "# own time by origin (s): " + ", ".join(f"{k} {v:.1f}" for k, v in shares.items()),
        "",
    ]
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    path = ROOT / "bench" / f"profile-{n_vms}.txt"
    path.write_text("\n".join(header) + out.getvalue().replace(str(ROOT) + "/", ""))
    return path

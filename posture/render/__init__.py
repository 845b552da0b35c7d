"""Renderings of a `posture.results.Result`, one module per output format: `text` (the default, like
`pulumi preview`'s policy section), `json`, `markdown` (a PR comment) and `sarif` (SARIF 2.1.0 for code
scanning); `findings` is what the Markdown and SARIF renderings read from a violation. A renderer reads the
result model only: it imports neither the engine nor the DR report (the CLI appends that to the Markdown).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # the CLI reads FORMATS before it imports the engine
    from ..results import Result

FORMATS = ("text", "json", "markdown", "sarif")


def render(result: Result, fmt: str, color: bool = False, project_dir: Optional[str | Path] = None,
           appendix: str = "") -> str:
    """`result` in format `fmt`; `color` for text on a terminal, `project_dir` for SARIF locations, `appendix`
    (Markdown only: the DR posture report) shares the PR comment's size budget with the policy results."""
    if fmt == "json":
        from .json import render_json

        return render_json(result)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(result, appendix=appendix)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(result, project_dir=project_dir)
    from .text import render_text

    return render_text(result, color=color)

"""Errors of the offline engine."""


class PostureError(Exception):
    """Bad input (files, config, arguments): the CLI prints the message and exits 2."""


EXIT_TOOL_FAILED = 3
"""The tool itself failed (unexpected error, report not written): no verdict. 0 pass, 1 mandatory violation,
2 bad input."""


def one_line(text: str) -> str:
    """A message as one printable line: control characters (ANSI escapes, CR, NUL) escaped, newlines joined."""
    parts = [p.strip() for p in str(text).splitlines() if p.strip()]
    joined = " | ".join(parts)
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for ch in joined)

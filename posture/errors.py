"""Errors of the offline engine."""


class PostureError(Exception):
    """Bad input (files, config, arguments): the CLI prints the message and exits 2."""

"""`python -m posture`: see posture/cli.py."""

from posture.cli import main

main()

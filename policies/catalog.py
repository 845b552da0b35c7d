"""`python -m policies.catalog` (from the repository root): regenerate policies/CATALOG.md.

A shim: the rules live in the `azdr_policies` package next to this file, which is importable
both here and when the CLI runs the pack with this folder on sys.path.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from azdr_policies.catalog import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

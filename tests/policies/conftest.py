"""Rule tests: the pack's package on sys.path and "today" pinned (tests/pack_env.py)."""

from tests.pack_env import PACK_DIR, TODAY, _pinned_today  # noqa: F401  (the autouse fixture registers here)

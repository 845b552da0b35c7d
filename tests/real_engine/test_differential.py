"""The real engine is the judge of the offline one: same resources (URN, type, parent, inputs) and the same
(policyName, URN) violations, for the dev stack and the stack fixtures the offline engine is tested on."""

import pytest

from tests.projects import LOCALLY_REDUNDANT_VAULT
from tests.real_engine.differential import differences
from tests.real_engine.harness import MINI, MINI_PACK, PACK, ROOT, offline_preview

# mini's Pulumi.dev.yaml holds a placeholder ciphertext (the offline engine lists it as unavailable); the
# real CLI would fail to decrypt it, so the run directory gets a value encrypted with the local passphrase.
MINI_SECRET = ("mini:apiToken", "t0ken")

CASES = {
    "dev": (ROOT, "dev", PACK, None),
    "dev-lrs-vault": (ROOT, "dev", PACK, LOCALLY_REDUNDANT_VAULT),
    "mini-dev": (MINI, "dev", MINI_PACK, None),
    "mini-big": (MINI, "big", MINI_PACK, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_offline_and_real_engine_agree(engine, case):
    project, stack, pack, config = CASES[case]
    run = engine.stack(project, stack, config, name=f"diff-{case}")
    if project == MINI and stack == "dev":
        p = engine.run("config", "set", "--secret", *MINI_SECRET, cwd=run)
        assert p.returncode == 0, p.stderr
    real = engine.preview(run, stack, pack=pack)
    offline = offline_preview(run, stack, pack)
    assert real.resources, real.stderr
    assert differences(offline, real) == []
    assert real.code == (1 if offline["summary"]["mandatory"] else 0), real.stderr

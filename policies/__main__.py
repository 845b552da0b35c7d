"""Entry point of the CrossGuard pack. It only builds the PolicyPack: every rule lives in the
importable package `azdr_policies` (this folder is on sys.path when the language host runs
`python -m pulumi.policy <engine> <packdir>`, and tests import the same package).

Never import this module from tests: `PolicyPack(...)` starts a gRPC server and never returns.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from azdr_policies import PACK_DESCRIPTION, PACK_NAME, POLICIES  # noqa: E402
from azdr_policies import sdk_speedups  # noqa: E402
from azdr_policies.framework import prepare_stack_resource  # noqa: E402

# Before PolicyPack(...): the server binds the servicer's methods when it is built. On another SDK version it does
# nothing (azdr_policies/sdk_speedups.py says why; tests/policies/test_sdk_speedups.py pins that it is installed).
sdk_speedups.install(prepare_stack_resource=prepare_stack_resource)

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
    display_name="Azure IaaS DR posture",
    provider="azure-native",
    tags=["azure", "disaster-recovery", "backup"],
)

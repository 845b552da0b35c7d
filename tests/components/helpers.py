"""Shared helpers of the component tests (one copy instead of one per test module)."""
from components.arm_mocks import ArmMocks
from posture.capture import run_in_mocks


def run(fn, preview=False, mocks=None):
    """Run the Pulumi program ``fn`` under ArmMocks (or ``mocks``) as project azure-iaas-dr, stack test."""
    return run_in_mocks(fn, project="azure-iaas-dr", stack="test", preview=preview, mocks=mocks or ArmMocks())

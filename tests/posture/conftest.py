"""Fixtures of tests/posture."""

import json

import pytest

from tests.projects import LOCALLY_REDUNDANT_VAULT, copy_project


@pytest.fixture(scope="module")
def lrs_project(tmp_path_factory):
    """The real project with a locally-redundant vault and an expired exemption for it."""
    copy = copy_project(tmp_path_factory.mktemp("lrs"), LOCALLY_REDUNDANT_VAULT)
    (copy / "policy.json").write_text(json.dumps({"vault-storage-geo-redundant": {"exemptions": [
        {"resource": "vault-westeurope-*", "reason": "GRS migration in OPS-12", "expires": "2024-12-31"},
    ]}}))
    return copy

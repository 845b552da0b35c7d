"""The storage accounts the program creates (the configuration backup's, each Site Recovery cache), built one
way: StorageV2, hot tier, HTTPS only, TLS 1.2, no public blob access, and a deterministic global name.

Name rule (3-24 lower-case letters and digits, globally unique):
https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pulumi
import pulumi_azure_native.storage as storage


def hashed_account_name(prefix: str, purpose: str, *parts: str) -> str:
    """``<prefix><purpose>`` + 10 hex characters of a hash of `parts` joined by "/": deterministic (no random
    provider needed, stable across ``pulumi up``) and unlikely to collide in the global namespace of storage
    account names; cut to 24 characters."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{prefix}{purpose}{digest[:10]}"[:24]


def secure_storage_account(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    account_name: pulumi.Input[str],
    location: str,
    sku: str,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
    **extra: object,
) -> storage.StorageAccount:
    """A StorageV2 account with the project's hardening; `extra` adds the inputs one use needs (for example
    ``allow_shared_key_access``)."""
    return storage.StorageAccount(
        name,
        resource_group_name=resource_group_name,
        account_name=account_name,
        location=location,
        kind=storage.Kind.STORAGE_V2,
        sku=storage.SkuArgs(name=storage.SkuName(sku)),
        access_tier=storage.AccessTier.HOT,
        enable_https_traffic_only=True,
        minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
        allow_blob_public_access=False,
        tags=dict(tags),
        opts=opts,
        **extra,  # type: ignore[arg-type]
    )

"""Config checks for what Azure or Pulumi would refuse at `pulumi up` (issue 13 class 7), run on the resolved
workloads by `components.config.parse_stack_config`. Each check returns (key path, value, allowed) triples;
config formats them like every other problem. Values of secret-looking keys are never returned.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from ..facts import (
    MAX_TAG_NAME,
    MAX_TAG_VALUE,
    MAX_TAGS,
    MAX_VERSION_PART,
    MIN_RSA_BITS,
    RESERVED_ADMIN_USERNAMES,
    SMALLEST_SUBNET_PREFIX,
    TAG_NAME_FORBIDDEN,
    max_data_disks,
)
from .errors import _Shown

Problem = tuple[str, Any, str]

#: A description of a value (shown unquoted), not the value itself: the errors module's marker, so the triples
#: format like every other problem.
Described = _Shown


def tag_problems(
    path: str, tags: Mapping[str, str], inherited: Mapping[str, str] | None = None
) -> list[Problem]:
    """Limits on one resource's tags; entries equal to `inherited` ones (reported where they are set) count
    towards the 50 but are not reported again."""
    out: list[Problem] = []
    if len(tags) > MAX_TAGS:
        out.append(
            (
                path,
                Described(f"{len(tags)} tags"),
                f"at most {MAX_TAGS} tags per resource (with the DR tags the program adds)",
            )
        )
    for name, value in tags.items():
        if inherited and inherited.get(name) == value:
            continue
        where = f"{path}.{name}" if len(name) <= 40 else f"{path}.{name[:40]}..."
        if len(name) > MAX_TAG_NAME:
            out.append(
                (
                    where,
                    Described(f"a {len(name)}-character name"),
                    f"a tag name of at most {MAX_TAG_NAME} characters",
                )
            )
        bad = sorted({c for c in name if c in TAG_NAME_FORBIDDEN})
        if bad:
            out.append(
                (
                    where,
                    name[:80],
                    f"a tag name without {' '.join(bad)} (Azure refuses {TAG_NAME_FORBIDDEN} in tag names)",
                )
            )
        if isinstance(value, str) and len(value) > MAX_TAG_VALUE:
            out.append(
                (
                    where,
                    Described(f"a {len(value)}-character value"),
                    f"a tag value of at most {MAX_TAG_VALUE} characters",
                )
            )
    return out


def ssh_key_problem(key: str) -> str | None:
    """Why `key` is not an OpenSSH public key Azure accepts, or None."""
    parts = key.split()
    if len(parts) < 2:
        return "an OpenSSH public key: '<type> <base64 blob> [comment]'"
    kind, blob = parts[0], parts[1]
    try:
        data = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return "an OpenSSH public key whose key part is valid base64"
    fields = []
    i = 0
    while i + 4 <= len(data) and len(fields) < 3:
        (n,) = struct.unpack(">I", data[i : i + 4])
        if i + 4 + n > len(data):
            return "an OpenSSH public key whose blob is complete (it is truncated)"
        fields.append(data[i + 4 : i + 4 + n])
        i += 4 + n
    if not fields or fields[0] != kind.encode():
        return f"an OpenSSH public key whose blob is a {kind} key (it encodes another type, or none)"
    if kind == "ssh-ed25519" and (len(fields) < 2 or len(fields[1]) != 32):
        return "an ssh-ed25519 key of 32 bytes"
    if kind == "ssh-rsa":
        if len(fields) < 3:
            return "an ssh-rsa key with exponent and modulus"
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            return f"an ssh-rsa key of at least {MIN_RSA_BITS} bits (this one has {bits})"
    return None


def _net(value: str):
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None  # the existing CIDR check names it


def workload_problems(name: str, w: Any, stack_tags: Mapping[str, str] | None = None) -> list[Problem]:
    """Checks on one resolved `components.config.Workload`."""
    at = f"workloads.{name}"
    out: list[Problem] = []
    out.extend(tag_problems(f"{at}.tags", w.tags, stack_tags))
    if w.admin_username.lower() in RESERVED_ADMIN_USERNAMES:
        out.append(
            (
                f"{at}.adminUsername",
                w.admin_username,
                "a user name Azure does not reserve (not admin, root, administrator, guest, test, ...)",
            )
        )
    if w.authentication == "ssh" and w.ssh_public_key:
        why = ssh_key_problem(w.ssh_public_key)
        if why:
            out.append((f"{at}.sshPublicKey", Described(w.ssh_public_key.split(" ")[0] + " ..."), why))
    limit = max_data_disks(w.vm_size)
    if limit is not None and len(w.data_disks) > limit:
        out.append(
            (
                f"{at}.dataDisks",
                Described(f"{len(w.data_disks)} data disks"),
                f"at most {limit} data disks: the limit of VM size {w.vm_size} (components/facts.py)",
            )
        )
    if w.custom_image is not None:
        parts = w.custom_image.version.split(".")
        if any(int(p) > MAX_VERSION_PART for p in parts if p.isdigit()):
            out.append(
                (
                    f"{at}.customImage.version",
                    w.custom_image.version,
                    f"MAJOR.MINOR.PATCH with each part at most {MAX_VERSION_PART} (32-bit integers)",
                )
            )
    if not w.existing_subnet_id:
        space, subnet = _net(w.address_space), _net(w.subnet_prefix)
        if space is not None and space.version == 6:
            out.append(
                (
                    f"{at}.network.addressSpace",
                    w.address_space,
                    "an IPv4 CIDR block: Azure virtual networks cannot be IPv6-only",
                )
            )
        if subnet is not None and subnet.version == 4 and subnet.prefixlen > SMALLEST_SUBNET_PREFIX:
            out.append(
                (
                    f"{at}.network.subnetPrefix",
                    w.subnet_prefix,
                    f"a subnet of /{SMALLEST_SUBNET_PREFIX} or larger (Azure's smallest IPv4 subnet)",
                )
            )
        elif subnet is not None and subnet.version == 6:
            out.append((f"{at}.network.subnetPrefix", w.subnet_prefix, "an IPv4 CIDR block"))
    return out


def resource_group_problems(
    workloads: Mapping[str, Any], vault_groups: Iterable[tuple[str, str]]
) -> list[Problem]:
    """Two workloads, or a workload and a vault, in one resource group: the program would declare it twice
    (Pulumi refuses duplicate resource names) or mix a workload's lifecycle with the vault's."""
    out: list[Problem] = []
    owners: dict[str, str] = {}
    for region, rg in vault_groups:
        owners.setdefault(rg.lower(), f"the vault of {region}")
    for name, w in workloads.items():
        key = w.resource_group_name.lower()
        if key in owners:
            out.append(
                (
                    f"workloads.{name}.resourceGroup.name",
                    w.resource_group_name,
                    f"a resource group of its own ({owners[key]} uses this one)",
                )
            )
        else:
            owners[key] = f"workload {name}"
    return out


def stack_problems(
    stack_tags: Mapping[str, str], workloads: Mapping[str, Any], vault_groups: Iterable[tuple[str, str]]
) -> list[Problem]:
    out = tag_problems("tags", stack_tags)
    for name, w in workloads.items():
        out.extend(workload_problems(name, w, stack_tags))
    out.extend(resource_group_problems(workloads, vault_groups))
    return out

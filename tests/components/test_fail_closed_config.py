"""Issue 13, class 7: what Azure or Pulumi would refuse at `up` is a config error naming the key; class 4: config
errors never echo the value of an unknown or secret-looking key."""

import base64
import struct

import pulumi
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components import config as c
from components.config.checks import ssh_key_problem
from components.facts import RESERVED_ADMIN_USERNAMES
from components.facts import MAX_DATA_DISKS, max_data_disks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
NS = "azure-iaas-dr"


def _blob(*fields: bytes) -> str:
    return base64.b64encode(b"".join(struct.pack(">I", len(f)) + f for f in fields)).decode()


def wl(**kw):
    return {"tier": "reporting", "sshPublicKey": KEY, **kw}


def problems(workloads=None, **top):
    raw = {"workloads": workloads if workloads is not None else {"r": wl()}, **top}
    with pytest.raises(c.ConfigError) as exc:
        c.parse_stack_config(raw, location="westeurope")
    assert isinstance(exc.value, pulumi.RunError)
    return exc.value.problems


def ok(workloads=None, **top):
    raw = {"workloads": workloads if workloads is not None else {"r": wl()}, **top}
    return c.parse_stack_config(raw, location="westeurope")


# ------------------------------------------------------------------ tags


def test_tag_limits():
    assert problems(tags={"a" * 513: "x"}) == [
        f"{NS}:tags.{'a' * 40}...: a 513-character name: a tag name of at most 512 characters"
    ]
    assert problems(tags={"k": "v" * 257}) == [
        f"{NS}:tags.k: a 257-character value: a tag value of at most 256 characters"
    ]
    assert problems(tags={"cost/center": "x"}) == [
        f'{NS}:tags.cost/center: "cost/center": a tag name without / (Azure refuses <>%&\\?/ in tag names)'
    ]
    many = {f"t{i}": "x" for i in range(50)}
    found = problems(workloads={"r": wl(tags=many)})
    assert (
        len(found) == 1 and found[0].startswith(f"{NS}:workloads.r.tags: ") and "at most 50 tags" in found[0]
    )
    ok(tags={"a" * 512: "v" * 256})


# ------------------------------------------------------------------ admin user and SSH key


@pytest.mark.parametrize("name", ["admin", "root", "administrator", "guest", "test1"])
def test_reserved_admin_usernames_are_refused(name):
    assert problems(workloads={"r": wl(adminUsername=name)}) == [
        f'{NS}:workloads.r.adminUsername: "{name}": a user name Azure does not reserve (not admin, root, '
        "administrator, guest, test, ...)"
    ]


def test_reserved_list_is_lower_case():
    assert all(n == n.lower() for n in RESERVED_ADMIN_USERNAMES)


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (
            "ssh-ed25519 " + _blob(b"ssh-ed25519", b"x" * 32)[:-12],
            "an OpenSSH public key whose blob is complete (it is truncated)",
        ),
        (
            "ssh-ed25519 AAAA",
            "an OpenSSH public key whose blob is a ssh-ed25519 key (it encodes another type, or none)",
        ),
        ("ssh-ed25519 " + _blob(b"ssh-ed25519", b"x" * 31), "an ssh-ed25519 key of 32 bytes"),
        (
            "ssh-ed25519 " + _blob(b"ssh-rsa", b"x" * 32),
            "an OpenSSH public key whose blob is a ssh-ed25519 key (it encodes another type, or none)",
        ),
        (
            "ssh-rsa " + _blob(b"ssh-rsa", b"\x01\x00\x01", b"\x00" + b"\xff" * 128),
            "an ssh-rsa key of at least 2048 bits (this one has 1024)",
        ),
        ("ssh-rsa " + "A" * 5 + "=", "an OpenSSH public key whose key part is valid base64"),
    ],
)
def test_ssh_keys_that_are_not_keys(key, why):
    assert ssh_key_problem(key) == why
    assert problems(workloads={"r": wl(sshPublicKey=key)}) == [
        f"{NS}:workloads.r.sshPublicKey: {key.split()[0]} ...: {why}"
    ]


def test_real_keys_pass():
    assert ssh_key_problem(KEY) is None
    assert ssh_key_problem("ssh-rsa " + _blob(b"ssh-rsa", b"\x01\x00\x01", b"\x00" + b"\xff" * 256)) is None


# ------------------------------------------------------------------ VM size limits, image versions


def test_more_data_disks_than_the_size_allows():
    disks = [{"lun": i, "sizeGb": 32} for i in range(5)]
    assert max_data_disks("Standard_D2s_v5") == 4
    assert problems(workloads={"r": wl(vmSize="Standard_D2s_v5", dataDisks=disks)}) == [
        f"{NS}:workloads.r.dataDisks: 5 data disks: at most 4 data disks: the limit of VM size Standard_D2s_v5 "
        "(components/facts.py)"
    ]
    ok(workloads={"r": wl(vmSize="Standard_D4s_v5", dataDisks=disks)})
    ok(workloads={"r": wl(vmSize="Standard_X9_unlisted", dataDisks=disks)})  # not in the table: left to Azure


def test_vm_size_table_is_plausible():
    assert all(k.startswith("Standard_") and 1 <= v <= 64 for k, v in MAX_DATA_DISKS.items())


def test_image_version_parts_are_32_bit():
    found = problems(
        workloads={
            "r": wl(
                customImage={
                    "sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/i",
                    "publisher": "p",
                    "offer": "o",
                    "sku": "s",
                    "version": "1.2147483648.0",
                }
            )
        }
    )
    assert (
        f'{NS}:workloads.r.customImage.version: "1.2147483648.0": MAJOR.MINOR.PATCH with each part at most '
        "2147483647 (32-bit integers)" in found
    )


def test_non_ascii_digits_are_not_digits():
    found = problems(workloads={"r": wl(backupStartTimeUtc="\u0662\u0662:00")})
    assert len(found) == 1 and found[0].startswith(f"{NS}:workloads.r.backupStartTimeUtc: ")


# ------------------------------------------------------------------ resource groups and networks


def test_two_workloads_in_one_resource_group():
    found = problems(
        workloads={
            "a": wl(resourceGroup={"name": "rg-shared"}),
            "b": wl(
                resourceGroup={"name": "RG-Shared"},
                network={"addressSpace": "10.20.0.0/16", "subnetPrefix": "10.20.1.0/24"},
            ),
        }
    )
    assert found == [
        f'{NS}:workloads.b.resourceGroup.name: "RG-Shared": a resource group of its own '
        "(workload a uses this one)"
    ]


def test_workload_in_the_vault_resource_group():
    found = problems(workloads={"a": wl(resourceGroup={"name": "rg-dr-backup-westeurope"})})
    assert found == [
        f'{NS}:workloads.a.resourceGroup.name: "rg-dr-backup-westeurope": a resource group of its own '
        "(the vault of westeurope uses this one)"
    ]


def test_ipv6_only_and_tiny_subnets():
    found = problems(workloads={"r": wl(network={"addressSpace": "fd00::/48", "subnetPrefix": "fd00::/64"})})
    assert any("network.addressSpace" in p and "cannot be IPv6-only" in p for p in found), found
    found = problems(
        workloads={"r": wl(network={"addressSpace": "10.1.0.0/16", "subnetPrefix": "10.1.0.0/30"})}
    )
    assert (
        f'{NS}:workloads.r.network.subnetPrefix: "10.1.0.0/30": a subnet of /29 or larger (Azure\'s smallest '
        "IPv4 subnet)" in found
    )


# ------------------------------------------------------------------ no value of an unknown or secret-looking key


@settings(max_examples=50, deadline=None)
@given(
    secret=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!", min_size=8, max_size=16),
    key=st.sampled_from(["adminPasword", "password", "admin_password", "apiToken", "typo"]),
)
def test_config_errors_never_echo_unknown_or_secret_looking_values(secret, key):
    # a value that happens to be part of the messages' own words (e.g. "monitori" of the allowed keys) proves
    # nothing either way: the same messages for a stand-in value must not contain it
    stand_in = "!" * 8
    assume(not any(secret in p for p in problems(**{key: stand_in})))
    assume(not any(secret in p for p in problems(workloads={"r": wl(sshPublicKey=stand_in)})))
    found = problems(**{key: secret})
    assert found and not any(secret in p for p in found)
    found = problems(workloads={"r": wl(sshPublicKey=secret)})
    assert not any(secret in p for p in found)

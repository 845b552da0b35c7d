"""Azure VM size facts used by config validation: the maximum number of data disks per size.

Only sizes listed here are checked (an unlisted size is left to Azure at `up`). To be merged into the
facts module (issue 9) when it lands; each family carries the Microsoft Learn page its numbers come from.
"""

from __future__ import annotations

# https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv5-series ("Max data disks")
_DSV5 = {
    "Standard_D2s_v5": 4,
    "Standard_D4s_v5": 8,
    "Standard_D8s_v5": 16,
    "Standard_D16s_v5": 32,
    "Standard_D32s_v5": 32,
    "Standard_D48s_v5": 32,
    "Standard_D64s_v5": 32,
    "Standard_D96s_v5": 32,
}
# https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/memory-optimized/esv5-series ("Max data disks")
_ESV5 = {
    "Standard_E2s_v5": 4,
    "Standard_E4s_v5": 8,
    "Standard_E8s_v5": 16,
    "Standard_E16s_v5": 32,
    "Standard_E20s_v5": 32,
    "Standard_E32s_v5": 32,
    "Standard_E48s_v5": 32,
    "Standard_E64s_v5": 32,
}
# https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv3-series ("Max data disks")
_DSV3 = {
    "Standard_D2s_v3": 4,
    "Standard_D4s_v3": 8,
    "Standard_D8s_v3": 16,
    "Standard_D16s_v3": 32,
    "Standard_D32s_v3": 32,
    "Standard_D48s_v3": 32,
    "Standard_D64s_v3": 32,
}
# https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/bv1-series ("Max data disks")
_BS = {
    "Standard_B1s": 2,
    "Standard_B1ms": 2,
    "Standard_B2s": 4,
    "Standard_B2ms": 4,
    "Standard_B4ms": 8,
    "Standard_B8ms": 16,
    "Standard_B12ms": 16,
    "Standard_B16ms": 32,
    "Standard_B20ms": 32,
}

MAX_DATA_DISKS: dict[str, int] = {**_DSV5, **_ESV5, **_DSV3, **_BS}
"""VM size -> maximum data disks attached to one VM."""


def max_data_disks(vm_size: str) -> int | None:
    """The size's data-disk limit, or None when the size is not in the table (ARM names are case-insensitive)."""
    lowered = {k.lower(): v for k, v in MAX_DATA_DISKS.items()}
    return lowered.get(vm_size.lower())

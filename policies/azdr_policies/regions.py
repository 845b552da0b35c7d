"""Azure region pairs, for the pack (a copy: the pack never imports `components/`).

Source: MicrosoftDocs/reliability-docs `articles/reliability/regions-list.md` (2025-09-23), also at
https://learn.microsoft.com/azure/reliability/regions-list (transcribed in the project's research notes,
`azure-native-and-azure-constraints.md` section 4.1). The program keeps its own copy in
`components/regions.py`; `tests/policies/test_rules_images.py` checks the two tables agree.
One-way pairs: brazilsouth -> southcentralus, westindia -> southindia, westus3 -> eastus.
Sovereign clouds are not in the source table.
"""

from __future__ import annotations

REGION_PAIRS: dict[str, str] = {
    "australiacentral": "australiacentral2",
    "australiacentral2": "australiacentral",
    "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast",
    "brazilsouth": "southcentralus",  # one-way: southcentralus pairs with northcentralus
    "brazilsoutheast": "brazilsouth",
    "canadacentral": "canadaeast",
    "canadaeast": "canadacentral",
    "centralindia": "southindia",
    "southindia": "centralindia",
    "westindia": "southindia",  # one-way
    "centralus": "eastus2",
    "eastus2": "centralus",
    "eastus": "westus",
    "westus": "eastus",
    "westus3": "eastus",  # one-way
    "northcentralus": "southcentralus",
    "southcentralus": "northcentralus",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "eastasia": "southeastasia",
    "southeastasia": "eastasia",
    "francecentral": "francesouth",
    "francesouth": "francecentral",
    "germanywestcentral": "germanynorth",
    "germanynorth": "germanywestcentral",
    "japaneast": "japanwest",
    "japanwest": "japaneast",
    "koreacentral": "koreasouth",
    "koreasouth": "koreacentral",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "norwayeast": "norwaywest",
    "norwaywest": "norwayeast",
    "southafricanorth": "southafricawest",
    "southafricawest": "southafricanorth",
    "swedencentral": "swedensouth",
    "swedensouth": "swedencentral",
    "switzerlandnorth": "switzerlandwest",
    "switzerlandwest": "switzerlandnorth",
    "uaenorth": "uaecentral",
    "uaecentral": "uaenorth",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
}

UNPAIRED_REGIONS: frozenset[str] = frozenset(
    {
        "austriaeast",
        "belgiumcentral",
        "chilecentral",
        "denmarkeast",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "polandcentral",
        "qatarcentral",
        "spaincentral",
    }
)


def normalize_region(value: str) -> str:
    """ARM accepts display names too ('West Europe'): compare lower-case, without spaces."""
    return value.replace(" ", "").lower()


def paired_region(region: str) -> str | None:
    """The Azure paired region of `region` (any spelling), or None if it has none / is unknown."""
    return REGION_PAIRS.get(normalize_region(region))

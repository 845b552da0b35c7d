"""Azure regions and their disaster-recovery pairs.

Source: MicrosoftDocs/reliability-docs ``articles/reliability/regions-list.md`` (2025-09-23), also at
https://learn.microsoft.com/azure/reliability/regions-list, as transcribed in the project's research notes
(``azure-native-and-azure-constraints.md`` §4.1). Programmatic (``az account list-locations``) names.

* ``REGION_PAIRS`` maps a region to its paired (secondary) region. Most pairs are two-way; the one-way
  entries are marked: ``brazilsouth`` → ``southcentralus`` (which itself pairs with ``northcentralus``),
  ``westindia`` → ``southindia``, ``westus3`` → ``eastus``.
* ``UNPAIRED_REGIONS`` have no Azure pair: a workload there must name its DR region explicitly.
* ``RESTRICTED_REGIONS`` are pairs Azure restricts to customers with an in-country need (``(r)`` in the
  source); they are valid targets, listed for information.

Sovereign clouds (US Gov, China) are not in the verified source and are therefore not accepted.
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

RESTRICTED_REGIONS: frozenset[str] = frozenset(
    {
        "australiacentral",
        "australiacentral2",
        "brazilsoutheast",
        "francesouth",
        "germanynorth",
        "norwaywest",
        "southafricawest",
        "swedensouth",
        "switzerlandwest",
        "uaecentral",
    }
)

KNOWN_REGIONS: frozenset[str] = frozenset(REGION_PAIRS) | frozenset(REGION_PAIRS.values()) | UNPAIRED_REGIONS


def is_known_region(name: str) -> bool:
    """True when ``name`` is a programmatic Azure public-cloud region name from the source table."""
    return name in KNOWN_REGIONS


def paired_region(name: str) -> str | None:
    """The Azure paired region of ``name`` (following one-way pairs), or ``None`` if it has no pair."""
    return REGION_PAIRS.get(name)


def is_one_way_pair(name: str) -> bool:
    """True when ``name`` pairs with a region that does not pair back with it."""
    pair = REGION_PAIRS.get(name)
    return pair is not None and REGION_PAIRS.get(pair) != name

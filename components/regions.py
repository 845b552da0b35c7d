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


# --- managed availability sets -------------------------------------------------------------------------

#: Maximum platform fault domains of a managed (``Aligned``) availability set, per region. Source:
#: Azure/sap-automation ``deploy/configs/max_fault_domain_count.json`` (commit 04a92e77), Microsoft's capture
#: of ``az vm list-skus --resource-type availabilitySets --query "[?name=='Aligned']..."`` (the command the
#: availability-set docs point to; the older MicrosoftDocs/azure-docs table
#: ``includes/managed-disks-common-fault-domain-region-list.md`` agrees where both list a region). Regions the
#: capture does not list (newer ones) get :data:`DEFAULT_FAULT_DOMAINS`, valid everywhere; ``qatarcentral``
#: reported 1 and is left out for the same reason (2 is the least an availability set can spread over).
MANAGED_FAULT_DOMAINS: dict[str, int] = {
    "australiacentral": 2, "australiacentral2": 2, "australiaeast": 2, "australiasoutheast": 2,
    "brazilsouth": 3, "brazilsoutheast": 2, "canadacentral": 3, "canadaeast": 2, "centralindia": 3,
    "centralus": 3, "eastasia": 2, "eastus": 3, "eastus2": 3, "francecentral": 3, "francesouth": 2,
    "germanynorth": 2, "germanywestcentral": 2, "japaneast": 3, "japanwest": 2, "koreacentral": 2,
    "koreasouth": 2, "northcentralus": 3, "northeurope": 3, "norwayeast": 2, "norwaywest": 2,
    "southafricanorth": 2, "southafricawest": 2, "southcentralus": 3, "southeastasia": 2, "southindia": 2,
    "swedencentral": 3, "swedensouth": 2, "switzerlandnorth": 2, "switzerlandwest": 2, "uaecentral": 2,
    "uaenorth": 2, "uksouth": 2, "ukwest": 2, "westcentralus": 2, "westeurope": 3, "westindia": 2,
    "westus": 3, "westus2": 3, "westus3": 3,
}
DEFAULT_FAULT_DOMAINS = 2


def max_fault_domains(region: str) -> int:
    """Most fault domains a managed availability set can use in ``region`` (2 where unknown)."""
    return MANAGED_FAULT_DOMAINS.get(region, DEFAULT_FAULT_DOMAINS)


# --- availability zones --------------------------------------------------------------------------------

#: Regions with availability zones (the "Availability zone support" column of MicrosoftDocs/reliability-docs
#: ``articles/reliability/regions-list.md``, 2025-09-23; https://learn.microsoft.com/azure/reliability/regions-list).
#: Used to default zone-redundant storage (ZRS) where a region offers it.
ZONAL_REGIONS: frozenset[str] = frozenset({
    "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia", "centralus",
    "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
    "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "malaysiawest",
    "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
    "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
    "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
})


def has_availability_zones(region: str) -> bool:
    """True when ``region`` offers availability zones (and so zone-redundant storage)."""
    return region in ZONAL_REGIONS

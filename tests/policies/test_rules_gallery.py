"""AZDR-IMG-001: gallery image replication to the DR region (rules/gallery.py): pass, fail, unknown and
missing cases."""

import pytest
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE as UNK, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, gallery_image_version_props, mutate
from .harness import run_resource


# ---- AZDR-IMG-001 --------------------------------------------------------------------------------

GIV_T = "azure-native:compute:GalleryImageVersion"
GIV = gallery_image_version_props()
TR = "publishingProfile.targetRegions"


def _img_no_dr(want="the DR region northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' does not replicate to {want}: a regional disaster leaves no image "
            f"to rebuild VMs from; add it to publishingProfile.targetRegions")


def _img_type(shown, region="northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' replicates to {region} as {shown}: use 'Standard_ZRS' so one zone "
            f"failure in the DR region does not lose the image")


def _img_count(n, minimum=2, region="northeurope"):
    return (f"[AZDR-IMG-001] image version 'img' keeps {n} replica(s) in {region}, fewer than {minimum}: set "
            f"regionalReplicaCount to at least {minimum}")


def _img(case_id, props, expected=(), config=None):
    return Case("AZDR-IMG-001", case_id, props, list(expected), config=config, name="img", type_=GIV_T)


CASES = [
    _img("pass-pair-zrs-2", GIV),
    _img("pass-profile-defaults-inherited", mutate(mutate(mutate(mutate(GIV, f"{TR}[1].regionalReplicaCount", DELETE),
                                                                 f"{TR}[1].storageAccountType", DELETE),
                                                          "publishingProfile.replicaCount", 3),
                                                   "publishingProfile.storageAccountType", "Standard_ZRS")),
    _img("pass-configured-dr-region", mutate(GIV, f"{TR}[1].name", "swedencentral"),
         config={"drRegion": "Sweden Central"}),
    _img("pass-configured-minimum-1", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1), config={"minimumReplicas": 1}),
    _img("fail-no-dr-region", mutate(GIV, TR, [GIV["publishingProfile"]["targetRegions"][0]]), [_img_no_dr()]),
    _img("fail-target-regions-missing", mutate(GIV, TR, DELETE), [_img_no_dr()]),
    _img("fail-other-region-not-pair", mutate(GIV, f"{TR}[1].name", "eastus"), [_img_no_dr()]),
    _img("fail-unpaired-source-only", mutate(mutate(GIV, "location", "polandcentral"), TR,
                                             [{"name": "polandcentral", "regionalReplicaCount": 2,
                                               "storageAccountType": "Standard_ZRS"}]),
         [_img_no_dr("a region other than the source")]),
    _img("fail-lrs", mutate(GIV, f"{TR}[1].storageAccountType", "Standard_LRS"), [_img_type("'Standard_LRS'")]),
    # audit W9: eastus -> westus, whose DR region has no zones: no ZRS replicas exist there, so LRS passes
    _img("pass-zoneless-dr-region-lrs", mutate(mutate(mutate(GIV, "location", "eastus"), f"{TR}[0].name", "eastus"),
                                               TR + "[1]", {"name": "westus", "regionalReplicaCount": 2,
                                                            "storageAccountType": "Standard_LRS"})),
    _img("fail-type-missing-everywhere", mutate(GIV, f"{TR}[1].storageAccountType", DELETE),
         [_img_type("not set (Standard_LRS)")]),
    _img("fail-one-replica", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1), [_img_count(1)]),
    _img("fail-count-missing-defaults-to-1", mutate(GIV, f"{TR}[1].regionalReplicaCount", DELETE), [_img_count(1)]),
    _img("fail-below-configured-minimum", GIV, [_img_count(2, 3)], config={"minimumReplicas": 3}),
    _img("fail-fractional-count", mutate(GIV, f"{TR}[1].regionalReplicaCount", 1.5), [_img_count("1.5")]),
]


@pytest.mark.parametrize("path,sentinel", [(f"{TR}[1].regionalReplicaCount", UNKNOWN_NUMBER_VALUE),
                                           (f"{TR}[1].name", UNK), ("location", UNK)])
def test_gallery_unknown_is_advisory(path, sentinel):
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-IMG-001"], mutate(GIV, path, sentinel), name="img", type_=GIV_T)


# ---- unknown (preview) ---------------------------------------------------------------------------

CASES += [
    advisory("AZDR-IMG-001", "replica-count", gallery_image_version_props(),
             "publishingProfile.targetRegions[1].regionalReplicaCount", UNKNOWN_NUMBER_VALUE, name="img",
             type_=GIV_T),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()

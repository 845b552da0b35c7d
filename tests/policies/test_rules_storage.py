"""AZDR-STG-*: geo-redundant storage and blob soft delete for DR data (rules/storage.py): pass, fail,
unknown and missing cases."""

import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE as UNK, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, blob_service_props, mutate, storage_account_props
from .harness import run_resource, stack_resource, urn_of


# ---- AZDR-STG-001 / 002 --------------------------------------------------------------------------

ST_T = "azure-native:storage:StorageAccount"
BLOB_T = "azure-native:storage:BlobServiceProperties"
ST_URN = urn_of(ST_T, "st")
GEO = ("Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS, StandardV2_GRS, StandardV2_GZRS")


def _st(shown):
    return (f"[AZDR-STG-001] storage account 'st' is {shown}: images and templates in it die with the region; use a "
            f"geo-redundant sku ({GEO})")


CASES = [Case("AZDR-STG-001", f"pass-{s}", storage_account_props(s), name="st") for s in GEO.split(", ")]
CASES += [
    Case("AZDR-STG-001", "fail-lrs", storage_account_props("Standard_LRS"), [_st("'Standard_LRS'")], name="st"),
    Case("AZDR-STG-001", "fail-zrs", storage_account_props("Standard_ZRS"), [_st("'Standard_ZRS'")], name="st"),
    Case("AZDR-STG-001", "fail-sku-missing", mutate(storage_account_props(), "sku", DELETE),
         [_st("not set").replace("is not set", "has no sku (sku.name is required)")], name="st"),
    # scope (issue 12): only accounts tagged as holding DR images, templates or configuration backups
    Case("AZDR-STG-001", "pass-application-account-out-of-scope", storage_account_props("Standard_LRS", purpose=None),
         name="st"),
    Case("AZDR-STG-001", "pass-other-purpose-out-of-scope", storage_account_props("Standard_LRS", purpose="app-logs"),
         name="st"),
    Case("AZDR-STG-001", "fail-images-purpose", storage_account_props("Standard_LRS", purpose="images"),
         [_st("'Standard_LRS'")], name="st"),
    Case("AZDR-STG-001", "pass-configured-purposes", storage_account_props("Standard_LRS", purpose="images"),
         name="st", config={"drPurposes": "configuration-backup"}),
]


def blob(svc=None, *, dep=True, account_name="stdrimages", purpose="configuration-backup"):
    def build():
        st = stack_resource(ST_T, "st", {**storage_account_props(purpose=purpose), "name": "stdrimages"})
        out = [st]
        if svc is not None:
            out.append(stack_resource(BLOB_T, "st-blob", {**svc, "accountName": account_name},
                                      property_dependencies={"accountName": [st]} if dep else None))
        return out
    return build


def _sd(tail):
    return (f"[AZDR-STG-002] storage account 'st' {tail}", ST_URN)


FIX_SD = "set deleteRetentionPolicy.enabled to true with days >= 7"
CASES += [
    Case("AZDR-STG-002", "pass-enabled-14-by-dependency", blob(blob_service_props())),
    Case("AZDR-STG-002", "pass-enabled-by-name", blob(blob_service_props(), dep=False)),
    Case("AZDR-STG-002", "pass-days-missing-default-7", blob(blob_service_props(days=None))),
    Case("AZDR-STG-002", "pass-at-configured-minimum", blob(blob_service_props(days=30)),
         config={"minimumRetentionDays": 30}),
    Case("AZDR-STG-002", "fail-no-blob-service", blob(None),
         [_sd("has no storage.BlobServiceProperties with deleteRetentionPolicy: blob soft delete is off by default, "
              "so a deleted image or template is gone at once; declare BlobServiceProperties(account_name=<account>."
              "name, delete_retention_policy=enabled, days>=7)")]),
    Case("AZDR-STG-002", "fail-unknown-account-without-dependency", blob(blob_service_props(), dep=False,
                                                                         account_name=UNK),
         [_sd("has no storage.BlobServiceProperties with deleteRetentionPolicy (1 blob service(s) have an unknown "
              "accountName without a dependency and could not be joined): blob soft delete is off by default, so a "
              "deleted image or template is gone at once; declare BlobServiceProperties(account_name=<account>.name, "
              "delete_retention_policy=enabled, days>=7)")]),
    Case("AZDR-STG-002", "fail-disabled", blob(blob_service_props(enabled=False)),
         [_sd(f"has blob soft delete False on 'st-blob': {FIX_SD}")]),
    Case("AZDR-STG-002", "fail-enabled-missing", blob({**blob_service_props(), "deleteRetentionPolicy": {"days": 7}}),
         [_sd(f"has blob soft delete not set (disabled) on 'st-blob': {FIX_SD}")]),
    Case("AZDR-STG-002", "fail-below-configured-minimum", blob(blob_service_props(days=29)),
         [_sd("keeps deleted blobs 29 days on 'st-blob', fewer than 30: set deleteRetentionPolicy.days to 30-365")],
         config={"minimumRetentionDays": 30}),
    Case("AZDR-STG-002", "fail-days-missing-below-configured-minimum", blob(blob_service_props(days=None)),
         [_sd("keeps deleted blobs 7 days (days not set) on 'st-blob', fewer than 8: set deleteRetentionPolicy.days "
              "to 8-365")], config={"minimumRetentionDays": 8}),
    Case("AZDR-STG-002", "pass-application-account-out-of-scope", blob(None, purpose=None)),
    Case("AZDR-STG-002", "fail-unknown-purpose", blob(None, purpose=UNK),
         [_sd("has a dr-purpose tag that is unknown during preview: whether it holds DR images or templates cannot "
              "be verified")]),
    Case("AZDR-STG-002", "fail-unknown-enabled", blob(blob_service_props(enabled=UNKNOWN_BOOLEAN_VALUE)),
         [_sd("blob soft delete on 'st-blob' is unknown during preview: it cannot be verified")]),
]


# ---- unknown (preview) ---------------------------------------------------------------------------

CASES += [
    advisory("AZDR-STG-001", "sku", storage_account_props(), "sku.name", UNK, name="st"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_storage_sku_unknown_is_advisory():
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-STG-001"], mutate(storage_account_props(), "sku.name", UNK), name="st")

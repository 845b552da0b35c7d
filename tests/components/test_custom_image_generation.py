"""customImage.hyperVGeneration: the config field reaches the gallery image definition exactly, and a
Generation 1 image is refused for Trusted Launch before anything is declared."""

import pytest

from components.arm_mocks import ArmMocks
from components.config import ConfigError, parse_stack_config
from components.image_gallery import ImageGallery, ImageGalleryArgs
from posture.capture import run_in_mocks

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
IMAGE = {"sourceId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/golden",
         "publisher": "contoso", "offer": "orders", "sku": "base"}


def cfg(**workload):
    return parse_stack_config({"workloads": {"r": {"tier": "reporting", "sshPublicKey": KEY, **workload}}},
                              location="westeurope")


def definition(c):
    cap = run_in_mocks(lambda: ImageGallery("img", ImageGalleryArgs.from_config(c, "westeurope", "rg")),
                       project="azure-iaas-dr", stack="test", preview=False, mocks=ArmMocks())
    [image] = cap.find("azure-native:compute:GalleryImage")
    return image.inputs


def test_default_generation_is_v2_with_the_trusted_launch_feature():
    inputs = definition(cfg(customImage=IMAGE))
    assert (inputs["hyperVGeneration"], inputs["features"]) == (
        "V2", [{"name": "SecurityType", "value": "TrustedLaunchSupported"}])


def test_generation_1_image_is_recorded_for_a_standard_security_vm():
    inputs = definition(cfg(trustedLaunch=False, customImage={**IMAGE, "hyperVGeneration": "V1"}))
    assert inputs["hyperVGeneration"] == "V1"
    assert "features" not in inputs


def test_generation_1_image_with_trusted_launch_is_a_config_error():
    with pytest.raises(ConfigError) as exc:
        cfg(customImage={**IMAGE, "hyperVGeneration": "V1"})
    assert exc.value.problems == [
        'azure-iaas-dr:workloads.r.customImage.hyperVGeneration: "V1": "V2" when trustedLaunch is true (Trusted'
        " Launch boots only Generation 2 images); or set trustedLaunch: false for a Generation 1 image"]

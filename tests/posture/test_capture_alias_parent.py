"""Alias specs resolve like the engine: an empty parentUrn (what the Python SDK sends for Alias(type_=...))
means the resource's own parent, so the alias URN keeps the parent's qualified type."""

import pulumi

from posture.capture import run_in_mocks


def _program():
    c = pulumi.ComponentResource("x:c:Comp", "c")
    other = pulumi.ComponentResource("x:c:Other", "o")
    pulumi.CustomResource("x:r:R", "r", {}, pulumi.ResourceOptions(parent=c, aliases=[
        pulumi.Alias(type_="x:r/v1:R"), pulumi.Alias(name="old"), pulumi.Alias(name="top", parent=None),
        pulumi.Alias(name="moved", parent=other)]))
    pulumi.CustomResource("x:r:R", "s", {}, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="x:r/v1:R")]))


def test_alias_spec_without_parent_keeps_the_resource_parent():
    cap = run_in_mocks(_program, project="p", stack="s")
    by = cap.by_urn()
    assert by["urn:pulumi:s::p::x:c:Comp$x:r:R::r"].options["aliases"] == [
        "urn:pulumi:s::p::x:c:Comp$x:r/v1:R::r",
        "urn:pulumi:s::p::x:c:Comp$x:r:R::old",
        "urn:pulumi:s::p::x:r:R::top",
        "urn:pulumi:s::p::x:c:Other$x:r:R::moved",
    ]
    # parent = the root stack: its type is left out
    assert by["urn:pulumi:s::p::x:r:R::s"].options["aliases"] == ["urn:pulumi:s::p::x:r/v1:R::s"]

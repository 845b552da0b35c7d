"""``ResourceGroup``: a resource group the program creates, or an existing one looked up by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_azure_native.resources as resources


@dataclass(frozen=True)
class ResourceGroupArgs:
    """Inputs of :class:`ResourceGroup`."""

    #: Resource group name (created with exactly this name, or looked up when ``existing``).
    resource_group_name: str
    #: Region of a created group (ignored for an existing one, whose own location is used).
    location: str
    #: Look up an existing group instead of creating one.
    existing: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class ResourceGroup(pulumi.ComponentResource):
    """A resource group. Child ``<name>-rg`` (``azure-native:resources:ResourceGroup``) when created;
    a ``getResourceGroup`` lookup when ``existing``."""

    #: Resource group name.
    name: pulumi.Output[str]
    #: ARM id.
    id_: pulumi.Output[str]
    #: Region.
    location: pulumi.Output[str]

    def __init__(self, name: str, args: ResourceGroupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:resource_group:ResourceGroup", name, None, opts)
        if args.existing:
            found = resources.get_resource_group_output(
                resource_group_name=args.resource_group_name, opts=pulumi.InvokeOptions(parent=self))
            self.name = pulumi.Output.from_input(args.resource_group_name)
            self.id_ = found.id
            self.location = found.location
        else:
            rg = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=args.resource_group_name,
                location=args.location,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.name = rg.name
            self.id_ = rg.id
            self.location = rg.location
        self.register_outputs({"name": self.name, "id": self.id_, "location": self.location})

"""Rule families. Each module exports `RULES: list[Rule]`; `azdr_policies.registry` lists the
modules, and a meta-test checks that every module here is registered."""

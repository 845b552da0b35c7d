"""The Azure-specific DR documents of a declared stack, read from its registrations: the DR posture report
(`report`: RPO, copies, high availability, gaps, a Mermaid diagram), the Site Recovery part of it and of the
runbook (`site_recovery`) and the recovery runbook (`runbook`). The one place in `posture/` that knows Azure
resource types; the Azure facts it needs (region pairs, the cross-region RPO) come as data from the pack's
generated facts (`pack_facts`), never from `components/` (docs/DESIGN.md).
"""

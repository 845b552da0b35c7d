"""Offline engine: runs the Pulumi program under the SDK mock runtime and the unchanged policy pack
over the Analyzer gRPC protocol. See docs/DESIGN.md."""

//go:build tools

// Package tools pins the pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) in this wrapper module: a
// wrapper ignores the replace directives of pkg/v3's own go.mod, which make `go install ...@v3.274.1` fail.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)

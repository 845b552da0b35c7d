#!/usr/bin/env bash
# Build the real Pulumi CLI and this project's Python language host into .tools/bin (git-ignored), from the
# Go module proxy at the version pinned in tools/realengine/go.mod (pkg/v3 and sdk/v3 v3.274.1).
#
#   tools/realengine/build.sh            # build, or reuse .tools/bin when its stamp matches the inputs
#   PULUMI_BUILD_FORCE=1 tools/realengine/build.sh
#
# A compatible `pulumi` already on PATH (v3.274.x or newer v3, with pulumi-language-python beside it) is used
# instead and nothing is built (PULUMI_BUILD_IGNORE_PATH=1 builds anyway). The language host is our own
# (tools/realengine/langhost, see its header): the proxy does not serve pulumi's. The exec script it needs
# is copied from the sdk/v3 module zip. Cold build: about 5 min on 2 cores (measured: 5 min 18 s); warm: seconds (stamp) to ~1 min.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/.tools/bin"
VERSION="v3.274.1"   # keep equal to the pkg/v3 and sdk/v3 versions in go.mod
MIN_MINOR=274

compatible() {  # $1 = output of `pulumi version`; v3.MINOR.PATCH with MINOR >= MIN_MINOR
  local v="${1#v}" major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [[ "$major" == 3 && "$minor" =~ ^[0-9]+$ && "$minor" -ge "$MIN_MINOR" ]]
}

if [[ -z "${PULUMI_BUILD_IGNORE_PATH:-}" ]] && command -v pulumi >/dev/null 2>&1; then
  onpath="$(command -v pulumi)"
  if [[ "$onpath" != "$OUT/pulumi" ]]; then
    v="$(pulumi version 2>/dev/null || true)"
    if compatible "$v" && [[ -x "$(dirname "$(readlink -f "$onpath")")/pulumi-language-python" ]]; then
      echo "real-engine: using pulumi $v on PATH ($onpath); nothing to build"
      exit 0
    fi
    echo "real-engine: pulumi on PATH ($onpath, '${v}') is not compatible (need v3.${MIN_MINOR}+ with pulumi-language-python beside it); building $VERSION"
  fi
fi

command -v go >/dev/null 2>&1 || { echo "real-engine: neither a compatible pulumi nor go is on PATH; install Go 1.26+ (https://go.dev/dl/)" >&2; exit 2; }

stamp="$(cat "$HERE/go.mod" "$HERE/go.sum" "$HERE/langhost/main.go" "$HERE/build.sh" | sha256sum | cut -d' ' -f1)"
if [[ -z "${PULUMI_BUILD_FORCE:-}" && -f "$OUT/.stamp" && "$(cat "$OUT/.stamp")" == "$stamp" \
      && -x "$OUT/pulumi" && -x "$OUT/pulumi-language-python" && -x "$OUT/pulumi-language-python-exec" ]]; then
  echo "real-engine: reusing $OUT (pulumi $("$OUT/pulumi" version))"
  exit 0
fi

mkdir -p "$OUT"
rm -f "$OUT/.stamp"
cd "$HERE"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=readonly}"
LDF="-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
start=$SECONDS
echo "real-engine: building pulumi $VERSION into $OUT (first build: about 5 min on 2 cores)"
go build -trimpath -tags osusergo -ldflags "$LDF" -o "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
echo "real-engine: building pulumi-language-python (tools/realengine/langhost)"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$OUT/pulumi-language-python" ./langhost
sdkdir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$OUT/pulumi-language-python-exec"
got="$("$OUT/pulumi" version)"
[[ "$got" == "$VERSION" ]] || { echo "real-engine: built pulumi reports '$got', expected $VERSION" >&2; exit 1; }
echo "$stamp" > "$OUT/.stamp"
echo "real-engine: built pulumi $got in $((SECONDS - start)) s"

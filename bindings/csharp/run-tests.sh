#!/usr/bin/env bash
# Builds and tests the C# binding of rdp-probe (bindings/csharp) with mono.
#
# Run from anywhere (it changes to the repository root). Needs, already installed (Debian 12:
# apt-get install mono-mcs mono-runtime):
#   mcs, mono, and python3 (to check RdpProbe.csproj)
# and in the environment:
#   RDP_PROBE_LIB_DIR  the directory holding librdp_probe.so
#   RDP_PROBE_LAB      the rdp-probe-lab binary (the tests start its servers on 127.0.0.1)
# Optional:
#   BUILD_DIR          where the assemblies go (default target/csharp)
#   RDP_PROBE_DOTNET_BUILD=1  also `dotnet build` RdpProbe.csproj (needs a .NET SDK and NuGet; off by
#                      default: CI's machines have neither)
#
# Checks RdpProbe.csproj (the SDK-style project for dotnet users, which cannot be built here: no .NET
# SDK) with check_csproj.py: well-formed, SDK-style, compiling exactly RdpProbe.cs with the mcs flags
# below, the native library as a packed content item. Builds RdpProbe.dll (the binding, with its XML
# docs), RdpProbeTests.exe, Probe.exe (the example), InventoryJson.exe (the inventory's JSON) and
# ScanJson.exe (a fleet scan's JSON Lines), both for scripts/test-bindings.sh's comparisons, with
# warnings as errors, then runs the tests, which also
# exercise Probe.exe's CLI. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'csharp: %s\n' "$*"; }
die() { printf 'csharp: error: %s\n' "$*" >&2; exit 2; }

for tool in mcs mono; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (on Debian: apt-get install mono-mcs mono-runtime)"
done
command -v python3 >/dev/null 2>&1 || die "'python3' not found (it checks RdpProbe.csproj)"
[ -n "${RDP_PROBE_LIB_DIR:-}" ] || die "set RDP_PROBE_LIB_DIR to the directory holding librdp_probe.so"
[ -f "$RDP_PROBE_LIB_DIR/librdp_probe.so" ] || die "no librdp_probe.so in RDP_PROBE_LIB_DIR=$RDP_PROBE_LIB_DIR"
[ -n "${RDP_PROBE_LAB:-}" ] || die "set RDP_PROBE_LAB to the rdp-probe-lab binary"
[ -x "$RDP_PROBE_LAB" ] || die "RDP_PROBE_LAB=$RDP_PROBE_LAB is not an executable file"

LIB_DIR=$(cd "$RDP_PROBE_LIB_DIR" && pwd)
LAB=$(cd "$(dirname "$RDP_PROBE_LAB")" && pwd)/$(basename "$RDP_PROBE_LAB")
OUT=${BUILD_DIR:-target/csharp}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

MCS=(mcs -langversion:7.2 -warn:4 -warnaserror -nologo -checked+ -r:System.dll -r:System.Core.dll)

say "mcs $(mcs --version | sed 's/.*version //'), $(mono --version | head -n1)"
# No .NET SDK here (and mono's xbuild cannot load SDK-style projects): the project is checked as XML
# against the flags mcs gets.
say "checking bindings/csharp/RdpProbe.csproj (not built: no .NET SDK)"
python3 bindings/csharp/check_csproj.py bindings/csharp/RdpProbe.csproj bindings/csharp/RdpProbe.cs -- "${MCS[@]}"
if [ "${RDP_PROBE_DOTNET_BUILD:-0}" = 1 ]; then
  command -v dotnet >/dev/null 2>&1 || die "RDP_PROBE_DOTNET_BUILD=1 but 'dotnet' is not on PATH"
  say "dotnet build bindings/csharp/RdpProbe.csproj"
  dotnet build bindings/csharp/RdpProbe.csproj -c Release -nologo -o "$OUT/dotnet" \
    -p:RdpProbeNativeDir="$LIB_DIR/"
  [ -f "$OUT/dotnet/RdpProbe.dll" ] && [ -f "$OUT/dotnet/librdp_probe.so" ] ||
    die "dotnet build did not put RdpProbe.dll and librdp_probe.so in $OUT/dotnet"
fi
say "building $OUT/RdpProbe.dll"
"${MCS[@]}" -target:library -doc:"$OUT/RdpProbe.xml" -out:"$OUT/RdpProbe.dll" bindings/csharp/RdpProbe.cs
say "building $OUT/RdpProbeTests.exe"
"${MCS[@]}" -target:exe -r:"$OUT/RdpProbe.dll" -out:"$OUT/RdpProbeTests.exe" bindings/csharp/tests/RdpProbeTests.cs
say "building $OUT/Probe.exe"
"${MCS[@]}" -target:exe -r:"$OUT/RdpProbe.dll" -out:"$OUT/Probe.exe" examples/csharp/Probe.cs
say "building $OUT/InventoryJson.exe"
"${MCS[@]}" -target:exe -r:"$OUT/RdpProbe.dll" -out:"$OUT/InventoryJson.exe" bindings/csharp/tests/InventoryJson.cs
say "building $OUT/ScanJson.exe"
"${MCS[@]}" -target:exe -r:"$OUT/RdpProbe.dll" -out:"$OUT/ScanJson.exe" bindings/csharp/tests/ScanJson.cs

say "running the tests (library: $LIB_DIR, lab: $LAB)"
export LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RDP_PROBE_LAB="$LAB"
export RDP_PROBE_EXAMPLE="$OUT/Probe.exe"
if mono --debug "$OUT/RdpProbeTests.exe" "$@"; then
  say "all tests passed"
else
  status=$?
  say "tests failed (exit status $status)" >&2
  exit 1
fi

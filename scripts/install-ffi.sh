#!/usr/bin/env bash
# Builds the C ABI in release mode and installs it the usual way under PREFIX (default /usr/local):
#   PREFIX/include/rdp_probe.h
#   PREFIX/lib/librdp_probe.so, PREFIX/lib/librdp_probe.a
#   PREFIX/lib/pkgconfig/rdp_probe.pc
# Then: cc app.c $(pkg-config --cflags --libs rdp_probe)                      (dynamic)
#       cc app.c $(pkg-config --cflags rdp_probe) PREFIX/lib/librdp_probe.a \
#          $(pkg-config --static --libs-only-l rdp_probe | sed 's/-lrdp_probe//')  (static)
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${1:-/usr/local}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

cargo build --release --locked -p rdp-probe-ffi
install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 0644 rdp-probe-ffi/include/rdp_probe.h "$PREFIX/include/"
install -m 0755 "$TARGET_DIR/release/librdp_probe.so" "$PREFIX/lib/"
install -m 0644 "$TARGET_DIR/release/librdp_probe.a" "$PREFIX/lib/"
# Libs.private: the system libraries the Rust standard library needs when linked statically on
# Linux/glibc: what `cargo rustc -p rdp-probe-ffi --crate-type staticlib -- --print native-static-libs`
# lists (zlib comes from the RDP stack).  Static linking needs zlib1g-dev.  The OpenSSL of the
# legacy-TLS attempt (feature legacy-tls, on by default) is compiled from source and archived into
# librdp_probe.a itself; it needs only -ldl and -lpthread, already listed, and no system OpenSSL.
cat > "$PREFIX/lib/pkgconfig/rdp_probe.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: rdp_probe
Description: rdp-probe: why can't I Remote-Desktop into this host? (C ABI)
Version: $VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lrdp_probe
Libs.private: -lz -ldl -lgcc_s -lutil -lrt -lpthread -lm -lc
PC
echo "install-ffi: installed rdp_probe $VERSION under $PREFIX"

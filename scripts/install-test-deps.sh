#!/usr/bin/env bash
# Installs what rdp-probe's tests need on Debian 12, as root: the real-server tests (xrdp, FreeRDP's
# shadow server, Xvfb, openssl) and the binding tests (gcc, pkg-config and valgrind for C; mono for
# C#; zlib for static linking; perl and make to build the vendored OpenSSL of the legacy-TLS
# attempt from source), and the lab's Kerberos KDC (MIT krb5kdc, kdb5_util and kadmin.local,
# kinit/klist, and faketime to run a KDC with a shifted clock), and sslscan, against which the
# inventory's TLS versions and suites are cross-checked. Python's tools come from PyPI in
# bindings/python/run-tests.sh, and cbindgen from crates.io in scripts/gen-header.sh.
# Idempotent: a fast no-op when all is present.
#
# The lab never uses /etc/xrdp/xrdp.ini or port 3389; it only needs /etc/xrdp/rsakeys.ini (a path
# compiled into xrdp) and the keymaps in /etc/xrdp. On a systemd host the xrdp services the package
# starts (listening on 0.0.0.0:3389) are stopped and disabled.
#
# Likewise the lab's KDC runs its own krb5kdc with a krb5.conf, kdc.conf and database in a run
# directory (KRB5_CONFIG, KRB5_KDC_PROFILE); it never uses /etc/krb5.conf, /etc/krb5kdc or the
# packages' services. krb5-config's debconf questions are answered with their defaults
# (DEBIAN_FRONTEND=noninteractive), and on a systemd host the krb5-kdc and krb5-admin-server
# services are stopped and disabled like xrdp's.
set -euo pipefail

PACKAGES=(
  xrdp freerdp2-x11 freerdp2-shadow-x11 winpr-utils xvfb xauth x11-utils
  openssl ssl-cert procps iproute2 util-linux
  gcc libc6-dev binutils pkg-config valgrind zlib1g-dev mono-mcs mono-runtime
  perl make
  krb5-kdc krb5-admin-server krb5-user faketime
  sslscan
  # Headless Chromium loads the --html report in rdp-probe-cli/tests/html.rs.
  chromium
)
RSAKEYS=/etc/xrdp/rsakeys.ini

say() { printf 'install-test-deps: %s\n' "$*"; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done

# Root only when something must change: packages to install, or xrdp's key file to make.
if [ "$(id -u)" -ne 0 ]; then
  if [ ${#missing[@]} -ne 0 ] || [ ! -s "$RSAKEYS" ]; then
    say "must run as root to install ${missing[*]:-nothing} and make $RSAKEYS (present: $([ -s "$RSAKEYS" ] && echo yes || echo no))" >&2
    exit 1
  fi
  say "everything is installed; not root, so services are left as they are"
  exit 0
fi

if [ ${#missing[@]} -eq 0 ]; then
  say "all packages present: ${PACKAGES[*]}"
else
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -o DPkg::Lock::Timeout=600
  apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${PACKAGES[@]}"
  say "installed: ${missing[*]}"
fi

if [ -s "$RSAKEYS" ]; then
  say "$RSAKEYS present"
else
  say "generating $RSAKEYS (xrdp-keygen)"
  install -d -m 0755 /etc/xrdp
  xrdp-keygen xrdp "$RSAKEYS"
  # As the package's postinst leaves it: mode 0600, owned by the xrdp user if there is one.
  chmod 0600 "$RSAKEYS"
  if getent passwd xrdp >/dev/null; then
    chown xrdp:root "$RSAKEYS"
  fi
fi

# The packages enable services (xrdp on 0.0.0.0:3389, and the KDC and kadmind); the lab starts
# its own servers.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for unit in xrdp.service xrdp-sesman.service krb5-kdc.service krb5-admin-server.service; do
    if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
      say "stopping and disabling $unit"
      systemctl disable --now "$unit" || say "could not disable $unit" >&2
    fi
  done
elif [ -x /etc/init.d/xrdp ] && { [ -s /run/xrdp/xrdp.pid ] || [ -s /run/xrdp/xrdp-sesman.pid ]; }; then
  # No systemd, but the package's init script started the daemons (no policy-rc.d): stop them
  # through their pid files.
  say "stopping the xrdp daemons the package started (/etc/init.d/xrdp stop)"
  /etc/init.d/xrdp stop || say "could not stop the xrdp daemons" >&2
else
  say "no systemd and no xrdp daemon running: nothing to disable"
fi

for tool in xrdp Xvfb xdpyinfo freerdp-shadow-cli xfreerdp winpr-hash openssl timeout kill \
  gcc readelf pkg-config valgrind mcs mono python3 krb5kdc kdb5_util kadmin.local kinit klist \
  faketime; do
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null; then
    say "still missing after install: $tool" >&2
    exit 1
  fi
done
say "ready"

# Sourced by scripts/test.sh and scripts/demo.sh: install what certloop's tests and demo need on
# a fresh Debian machine. Debian packages when missing (as root; otherwise say what to install),
# npm dependencies when missing or out of date, then build.
set -euo pipefail

need_pkgs=()
command -v pebble >/dev/null 2>&1 || need_pkgs+=(pebble)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
# What only the test suite needs (CERTLOOP_DEPS=demo skips it: the demo needs Pebble and nginx).
if [ "${CERTLOOP_DEPS:-test}" = test ]; then
  # The status page tests run in Debian's headless Chromium (never a downloaded browser).
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
  # dns-01 tests: BIND authoritative on loopback, nsupdate for the exec hook.
  [ -x /usr/sbin/named ] || need_pkgs+=(bind9)
  command -v nsupdate >/dev/null 2>&1 || need_pkgs+=(bind9-dnsutils)
  # A load balancer on loopback for the verification tests: nginx's stream module (issue 15).
  [ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || need_pkgs+=(libnginx-mod-stream)
  # systemd-analyze checks infra/systemd's unit files (test/unit/infra/systemd.test.ts).
  command -v systemd-analyze >/dev/null 2>&1 || need_pkgs+=(systemd)
fi
for extra in ${CERTLOOP_EXTRA_PACKAGES:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || need_pkgs+=("$extra")
done

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "certloop needs these Debian packages: ${need_pkgs[*]}" >&2
    echo "install them with:  sudo apt-get install -y ${need_pkgs[*]}" >&2
    exit 2
  fi
fi

# Debian's nginx package starts a system nginx on port 80 when installed; certloop's tests and
# demo run their own on loopback ports and do not need it.

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "==> building"
npm run --silent build

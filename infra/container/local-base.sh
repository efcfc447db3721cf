#!/usr/bin/env bash
# A local stand-in for node:20-bookworm-slim, for machines that reach Debian's mirror but no image
# registry: Debian bookworm (debootstrap, minbase) plus this machine's own Node 20 installed where
# the official image has it (/usr/local: node, its headers, npm, corepack) and the same user
# (node, 1000:1000). Imported into podman's store under a tag naming the Node version and a hash of
# this script, so it is built once and rebuilt only when missing, when Node changes or when this
# recipe does.
#
#   infra/container/local-base.sh            # prints the image reference (building it if missing)
#   infra/container/local-base.sh --force    # rebuilds it
#
# Needs root (debootstrap, rootful podman). Progress goes to stderr; stdout is only the reference.
# Environment: PODMAN (default "podman"), CERTLOOP_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

podman_cmd=(${PODMAN:-podman})
mirror="${CERTLOOP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
log() { echo "local-base: $*" >&2; }

node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" -p 'process.versions.node')"
if [ "${node_version%%.*}" != 20 ]; then
  log "this machine's Node is $node_version; the Dockerfile's base is Node 20 (node:20-bookworm-slim)"
  exit 2
fi
# Node's own layout: <prefix>/bin/node, <prefix>/include/node, <prefix>/lib/node_modules/{npm,corepack}
# (the official tarball and NodeSource's package both look like this).
prefix="$(dirname "$(dirname "$node_bin")")"
for need in "$prefix/include/node/node.h" "$prefix/lib/node_modules/npm/bin/npm-cli.js"; do
  [ -e "$need" ] || { log "missing $need: install Node 20 with its headers and npm (NodeSource or the nodejs.org tarball)"; exit 2; }
done

recipe_hash="$(sha256sum "$0" | cut -c1-8)"
ref="localhost/certloop-node-base:${node_version}-${suite}-slim-${recipe_hash}"
if [ "${1:-}" != --force ] && "${podman_cmd[@]}" image exists "$ref"; then
  log "reusing $ref"
  echo "$ref"
  exit 0
fi

[ "$(id -u)" = 0 ] || { log "needs root (debootstrap and rootful podman)"; exit 2; }
command -v debootstrap >/dev/null || { log "debootstrap is not installed: apt-get install -y debootstrap"; exit 2; }

work="$(mktemp -d /var/tmp/certloop-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

log "debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}

# The official image's apt sources (deb822), so the Dockerfile's apt-get sees the same suites.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

log "Node $node_version from $prefix into /usr/local"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/include" "$rootfs/usr/local/lib/node_modules"
cp -a "$node_bin" "$rootfs/usr/local/bin/node"
cp -a "$prefix/include/node" "$rootfs/usr/local/include/node"
cp -a "$prefix/lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
if [ -d "$prefix/lib/node_modules/corepack" ]; then
  cp -a "$prefix/lib/node_modules/corepack" "$rootfs/usr/local/lib/node_modules/corepack"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
fi
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# Node links only against glibc and libstdc++, both in minbase; prove it before importing.
chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin sh -c 'node --version && npm --version' >/dev/null

# As slim as the official slim image: no package cache, lists or docs.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

log "importing as $ref"
tar --numeric-owner -C "$rootfs" -c . | "${podman_cmd[@]}" import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'CMD ["node"]' \
  --change "LABEL org.opencontainers.image.description=\"Local stand-in for node:20-bookworm-slim: debootstrap $suite minbase plus this machine's Node $node_version\"" \
  - "$ref" >/dev/null
echo "$ref"

#!/usr/bin/env bash
# `npm run check:image`: build infra/container/Dockerfile with rootful podman and run the image for
# real (--help, config check, a run against Pebble that deploys to a volume and is verified on a
# host nginx, status, a daemon's /healthz), as its non-root user on a read-only root filesystem.
# Not part of `npm test`: it needs root, builds an image and takes minutes on a cold cache.
#
# No image registry is reachable here, so the Dockerfile's node:20-bookworm-slim is replaced (build
# argument NODE_IMAGE) by a stand-in made locally from Debian's mirror and this machine's Node 20
# (infra/container/local-base.sh), cached in podman's store. See infra/README.md for what this
# machine needs from podman and the measured times.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "check:image needs root (rootful podman, debootstrap); run it as root" >&2
  exit 2
fi
# podman builds and runs; runc because crun refuses hybrid cgroups (see infra/README.md);
# debootstrap makes the base. The tests' Pebble and nginx come with ensure-deps too.
CERTLOOP_DEPS=image CERTLOOP_EXTRA_PACKAGES="podman runc debootstrap ${CERTLOOP_EXTRA_PACKAGES:-}" source scripts/ensure-deps.sh

export PODMAN="${PODMAN:-podman --runtime runc}"
read -r -a podman <<<"$PODMAN"
image="${CERTLOOP_CHECK_IMAGE:-localhost/certloop:check}"
# podman's default container limits (nofile 1048576, nproc 4194304) exceed what an unprivileged
# kernel context (no CAP_SYS_RESOURCE) may set; ask for this shell's hard limit instead.
nofile="$(ulimit -Hn)"
[ "$nofile" = unlimited ] && nofile=1048576
export CHECK_IMAGE_PODMAN="$PODMAN"
export CHECK_IMAGE_RUN_FLAGS="--ulimit nofile=${nofile}:${nofile} --ulimit nproc=4096:4096"

timings=()
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

echo "==> base image (local stand-in for node:20-bookworm-slim)"
t=$(now)
base="$(infra/container/local-base.sh)"
timings+=("$(took "$t")  base image ($base)")

echo "==> podman build -f infra/container/Dockerfile --build-arg NODE_IMAGE=$base"
# Behind a TLS-intercepting proxy the host's Node trusts its CA through NODE_EXTRA_CA_CERTS; the
# build's npm gets the same file as a build secret (not stored in the image).
secret=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  secret=(--secret "id=npm_ca,src=$NODE_EXTRA_CA_CERTS")
fi
t=$(now)
"${podman[@]}" build --pull=never --network host \
  --build-arg "NODE_IMAGE=$base" "${secret[@]}" \
  --ignorefile infra/container/Dockerfile.dockerignore \
  -f infra/container/Dockerfile -t "$image" .
timings+=("$(took "$t")  image build ($image)")

echo "==> running $image"
t=$(now)
node dist/scripts/check-image.js "$image"
timings+=("$(took "$t")  run steps, all")

echo
echo "check:image passed (seconds):"
printf '  %s\n' "${timings[@]}"

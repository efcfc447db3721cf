#!/usr/bin/env bash
# `npm run bench:<name>`: installs what the benchmarks compare against (certbot, lego, GNU time
# for peak memory) the same way the tests install their tools, builds, and runs bench/<name>.
# Benchmarks are not part of `npm test`: each one takes minutes and prints figures, not verdicts.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/bench.sh renew|idle|verify|plan|watch|discover [args...]}"
shift
CERTLOOP_EXTRA_PACKAGES="certbot lego time ${CERTLOOP_EXTRA_PACKAGES:-}"
source scripts/ensure-deps.sh
echo "==> bench/$name"
exec node "dist/bench/$name.js" "$@"

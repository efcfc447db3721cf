#!/usr/bin/env bash
# `npm test`: installs what the suite needs, builds, and runs every test (unit and end-to-end
# against real Pebble and nginx on loopback) with Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh

echo "==> checking import direction (.dependency-cruiser.cjs, docs/architecture.md)"
node scripts/import-graph.mjs --check

echo "==> running tests"
# Test files run two at a time: each end-to-end file starts its own Pebble and servers on free ports.
exec node --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout "${@:-dist/test/}"

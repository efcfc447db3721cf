#!/usr/bin/env bash
# `npm run demo`: the whole loop on this machine against real Pebble and nginx on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
CERTLOOP_DEPS=demo source scripts/ensure-deps.sh
exec node dist/scripts/demo.js

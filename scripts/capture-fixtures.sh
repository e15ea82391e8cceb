#!/usr/bin/env bash
# Re-captures the netlink byte fixtures in tests/fixtures/ from the guest's real
# kernel (Debian 6.1 with netdevsim). Review the diff before committing: the
# unit tests assert what these bytes contain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/build.sh build
results=$(mktemp -d /tmp/oo-capture.XXXXXX)
OO_BUILD=$PWD/build scripts/vm/run.sh --results "$results" scripts/sim/capture-fixtures.sh
cp "$results"/fixtures/*.bin "$results"/fixtures/state.txt tests/fixtures/
echo "capture-fixtures: copied $(ls "$results"/fixtures/*.bin | wc -l) fixtures into tests/fixtures/"
tc_results=$(mktemp -d /tmp/oo-capture-tc.XXXXXX) && OO_BUILD=$PWD/build scripts/vm/run.sh --results "$tc_results" scripts/sim/capture-tc-fixtures.sh && cp "$tc_results"/fixtures/tc-*.bin tests/fixtures/ && echo "capture-fixtures: copied $(ls "$tc_results"/fixtures/tc-*.bin | wc -l) tc fixtures (tc layer: scripts/sim/capture-tc-fixtures.sh)"

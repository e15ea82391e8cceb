#!/usr/bin/env bash
# Command 1 of the README: set everything up, then run the controller's main
# job on the built-in simulated host (scripts/sim/host.sh in the qemu guest).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
scripts/build.sh build
OO_BUILD=$PWD/build exec scripts/vm/run.sh scripts/sim/host.sh

#!/usr/bin/env bash
# examples/prometheus-alerts.yaml must load in Prometheus and fire as
# tests/unit/prometheus-alerts.test.yaml says (promtool), and name only
# metrics the code exports; README.md's metrics table must list exactly the
# metrics the code exports.
# usage: check-alerts.sh SOURCE_ROOT [PROMTOOL]
set -euo pipefail
root=$1 promtool=${2:-}
rules=$root/examples/prometheus-alerts.yaml
status=0

# Metric names: quoted in the code (controller/metrics.c), in the first
# column of README's table, anywhere in the rules.
code=$(grep -rhoE '"ovs_offload_[a-z_]+"' "$root/controller" | tr -d '"' | sort -u)
readme=$(grep -oE '^\| `ovs_offload_[a-z_]+`' "$root/README.md" | grep -oE 'ovs_offload_[a-z_]+' | sort -u)
used=$(grep -v '^\s*#' "$rules" | grep -oE 'ovs_offload_[a-z_]+' | sort -u)
[[ -n $code && -n $readme && -n $used ]] || { echo "FAIL: no metric names found (code, README or rules)"; exit 1; }
while read -r m; do
    grep -qxF "$m" <<<"$code" || { echo "FAIL: $rules uses $m, which the code does not export"; status=1; }
done <<<"$used"
while read -r m; do
    grep -qxF "$m" <<<"$readme" || { echo "FAIL: the code exports $m, README.md's metrics table lacks it"; status=1; }
done <<<"$code"
while read -r m; do
    grep -qxF "$m" <<<"$code" || { echo "FAIL: README.md's metrics table lists $m, which the code does not export"; status=1; }
done <<<"$readme"
echo "metrics: $(wc -l <<<"$code") exported, all in README.md; the alert rules use $(wc -l <<<"$used")"

if [[ -z $promtool || ! -x $promtool ]]; then
    echo "SKIP: promtool not found (scripts/bootstrap.sh puts it in /var/cache/ovs-offload/promtool)"
    exit $((status ? status : 77))
fi
"$promtool" check rules "$rules" || status=1
(cd "$root/tests/unit" && "$promtool" test rules prometheus-alerts.test.yaml) || status=1
exit $status

#!/usr/bin/env bash
# Compares 100 OpenStack nodes created and deleted through the controller
# (host's BenchmarkOpenStack100) with the same gophercloud calls made
# directly (osemu's BenchmarkDirectSDK100), both on a fresh emulator
# (osemu). Rounds alternate and each run is a fresh process, so a
# drifting shared machine weighs on both alike.
#
#   plugins/openstack/scripts/bench-compare.sh [ROUNDS]     (default 8)
set -euo pipefail
rounds=${1:-8}
root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root/plugins/openstack" && go test -c -o "$tmp/direct.test" ./osemu)
(cd "$root/host" && go test -c -o "$tmp/host.test" ./cmd/vcc-host)

# metric NAME < benchmark output: the value printed before NAME.
metric() { awk -v m="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == m) print $(i-1) }'; }

printf '%-6s %12s %12s %8s %14s %14s\n' round direct_s vcc_s ratio direct_create_s vcc_create_s
for r in $(seq "$rounds"); do
	d=$(cd "$root/plugins/openstack/osemu" && "$tmp/direct.test" -test.run '^$' -test.bench 'DirectSDK100$' -test.benchtime 1x 2>&1)
	v=$(cd "$root/host/cmd/vcc-host" && "$tmp/host.test" -test.run '^$' -test.bench 'OpenStack100$' -test.benchtime 1x 2>&1)
	ds=$(metric s/100nodes <<<"$d"); vs=$(metric s/100nodes <<<"$v")
	if [ -z "$ds" ] || [ -z "$vs" ]; then
		echo "round $r: a benchmark printed no figure:" >&2
		printf '%s\n%s\n' "$d" "$v" >&2
		exit 1
	fi
	awk -v r="$r" -v d="$ds" -v v="$vs" -v dc="$(metric s-create <<<"$d")" -v vc="$(metric s-create <<<"$v")" \
		'BEGIN { printf "%-6s %12.3f %12.3f %8.2f %14.3f %14.3f\n", r, d, v, v / d, dc, vc }'
done | tee "$tmp/table"
median() { sort -n | awk '{ x[NR] = $1 } END { print (NR % 2) ? x[(NR+1)/2] : (x[NR/2] + x[NR/2+1]) / 2 }'; }
md=$(awk '{ print $2 }' "$tmp/table" | median)
mv=$(awk '{ print $3 }' "$tmp/table" | median)
awk -v d="$md" -v v="$mv" 'BEGIN { printf "%-6s %12.3f %12.3f %8.2f   (ratio of medians; target <= 1.20)\n", "median", d, v, v / d }'

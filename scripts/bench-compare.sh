#!/usr/bin/env bash
# Compares 100 nodes of PROVIDER created and deleted through the
# controller (the host's Benchmark<Name>100) with the same SDK calls made
# directly (the plugin module's BenchmarkDirectSDK100) against the same
# test peer at the same concurrency. Rounds alternate and each run is a
# fresh process with a fresh peer, so a drifting shared machine weighs on
# both alike. Prints a table and the ratio of medians.
#
#   scripts/bench-compare.sh PROVIDER [ROUNDS]     (default 8)
#
# PROVIDER: aws, sakura, oracle, azure or openstack.
set -euo pipefail
provider=${1:?usage: scripts/bench-compare.sh PROVIDER [ROUNDS]}
rounds=${2:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
# module, package of the direct benchmark, its -bench, the host's -bench,
# the second metric of both, the target ratio.
case $provider in
azure) mod=plugins/azure pkg=armemu direct='DirectSDK100$' host='Azure100$' extra=s-create target=1.20 ;;
sakura) mod=plugins/sakura pkg=fakecloud direct='DirectSDK100$' host='Sakura100$' extra=s-create target=1.20 ;;
aws) mod=plugins/aws pkg=internal/ec2x direct='DirectSDK100/waits=false' host='AWS100$' extra=moto-cpu-s target=1.30 ;;
oracle) mod=plugins/oracle pkg=ociemu direct='DirectSDK100$' host='Oracle100$' extra=s-create target=1.20 ;;
openstack) mod=plugins/openstack pkg=osemu direct='DirectSDK100$' host='OpenStack100$' extra=s-create target=1.20 ;;
*) echo "scripts/bench-compare.sh: unknown provider $provider (aws, sakura, oracle, azure, openstack)" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root/$mod" && go test -c -o "$tmp/direct.test" "./$pkg")
(cd "$root/host" && go test -c -o "$tmp/host.test" ./cmd/vcc-host)

# metric NAME < benchmark output: the value printed before NAME.
metric() { awk -v m="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == m) print $(i-1) }'; }

printf '%-6s %12s %12s %8s %14s %14s\n' round direct_s vcc_s ratio "direct_$extra" "vcc_$extra"
for r in $(seq "$rounds"); do
	d=$(cd "$root/$mod/$pkg" && "$tmp/direct.test" -test.run '^$' -test.bench "$direct" -test.benchtime 1x 2>&1)
	v=$(cd "$root/host/cmd/vcc-host" && "$tmp/host.test" -test.run '^$' -test.bench "$host" -test.benchtime 1x 2>&1)
	ds=$(metric s/100nodes <<<"$d"); vs=$(metric s/100nodes <<<"$v")
	if [ -z "$ds" ] || [ -z "$vs" ]; then
		echo "round $r: a benchmark printed no figure:" >&2
		printf '%s\n%s\n' "$d" "$v" >&2
		exit 1
	fi
	awk -v r="$r" -v d="$ds" -v v="$vs" -v dx="$(metric "$extra" <<<"$d")" -v vx="$(metric "$extra" <<<"$v")" \
		'BEGIN { printf "%-6s %12.3f %12.3f %8.2f %14s %14s\n", r, d, v, v / d, dx, vx }'
done | tee "$tmp/table"
median() { sort -n | awk '{ x[NR] = $1 } END { print (NR % 2) ? x[(NR+1)/2] : (x[NR/2] + x[NR/2+1]) / 2 }'; }
md=$(awk '{ print $2 }' "$tmp/table" | median)
mv=$(awk '{ print $3 }' "$tmp/table" | median)
awk -v d="$md" -v v="$mv" -v t="$target" 'BEGIN { printf "%-6s %12.3f %12.3f %8.2f   (ratio of medians; target <= %s)\n", "median", d, v, v / d, t }'

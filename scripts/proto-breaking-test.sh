#!/usr/bin/env bash
# Proves scripts/proto-breaking.sh can fail: each breaking edit of a temp
# copy of the schema must be refused with the expected buf rule, while the
# unchanged copy and an additive edit must pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file=schema/vcc/provider/v1/provider.proto
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# case NAME WANT PERL: WANT is "ok" or the buf rule the edit must trip.
case_() {
	local name=$1 want=$2 edit=$3 out rc=0
	rm -rf "$tmp/proto" && mkdir "$tmp/proto"
	cp -r "$root/proto/buf.yaml" "$root/proto/schema" "$tmp/proto/"
	perl -0pi -e "$edit" "$tmp/proto/$file"
	if [ "$want" != ok ] && cmp -s "$root/proto/$file" "$tmp/proto/$file"; then
		echo "FAIL $name: the edit changed nothing (schema rewritten? update this test)"; fail=$((fail + 1)); return
	fi
	out=$(BUF_ERROR_FORMAT=json "$root/scripts/proto-breaking.sh" "$tmp/proto" 2>&1) || rc=$?
	if [ "$want" = ok ] && [ $rc -eq 0 ]; then
		echo "ok   $name: passes"; pass=$((pass + 1))
	elif [ "$want" != ok ] && [ $rc -ne 0 ] && grep -q "\"type\":\"$want\"" <<<"$out"; then
		echo "ok   $name: refused ($want)"; pass=$((pass + 1))
	else
		echo "FAIL $name: want $want, exit $rc:"; echo "$out"; fail=$((fail + 1))
	fi
}

case_ "unchanged schema" ok 's/^//'
case_ "additive: a new message" ok 's/\z/\nmessage BreakingSelfTestAdded {\n  string x = 1;\n}\n/'
case_ "renumber a field" FIELD_NO_DELETE 's/^(\s+[\w.]+ \w+ = )(\d+);/$1.($2+1000).";"/me'
case_ "change a field's type" FIELD_SAME_TYPE 's/^(\s+)(?!string )[\w.]+( \w+ = \d+;)/$1string$2/m'
case_ "delete an RPC" RPC_NO_DELETE 's/^\s+rpc GetInfo\(.*\n//m'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

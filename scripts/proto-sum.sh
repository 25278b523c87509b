#!/usr/bin/env bash
# The protocol's checksum: SHA-256 of the schema, the buf configuration
# and the generated code, recorded in proto/schema.sum by `make proto`.
# `make test` checks it (no buf needed): an edit of the schema or of the
# generated code without `make proto` shows as a mismatch. CI and
# `make proto-check` run the full buf check (lint, regenerate and diff,
# breaking) and check this sum as well.
#   scripts/proto-sum.sh write | check
set -euo pipefail
cd "$(dirname "$0")/../proto"
sum_file=schema.sum
files() {
	find buf.yaml buf.gen.yaml schema internal/pb -type f \( -name '*.proto' -o -name '*.go' -o -name 'buf*.yaml' \) | LC_ALL=C sort
}
case "${1:-}" in
write)
	files | xargs sha256sum >"$sum_file"
	echo "recorded proto/$sum_file"
	;;
check)
	if [ ! -f "$sum_file" ]; then
		echo "proto/$sum_file is missing: run 'make proto' and commit it" >&2
		exit 1
	fi
	if ! diff <(files | xargs sha256sum) "$sum_file" >/tmp/proto-sum.$$ 2>&1; then
		echo "proto: the schema or the generated code changed without 'make proto' (proto/$sum_file differs):" >&2
		sed 's/^/  /' /tmp/proto-sum.$$ >&2
		rm -f /tmp/proto-sum.$$
		echo "to fix: run 'make proto' (regenerates proto/internal/pb and records proto/$sum_file) and commit both" >&2
		exit 1
	fi
	rm -f /tmp/proto-sum.$$
	echo "proto: schema and generated code match proto/$sum_file (the full buf check runs in CI and in make proto-check)"
	;;
*)
	echo "usage: $0 write|check" >&2
	exit 2
	;;
esac

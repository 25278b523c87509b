#!/usr/bin/env bash
# Fails when a host package, host command or plugin has no depguard rule
# in .golangci.yml: a package nobody placed is one nothing checks.
# Placing it is a decision for ARCHITECTURE.md's "What may import what".
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
missing=0
for d in host/internal/*/ host/cmd/*/ plugins/*/; do
	d=${d%/}
	if ! grep -qF "\${config-path}/$d/**" .golangci.yml; then
		echo "$d has no depguard rule in .golangci.yml: place it (and in ARCHITECTURE.md)"
		missing=1
	fi
done
exit $missing

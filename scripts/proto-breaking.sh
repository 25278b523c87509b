#!/usr/bin/env bash
# buf breaking: the working schema (proto/) against every released protocol
# image in proto/released/ (see proto/VERSIONING.md). The images are
# committed, so this needs no git tags or history: CI's clean checkout
# may have neither.
#   scripts/proto-breaking.sh [PROTO_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/proto}" && pwd)
if ! command -v buf >/dev/null 2>&1; then
	echo "buf is not on PATH: make proto-breaking builds it into .tools/ and runs this with it" >&2
	exit 1
fi
shopt -s nullglob
images=("$root"/proto/released/v*.binpb)
if [ ${#images[@]} -eq 0 ]; then
	echo "no released protocol image in proto/released" >&2
	exit 1
fi
for img in "${images[@]}"; do
	(cd "$dir" && buf breaking --error-format "${BUF_ERROR_FORMAT:-text}" --against "$img") ||
		{ echo "the schema in $dir breaks released protocol $(basename "$img" .binpb): see proto/VERSIONING.md" >&2; exit 1; }
done
echo "protocol compatible with ${#images[@]} released versions"

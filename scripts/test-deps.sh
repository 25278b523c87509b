#!/usr/bin/env bash
# What the end-to-end tests need besides Go: make; docker-compose for the
# deployment test (the Docker engine itself runs on every machine of this
# project); Prometheus, a real peer of the metrics and discovery
# endpoints; debootstrap, which builds the "existing server" image of the
# onpremises tests (no registry to pull one from). As root with apt-get,
# the missing ones are installed (as CI does); otherwise they are named,
# and the tests that need them skip, listed at the end of make test.
# curl, jq, bash and zsh run the README's shell examples as written.
set -euo pipefail
declare -A pkg=([make]=make [docker-compose]=docker-compose [prometheus]=prometheus [debootstrap]=debootstrap [curl]=curl [jq]=jq [zsh]=zsh)
missing=""
for cmd in make docker-compose prometheus debootstrap curl jq zsh; do
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing ${pkg[$cmd]}"
done
# The Python client's tests use Debian's interpreter and packages (no
# PyPI): pytest, requests, PyYAML, pandas (the df_* tables), pip,
# setuptools, wheel and venv (the offline `pip install` test), and
# jupyter-nbconvert with ipykernel (the example notebook run headless).
if ! /usr/bin/python3 -c 'import pytest, requests, yaml, pandas, pip, setuptools, wheel, venv, nbconvert, ipykernel' >/dev/null 2>&1; then
	missing="$missing python3 python3-pytest python3-requests python3-yaml python3-pandas python3-pip python3-setuptools python3-wheel python3-venv jupyter-nbconvert python3-ipykernel"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing what the tests need:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	exit 0
fi
echo "not installed:$missing; the Go tests that need them will skip (listed at the end), make test-python fails."
echo "  to run them: sudo apt-get install$missing (or run make test as root, which installs them)"

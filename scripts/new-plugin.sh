#!/usr/bin/env bash
# new-plugin.sh NAME [DIR [MODULE]]: make a provider plugin from
# plugins/skeleton (what `make new-plugin` runs).
#   in the tree (no DIR):  plugins/NAME, module github.com/vccproject/vcc/plugins/NAME,
#                          added to go.work, so make build and make test take it
#   outside (DIR=path):    its own module MODULE (default vcc-provider-NAME),
#                          built against this checkout's proto/ (a replace)
# The names rewritten: module path, package and directory internal/NAME,
# provider name NAME, binary vcc-provider-NAME.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
go=${GO:-go}
name=${1:-} dir=${2:-} module=${3:-}
usage="usage: make new-plugin NAME=mycloud [DIR=/path/outside/the/tree [MODULE=example.org/you/vcc-provider-mycloud]]"
refuse() { echo "new-plugin: $*" >&2; echo "$usage" >&2; exit 2; }

[[ -n $name ]] || refuse "NAME is required: the provider's name, like NAME=mycloud"
[[ $name =~ ^[a-z][a-z0-9]{1,29}$ ]] ||
	refuse "NAME=$name is not a provider name: use 2 to 30 lower-case letters and digits, starting with a letter (it is also the Go package and the binary vcc-provider-$name)"
# Go keywords cannot name a package; the others are names the copy uses.
case " break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var cloud toycloud internal main cmd providerplugin " in
*" $name "*) refuse "NAME=$name is taken by Go or by the skeleton's own packages: pick another name" ;;
esac

if [[ -z $dir ]]; then
	dir=$root/plugins/$name
	[[ -z $module ]] || refuse "MODULE is for a plugin outside the tree (with DIR); in the tree it is github.com/vccproject/vcc/plugins/$name"
fi
abs=$(realpath -m "$dir")
intree=false
if [[ $abs == "$root/plugins/$name" ]]; then
	intree=true module=github.com/vccproject/vcc/plugins/$name
elif [[ $abs == "$root" || $abs == "$root"/* ]]; then
	refuse "DIR=$dir is inside the checkout: leave DIR out for plugins/$name, or give a directory outside $root"
fi
module=${module:-vcc-provider-$name}
[[ $module =~ ^[A-Za-z0-9._~/-]+$ ]] || refuse "MODULE=$module is not a Go module path, like example.org/you/vcc-provider-$name"
[[ ! -e $abs ]] || refuse "$abs already exists: pick another NAME, or remove it first"

# Half a plugin is worse than none: remove the copy if a step fails.
trap 'rm -rf "$abs"' EXIT
cp -r "$root/plugins/skeleton" "$abs"
rm -f "$abs/vcc-provider-skeleton" "$abs/vcc-toycloud" # binaries built in place
mv "$abs/internal/skeleton" "$abs/internal/$name"
find "$abs" -type f \( -name '*.go' -o -name '*.md' -o -name go.mod -o -name .gitignore \) -exec sed -i \
	-e "s#github.com/vccproject/vcc/plugins/skeleton#$module#g" -e "s/skeleton/$name/g" -e "s/Skeleton/${name^}/g" {} +

if $intree; then
	(cd "$root" && "$go" work use "./plugins/$name")
	# Its import rule (ARCHITECTURE.md: proto and its cloud's SDK only);
	# the plugin rules are the last block of .golangci.yml.
	cat >>"$root/.golangci.yml" <<-EOF
	        plugin-$name:
	          list-mode: lax
	          files: ["\${config-path}/plugins/$name/**"]
	          allow: [github.com/vccproject/vcc/plugins/$name/]
	          deny: *plugin-deny
	EOF
	trap - EXIT
	echo "made plugins/$name (provider $name, binary vcc-provider-$name), added to go.work and to the lint's import rules"
	echo "next: go test ./plugins/$name/...; make build installs it in bin/plugins"
else
	(cd "$abs" && "$go" mod edit -replace "github.com/vccproject/vcc/proto=$root/proto" && GOWORK=off "$go" mod tidy)
	trap - EXIT
	echo "made $abs: module $module (provider $name, binary vcc-provider-$name), built against $root/proto"
	echo "next: cd $abs && go build -o vcc-provider-$name . && vcc-host plugins install --path vcc-provider-$name"
fi

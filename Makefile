# vcc build, test and code generation. `make help` lists the targets.

SHELL := /bin/bash
GO ?= go
# Static binaries: they run on any Linux and in the FROM-scratch image.
export CGO_ENABLED := 0
BIN := bin
TOOLS := $(CURDIR)/.tools
# Only the host's own tags (vX.Y.Z): the protocol module's proto/v1.x.y
# tags would make a version with a slash, which no image tag accepts.
# VERSION is the release (the newest vX.Y.Z tag, else 0.1.0-dev); COMMIT
# the source commit, "-dirty" with uncommitted changes. The banner and
# `vcc-host version` show both.
VERSION ?= $(or $(patsubst v%,%,$(shell git describe --tags --match 'v[0-9]*' --abbrev=0 2>/dev/null)),0.1.0-dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
HOST_LDFLAGS := -X github.com/vccproject/vcc/host/internal/cli.Version=$(VERSION) -X github.com/vccproject/vcc/host/internal/cli.Commit=$(COMMIT)

# Pinned generator and linter versions (installed from the Go module proxy).
BUF_VERSION := v1.75.0
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.1
GOLANGCI_LINT_VERSION := v2.15.0

# Every directory under plugins/ is one plugin module: binary
# vcc-provider-<dir> from its root when it has a main.go, and one per
# plugins/<dir>/cmd/<binary>.
PLUGINS := $(notdir $(wildcard plugins/*))
# plugins/skeleton is the template of new plugins (make new-plugin): it is
# vetted and tested like the others but not installed, as it drives
# nothing but its own toy cloud.
SHIPPED := $(filter-out skeleton,$(PLUGINS))
MODULES := proto host sdk $(addprefix plugins/,$(PLUGINS))
# Test-only module with a real in-process Vault; outside go.work because the
# Vault server's dependency graph must resolve on its own.
VAULTTEST := host/internal/identity/vaulttest

.PHONY: help build run test test-deps test-python python-host vet lint proto proto-sum proto-check proto-breaking proto-release bench bench-aws bench-sakura bench-oracle clean tools dummy-cert image base-image new-plugin bench-azure bench-openstack

# The Python client is tested with Debian's interpreter, for which
# Debian's python3-* packages (pytest, requests, PyYAML, pandas, nbconvert,
# ipykernel) are installed; python3 on PATH may be another (e.g. pyenv's).
PYTHON ?= /usr/bin/python3

# The default Base image every node runs (vcc-node FROM scratch). Servers
# pull it from VCP_OFFICIAL_REGISTRY_ADDRESS/vcc/base:latest, or load it:
#   docker save vcc/base:latest | ssh SERVER docker load
BASE_IMAGE ?= vcc/base:latest

help:
	@echo "make build   build bin/vcc-host and bin/plugins/vcc-provider-* (pinned)"
	@echo "make run     build, then run the controller on its embedded defaults"
	@echo "make test    check the protocol (checksum; buf in CI), lint (when built; always in CI), vet, run every module's tests and test-python, list what was skipped"
	@echo "make test-python  the Python client (sdk/python) against a real vcc-host with sim"
	@echo "make lint    golangci-lint over every module (.golangci.yml: depguard keeps ARCHITECTURE.md's import rules)"
	@echo "make proto-breaking  buf breaking against every released protocol (proto/released/*.binpb)"
	@echo "make bench   run the benchmarks and print their figures"
	@echo "make bench-aws  100 AWS nodes via the controller vs direct SDK calls, on moto (ROUNDS=8)"
	@echo "make bench-sakura  100 Sakura nodes via the controller vs direct SDK calls, on iaas-api-go's fake (ROUNDS=8)"
	@echo "make bench-oracle  100 OCI nodes via the controller vs direct SDK calls, on our OCI emulator (ROUNDS=8)"
	@echo "make bench-azure  100 Azure nodes via the controller vs direct SDK calls, on our ARM emulator (ROUNDS=8)"
	@echo "make bench-openstack  100 OpenStack nodes via the controller vs direct gophercloud calls, on osemu (ROUNDS=8, BOOT_DELAY=200ms)"
	@echo "make proto   regenerate the gRPC code from proto/schema"
	@echo "make base-image  build the default Base image ($(BASE_IMAGE)) from bin/vcc-node"
	@echo "make new-plugin NAME=mycloud [DIR=outside MODULE=path]  a provider plugin from plugins/skeleton"

build:
	$(GO) build -trimpath -ldflags "$(HOST_LDFLAGS)" -o $(BIN)/vcc-host ./host/cmd/vcc-host
	$(GO) build -trimpath -o $(BIN)/vcc-node ./host/cmd/vcc-node
	@mkdir -p $(BIN)/plugins
	@for p in $(SHIPPED); do \
		mains=; [ -f plugins/$$p/main.go ] && mains=vcc-provider-$$p; \
		[ -d plugins/$$p/cmd ] && mains="$$mains $$(ls plugins/$$p/cmd)"; \
		for m in $$mains; do \
			pkg=.; [ -d plugins/$$p/cmd/$$m ] && pkg=./cmd/$$m; \
			echo "build plugin $$m"; \
			(cd plugins/$$p && $(GO) build -trimpath -o ../../$(BIN)/plugins/$$m $$pkg) || exit 1; \
			$(BIN)/vcc-host plugins install --path $(BIN)/plugins/$$m --dir $(BIN)/plugins || exit 1; \
		done; \
	done

# A provider plugin from plugins/skeleton: plugins/NAME in go.work (so
# build and test take it), or with DIR outside the tree its own module
# built against this checkout's proto/. See docs/plugins.md.
new-plugin:
	@GO=$(GO) scripts/new-plugin.sh "$(NAME)" "$(DIR)" "$(MODULE)"

run: build
	$(BIN)/vcc-host serve

# The whole suite: the protocol's freshness and compatibility, Go lint,
# vet, then every module's tests. In CI (CI=true, as .ci/run sets) the
# protocol is checked with buf (lint, regenerate and diff, breaking) and
# golangci-lint runs, both built into .tools/ when missing. Elsewhere the
# protocol's checksum stands in for buf (about 10 minutes to build cold),
# and golangci-lint runs when .tools/ has it (make lint builds it, about 2
# minutes); what was left out is listed at the end.
ifeq ($(CI),true)
TEST_CHECKS := proto-check proto-breaking lint
else
TEST_CHECKS := proto-sum $(if $(wildcard $(TOOLS)/golangci-lint),lint)
TEST_NOTES := -note "buf lint, generated-code diff and buf breaking: run in CI and by make proto-check proto-breaking; proto/schema.sum was checked instead"
TEST_NOTES += $(if $(wildcard $(TOOLS)/golangci-lint),,-note "golangci-lint: not built yet, so make lint did not run (make lint builds it, about 2 minutes; CI always runs it)")
endif
# Not $(MAKE) in the recipe: make -n would run the whole line (the tests).
SUBMAKE := $(MAKE)
test: test-deps $(TEST_CHECKS) vet
	@# Every module's tests run, the Vault module's too, whatever failed
	@# before; test-summary lists what was skipped and why, then fails
	@# if anything did.
	@set -o pipefail; { \
		$(GO) test -json -count=1 $(addsuffix /...,$(addprefix ./,$(MODULES))) || echo "FAIL: go test of the go.work modules exited $$?"; \
		(cd $(VAULTTEST) && GOWORK=off $(GO) test -json -count=1 ./...) || echo "FAIL: go test of $(VAULTTEST) exited $$?"; \
		$(SUBMAKE) --no-print-directory test-python || echo "FAIL: make test-python exited $$?"; \
	} 2>&1 | $(GO) run scripts/testsummary.go $(TEST_NOTES)

# What the tests need besides Go: installed when root, named otherwise.
test-deps:
	@scripts/test-deps.sh

# The Python client (sdk/python) against one real vcc-host with the sim
# plugin for the whole session; needs only the host and sim, not build.
test-python: python-host
	PYTHONPATH=sdk/python $(PYTHON) -m pytest -q -p no:cacheprovider sdk/python/tests

# The host, sim, and aws with aws_disk (the storage flow of
# tests/test_storage.py runs against moto).
python-host:
	$(GO) build -trimpath -ldflags "$(HOST_LDFLAGS)" -o $(BIN)/vcc-host ./host/cmd/vcc-host
	@mkdir -p $(BIN)/plugins
	cd plugins/sim && $(GO) build -trimpath -o ../../$(BIN)/plugins/vcc-provider-sim .
	$(BIN)/vcc-host plugins install --path $(BIN)/plugins/vcc-provider-sim --dir $(BIN)/plugins
	cd plugins/aws && $(GO) build -trimpath -o ../../$(BIN)/plugins/vcc-provider-aws ./cmd/vcc-provider-aws && \
		$(GO) build -trimpath -o ../../$(BIN)/plugins/vcc-provider-aws-disk ./cmd/vcc-provider-aws-disk
	for p in aws aws-disk; do $(BIN)/vcc-host plugins install --path $(BIN)/plugins/vcc-provider-$$p --dir $(BIN)/plugins; done

vet:
	$(GO) vet $(addsuffix /...,$(addprefix ./,$(MODULES)))
	cd $(VAULTTEST) && GOWORK=off $(GO) vet ./...
	@test -z "$$(gofmt -l $(MODULES))" || { echo "gofmt would change:"; gofmt -l $(MODULES); exit 1; }

# golangci-lint over the go.work modules in one run, then the vaulttest
# module on its own (it is outside go.work). The coverage check first: a
# package without a depguard rule would pass unchecked. Serial runners: on
# a shared machine a second lint waits for the first instead of failing.
LINT := $(TOOLS)/golangci-lint run --allow-serial-runners
lint: $(TOOLS)/golangci-lint
	scripts/depguard-coverage.sh
	$(LINT) $(addsuffix /...,$(addprefix ./,$(MODULES)))
	cd $(VAULTTEST) && GOWORK=off $(LINT) --config $(CURDIR)/.golangci.yml ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./plugins/sim/... ./host/...
	cd $(VAULTTEST) && GOWORK=off $(GO) test -run '^$$' -bench . -benchtime 6x ./...

# 100 AWS nodes through the controller vs the same EC2 calls made
# directly, against fresh moto servers, in alternation; prints the ratio.
bench-aws:
	scripts/bench-compare.sh aws $(or $(ROUNDS),8)

# 100 Sakura nodes through the controller vs the same iaas-api-go calls
# made directly, on iaas-api-go's fake, in alternation; prints the ratio.
bench-sakura:
	scripts/bench-compare.sh sakura $(or $(ROUNDS),8)

# The OCI plugin against our OCI emulator; a table with the ratio of medians.
bench-oracle:
	scripts/bench-compare.sh oracle $(or $(ROUNDS),8)

# 100 Azure nodes through the controller vs the same SDK calls made
# directly, against fresh ARM emulators, in alternation; prints the ratio.
bench-azure:
	scripts/bench-compare.sh azure $(or $(ROUNDS),8)

# 100 OpenStack nodes through the controller vs the same gophercloud calls
# made directly, on our emulator (osemu), in alternation; prints the ratio.
bench-openstack:
	OSEMU_BOOT_DELAY=$(BOOT_DELAY) scripts/bench-compare.sh openstack $(or $(ROUNDS),8)

tools: $(TOOLS)/buf $(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc

$(TOOLS)/buf:
	GOBIN=$(TOOLS) $(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
$(TOOLS)/protoc-gen-go:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
$(TOOLS)/protoc-gen-go-grpc:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
# Built from source (a few minutes on 2 cores), once.
$(TOOLS)/golangci-lint:
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

proto: tools
	cd proto && PATH=$(TOOLS):$$PATH buf lint && PATH=$(TOOLS):$$PATH buf generate
	scripts/proto-sum.sh write

# The schema and generated code against proto/schema.sum: the cheap
# freshness check of make test outside CI (no buf needed).
proto-sum:
	@scripts/proto-sum.sh check

# Lint the schema and fail when the committed generated code is stale.
proto-check: tools
	cd proto && PATH=$(TOOLS):$$PATH buf lint
	@tmp=$$(mktemp -d) && cp -r proto/. $$tmp/ && rm -rf $$tmp/internal/pb && \
		(cd $$tmp && PATH=$(TOOLS):$$PATH buf generate) && \
		diff -r proto/internal/pb $$tmp/internal/pb >/dev/null || \
		{ echo "proto/internal/pb is stale: run 'make proto' and commit"; rm -rf $$tmp; exit 1; }; rm -rf $$tmp
	scripts/proto-sum.sh check

# The working schema against every released protocol image, and the proof
# that a breaking edit fails that check (proto/VERSIONING.md).
proto-breaking: $(TOOLS)/buf
	PATH=$(TOOLS):$$PATH scripts/proto-breaking.sh
	PATH=$(TOOLS):$$PATH scripts/proto-breaking-test.sh

# Cut a protocol release: make proto-release PROTO_VERSION=v1.2.0, then
# commit the image and tag that commit proto/v1.2.0 (proto/VERSIONING.md).
proto-release: $(TOOLS)/buf
	@[[ "$(PROTO_VERSION)" =~ ^v1\.[0-9]+\.[0-9]+$$ ]] || { echo "PROTO_VERSION=v1.MINOR.PATCH, please"; exit 1; }
	@[ ! -e proto/released/$(PROTO_VERSION).binpb ] || { echo "proto/released/$(PROTO_VERSION).binpb exists already"; exit 1; }
	PATH=$(TOOLS):$$PATH scripts/proto-breaking.sh
	cd proto && PATH=$(TOOLS):$$PATH buf build --exclude-source-info -o released/$(PROTO_VERSION).binpb

# The controller image: the binaries make build made (host and every
# plugin, pinned) on an empty base, so nothing is pulled.
image: build
	@mkdir -p $(BIN)/image && cp /etc/ssl/certs/ca-certificates.crt $(BIN)/image/
	docker build -t vcc:$(VERSION) -t vcc:dev .

# dummy_cert/ is an evaluation CA and server certificate for localhost and
# 127.0.0.1, made by vcc-host itself (never for production).
dummy-cert: build
	rm -rf dummy_cert
	$(BIN)/vcc-host cert generate --san localhost --san 127.0.0.1 --out dummy_cert

clean:
	rm -rf $(BIN)

base-image: build
	@mkdir -p $(BIN)/base && cp $(BIN)/vcc-node $(BIN)/base/
	docker build -t $(BASE_IMAGE) -f host/cmd/vcc-node/Dockerfile $(BIN)/base

# Keyward's two commands:
#   make run   builds and starts Keyward (embedded SQLite in ./data)
#   make test  runs every test: unit, integration and browser
# Both first install whatever is missing (and only that): the wasm32 target,
# cargo-leptos, wasm-bindgen-cli at the version in Cargo.lock, the npm tools
# (`npm ci` from the committed package-lock.json, which lists every platform),
# and, for tests, Debian's Chromium, nginx and PostgreSQL (binaries only, no
# system cluster: each test run starts its own), PyJWT, aiosmtpd and
# Schemathesis (in .venv),
# and the nightly toolchain with cargo-fuzz (for the fuzz targets only).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Playwright must never try to download a browser here.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

CARGO_LEPTOS_VERSION := 0.3.10
# `make fuzz`: seconds per target, an optional cap on executions per target,
# how many targets run at once (one process each), and which (default: all).
FUZZ_SECS ?= 120
FUZZ_RUNS ?=
FUZZ_JOBS ?= 1
FUZZ_TARGETS ?=
FUZZ_SMOKE_SECS ?= 5
# Schemathesis examples per operation: `make test` runs a short contract
# check, `make schemathesis` a long one.
CONTRACT_EXAMPLES ?= 100
SCHEMATHESIS_EXAMPLES ?= 1000
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# What the release build reads (see `build`). Directories are listed too, so
# adding, removing or renaming a file also counts as a change.
SITE_STAMP := target/.site-build.stamp
SITE_INPUTS := Makefile Cargo.toml Cargo.lock .cargo/config.toml package-lock.json \
	$(shell find src app frontend server/src server/build.rs server/Cargo.toml style public migrations)
SITE_FORCE := $(shell [ -x target/release/keyward ] && [ -d target/site/pkg ] \
	&& [ "$$(cat $(SITE_STAMP) 2>/dev/null)" = "$$(rustc -V 2>/dev/null)" ] || echo FORCE)

.PHONY: FORCE run test build bench bench-console tools chromium nginx wrk python-peers test-rust test-e2e test-contract schemathesis lint fuzz fuzz-smoke fuzz-tools postgres bench-cluster

## Build the release binary (with the console embedded) and start it.
run: build
	./target/release/keyward serve

## Every test. Fails if any test fails.
test: tools chromium nginx build test-rust test-contract fuzz-smoke test-e2e

## The site build (the WASM and its wasm-bindgen and wasm-opt passes over every
## chunk, Tailwind, then the server binary that embeds target/site) runs only
## when it must: an input is newer than the stamp, a directory gained or lost a
## file, rustc changed, or an output is missing. The stamp is dated from the
## start of the build, so an edit made while it runs still triggers the next.
build: tools $(SITE_STAMP)

$(SITE_STAMP): $(SITE_INPUTS) $(SITE_FORCE) | tools
	@mkdir -p $(@D)
	rustc -V > $@.new
	cargo leptos build --release --precompress --split
	mv $@.new $@

## Unit and integration tests (real SQLite files, real servers on 127.0.0.1:0,
## a real nginx in front of /v1/auth) with a real PostgreSQL for the tests
## that need one, then the integration tests again with every server on
## PostgreSQL (KEYWARD_TEST_ENGINE=postgres; each test its own database). The
## cluster is a throwaway in a fresh directory, its URL in KEYWARD_TEST_PG_URL,
## stopped and removed afterwards whether the tests pass or not. The exit
## status is nextest's (or 1 if they passed but the cluster would not stop).
test-rust: tools nginx python-peers postgres
	pg=$$(mktemp -d); \
	trap 'rc=$$?; server/tests/pg/cluster.sh stop "$$pg" || { [ $$rc != 0 ] || rc=1; }; exit $$rc' EXIT; \
	url=$$(server/tests/pg/cluster.sh start "$$pg"); \
	export KEYWARD_TEST_PG_URL=$$url; \
	cargo nextest run --workspace --exclude keyward-frontend --cargo-profile release; \
	KEYWARD_TEST_ENGINE=postgres cargo nextest run --workspace --exclude keyward-frontend --cargo-profile release -E 'binary(api)'

## The contract: Schemathesis against /openapi.json of the release binary
## (fresh data dir, loopback port, a Global Admin key), every check, with
## CONTRACT_EXAMPLES requests per operation. Fails on any 5xx, undocumented
## status or schema violation; prints operations, examples and failures.
test-contract: python-peers
	server/tests/contract/run.sh $(CONTRACT_EXAMPLES) target/release/keyward

## The same contract check, longer: SCHEMATHESIS_EXAMPLES per operation.
schemathesis: build python-peers
	server/tests/contract/run.sh $(SCHEMATHESIS_EXAMPLES) target/release/keyward

## Browser tests in Debian's Chromium against copies of the release binary
## (the applications spec also runs nginx and OVH's Python client from .venv).
test-e2e: tools chromium nginx python-peers
	npx playwright test -c end2end/playwright.config.ts

## Each fuzz target for FUZZ_SMOKE_SECS from the committed seeds in
## fuzz/corpus/, so a parser that panics on a known input fails the tests.
fuzz-smoke: fuzz-tools
	FUZZ_SECS=$(FUZZ_SMOKE_SECS) FUZZ_RUNS= FUZZ_JOBS=1 fuzz/run.sh --smoke

## Coverage-guided fuzzing of every reader of untrusted input, FUZZ_SECS per
## target (the grown corpus is kept in fuzz/target/corpus/). Prints executions,
## exec/s and findings per target; fails on any finding. Not part of `test`.
fuzz: fuzz-tools
	FUZZ_SECS=$(FUZZ_SECS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) fuzz/run.sh $(FUZZ_TARGETS)

## The hot-path benchmark: 100,000 credentials, wrk against verify, auth and a
## bare handler on the same server. Prints figures; asserts nothing.
bench: build wrk
	cargo bench -p keyward-server --bench hot_path
	cargo bench -p keyward-server --bench signed_verify

## The console in Chromium: time from first paint to an interactive page, on
## loopback and on a throttled link (end2end/bench/). Prints figures; asserts
## nothing.
bench-console: build tools chromium
	KEYWARD_E2E_DIR=./bench npx playwright test -c end2end/playwright.config.ts

## The cluster benchmark, on a throwaway PostgreSQL cluster (stopped and
## removed afterwards, as in test-rust): start-up with 1,000,000 credentials
## (KEYWARD_BENCH_CREDENTIALS) from SQLite and from PostgreSQL, migrate-data,
## the hot path on each engine, and change propagation across three
## instances. Prints figures; asserts nothing.
bench-cluster: build wrk postgres
	pg=$$(mktemp -d); \
	trap 'rc=$$?; server/tests/pg/cluster.sh stop "$$pg" || { [ $$rc != 0 ] || rc=1; }; exit $$rc' EXIT; \
	url=$$(server/tests/pg/cluster.sh start "$$pg"); \
	export KEYWARD_BENCH_PG_URL=$$url; \
	cargo bench -p keyward-server --bench cluster

## Formatting and lints, as required before every commit.
lint: tools
	cargo fmt --all -- --check
	cargo clippy --workspace --exclude keyward-frontend --all-targets -- -D warnings
	cargo clippy -p keyward-frontend --target wasm32-unknown-unknown -- -D warnings

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q ' $(CARGO_LEPTOS_VERSION)$$' \
		|| cargo install cargo-leptos@$(CARGO_LEPTOS_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$' \
		|| cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@cargo nextest --version >/dev/null 2>&1 \
		|| cargo install cargo-nextest --locked
	@{ [ node_modules/.package-lock.json -nt package.json ] \
		&& [ node_modules/.package-lock.json -nt package-lock.json ] \
		&& [ -x node_modules/.bin/tailwindcss ] && [ -x node_modules/.bin/wasm-opt ] \
		&& [ -d node_modules/@playwright/test ]; } \
		|| npm ci --no-audit --no-fund

## Nightly is for `cargo fuzz` alone: it is installed beside stable, never made
## the default, and the product builds on stable.
fuzz-tools:
	@rustup toolchain list | grep -q '^nightly-' \
		|| rustup toolchain install nightly --profile minimal
	@cargo fuzz --version >/dev/null 2>&1 \
		|| cargo install cargo-fuzz --locked

chromium:
	@command -v chromium >/dev/null \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

nginx:
	@[ -x /usr/sbin/nginx ] \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends nginx-light \
			|| $(SUDO) apt-get install -y --no-install-recommends nginx; }

## PyJWT, aiosmtpd, Schemathesis and ovh in .venv: the independent JWT
## verifier of the OAuth tests, the SMTP server of the notification tests, the
## contract checker, and OVH's own client for the applications spec.
python-peers:
	@[ .venv/.installed -nt server/tests/requirements.txt ] \
		|| { python3 -m venv .venv && .venv/bin/pip install -q -r server/tests/requirements.txt && touch .venv/.installed; }

## Debian's PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin),
## which server/tests/pg/cluster.sh runs. createcluster.conf says first that
## no system cluster is to be made (ucf keeps that file on install).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| { $(SUDO) mkdir -p /etc/postgresql-common \
			&& { sed '/^[[:space:]]*create_main_cluster[[:space:]]*=/d' /etc/postgresql-common/createcluster.conf 2>/dev/null || true; \
				echo 'create_main_cluster = false'; } | $(SUDO) tee /etc/postgresql-common/createcluster.conf.new >/dev/null \
			&& $(SUDO) mv /etc/postgresql-common/createcluster.conf.new /etc/postgresql-common/createcluster.conf \
			&& $(SUDO) apt-get update \
			&& $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

wrk:
	@command -v wrk >/dev/null \
		|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends wrk; }

FORCE:

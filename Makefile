# marketd — see README.md.
#
#   make build   static binaries for linux/amd64 and linux/arm64 in bin/, with
#                the time-zone database inside (hosts without /usr/share/zoneinfo)
#   make test    go vet, then every test with the race detector (MySQL tests included)
#   make bench   the benchmark suites against MariaDB, printed as one table (15-20 minutes;
#                about 19 more the first time, to build the 100M-row minute table)
#   make lint    gofmt and go vet
#   make run     go run ./cmd/marketd $(ARGS) (default: the daemon, marketd run)

GO       ?= go
PKG      := github.com/marketd/marketd
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
PLATFORMS := linux/amd64 linux/arm64
ARGS     ?= run

.PHONY: build test bench lint run clean

build:
	@mkdir -p bin
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=bin/marketd-$$os-$$arch; \
		echo "building $$out ($(VERSION), $(COMMIT))"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -tags timetzdata -ldflags '$(LDFLAGS)' -o $$out ./cmd/marketd; \
	done

test:
	$(GO) vet ./...
	$(GO) test -race ./...

bench:
	$(GO) run ./cmd/benchreport $(if $(E2E_ARGS),-e2e-args "$(E2E_ARGS)")

lint:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

run:
	$(GO) run ./cmd/marketd $(ARGS)

clean:
	rm -rf bin

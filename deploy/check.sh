#!/usr/bin/env bash
# Checks the deployment files with every tool this machine has:
#   - systemd-analyze verify on the units (marketd.service and its OnFailure=
#     template marketd-notify@.service) and security on marketd.service
#     (strict: any warning fails),
#   - cloud-init's schema check on the user data (when cloud-init is installed),
#   - shellcheck on this script and the install script inside the user data
#     (when shellcheck is installed),
#   - hadolint on the Dockerfile when installed (it is not packaged in
#     Debian), else npm's dockerfile-utils lint when installed,
#   - go test ./deploy/ (YAML/JSON structure, unit <-> cloud-init copy, the
#     IAM policy, compose and Dockerfile shape, grants.sql against MariaDB).
# No Docker engine runs on the development machines: the image and the
# compose stack are not built or started here.
#
# Run from anywhere: bash deploy/check.sh. With CI=true (as root on Debian)
# a missing systemd-analyze, cloud-init or shellcheck is installed with
# apt-get rather than skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
say() { printf 'deploy/check: %s\n' "$*"; }
fail() { say "FAIL: $*"; failed=1; }

# In CI (root, Debian) a missing checker is installed rather than skipped;
# a developer's machine is left alone.
ci_install() { # ci_install COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
  say "installing $2 for $1"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$2" >/dev/null; } ||
    say "could not install $2"
}
ci_install systemd-analyze systemd
ci_install cloud-init cloud-init
ci_install shellcheck shellcheck

# --- systemd unit ----------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
  # verify insists that ExecStart's binary exists and is executable, and
  # marketd is not installed here: check a copy whose ExecStart points at a
  # stub. Everything else in the copy is the real file.
  mkdir -p "$tmp/bin"
  printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/marketd"
  chmod +x "$tmp/bin/marketd"
  sed "s#/usr/local/bin/marketd#$tmp/bin/marketd#g" "$here/systemd/marketd.service" >"$tmp/marketd.service"
  # The OnFailure= template, as the instance marketd.service starts.
  sed "s#/usr/local/bin/marketd#$tmp/bin/marketd#g" "$here/systemd/marketd-notify@.service" \
    >"$tmp/marketd-notify@marketd.service.service"
  for unit in marketd.service marketd-notify@marketd.service.service; do
    # verify exits 0 on unknown keys and bad values, only printing them.
    if out=$(systemd-analyze verify "$tmp/$unit" 2>&1) && [ -z "$out" ]; then
      say "ok: systemd-analyze verify $unit"
    else
      fail "systemd-analyze verify $unit:"
      printf '%s\n' "$out"
    fi
  done
  # Exposure must stay at 2.0 or below ("OK"); --threshold is in tenths.
  if out=$(systemd-analyze security --offline=yes --threshold=20 "$tmp/marketd.service" 2>&1); then
    say "ok: systemd-analyze security: $(printf '%s\n' "$out" | grep -o 'exposure level.*' || true)"
  else
    fail "systemd-analyze security above 2.0:"
    printf '%s\n' "$out" | grep -E '✗|exposure'
  fi
else
  say "skip: systemd-analyze not installed (apt-get install systemd): the unit files are not verified"
fi

# --- cloud-init --------------------------------------------------------------
if command -v cloud-init >/dev/null; then
  if cloud-init schema --config-file "$here/cloud-init/user-data.yaml" >"$tmp/schema.out" 2>&1; then
    say "ok: cloud-init schema ($(cloud-init --version 2>&1 | awk '{print $2}'))"
  else
    fail "cloud-init schema:"
    cat "$tmp/schema.out"
  fi
else
  say "skip: cloud-init not installed (apt-get install cloud-init for its schema check)"
fi

# --- shell -----------------------------------------------------------------
# The install script sits in the user data as a block indented by 6 spaces.
awk '
  /^  - path: \/usr\/local\/sbin\/marketd-install$/ { grab = 1; next }
  grab && /^  - path:/ { exit }
  grab && /^      / { sub(/^      /, ""); print; next }
  grab && /^$/ { print }
' "$here/cloud-init/user-data.yaml" >"$tmp/marketd-install"
if ! head -1 "$tmp/marketd-install" | grep -q '^#!/usr/bin/env bash'; then
  fail "could not extract /usr/local/sbin/marketd-install from the user data"
elif bash -n "$tmp/marketd-install"; then
  say "ok: bash -n marketd-install"
else
  fail "bash -n marketd-install"
fi
if command -v shellcheck >/dev/null; then
  if shellcheck -s bash "$here/check.sh" "$tmp/marketd-install"; then
    say "ok: shellcheck check.sh marketd-install"
  else
    fail "shellcheck"
  fi
else
  say "skip: shellcheck not installed (apt-get install shellcheck)"
fi

# --- Dockerfile ------------------------------------------------------------
if command -v hadolint >/dev/null; then
  if hadolint "$here/docker/Dockerfile"; then
    say "ok: hadolint Dockerfile"
  else
    fail "hadolint Dockerfile"
  fi
elif command -v dockerfile-utils >/dev/null; then
  # npm's dockerfile-utils (the VS Code Docker linter): syntax and arguments.
  if dockerfile-utils lint "$here/docker/Dockerfile"; then
    say "ok: dockerfile-utils lint Dockerfile"
  else
    fail "dockerfile-utils lint Dockerfile"
  fi
else
  say "skip: hadolint not installed (not packaged in Debian; npm install -g dockerfile-utils is a lighter linter); deploy_test.go checks the Dockerfile's shape"
fi

# --- Go test ---------------------------------------------------------------
if (cd "$root" && go test -count=1 ./deploy/); then
  say "ok: go test ./deploy/"
else
  fail "go test ./deploy/"
fi

if [ "$failed" != 0 ]; then
  say "FAILED"
  exit 1
fi
say "all checks passed"

#!/usr/bin/env bash
# Installs what running and testing PhoneSupport need on a fresh Debian machine, if missing:
# the PostgreSQL server (Debian 'postgresql', binaries in /usr/lib/postgresql/<v>/bin), Node.js/npm, and Chromium
# (Debian 'chromium', /usr/bin/chromium) for the console's browser tests (Playwright drives it; no browser download).
# Safe to run again: it installs nothing that is already there.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if ! have_postgres; then
  echo "setup: installing the PostgreSQL server (Debian package 'postgresql')..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
have_postgres || { echo "setup: PostgreSQL server binaries still missing under /usr/lib/postgresql" >&2; exit 1; }

# Node.js and npm validate the Kubernetes manifests in the test command (deploy/k8s/validate).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: installing Node.js and npm (Debian packages 'nodejs', 'npm')..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Chromium for the browser tests (Debian package 'chromium')..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "setup: /usr/bin/chromium still missing" >&2; exit 1; }

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi

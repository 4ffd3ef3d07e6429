#!/usr/bin/env bash
# Command two: every test. Installs what the tests need (deploy/setup.sh); the test fixture starts a
# throwaway PostgreSQL cluster of its own (or uses PHONESUPPORT_TEST_DATABASE).
# First the Kubernetes manifests (deploy/k8s) are validated against the Kubernetes schemas, and the validator's
# self-check proves it refuses deliberately broken manifests; then every .NET test. Any failure fails the command.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/deploy/setup.sh"

command -v node >/dev/null && command -v npm >/dev/null || { echo "test: node and npm are required to validate deploy/k8s" >&2; exit 1; }
(
  cd "$root/deploy/k8s/validate"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  node validate.mjs ..
  node validate.mjs --self-check >/dev/null
  echo "k8s: validator self-check refused every deliberately broken manifest"
)

dotnet test PhoneSupport.sln -c Release -nologo "$@"

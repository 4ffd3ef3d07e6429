#!/usr/bin/env bash
# Command two: every test. Installs what the tests need (deploy/setup.sh); the test fixture starts a
# throwaway PostgreSQL cluster of its own (or uses PHONESUPPORT_TEST_DATABASE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/deploy/setup.sh"
dotnet test PhoneSupport.sln -c Release -nologo "$@"

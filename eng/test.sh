#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine: installs what the tests need, builds, tests,
# and prints one closing line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

log=$(mktemp)
status=0
dotnet build Dhee.Core.sln -c Release -nologo -v q -clp:ErrorsOnly || exit 1
dotnet test Dhee.Core.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?

# Benchmark smoke: every performance target at small sizes, one report table; only a wrong result fails (no timing gate).
bench=0
dotnet run -c Release --no-build --project tests/Dhee.Benchmarks -- --short || bench=$?
if [ "$bench" -ne 0 ]; then echo "benchmark smoke: a benchmark produced a wrong result (exit $bench)"; status=1; fi

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"

# The packed packages, as a user installs them: the dhee tool, and a new console app following the README.
smoke=0
bash eng/package-smoke.sh || smoke=$?
if [ "$smoke" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "no test ran"; exit 1; fi

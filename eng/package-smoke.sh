#!/usr/bin/env bash
# Proves the packed packages work the way a user meets them:
#   1. packs Dhee.Core and Dhee.Cli into a temp feed under a unique prerelease version (so no stale copy in the NuGet
#      cache can stand in for the fresh one),
#   2. installs the dhee tool from that feed and runs `dhee --help`, `dhee plugins install` and `dhee validate`,
#   3. creates a throwaway console app that references the packed Dhee.Core, whose Program.cs is exactly the README's
#      host-integration block (between the host-integration markers), runs it on the storyboard sample and checks the walk.
# Prints one closing line "package smoke: passed" or "package smoke: FAILED: <why>"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# Outside the repository, so its Directory.Build.props and central package versions do not apply to the throwaway app.
work=$(mktemp -d "${TMPDIR:-/tmp}/dhee-package-smoke.XXXXXX")
log="$work/smoke.log"
version="0.1.0-smoke.$(date +%Y%m%d%H%M%S).$$"
packages=$(dotnet nuget locals global-packages -l | sed -n 's/^global-packages: *//p')
cleanup() {
  rm -rf "$work"
  # The unique version is never wanted again: keep it out of the NuGet cache.
  [ -n "$packages" ] && rm -rf "$packages/dhee.core/$version" "$packages/dhee.cli/$version"
  return 0
}
trap cleanup EXIT

fail() {
  echo "---- last output ----"
  tail -n 40 "$log" 2>/dev/null || true
  echo "package smoke: FAILED: $*"
  exit 1
}
step() { echo "== [$((SECONDS - started))s] $*"; }

command -v ffmpeg >/dev/null 2>&1 || fail "ffmpeg is not on the PATH; the storyboard's clips need it (eng/test.sh installs it)"
started=$SECONDS

feed="$work/feed"
mkdir -p "$feed"

step "pack Dhee.Core and Dhee.Cli $version"
# The assemblies are the Release build the tests ran against; only the package version is unique.
dotnet build src/Dhee.Cli -c Release -nologo -v q -clp:ErrorsOnly >"$log" 2>&1 || fail "building Dhee.Cli"
dotnet build plugins-sample/Dhee.Runner.Sample -c Release -nologo -v q -clp:ErrorsOnly >"$log" 2>&1 || fail "building the sample plugin"
for project in src/Dhee.Core src/Dhee.Cli; do
  dotnet pack "$project" -c Release --no-build -nologo -v q -p:Version="$version" -o "$feed" >"$log" 2>&1 || fail "dotnet pack $project"
done
[ -f "$feed/Dhee.Core.$version.nupkg" ] || fail "Dhee.Core.$version.nupkg was not produced"
[ -f "$feed/Dhee.Cli.$version.nupkg" ] || fail "Dhee.Cli.$version.nupkg was not produced"

step "install the dhee tool from the feed"
dotnet tool install --tool-path "$work/tools" Dhee.Cli --add-source "$feed" --version "$version" >"$log" 2>&1 \
  || fail "dotnet tool install Dhee.Cli --version $version"
dhee="$work/tools/dhee"
"$dhee" --help >"$log" 2>&1 || fail "dhee --help exited non-zero"
for verb in validate run plan status cache plugins comfy completion; do
  grep -q "^  $verb" "$log" || fail "dhee --help does not list '$verb'"
done
grep -q "Examples:" "$log" || fail "dhee --help shows no examples"

export DHEE_RUNNERS_DIR="$work/runners" DHEE_CACHE_ROOT="$work/cache"
nupkg=$(ls plugins-sample/Dhee.Runner.Sample/bin/Release/Dhee.Runner.Sample.*.nupkg | head -1)
"$dhee" plugins install "$nupkg" >"$log" 2>&1 || fail "dhee plugins install $nupkg"
"$dhee" validate samples/bundles/storyboard >"$log" 2>&1 || fail "dhee validate samples/bundles/storyboard"
set +e
"$dhee" validate samples/bundles/invalid/five-problems >"$log" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || fail "dhee validate on an invalid bundle exited $code, expected 1"

step "a new console app follows the README's host-integration section"
app="$work/MyHost"
mkdir -p "$app"
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="dhee-smoke" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
hosting=$(sed -n 's|.*PackageVersion Include="Microsoft.Extensions.Hosting" Version="\([^"]*\)".*|\1|p' Directory.Packages.props)
(
  cd "$app"
  dotnet new console --force -o . >"$log" 2>&1 || fail "dotnet new console"
  # --no-restore: the build below restores once for both.
  dotnet add package Dhee.Core --version "$version" --no-restore >"$log" 2>&1 || fail "dotnet add package Dhee.Core --version $version"
  dotnet add package Microsoft.Extensions.Hosting --version "$hosting" --no-restore >"$log" 2>&1 || fail "dotnet add package Microsoft.Extensions.Hosting"
) || exit 1
awk '/<!-- host-integration:begin/ {on=1; next} /<!-- host-integration:end/ {on=0} on' README.md | sed '1{/^```/d}; ${/^```/d}' >"$app/Program.cs"
grep -q "AddDhee" "$app/Program.cs" || fail "no host-integration block found between the markers in README.md"
dotnet build "$app" -c Release -nologo -v q -clp:ErrorsOnly >"$log" 2>&1 || fail "the README's host-integration code does not build against Dhee.Core $version"
grep -q "dhee.core/$version" "$app/obj/project.assets.json" 2>/dev/null || grep -qi "\"Dhee.Core/$version\"" "$app/obj/project.assets.json" \
  || fail "the app did not restore Dhee.Core $version"

step "run it on the storyboard sample"
project="$work/storyboard"
dotnet "$app/bin/Release/net10.0/MyHost.dll" "$repo/samples/bundles/storyboard" "$project" >"$log" 2>&1 \
  || fail "the README host app did not walk the storyboard"
grep -q "walk Succeeded" "$log" || fail "the README host app did not report 'walk Succeeded'"
[ -s "$project/final/storyboard.mp4" ] || fail "the walk produced no final/storyboard.mp4"

echo "package smoke: passed in $((SECONDS - started))s (Dhee.Core and Dhee.Cli $version)"

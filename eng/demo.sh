#!/usr/bin/env bash
# The main job: walks the offline storyboard sample bundle on a fresh machine — no GPU, no API key, no ComfyUI.
# Builds the dhee tool and the sample plugin, installs the plugin into a private runners folder, walks the bundle,
# then walks it again into a second project to show every generated output coming from the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ffmpeg >/dev/null 2>&1; then
  echo "Installing ffmpeg (the storyboard's clips are made with it)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ffmpeg >/dev/null
fi

out="${DHEE_DEMO_DIR:-$PWD/artifacts/demo}"
rm -rf "$out"
mkdir -p "$out"

echo "Building the dhee tool and the sample plugin"
dotnet build src/Dhee.Cli -c Release -nologo -v q -clp:ErrorsOnly
dotnet build plugins-sample/Dhee.Runner.Sample -c Release -nologo -v q -clp:ErrorsOnly
dhee() { dotnet src/Dhee.Cli/bin/Release/net10.0/dhee.dll "$@"; }

export DHEE_RUNNERS_DIR="$out/runners"
export DHEE_CACHE_ROOT="$out/cache"
nupkg=$(ls plugins-sample/Dhee.Runner.Sample/bin/Release/Dhee.Runner.Sample.*.nupkg | head -1)
dhee plugins install "$nupkg"
dhee plugins list

dhee validate samples/bundles/storyboard
echo
echo "== First walk: everything is generated"
dhee run samples/bundles/storyboard --project "$out/storyboard"
echo
echo "== Second walk into a new project: every output comes from the content-addressed cache"
dhee run samples/bundles/storyboard --project "$out/storyboard-again"
echo
echo "Final video: $out/storyboard/final/storyboard.mp4"
ffprobe -v error -show_entries format=duration:stream=codec_type,width,height -of compact "$out/storyboard/final/storyboard.mp4"

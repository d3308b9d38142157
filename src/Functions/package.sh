#!/usr/bin/env bash
# Builds the folder the Functions host runs: host.json at the root, one folder per function with its function.json,
# and the self-contained published handler under handler/ (host.json's defaultExecutablePath points there).
# Usage: src/Functions/package.sh [output-dir] [runtime-identifier]   (defaults: artifacts/functions-app linux-x64)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/artifacts/functions-app}"
rid="${2:-linux-x64}"

rm -rf "$out"
mkdir -p "$out"
# Self-contained: Functions images do not carry the .NET 10 runtime a framework-dependent handler would need.
# ReadyToRun: precompiled code instead of JIT at start; with the other start-up changes, 1,411 → 764-971 ms (bench/HISTORY-2026-11-25.md).
# Composite, with the framework in it: per-assembly ReadyToRun cannot precompile generic code that crosses assemblies
# (async state machines over framework builders, collections of our types), and the runtime JIT-compiled ~1,070
# methods before listening and ~990 more on the first request; in one composite image it is ~510 and ~460. Costs a
# package ~100 MB larger and a few minutes of publishing (bench/README.md has the cold-start figures).
dotnet publish "$here/AgentOS.Voice.Functions.csproj" -c Release -r "$rid" --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$out/handler" -nologo
cp "$root/host.json" "$out/host.json"
for fn in "$here"/functions/*/; do
  name="$(basename "$fn")"
  mkdir -p "$out/$name"
  cp "$fn/function.json" "$out/$name/function.json"
done
chmod +x "$out/handler/AgentOS.Voice.Functions"
echo "Functions app folder: $out"

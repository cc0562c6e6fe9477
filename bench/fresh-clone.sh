#!/usr/bin/env bash
# Measures the wall time of the README's two commands in fresh clones of this repository's HEAD:
#   bash bench/fresh-clone.sh            # with the Node on PATH and the user's npm cache
#   COLD=1 bash bench/fresh-clone.sh     # with an empty npm cache (everything downloaded)
# Prints one line per command: its wall time in seconds and its exit code. Clones go to a
# temporary folder that is removed afterwards.
set -u
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "HEAD $(git -C "$repo" rev-parse --short HEAD), $(node --version) on PATH, COLD=${COLD:-0}"
for command in "npm run demo" "npm test"; do
  clone="$work/clone-${command// /-}"
  git clone -q "$repo" "$clone"
  cache=()
  [ "${COLD:-0}" = 1 ] && cache=(env "npm_config_cache=$work/npm-cache-${command// /-}")
  started=$(date +%s.%N)
  (cd "$clone" && CI=true "${cache[@]}" $command > "$work/log" 2>&1)
  code=$?
  ended=$(date +%s.%N)
  printf '%-14s %6.1f s  exit %d\n' "$command" "$(awk "BEGIN { print $ended - $started }")" "$code"
  [ "$code" = 0 ] || tail -20 "$work/log"
done

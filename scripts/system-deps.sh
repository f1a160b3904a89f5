#!/usr/bin/env bash
# Installs the system programs kontho runs (ffmpeg, ffprobe, espeak-ng) when any is missing. With
# --browser, also the Chromium the console's browser tests drive (tests/browser; Debian's package, never a
# downloaded build): `make test` asks for it, `make run` does not need it.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "kontho needs: ${missing[*]}. Install them with your system's package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "kontho needs root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "kontho: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

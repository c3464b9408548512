#!/usr/bin/env bash
# Handwriting fonts for the hand-filled training/calibration/development forms, from the npm
# registry (Fontsource), merged to TTF and checked glyph by glyph for Vietnamese
# (samples/handfonts.py). Machine-wide cache: ~/.cache/sohoa/fonts (or SOHOA_FONTS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v npm >/dev/null || { [[ "$(id -u)" == 0 ]] && DEBIAN_FRONTEND=noninteractive \
    timeout 1800 apt-get install -y -q --no-install-recommends npm >&2; }
timeout 900 .venv/bin/python -m samples.handfonts install >/dev/null

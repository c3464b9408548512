#!/usr/bin/env bash
# Data for extraction and its generated sets, from the registries:
# - handwriting fonts for the hand-filled training/calibration/development forms from npm
#   (Fontsource), merged to TTF and checked glyph by glyph for Vietnamese
#   (samples/handfonts.py), machine-wide cache ~/.cache/sohoa/fonts (or SOHOA_FONTS);
# - Vietnamese administrative units, old and new (extractors/adminunits.py): the data of the
#   PyPI package vietnamadminunits, without its geo dependencies (only its dataset is read).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v npm >/dev/null || { [[ "$(id -u)" == 0 ]] && DEBIAN_FRONTEND=noninteractive \
    timeout 1800 apt-get install -y -q --no-install-recommends npm >&2; }
timeout 900 .venv/bin/python -m samples.handfonts install >/dev/null
.venv/bin/python -c 'import importlib.util as u; raise SystemExit(u.find_spec("vietnamadminunits") is None)' \
    || timeout 600 .venv/bin/python -m pip install -q --no-deps "vietnamadminunits==1.0.4" >&2

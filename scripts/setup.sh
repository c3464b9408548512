#!/usr/bin/env bash
# Set up sohoa on a fresh Debian 12 machine (as root): system packages, then .venv/ with the
# `sohoa` command. Idempotent and quick when everything is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "setup: $*" >&2; }

PACKAGES=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng poppler-utils
          python3 python3-venv python3-pip python3-dev
          fonts-dejavu-core fonts-dejavu-extra fonts-noto-core fonts-liberation2 qpdf curl
          hunspell-vi
          chromium)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    [[ "$(id -u)" == 0 ]] || { log "missing ${missing[*]}; run as root"; exit 1; }
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get update -q >&2
    timeout 1800 apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# Debian's Python 3.11 (the one a fresh machine has), not whatever is first on PATH.
PYTHON=/usr/bin/python3
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
if [[ ! -x .venv/bin/python ]]; then
    log "creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's declared dependencies changed.
stamp=".venv/.sohoa-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing the sohoa package and its dependencies into .venv"
    timeout 1800 .venv/bin/python -m pip install -q --upgrade pip >&2
    timeout 3600 .venv/bin/python -m pip install -q -e '.[dev]' >&2
    echo "$want" >"$stamp"
fi
.venv/bin/sohoa --help >/dev/null
scripts/install_extract_data.sh
# Train the document-type categoriser now (deterministic, cached by its training data's hash)
# rather than on the first document.
models="$(.venv/bin/python -c 'from pipeline.config import Settings; print(Settings.from_env().models_dir)')"
timeout 900 .venv/bin/python -m classifiers.train --out "$models" >&2
timeout 1800 benchmarks/heldout/fonts.sh >&2  # the held-out renderer's own fonts (tests/test_heldout.py)
log "ready: .venv/bin/sohoa"

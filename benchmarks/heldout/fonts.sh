#!/usr/bin/env bash
# Install the held-out renderer's fonts, which the product's sample generator never uses:
# printed faces from Debian packages and handwriting faces from the npm registry (Fontsource),
# merged from their latin / latin-ext / vietnamese subsets into one TTF per face, then checked
# glyph by glyph for Vietnamese. Idempotent; quick when everything is there.
#   benchmarks/heldout/fonts.sh            (cache: $SOHOA_HELDOUT_FONTS or ~/.cache/sohoa-heldout/fonts)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${SOHOA_HELDOUT_FONTS:-$HOME/.cache/sohoa-heldout/fonts}"
PY="$ROOT/.venv/bin/python"
log() { echo "heldout-fonts: $*" >&2; }

DEBS=(fonts-freefont-ttf fonts-urw-base35 fonts-crosextra-carlito fonts-crosextra-caladea
      fonts-roboto-unhinted)
# Pinned versions: the held-out set must not change under us.
NPM=(@fontsource/shantell-sans@5.3.0 @fontsource/playpen-sans@5.3.0 @fontsource/mali@5.3.0
     @fontsource/charm@5.2.7 @fontsource/pangolin@5.3.0 @fontsource/grape-nuts@5.3.0
     @fontsource/comforter@5.2.8)

missing=()
for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    [[ "$(id -u)" == 0 ]] || { log "missing ${missing[*]}; run as root"; exit 1; }
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 900 apt-get update -q >&2
    timeout 1800 apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
# woff2 decoding needs brotli next to fontTools (a product dependency).
"$PY" -c 'import brotli' 2>/dev/null || timeout 600 "$PY" -m pip install -q 'brotli>=1.1' >&2

mkdir -p "$CACHE/npm"
for spec in "${NPM[@]}"; do
    name="${spec#@fontsource/}"; name="${name%@*}"
    [[ -f "$CACHE/$name.ttf" ]] && continue
    log "fetching $spec"
    dir="$CACHE/npm/$name"; rm -rf "$dir"; mkdir -p "$dir"
    tgz="$(cd "$dir" && timeout 300 npm pack --silent "$spec" | tail -1)"
    tar -xzf "$dir/$tgz" -C "$dir"
    "$PY" -m benchmarks.heldout.fonts merge "$CACHE/$name.ttf" \
        "$dir/package/files/$name-latin-400-normal.woff2" \
        "$dir/package/files/$name-latin-ext-400-normal.woff2" \
        "$dir/package/files/$name-vietnamese-400-normal.woff2"
done
cd "$ROOT" && "$PY" -m benchmarks.heldout.fonts check

#!/usr/bin/env bash
# Set up, then run the main job on the bundled samples with the embedded default
# (no servers: objects in a local folder, SQLite) and show the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
export SOHOA_HOME="${SOHOA_HOME:-$ROOT/.sohoa}"
rm -rf out/samples
status=0
.venv/bin/sohoa process samples/scans --out out/samples || status=$?
echo
echo "== out/samples/summary.json (first documents) =="
.venv/bin/python - <<'PY'
import json
s = json.load(open("out/samples/summary.json"))
for r in s["results"][:40]:
    err = f"  ERROR {r['error']['code']}" if r.get("error") else ""
    print(f"{r['file'].split('/')[-1]:42} {str(r.get('document_type') or '-'):30} {r['pages']} page(s){err}")
PY
echo
echo "PDF/A files and JSON results are in out/samples/; try: pdftotext out/samples/<name>.pdf -"
exit $status

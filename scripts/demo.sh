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
    kind = str(r.get("document_type") or "-")
    if r.get("dossiers"):
        kind = f"stack of {len(r['dossiers'])} dossiers"
    print(f"{r['file'].split('/')[-1]:42} {kind:30} {r['pages']} page(s){err}")
    for d in r.get("dossiers") or []:
        docs = ", ".join(f"{t} p.{'-'.join(map(str, sorted({p[0], p[-1]})))}"
                         for t, p in d["documents"])
        print(f"    dossier {d['dossier_code']}: {docs}")
PY
echo
echo "== every document is signed and archived under $SOHOA_HOME; search it without diacritics =="
.venv/bin/sohoa search "dang ky khai sinh" --type birth_registration || true
echo
echo "PDF/A files and JSON results are in out/samples/; try: pdftotext out/samples/<name>.pdf -"
exit $status

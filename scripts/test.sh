#!/usr/bin/env bash
# Set up, start the test servers (S3 on moto, PostgreSQL, Redis), run the whole test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
eval "$(scripts/services.sh start)"
trap 'scripts/services.sh stop >/dev/null 2>&1 || true' EXIT
export SOHOA_TEST_SERVICES=1  # a test that needs a server fails (never skips) without it
.venv/bin/ruff check .
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Set up (once) and start the studio: scripts/run_app.sh [app.py flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python app.py "$@"

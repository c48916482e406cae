#!/usr/bin/env bash
# Set up (once) and test.
#   scripts/test.sh                 lint (ruff check, ruff format --check), then every test, browser tests included
#   scripts/test.sh ARGS...         exactly: pytest ARGS (e.g. tests/browser, -m "not slow", -k recipes)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ "$#" -eq 0 ]; then
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  exec .venv/bin/python -m pytest -q
fi
exec .venv/bin/python -m pytest -q "$@"

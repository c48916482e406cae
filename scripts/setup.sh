#!/usr/bin/env bash
# Set-up on a fresh machine: a virtual environment in .venv with everything the app needs.
# The first run downloads PyTorch and the rest (a few minutes); later runs only check.
#   scripts/setup.sh          app dependencies
#   scripts/setup.sh --dev    plus the test tools and Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Setting up .venv (first run: downloads PyTorch, transformers, gradio... this takes a few minutes)" >&2
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q --no-deps -e .   # the studio itself (pyproject.toml), editable
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
      $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
    else
      echo "chromium not found: install it to run the browser tests" >&2
    fi
  fi
  # a CJK font, so screenshots of the Chinese page (scripts/tour.py --lang zh) show characters, not boxes
  if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ] && command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 \
      || echo "no CJK font installed: Chinese screenshots will show boxes (the tests do not need one)" >&2
  fi
fi

#!/usr/bin/env bash
# Creates the project-local Python venv (.venv/) from the pinned requirements.
# Idempotent: re-installs only when requirements.txt or requirements-ezkl.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-ezkl.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "python venv up to date (.venv)"
  exit 0
fi
echo "creating python venv in .venv from requirements.txt"
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "$want" > "$stamp"
echo "python venv ready"

#!/usr/bin/env bash
# Print the Alembic operations that the models need beyond the current migrations,
# for pasting into a revision by hand. Uses a throwaway SQLite database; leaves no file.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rev="pending$$"
trap 'rm -rf "$tmp" migrations/versions/*"$rev"*' EXIT
export LABOURWATCH_DATABASE_URL="sqlite+aiosqlite:///$tmp/ops.db"
export LABOURWATCH_SECRET_KEY="pending-ops-only-not-a-real-key-0123456789"
.venv/bin/alembic upgrade head >/dev/null
.venv/bin/alembic revision --autogenerate -m "$rev" --rev-id "$rev" >/dev/null
sed -n '/^def upgrade/,$p' migrations/versions/*"$rev"*.py

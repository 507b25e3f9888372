#!/usr/bin/env bash
# Starts the release build of Roster for the browser tests: a fresh SQLite
# database with a known admin and deterministic demo users.
set -euo pipefail
cd "$(dirname "$0")/.."

data="end2end/.data"
rm -rf "$data" && mkdir -p "$data"
export DATABASE_URL="sqlite://$data/roster.db"
export LEPTOS_SITE_ADDR="127.0.0.1:${ROSTER_E2E_PORT:-3419}"
export LEPTOS_SITE_ROOT="target/site"
export ROSTER_ADMIN_PASSWORD="e2e admin password"
# A fresh key for the fresh database, kept beside it as scripts/run keeps one.
export ROSTER_SECRET_KEY_FILE="$data/secret.key"
(umask 077 && head -c 32 /dev/urandom | base64 > "$ROSTER_SECRET_KEY_FILE")
# The suite signs in from one address many times a minute.
export ROSTER_SIGN_IN_ATTEMPTS_PER_MINUTE=600
# A lock from wrong passwords lifts after 25 s, so a test can watch it lift
# (and another still has the time to unlock one by hand).
export ROSTER_LOCKOUT_WAIT_SECONDS=25
# Admin mode lasts a minute (15 in a real deployment), so a test can watch
# Roster ask for the password again; every other test acts well within it.
export ROSTER_ADMIN_MODE_MINUTES=1

server=./target/release/roster-server
"$server" create-admin --login admin --first-name Ada --last-name Admin
"$server" seed-demo --count 120
# Dormant accounts (dormant-accounts.spec.ts): demo customers last seen long
# ago, as a helpdesk has them. Roster deactivates those without a sign-in
# for 180 days as it starts serving; the one of 100 days only shows in the
# Users panel's "No sign-in for 90 days".
python3 - "$data/roster.db" <<'PY'
import sqlite3, sys, time
day, now = 86400, int(time.time())
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE users SET last_login_at = ? WHERE login_normalized IN ('rosa.garcia69', 'kira.okafor88')", (now - 200 * day,))
db.execute("UPDATE users SET created_at = ? WHERE login_normalized = 'tara.garcia71'", (now - 300 * day,))
db.execute("UPDATE users SET last_login_at = ? WHERE login_normalized = 'umar.garcia72'", (now - 100 * day,))
db.commit()
PY
export ROSTER_DEACTIVATE_DORMANT_AFTER_DAYS=180
exec "$server" serve

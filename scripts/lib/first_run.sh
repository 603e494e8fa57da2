# shellcheck shell=bash
# The README's run command, tried as a newcomer tries it: from a fresh copy of the
# checkout (tracked files only: no .data/, no target/), with neither DATABASE_URL nor
# DEMO_PASSWORD set. It must start its own PostgreSQL, print the demo password, answer
# /readyz, let the partner admin sign in with that password, and stop cleanly (server
# and cluster) on TERM. Sourced by scripts/test; uses say, free_port and stop_pg.
#
# first_run_check WORK_DIR HUB_BINARY
# HUB_BINARY is the build scripts/test already made, so this costs seconds.
first_run_check() {
  local work="$1" hub="$2" dir log jar url pid password token answer i
  dir="$work/first-run"
  log="$work/first-run.log"
  jar="$work/first-run.cookies"
  mkdir -p "$dir"
  git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$dir"

  local web_port pg_port metrics_port
  web_port=$(free_port)
  pg_port=$(free_port)
  metrics_port=$(free_port)
  url="http://127.0.0.1:$web_port"
  say "First run: scripts/run from a fresh copy, nothing set (web $web_port, PostgreSQL $pg_port)"
  (
    cd "$dir" || exit 1
    exec env -u DATABASE_URL -u DEMO_PASSWORD -u TEST_DATABASE_URL \
      HUB_BIN="$hub" HUB_BIND="127.0.0.1:$web_port" HUB_PG_PORT="$pg_port" \
      HUB_METRICS_BIND="127.0.0.1:$metrics_port" \
      setsid scripts/run
  ) >"$log" 2>&1 </dev/null &
  pid=$!

  first_run_fail() {
    echo "First run failed: $1. Its output:" >&2
    sed 's/^/    /' "$log" >&2
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stop_pg "$dir/.data/pg"
    return 1
  }

  for i in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" && answer=0 || answer=$?
      first_run_fail "scripts/run exited with status $answer before it was ready"
      return 1
    fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)" = 200 ] && break
    [ "$i" = 600 ] && { first_run_fail "/readyz did not answer 200 within 60 s"; return 1; }
    sleep 0.1
  done

  password=$(sed -n 's/.*signs in with the password: \([^ ]*\)$/\1/p' "$log")
  [ -n "$password" ] || { first_run_fail "it printed no demo password"; return 1; }
  token=$(curl -s -c "$jar" "$url/login" | grep -o -m1 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//; s/"$//' || true)
  [ -n "$token" ] || { first_run_fail "the sign-in page has no CSRF token"; return 1; }
  answer=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$jar" -c "$jar" \
    --data-urlencode "email=partner.admin@northwind.example" \
    --data-urlencode "password=$password" \
    --data-urlencode "csrf_token=$token" \
    --data-urlencode "next=" "$url/login/password" || true)
  [ "$answer" = "303 $url/partner" ] || { first_run_fail "signing in with the printed password answered '$answer'"; return 1; }
  answer=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$url/partner" || true)
  [ "$answer" = 200 ] || { first_run_fail "the Partner Hub answered $answer after sign-in"; return 1; }
  answer=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | grep -c -m1 '^http_request_duration_seconds' || true)
  [ "$answer" = 1 ] || { first_run_fail "no metrics on the metrics listener"; return 1; }

  kill -TERM -- "-$pid"
  wait "$pid" || true
  if [ -f "$dir/.data/pg/postmaster.pid" ]; then
    first_run_fail "its PostgreSQL was still running after TERM"
    return 1
  fi
  say "First run: ready, signed in with the printed password, stopped cleanly"
}

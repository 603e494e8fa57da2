# shellcheck shell=bash
# Shared helpers for scripts/run, scripts/test and scripts/bench. Source, don't run.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the Debian packages that are missing (never upgrades what is there).
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing system packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Missing packages ${missing[*]}; run as root or install them." >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null
}

# shellcheck disable=SC2034 # read by the scripts that source this file
BUILD_PACKAGES=(pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev postgresql)
# shellcheck disable=SC2034
TEST_PACKAGES=(chromium chromium-driver shellcheck curl ca-certificates openssl xmlsec1)

# The newest PostgreSQL server binaries on this machine.
pg_bindir() {
  local d
  while read -r d; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
  echo "No PostgreSQL server found (looked in /usr/lib/postgresql/*/bin)." >&2
  return 1
}

# Can the postgres system user reach this directory? (Parents such as /root are often
# closed to other users.)
postgres_can_reach() {
  runuser -u postgres -- test -x "$1" 2>/dev/null
}

# start_pg DATA_DIR PORT [throwaway]
# Creates the cluster on first use and starts it on 127.0.0.1:PORT with trust auth.
# Server binaries refuse to run as root, so they run as the postgres user.
start_pg() {
  local dir="$1" port="$2" mode="${3:-keep}" bindir
  bindir=$(pg_bindir)
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    runuser -u postgres -- "$bindir/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300"
  # The benchmark reads back the statements a page runs from a CSV log
  # (benches/customers/floor.rs); scripts/bench asks for it.
  if [ "${HUB_PG_CSVLOG:-0}" = 1 ]; then
    opts="$opts -c logging_collector=on -c log_destination=stderr,csvlog -c log_directory=log"
  fi
  if [ "$mode" = throwaway ]; then
    # Tests and benchmarks: no durability, and pg_stat_statements to count what a page
    # runs (tests/it/statements.rs).
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    opts="$opts -c shared_preload_libraries=pg_stat_statements"
  fi
  if runuser -u postgres -- "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    return 0
  fi
  runuser -u postgres -- "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 -o "$opts" start >/dev/null
}

stop_pg() {
  local dir="$1" bindir
  bindir=$(pg_bindir) || return 0
  if [ -f "$dir/postmaster.pid" ]; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# A TCP port nobody listens on (best effort).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return 0; }
  done
  echo 55432
}

# Creates database $2 on the server at URL $1 when it does not exist.
ensure_database() {
  local url="$1" name="$2"
  psql "$url" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || psql "$url" -qc "CREATE DATABASE \"$name\"" >/dev/null
}

# axe-core, the accessibility checker the browser tests run in each page they check
# (tests/it/browser.rs), from the npm registry: pinned, checked against the registry's
# integrity hash, kept under DIR between runs. Prints the path of axe.min.js.
AXE_VERSION=4.14.1
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
fetch_axe() {
  local dir="$1/axe-core-$AXE_VERSION" tgz got
  if [ ! -f "$dir/axe.min.js" ]; then
    mkdir -p "$dir"
    tgz="$dir/axe-core.tgz"
    curl -fsSL --retry 3 -o "$tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [ "$got" != "$AXE_INTEGRITY" ]; then
      echo "axe-core $AXE_VERSION from the npm registry does not match its integrity hash." >&2
      rm -f "$tgz"
      return 1
    fi
    tar -xzf "$tgz" -C "$dir" --strip-components=1 package/axe.min.js
    rm -f "$tgz"
  fi
  echo "$dir/axe.min.js"
}

# The identity providers the sign-in tests run (tests/idp: oidc-provider and samlify, from
# the npm registry, pinned by tests/idp/package-lock.json). Installs them when
# node_modules is missing or older than the lock file.
ensure_idp_harness() {
  local dir="tests/idp"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
    || [ "$dir/node_modules/.package-lock.json" -ot "$dir/package-lock.json" ]; then
    # Debian's own Node.js when the machine has none (oidc-provider wants 20 or later).
    command -v npm >/dev/null || ensure_packages nodejs npm
    command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or later to run the sign-in tests." >&2; return 1; }
    say "Installing the test identity providers (npm ci in $dir)"
    npm ci --no-audit --no-fund --prefix "$dir" >/dev/null
  fi
}

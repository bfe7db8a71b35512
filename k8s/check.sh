#!/usr/bin/env bash
# Renders and validates every kustomize combination of k8s/, offline:
#   base alone, base + every subset of the components (so base + each one too),
#   and every overlay.
# Each rendering is validated with kubeconform -strict against
#   - strict JSON schemas of the built-in kinds for Kubernetes $K8S_VERSION (from
#     the kubernetes-validate wheel on PyPI, made standalone by tools/k8s-schemas.py);
#   - the operators' CRD schemas in ../shared/k8s-schemas/crds (Strimzi, CloudNativePG,
#     Keycloak, KEDA, OpenTelemetry, Prometheus operator);
# and with tools/check-manifests.py (pod security, probes, shutdown, references,
# topics; production: every service autoscaled from 2 replicas). It also fails when
# components/keycloak-operator/realm-import.json no longer matches deploy/keycloak/duban-realm.json.
#
#   k8s/check.sh          # everything: base + each of the 64 subsets of components, overlays
#   k8s/check.sh --each   # quicker: base, base + each component, overlays
#
# Tools are built or fetched once into $DUBAN_CACHE_DIR (default ~/.cache/duban):
# kustomize and kubeconform with `go install` (Go module proxy), the schema wheel
# with `pip download` (PyPI). Nothing is written to the repository.
set -euo pipefail

KUSTOMIZE_VERSION=v5.8.1
KUBECONFORM_VERSION=v0.7.0
KUBERNETES_VALIDATE_VERSION=1.35.0
PYYAML_VERSION=6.0.3
: "${K8S_VERSION:=1.33.0}"
COMBINATIONS=all
case ${1:-} in
"") ;;
--each) COMBINATIONS=each ;;
*)
  printf 'usage: %s [--each]\n' "$0" >&2
  exit 2
  ;;
esac

K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$K8S_DIR")
: "${DUBAN_CACHE_DIR:=$HOME/.cache/duban}"
: "${DUBAN_SHARED_DIR:=$ROOT/../shared}"
CRD_SCHEMAS=$DUBAN_SHARED_DIR/k8s-schemas/crds

COMPONENTS=(kafka-strimzi postgres-cnpg keycloak-operator otel-collector keda monitoring)
OVERLAYS=(dev production)

say() { printf 'k8s/check: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# --- tools ------------------------------------------------------------------------------
go_tool() { # <name> <version> <package>: prints the path of the binary, building it if missing
  local name=$1 version=$2 package=$3 dir
  dir=$DUBAN_CACHE_DIR/bin/$name-$version
  if [[ ! -x $dir/$name ]]; then
    command -v go >/dev/null 2>&1 || die "$name $version is not in $dir and Go is missing to build it"
    say "building $name $version into $dir (go install, once)"
    mkdir -p "$dir"
    GOBIN=$dir GOFLAGS='' go install "$package@$version" >&2 || die "go install $package@$version failed"
  fi
  printf '%s\n' "$dir/$name"
}

KUSTOMIZE=$(go_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5)
KUBECONFORM=$(go_tool kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform)

command -v python3 >/dev/null 2>&1 || die "python3 is required"
PYTHON=python3
if ! python3 -c 'import yaml' 2>/dev/null; then
  venv=$DUBAN_CACHE_DIR/venv-k8s-check-pyyaml-$PYYAML_VERSION
  if [[ ! -x $venv/bin/python ]]; then
    say "installing PyYAML $PYYAML_VERSION into $venv (once)"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q "PyYAML==$PYYAML_VERSION" >&2; }; then
      die "cannot install PyYAML (pip install PyYAML==$PYYAML_VERSION)"
    fi
  fi
  PYTHON=$venv/bin/python
fi

# --- schemas ------------------------------------------------------------------------------
SCHEMA_ARGS=()
BUILTIN_SCHEMAS=$DUBAN_CACHE_DIR/k8s-json-schema/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION
if [[ ! -d $BUILTIN_SCHEMAS/v$K8S_VERSION-standalone-strict ]]; then
  wheel_dir=$DUBAN_CACHE_DIR/dl
  wheel=$wheel_dir/kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-py3-none-any.whl
  if [[ ! -f $wheel ]]; then
    say "fetching kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI (its schemas, once)"
    mkdir -p "$wheel_dir"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$wheel_dir" \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2 || true
  fi
  if [[ -f $wheel ]]; then
    python3 "$K8S_DIR/tools/k8s-schemas.py" "$wheel" "$K8S_VERSION" "$BUILTIN_SCHEMAS" >&2 ||
      die "cannot extract the Kubernetes $K8S_VERSION schemas from $wheel"
  fi
fi
BUILTIN_VALIDATED=yes
if [[ -d $BUILTIN_SCHEMAS/v$K8S_VERSION-standalone-strict ]]; then
  SCHEMA_ARGS+=(-schema-location "$BUILTIN_SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json")
else
  BUILTIN_VALIDATED=no
fi
CRD_VALIDATED=yes
if [[ -d $CRD_SCHEMAS ]]; then
  SCHEMA_ARGS+=(-schema-location "$CRD_SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json")
else
  CRD_VALIDATED=no
fi

# --- renderings ---------------------------------------------------------------------------
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

failures=0
fail() {
  say "FAIL: $*"
  failures=$((failures + 1))
}

# The realm copy the Keycloak operator imports must match the realm as code.
"$PYTHON" "$K8S_DIR/tools/realm-import.py" >"$WORK/realm-import.json"
if ! cmp -s "$WORK/realm-import.json" "$K8S_DIR/components/keycloak-operator/realm-import.json"; then
  fail "components/keycloak-operator/realm-import.json differs from deploy/keycloak/duban-realm.json;" \
    "run: python3 k8s/tools/realm-import.py > k8s/components/keycloak-operator/realm-import.json"
fi

# Every rendering is a file named after what it renders, so the reports below say which.
RENDERINGS=$WORK/renderings
mkdir -p "$RENDERINGS" "$WORK/combinations"
# All combination folders are one level below $WORK/combinations.
REL=$("$PYTHON" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$K8S_DIR" "$WORK/combinations/x")

render() { # <name> <kustomization dir>
  local out=$RENDERINGS/${1//\//@}.yaml
  if ! "$KUSTOMIZE" build "$2" >"$out" 2>"$WORK/kustomize.err"; then
    fail "$1: kustomize build failed: $(cat "$WORK/kustomize.err")"
    rm -f "$out"
  fi
}

n=${#COMPONENTS[@]}
count=0
for ((mask = 0; mask < (1 << n); mask++)); do
  chosen=()
  for ((i = 0; i < n; i++)); do
    if ((mask & (1 << i))); then chosen+=("${COMPONENTS[i]}"); fi
  done
  if [[ $COMBINATIONS == each ]] && ((${#chosen[@]} > 1)); then continue; fi
  name=base
  for component in "${chosen[@]}"; do name+="+$component"; done
  dir=$WORK/combinations/$name
  mkdir -p "$dir"
  {
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - %s/base\n' "$REL"
    if ((${#chosen[@]} > 0)); then
      printf 'components:\n'
      for component in "${chosen[@]}"; do printf '  - %s/components/%s\n' "$REL" "$component"; done
    fi
  } >"$dir/kustomization.yaml"
  render "$name" "$dir"
  count=$((count + 1))
done
for overlay in "${OVERLAYS[@]}"; do
  render "overlays/$overlay" "$K8S_DIR/overlays/$overlay"
  count=$((count + 1))
done

say "kustomize $KUSTOMIZE_VERSION, kubeconform $KUBECONFORM_VERSION, Kubernetes $K8S_VERSION schemas" \
  "(kubernetes-validate $KUBERNETES_VALIDATE_VERSION): $count renderings"
if [[ $BUILTIN_VALIDATED == no ]]; then
  say "WARNING: no schemas for the built-in kinds (PyPI unreachable and nothing cached):" \
    "built-in kinds (Deployment, Service, …) are SKIPPED by kubeconform; only custom resources are schema-checked"
fi
if [[ $CRD_VALIDATED == no ]]; then
  say "WARNING: $CRD_SCHEMAS is missing (../shared is not beside the repository):" \
    "custom resources (Kafka, Cluster, Keycloak, ScaledObject, …) are SKIPPED by kubeconform"
fi

# Kinds to skip when their schemas are unavailable: custom resources are those of an
# API group with a dot outside *.k8s.io, built-in kinds all others.
kinds() { # builtin|custom
  "$PYTHON" - "$1" "$RENDERINGS"/*.yaml <<'PY'
import sys, yaml
want_custom, kinds = sys.argv[1] == "custom", set()
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        if doc:
            group = doc["apiVersion"].rpartition("/")[0]
            if ("." in group and not group.endswith(".k8s.io")) == want_custom:
                kinds.add(doc["kind"])
print(",".join(sorted(kinds)))
PY
}
skip=()
[[ $BUILTIN_VALIDATED == yes ]] || skip+=("$(kinds builtin)")
[[ $CRD_VALIDATED == yes ]] || skip+=("$(kinds custom)")
skip_csv=$(IFS=,; printf '%s' "${skip[*]:-}")

# One kubeconform run over all renderings; its JSON report is summed up per rendering.
"$KUBECONFORM" -strict -verbose -output json -kubernetes-version "$K8S_VERSION" \
  ${skip_csv:+-skip "$skip_csv"} "${SCHEMA_ARGS[@]}" "$RENDERINGS"/*.yaml >"$WORK/kubeconform.json" || true
if ! "$PYTHON" - "$WORK/kubeconform.json" "$RENDERINGS"/*.yaml <<'PY'; then
import collections, json, os, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
status = collections.defaultdict(collections.Counter)
problems = collections.defaultdict(list)
for resource in report["resources"]:
    name = os.path.basename(resource["filename"])[:-len(".yaml")].replace("@", "/")
    kind = resource["status"].removeprefix("status").lower()
    status[name][kind] += 1
    if kind in ("invalid", "error"):
        problems[name].append(f'{resource["kind"]} {resource["name"]}: {resource["msg"]}')
failed = False
for path in sys.argv[2:]:
    name = os.path.basename(path)[:-len(".yaml")].replace("@", "/")
    counts = status[name]
    if problems[name] or not counts:
        failed = True
        print(f"FAIL {name}: kubeconform")
        for line in problems[name] or ["no resource was validated"]:
            print(f"       {line}")
    else:
        skipped = f", {counts['skipped']} skipped (no schema available)" if counts["skipped"] else ""
        print(f"ok   {name}: {counts['valid']} resources valid{skipped}")
sys.exit(1 if failed else 0)
PY
  fail "kubeconform found invalid resources (above)"
fi

# Rules a schema cannot express; production must also be autoscaled from 2 replicas.
rules() { # [--autoscaled-min N] <rendering>...: problems named by rendering, not by temporary file
  local status=0
  "$PYTHON" "$K8S_DIR/tools/check-manifests.py" "$@" >"$WORK/rules.out" || status=$?
  sed -e "s|^$RENDERINGS/||" -e 's|^\([^:]*\)\.yaml: |\1: |' -e 's|^\([^:@]*\)@|\1/|' "$WORK/rules.out"
  return "$status"
}
production=$RENDERINGS/overlays@production.yaml
others=()
for file in "$RENDERINGS"/*.yaml; do [[ $file == "$production" ]] || others+=("$file"); done
if ((${#others[@]} > 0)) && ! rules "${others[@]}"; then
  fail "manifest rules (above)"
fi
if [[ -f $production ]] && ! rules --autoscaled-min 2 "$production"; then
  fail "manifest rules of overlays/production (above)"
fi

if ((failures > 0)); then
  say "$failures problem(s)"
  exit 1
fi
say "all $count renderings valid"

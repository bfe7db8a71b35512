#!/usr/bin/env python3
"""Turns the strict Kubernetes JSON schemas of the kubernetes-validate wheel into
the standalone layout kubeconform reads offline.

    k8s-schemas.py <kubernetes_validate-*.whl> <kubernetes version, e.g. 1.33.0> <output dir>

kubernetes-validate (PyPI) ships, per Kubernetes version, one schema per kind whose
$refs point into a shared _definitions.json under a web $id; kubeconform cannot
follow those without the network. This writes
<output dir>/v<version>-standalone-strict/<kind>-<group>-<version>.json, each
with the definitions it needs inlined, which is the naming of kubeconform's
default `{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/
{{ .ResourceKind }}{{ .KindSuffix }}.json` template. Standard library only.
"""
import json
import pathlib
import shutil
import sys
import zipfile

EXTERNAL_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"


def rewrite_refs(node, found):
    """Points external $refs at the inlined $defs and collects the names referred to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            for prefix in (EXTERNAL_REF, LOCAL_REF):
                if ref.startswith(prefix):
                    name = ref[len(prefix):]
                    node["$ref"] = LOCAL_REF + name
                    found.add(name)
        for value in node.values():
            rewrite_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            rewrite_refs(value, found)


def standalone(schema, definitions):
    needed, queue, inlined = set(), [], {}
    rewrite_refs(schema, needed)
    queue.extend(needed)
    while queue:
        name = queue.pop()
        if name in inlined:
            continue
        if name not in definitions:
            raise KeyError(f"definition {name} is missing from _definitions.json")
        definition = json.loads(json.dumps(definitions[name]))
        more = set()
        rewrite_refs(definition, more)
        inlined[name] = definition
        queue.extend(more - inlined.keys())
    schema.pop("$id", None)
    schema["$defs"] = inlined
    return schema


def main(wheel, version, output):
    prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
    target = pathlib.Path(output) / f"v{version}-standalone-strict"
    # Written aside and renamed at the end: an interrupted run leaves no half folder.
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.startswith(prefix)]
        if not names:
            sys.exit(f"{wheel} has no schemas for Kubernetes {version}")
        definitions = json.loads(archive.read(prefix + "_definitions.json"))["$defs"]
        written = 0
        for name in names:
            filename = name[len(prefix):]
            if "/" in filename or not filename.endswith(".json") or filename.startswith("_"):
                continue
            schema = json.loads(archive.read(name))
            # Only the kinds a manifest can have (Deployment, Service, …), not their parts.
            if "x-kubernetes-group-version-kind" not in schema:
                continue
            (partial / filename).write_text(json.dumps(standalone(schema, definitions)), encoding="utf-8")
            written += 1
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    print(f"{written} schemas for Kubernetes {version} in {target}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])

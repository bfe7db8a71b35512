#!/usr/bin/env python3
"""Writes the KeycloakRealmImport of components/keycloak-operator from the realm as code.

The Keycloak operator takes the realm inline (spec.realm), not from a file or a
ConfigMap, so the component holds a generated copy of deploy/keycloak/duban-realm.json.
k8s/check.sh fails when the copy is stale; regenerate it with

    python3 k8s/tools/realm-import.py > k8s/components/keycloak-operator/realm-import.json

JSON is valid YAML, so kustomize reads the file as a resource. Standard library only.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
REALM_FILE = ROOT / "deploy" / "keycloak" / "duban-realm.json"


def realm_import() -> dict:
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return {
        "apiVersion": "k8s.keycloak.org/v2alpha1",
        "kind": "KeycloakRealmImport",
        "metadata": {"name": "duban-realm"},
        "spec": {"keycloakCRName": "duban-keycloak", "realm": realm},
    }


if __name__ == "__main__":
    json.dump(realm_import(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")

#!/usr/bin/env python3
"""Checks rendered manifests for what a schema cannot see (called by k8s/check.sh).

    check-manifests.py [--autoscaled-min N] <rendering.yaml>...

Per Deployment: the pod rules of STYLE.md (non-root, read-only root filesystem,
capabilities dropped, no privilege escalation, seccomp RuntimeDefault, no service
account token), probes on /health/live, /health/ready and a startup probe,
requests and limits, a preStop hook and a grace period longer than preStop plus
SHUTDOWN_TIMEOUT_MS; a Service, a PodDisruptionBudget and a ServiceAccount that
match it. DATABASE_URL comes from a Secret and names duban_<service>. Every
reference between the Duban resources resolves (ConfigMaps, scale targets), and
the KafkaTopics are exactly the topics the services use, KEDA's Kafka address
names the namespace it is rendered into. With --autoscaled-min N
(production), every Deployment is scaled by an HPA or a KEDA ScaledObject whose
minimum is at least N. Prints one line per problem; exits 1 if there is any.
"""
import argparse
import re
import sys

import yaml

PRODUCERS = ["intake", "dispatch", "collaboration", "escalation", "assessment", "notification"]
CONSUMER_GROUPS = ["intake", "dispatch", "collaboration", "escalation", "assessment", "notification"]
EXPECTED_TOPICS = {f"duban.{s}.events" for s in PRODUCERS} | {f"duban.{s}.dlq" for s in CONSUMER_GROUPS}
PARTITIONS = 6


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def seconds(quantity):
    return int(quantity)


class Rendering:
    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as handle:
            self.docs = [d for d in yaml.safe_load_all(handle) if d]
        self.problems = []

    def of(self, kind):
        return [d for d in self.docs if d.get("kind") == kind]

    def named(self, kind, name):
        return next((d for d in self.of(kind) if d["metadata"]["name"] == name), None)

    def problem(self, resource, text):
        self.problems.append(f"{self.path}: {resource['kind']} {resource['metadata']['name']}: {text}")

    def check_deployment(self, deployment):
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        pod = template["spec"]
        labels = template["metadata"].get("labels", {})
        say = lambda text: self.problem(deployment, text)  # noqa: E731

        if pod.get("automountServiceAccountToken") is not False:
            say("automountServiceAccountToken must be false")
        account = self.named("ServiceAccount", pod.get("serviceAccountName", ""))
        if account is None:
            say(f"ServiceAccount {pod.get('serviceAccountName')} is not in the rendering")
        elif account.get("automountServiceAccountToken") is not False:
            say(f"ServiceAccount {account['metadata']['name']} must set automountServiceAccountToken: false")
        pod_security = pod.get("securityContext", {})
        if pod_security.get("runAsNonRoot") is not True:
            say("pod securityContext.runAsNonRoot must be true")
        if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            say("pod securityContext.seccompProfile.type must be RuntimeDefault")

        config = {}
        for container in pod["containers"]:
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef", {}).get("name")
                if ref is None:
                    continue
                config_map = self.named("ConfigMap", ref)
                if config_map is None:
                    say(f"ConfigMap {ref} is not in the rendering")
                else:
                    config.update(config_map.get("data", {}))
        shutdown_s = int(config.get("SHUTDOWN_TIMEOUT_MS", "25000")) / 1000

        for container in pod["containers"]:
            where = f"container {container['name']}: "
            security = container.get("securityContext", {})
            if security.get("allowPrivilegeEscalation") is not False:
                say(where + "allowPrivilegeEscalation must be false")
            if security.get("readOnlyRootFilesystem") is not True:
                say(where + "readOnlyRootFilesystem must be true")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                say(where + "capabilities must drop ALL")
            resources = container.get("resources", {})
            for part, keys in (("requests", ("cpu", "memory")), ("limits", ("cpu", "memory"))):
                for key in keys:
                    if key not in resources.get(part, {}):
                        say(where + f"resources.{part}.{key} is missing")
            for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
                got = container.get(probe, {}).get("httpGet", {}).get("path")
                if got != path:
                    say(where + f"{probe} must GET {path} (has {got})")
            if "startupProbe" not in container:
                say(where + "startupProbe is missing")
            pre_stop = container.get("lifecycle", {}).get("preStop")
            if not pre_stop:
                say(where + "lifecycle.preStop is missing (endpoints must drain before SIGTERM)")
                pre_stop_s = 0
            else:
                pre_stop_s = seconds(pre_stop.get("sleep", {}).get("seconds", 0))
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace <= pre_stop_s + shutdown_s:
                say(f"terminationGracePeriodSeconds {grace} must exceed preStop {pre_stop_s}s + SHUTDOWN_TIMEOUT_MS {shutdown_s:g}s")
            env = {e["name"]: e for e in container.get("env", [])}
            if "DATABASE_URL" in env:
                service = name.removeprefix("duban-")
                url = env["DATABASE_URL"].get("value", "")
                if not url.endswith(f"/duban_{service}"):
                    say(where + f"DATABASE_URL must name the database duban_{service}")
                secret_refs = [e for e in env.values() if "secretKeyRef" in e.get("valueFrom", {})]
                if "$(" in url and not secret_refs:
                    say(where + "DATABASE_URL credentials must come from a Secret")
                if re.search(r"://[^$@/]+:[^$@/]+@", url):
                    say(where + "DATABASE_URL has a literal password")

        if not any(selects(s["spec"].get("selector"), labels) for s in self.of("Service")):
            say("no Service selects its pods")
        if not any(selects(p["spec"].get("selector", {}).get("matchLabels"), labels) for p in self.of("PodDisruptionBudget")):
            say("no PodDisruptionBudget selects its pods")

    def scalers(self):
        """(kind, name, target Deployment, minimum, maximum) of every autoscaler."""
        for hpa in self.of("HorizontalPodAutoscaler"):
            spec = hpa["spec"]
            yield hpa, spec["scaleTargetRef"]["name"], spec.get("minReplicas", 1), spec["maxReplicas"]
        for scaled in self.of("ScaledObject"):
            spec = scaled["spec"]
            yield scaled, spec["scaleTargetRef"]["name"], spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)

    def check(self, autoscaled_min):
        deployments = self.of("Deployment")
        for deployment in deployments:
            self.check_deployment(deployment)

        scaled = {}
        for scaler, target, minimum, maximum in self.scalers():
            if self.named("Deployment", target) is None:
                self.problem(scaler, f"scales Deployment {target}, which is not in the rendering")
            if target in scaled:
                self.problem(scaler, f"Deployment {target} already has an autoscaler")
            scaled[target] = minimum
            if scaler["kind"] == "ScaledObject":
                namespace = scaler["metadata"].get("namespace")
                for trigger in scaler["spec"].get("triggers", []):
                    host = trigger.get("metadata", {}).get("bootstrapServers", "").split(":")[0]
                    # KEDA resolves the address in its own namespace: it must name this one.
                    if namespace and host.split(".")[1:2] != [namespace]:
                        self.problem(scaler, f"bootstrapServers {host} is not fully qualified with namespace {namespace}")
                if maximum > PARTITIONS:
                    self.problem(scaler, f"maxReplicaCount {maximum} > {PARTITIONS} partitions: the extra consumers would idle")
                if minimum < 1:
                    self.problem(scaler, "minReplicaCount must be at least 1: the service also serves HTTP")
        if autoscaled_min is not None:
            for deployment in deployments:
                name = deployment["metadata"]["name"]
                if name not in scaled:
                    self.problem(deployment, "has no HPA or ScaledObject")
                elif scaled[name] < autoscaled_min:
                    self.problem(deployment, f"autoscaler minimum {scaled[name]} < {autoscaled_min}")

        topics = self.of("KafkaTopic")
        if topics:
            names = {t.get("spec", {}).get("topicName", t["metadata"]["name"]) for t in topics}
            for missing in sorted(EXPECTED_TOPICS - names):
                self.problems.append(f"{self.path}: KafkaTopic for {missing} is missing")
            for extra in sorted(names - EXPECTED_TOPICS):
                self.problems.append(f"{self.path}: KafkaTopic {extra} is used by no service")
            for topic in topics:
                if topic["spec"].get("partitions") != PARTITIONS:
                    self.problem(topic, f"must have {PARTITIONS} partitions (KAFKA_PARTITIONS, KEDA maximum)")
        return self.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--autoscaled-min", type=int)
    parser.add_argument("renderings", nargs="+")
    args = parser.parse_args()
    problems = []
    for path in args.renderings:
        problems += Rendering(path).check(args.autoscaled_min)
    for line in problems:
        print(line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

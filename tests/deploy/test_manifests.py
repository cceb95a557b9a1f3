"""The deployment files are valid and agree with the code: the kustomize base against the
Kubernetes 1.37 schemas (kubernetes-validate), compose against the compose-spec schema, and
every STUDIO_* name, probe path and metric they use exists in the studio."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from studio.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.37.0"
HEALTH = "/api/v1/health"


def _setting_names() -> set[str]:
    names = set()
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"STUDIO_{name.upper()}")
    return names


def _render_kustomize() -> list[dict[str, Any]]:
    """The base as kustomize renders it (the subset it uses: resources, namespace, labels)."""
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "namespace", "labels", "resources"}
    labels: dict[str, str] = {}
    for entry in kustomization.get("labels", []):
        labels |= entry["pairs"]
    docs = []
    for name in kustomization["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
            doc["metadata"]["labels"] = doc["metadata"].get("labels", {}) | labels
            docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return _render_kustomize()


def _find(docs, kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def test_every_manifest_validates_against_kubernetes(manifests):
    for doc in manifests:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kubectl_renders_the_same_objects(manifests):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the base is rendered in Python only")
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "k8s")], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    rendered = list(yaml.safe_load_all(out.stdout))
    for doc in rendered:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    key = lambda d: (d["kind"], d["metadata"]["name"], d["metadata"].get("namespace"))  # noqa: E731
    assert sorted(map(key, rendered)) == sorted(map(key, manifests))


def test_web_is_probed_scaled_and_reachable(manifests):
    web = _find(manifests, "Deployment", "studio-web")
    pod = web["spec"]["template"]
    container = pod["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["STUDIO_EMBEDDED_WORKER"] == "false"
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    service = _find(manifests, "Service", "studio-web")
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    hpa = _find(manifests, "HorizontalPodAutoscaler", "studio-web")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "studio-web",
    }
    ingress = _find(manifests, "Ingress", "studio-web")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "studio-web"
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


@pytest.mark.parametrize(
    ("name", "queue"), [("studio-worker", "default"), ("studio-video-worker", "video")]
)
def test_workers_get_a_gpu_and_their_queue(manifests, name, queue):
    pod = _find(manifests, "Deployment", name)["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["args"] == ["python", "-m", "worker", "--queues", queue]
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_settings_named_in_manifests_exist(manifests):
    known = _setting_names()
    config = _find(manifests, "ConfigMap", "studio-config")
    secret = _find(manifests, "Secret", "studio-secrets")
    named = set(config["data"]) | set(secret["stringData"])
    for doc in manifests:
        if doc["kind"] != "Deployment":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            named |= {e["name"] for e in container.get("env", [])}
            for source in container["envFrom"]:
                ref = source.get("configMapRef") or source.get("secretRef")
                assert ref["name"] in {"studio-config", "studio-secrets"}
    assert named <= known, named - known


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_validates_against_the_compose_spec():
    schema_file = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(schema_file.read_text())
    jsonschema.Draft202012Validator(schema).validate(_compose())


def test_compose_runs_every_role_with_known_settings():
    compose = _compose()
    services = compose["services"]
    assert {
        "proxy",
        "web",
        "worker",
        "video-worker",
        "postgres",
        "redis",
        "minio",
        "prometheus",
        "grafana",
    } <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["web"]["environment"]["STUDIO_EMBEDDED_WORKER"] == "false"
    for worker, queue in (("worker", "default"), ("video-worker", "video")):
        devices = services[worker]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["capabilities"] == ["gpu"]
        assert services[worker]["command"][-1] == queue
    known = _setting_names()
    for service in services.values():
        named = {k for k in service.get("environment", {}) if k.startswith("STUDIO_")}
        assert named <= known, named - known
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    env_example = (DEPLOY / "studio.env.example").read_text()
    assert set(re.findall(r"^(STUDIO_\w+)=", env_example, re.M)) <= known


def test_prometheus_scrapes_web_with_the_token_and_workers():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    web = jobs["studio-web"]
    assert web["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert _compose()["secrets"]["metrics_token"]["environment"] == "STUDIO_METRICS_TOKEN"
    assert jobs["studio-worker"]["dns_sd_configs"][0]["port"] == 9400


def test_dockerfile_builds_both_variants_as_a_non_root_user_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG VARIANT=gpu$", text, re.M)
    assert "download.pytorch.org/whl/cpu" in text
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*" + re.escape(HEALTH), text, re.M)
    for source in re.findall(r"^COPY (\S+) ", text, re.M):
        assert (ROOT / source).exists(), source


def _metric_names() -> set[str]:
    """Every sample name the studio's metrics can expose."""
    from prometheus_client import REGISTRY, generate_latest

    import studio.telemetry  # noqa: F401 — registers the studio's metrics

    names = set()
    for line in generate_latest(REGISTRY).decode().splitlines():
        if line.startswith("# TYPE studio_"):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return names


def test_grafana_dashboard_plots_real_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "studio.json").read_text())
    known = _metric_names()
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in (
        "feature",
        "status",
        "p95",
        "queue depth",
        "credits",
        "failures",
        "gpu",
        "heartbeat",
    ):
        assert topic in titles, topic
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used = set(re.findall(r"\bstudio_[a-z_]+", target["expr"]))
            assert used and used <= known, (panel["title"], used - known)
    provider = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "studio.yaml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"

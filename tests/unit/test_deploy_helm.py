"""The Helm chart (deploy/helm/kenning) rendered by the real helm binary and every object checked
against the Kubernetes 1.37 schemas that kubernetes-validate ships (offline).

scripts/install builds helm once into ~/.cache/kenning/bin; without it these tests skip and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "kenning"
CLUSTER_CHART = ROOT / "deploy" / "helm" / "kenning-cluster"
K8S_VERSION = "1.37.0"
# Custom resources the pinned core schemas cannot know; each is checked structurally below.
CUSTOM_KINDS = {"ScaledObject"}


def _helm() -> str | None:
    cache = Path(os.environ.get("KENNING_CACHE_DIR", Path.home() / ".cache" / "kenning"))
    cached = cache / "bin" / "helm"
    return str(cached) if cached.is_file() else shutil.which("helm")


HELM = _helm()
pytestmark = pytest.mark.skipif(
    HELM is None, reason="helm not built: scripts/install builds it into ~/.cache/kenning/bin (go install)"
)


def render(*values: Path, sets: tuple[str, ...] = (), chart: Path = CHART) -> list[dict]:
    argv = [HELM, "template", "kenning", str(chart), "--namespace", "kenning"]
    for v in values:
        argv += ["-f", str(v)]
    for s in sets:
        argv += ["--set", s]
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(result.stderr)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


class RenderError(Exception):
    pass


def cluster_values(tmp_path: Path, name: str = "values.yaml") -> Path:
    """The kenning subchart's values as the kenning-cluster umbrella passes them."""
    nested = yaml.safe_load((CLUSTER_CHART / name).read_text())["kenning"]
    path = tmp_path / f"cluster-{name}"
    path.write_text(yaml.safe_dump(nested))
    return path


VALUE_SETS = {
    "one-node-cpu": lambda tmp: [],
    "gpu-pool": lambda tmp: [CHART / "values-gpu.yaml"],
    "cluster-external-engines": lambda tmp: [cluster_values(tmp), cluster_values(tmp, "values-gpu.yaml")],
}


@pytest.fixture(params=sorted(VALUE_SETS))
def rendered(request, tmp_path) -> list[dict]:
    return render(*VALUE_SETS[request.param](tmp_path))


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_every_rendered_object_is_valid_for_the_pinned_kubernetes(rendered):
    import kubernetes_validate

    kinds = set()
    for doc in rendered:
        kinds.add(doc["kind"])
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    assert {"Deployment", "StatefulSet", "Service", "Job", "NetworkPolicy", "Secret"} <= kinds


def test_the_schema_check_catches_a_misspelt_field():
    import kubernetes_validate

    deployment = by_kind(render(), "Deployment")["kenning-web"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pth"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_one_node_values_bundle_the_engines_and_run_no_gpu():
    docs = render()
    sets = by_kind(docs, "StatefulSet")
    assert set(sets) == {
        "kenning-model",
        "kenning-redis",
        "kenning-postgresql",
        "kenning-qdrant",
        "kenning-neo4j",
    }
    model = sets["kenning-model"]
    assert model["spec"]["replicas"] == 1
    server = model["spec"]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in server["resources"]["limits"]
    assert env_of(server)["MODEL_N_GPU_LAYERS"] == "0"


def test_gpu_pool_requests_a_gpu_per_replica_and_offloads_every_layer():
    docs = render(CHART / "values-gpu.yaml")
    model = by_kind(docs, "StatefulSet")["kenning-model"]
    server = model["spec"]["template"]["spec"]["containers"][0]
    assert model["spec"]["replicas"] == 2
    assert server["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert env_of(server)["MODEL_N_GPU_LAYERS"] == "-1"
    assert model["spec"]["template"]["spec"]["tolerations"][0]["key"] == "nvidia.com/gpu"


def test_clients_get_one_url_per_model_replica_for_the_affinity_ring():
    docs = render(sets=("model.replicas=3",))
    web = by_kind(docs, "Deployment")["kenning-web"]
    urls = env_of(web["spec"]["template"]["spec"]["containers"][0])["MODEL_SERVER_URLS"]
    assert urls == ",".join(f"http://kenning-model-{i}.kenning-model.kenning.svc:8081" for i in range(3))
    service = by_kind(docs, "Service")["kenning-model"]
    assert service["spec"]["clusterIP"] == "None"  # per-pod DNS names


def test_model_server_is_ready_only_on_health_and_verifies_its_files():
    sha = "a" * 64
    docs = render(sets=("model.files[0].path=/models/big-moe.gguf", f"model.files[0].sha256={sha}"))
    model = by_kind(docs, "StatefulSet")["kenning-model"]
    spec = model["spec"]["template"]["spec"]
    server = spec["containers"][0]
    assert server["readinessProbe"]["httpGet"]["path"] == "/health"
    init = {c["name"]: c for c in spec["initContainers"]}
    assert init["assemble-models"]["command"] == ["python", "-m", "model.assemble", "/models"]
    assert f"{sha}  /models/big-moe.gguf" in init["verify-model-files"]["command"][2]
    assert any(m["name"] == "models" and m["readOnly"] for m in server["volumeMounts"])


def test_a_model_file_without_a_real_sha256_is_refused_at_render():
    with pytest.raises(RenderError, match="needs a 64-hex sha256"):
        render(sets=("model.files[0].path=/models/x.gguf", "model.files[0].sha256=abc"))


def test_workers_are_split_by_queue_and_keda_scales_each_on_its_list():
    docs = render(CHART / "values-gpu.yaml")
    deployments = by_kind(docs, "Deployment")
    queues = {}
    for name in ("kenning-worker-ingest", "kenning-worker-graph"):
        argv = deployments[name]["spec"]["template"]["spec"]["containers"][0]["command"]
        queues[name] = next(a.split("=", 1)[1] for a in argv if a.startswith("--queues="))
        assert "replicas" not in deployments[name]["spec"]  # KEDA owns the count
    assert queues == {"kenning-worker-ingest": "celery", "kenning-worker-graph": "graph"}
    scaled = by_kind(docs, "ScaledObject")
    for name, queue in queues.items():
        spec = scaled[name]["spec"]
        assert scaled[name]["apiVersion"] == "keda.sh/v1alpha1"
        assert spec["scaleTargetRef"]["name"] == name
        assert [(t["type"], t["metadata"]["listName"]) for t in spec["triggers"]] == [("redis", queue)]
        assert int(spec["minReplicaCount"]) <= int(spec["maxReplicaCount"])
    worker_env = env_of(deployments["kenning-worker-graph"]["spec"]["template"]["spec"]["containers"][0])
    assert worker_env["CELERY_GRAPH_QUEUE"] == "graph"


def test_keda_is_off_on_one_node_and_web_scales_on_cpu():
    docs = render()
    assert by_kind(docs, "ScaledObject") == {}
    hpa = by_kind(docs, "HorizontalPodAutoscaler")["kenning-web"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "kenning-web"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_only_web_and_workers_may_reach_the_model_and_index_servers(rendered):
    policies = by_kind(rendered, "NetworkPolicy")
    for name in ("kenning-model", "kenning-qdrant"):
        first = policies[name]["spec"]["ingress"][0]["from"]
        exprs = {e["key"]: e["values"] for e in first[0]["podSelector"]["matchExpressions"]}
        assert exprs["app.kubernetes.io/component"] == ["web", "worker"]
        assert len(first) == 1
    # Qdrant peers of an external cluster still talk to each other.
    external = [rule for rule in policies["kenning-qdrant"]["spec"]["ingress"][1:]]
    for rule in external:
        assert {p["port"] for p in rule["ports"]} == {6333, 6334, 6335}


def test_secrets_are_mounted_from_a_secret_never_written_into_the_pod_spec(rendered):
    for kind in ("Deployment", "StatefulSet", "Job"):
        for obj in by_kind(rendered, kind).values():
            for c in containers(obj):
                env = env_of(c)
                for key in ("SECRET_KEY", "NEO4J_PASSWORD", "POSTGRES_PASSWORD", "DATABASE_URL"):
                    assert not isinstance(env.get(key), str), (
                        f"{obj['metadata']['name']}: {key} in plain text"
                    )


def test_migrations_run_as_a_hook_job_that_web_and_workers_wait_for():
    docs = render()
    job = next(iter(by_kind(docs, "Job").values()))
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == ["migrate", "--noinput"]
    for name in ("kenning-web", "kenning-worker-ingest", "kenning-worker-graph"):
        init = by_kind(docs, "Deployment")[name]["spec"]["template"]["spec"]["initContainers"]
        assert "migrate --check" in init[0]["command"][-1]


def test_secret_values_given_are_used_and_empty_ones_generated():
    docs = render(sets=("secrets.secretKey=given-key",))
    secret = by_kind(docs, "Secret")["kenning-secrets"]["stringData"]
    assert secret["SECRET_KEY"] == "given-key"
    assert len(secret["POSTGRES_PASSWORD"]) == 24
    assert secret["DATABASE_URL"].startswith("postgres://kenning:")
    assert secret["DATABASE_URL"].endswith("@kenning-postgresql:5432/kenning")


def test_external_engines_need_their_urls():
    with pytest.raises(RenderError, match="qdrant.url is required"):
        render(sets=("qdrant.bundled=false",))
    with pytest.raises(RenderError, match="keda.redisAddress"):
        render(sets=("keda.enabled=true", "redis.bundled=false", "redis.url=redis://r:6379/0"))


def test_cluster_chart_takes_qdrant_neo4j_redis_postgres_from_upstream_charts(tmp_path):
    chart = yaml.safe_load((CLUSTER_CHART / "Chart.yaml").read_text())
    deps = {d["name"]: d for d in chart["dependencies"]}
    assert deps["kenning"]["repository"] == "file://../kenning"
    assert deps["qdrant"]["repository"] == "https://qdrant.github.io/qdrant-helm"
    assert deps["neo4j"]["repository"] == "https://helm.neo4j.com/neo4j"
    for name in ("qdrant", "neo4j", "redis", "postgresql"):
        assert deps[name]["condition"] == f"{name}.enabled"
    values = yaml.safe_load((CLUSTER_CHART / "values.yaml").read_text())
    assert values["qdrant"]["config"]["cluster"]["enabled"] is True
    assert values["qdrant"]["replicaCount"] >= 3
    assert values["qdrant"]["config"]["storage"]["collection"]["replication_factor"] >= 2
    docs = render(cluster_values(tmp_path))
    assert set(by_kind(docs, "StatefulSet")) == {"kenning-model"}  # no bundled engines
    web_env = env_of(by_kind(docs, "Deployment")["kenning-web"]["spec"]["template"]["spec"]["containers"][0])
    assert web_env["QDRANT_URL"] == "http://kenning-qdrant:6333"


def test_cluster_gpu_values_are_the_app_chart_gpu_values():
    nested = yaml.safe_load((CLUSTER_CHART / "values-gpu.yaml").read_text())["kenning"]
    assert nested == yaml.safe_load((CHART / "values-gpu.yaml").read_text())

"""The Helm chart renders to manifests that Kubernetes 1.30 accepts, for the setups the how-to
describes, and refuses values that would deploy something broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import pytest

import datadive
from tests.deploy.cli_usage import usage_of
from tests.deploy.rendering import (
    CHART,
    KUBERNETES_VERSION,
    Manifest,
    Rendered,
    invalid_manifests,
    read_values,
    render_chart,
    render_error,
)

PRODUCTION_VALUES = Path(__file__).parent / "production-values.yaml"
# A container listens on every address of its pod.
ALL_ADDRESSES = "0.0.0.0"  # noqa: S104

# What an operator gives when the chart makes the Secret (secret.existingSecret empty).
CHART_MADE_SECRET = {
    "secret": {
        "existingSecret": "",
        "values": {
            "databaseUrl": "postgresql://datadive:pw@db.example.org:5432/datadive",
            "secretKey": "k" * 64,
            "hubApiToken": "t" * 32,
            "s3AccessKeyId": "AKIAEXAMPLE",
            "s3SecretAccessKey": "s" * 40,
        },
    }
}

# One replica on the embedded SQLite file and a local folder, on a volume of the operator's.
SINGLE_MACHINE = {
    "replicaCount": 1,
    "database": {"type": "sqlite"},
    "storage": {"type": "local"},
    "execution": {"backend": "local"},
    "dataVolume": {"existingClaim": "datadive-data"},
}


def containers(workload: Manifest) -> list[dict[str, Any]]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return list(spec["containers"])


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({}, id="defaults"),
        pytest.param(read_values(PRODUCTION_VALUES), id="production"),
        pytest.param(CHART_MADE_SECRET, id="chart-made-secret"),
        pytest.param(SINGLE_MACHINE, id="single-machine"),
    ],
)
def test_every_manifest_is_valid_for_kubernetes(values: dict[str, Any]) -> None:
    rendered = render_chart(values)
    assert rendered.manifests
    assert invalid_manifests(rendered.manifests) == []


def test_the_validation_catches_a_field_kubernetes_does_not_know() -> None:
    service = render_chart().one("Service")
    service["spec"]["targetPorts"] = [8000]
    [problem] = invalid_manifests([service])
    assert "targetPorts" in problem


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({}, id="defaults"),
        pytest.param(read_values(PRODUCTION_VALUES), id="production"),
    ],
)
def test_helm_lint_finds_nothing_to_fix(values: dict[str, Any]) -> None:
    report = helm.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES_VERSION}")
    findings = [m for m in report["messages"] if m["severity"] >= 2]
    assert (report["errors"], findings) == ([], [])


def test_defaults_run_three_replicas_on_postgresql_s3_and_jupyterhub() -> None:
    rendered = render_chart()
    assert rendered.kinds() == [
        "ConfigMap",
        "Deployment",
        "Job",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]
    deployment = rendered.one("Deployment")
    assert deployment["spec"]["replicas"] == 3
    config = rendered.one("ConfigMap")["data"]
    assert config["DATADIVE_EXECUTION_BACKEND"] == "jupyterhub"
    assert config["DATADIVE_STORAGE_URL"] == "s3://datadive"
    env = env_of(containers(deployment)[0])
    assert env["DATADIVE_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "datadive",
        "key": "database-url",
    }


def test_production_values_serve_https_behind_the_ingress_with_the_operators_secret() -> None:
    rendered = render_chart(read_values(PRODUCTION_VALUES))
    assert "Secret" not in rendered.kinds()
    ingress = rendered.one("Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [
        {"hosts": ["datadive.example.org"], "secretName": "datadive-example-org-tls"}
    ]
    [rule] = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "datadive"
    config = rendered.one("ConfigMap")["data"]
    assert config["DATADIVE_BASE_URL"] == "https://datadive.example.org"
    deployment = rendered.one("Deployment")
    refs = {
        item["valueFrom"]["secretKeyRef"]["name"]
        for item in containers(deployment)[0]["env"]
        if "valueFrom" in item
    }
    assert refs == {"datadive-production"}
    assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [
        {"name": "registry-credentials"}
    ]
    assert containers(deployment)[0]["image"] == "registry.example.org/datadive:0.1.0"
    assert rendered.one("PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_pods_run_unprivileged_on_a_read_only_root() -> None:
    rendered = render_chart(read_values(PRODUCTION_VALUES))
    for workload in [rendered.one("Deployment"), rendered.one("Job")]:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            mounted = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert {"/data", "/tmp"} <= mounted  # noqa: S108 - emptyDir mounts


def test_replicas_are_ready_when_the_health_endpoint_says_so() -> None:
    [container] = containers(render_chart().one("Deployment"))
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/api/v1/health", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_the_containers_run_real_datadive_commands() -> None:
    rendered = render_chart()
    [server] = containers(rendered.one("Deployment"))
    assert server["args"] == ["serve", "--host", ALL_ADDRESSES, "--port", "8000"]
    assert usage_of(server["args"]).endswith(" serve [OPTIONS]")
    [migrate] = containers(rendered.one("Job"))
    assert migrate["args"] == ["db", "upgrade"]
    assert " db upgrade " in usage_of(migrate["args"])
    assert usage_of(["serve", "--listen", ALL_ADDRESSES]) == "exit 2"


def test_the_migration_runs_before_install_and_upgrade() -> None:
    job = render_chart().one("Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    # The release's ServiceAccount does not exist yet when a first install runs the hook.
    assert "serviceAccountName" not in pod
    env = env_of(pod["containers"][0])
    assert env["DATADIVE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "datadive"


def test_a_chart_made_secret_reaches_the_migration_through_a_hook_secret() -> None:
    rendered = render_chart(CHART_MADE_SECRET)
    release_secret = rendered.one("Secret", "datadive")
    assert "helm.sh/hook" not in release_secret["metadata"].get("annotations", {})
    assert set(release_secret["stringData"]) == {
        "database-url",
        "secret-key",
        "hub-api-token",
        "s3-access-key-id",
        "s3-secret-access-key",
    }
    hook_secret = rendered.one("Secret", "datadive-migration")
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
    assert hook_secret["stringData"] == {
        "database-url": "postgresql://datadive:pw@db.example.org:5432/datadive"
    }
    job_env = env_of(containers(rendered.one("Job"))[0])
    assert job_env["DATADIVE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == (
        "datadive-migration"
    )
    template = rendered.one("Deployment")["spec"]["template"]
    assert "checksum/secret" in template["metadata"]["annotations"]


def test_one_machine_with_sqlite_keeps_its_data_on_the_volume_and_migrates_itself() -> None:
    rendered = render_chart(SINGLE_MACHINE)
    assert rendered.kinds() == ["ConfigMap", "Deployment", "Service", "ServiceAccount"]
    deployment = rendered.one("Deployment")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "datadive-data"}
    assert "DATADIVE_DATABASE_URL" not in env_of(containers(deployment)[0])


def with_values(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    values = dict(base)
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"database": {"type": "sqlite"}, "dataVolume": {"existingClaim": "data"}},
            "database.type=sqlite with replicaCount=3: SQLite is a file that only one replica "
            "may write; use database.type=postgresql",
            id="sqlite-with-three-replicas",
        ),
        pytest.param(
            with_values(SINGLE_MACHINE, replicaCount=2, database={"type": "postgresql"}),
            "storage.type=local with replicaCount=2: each replica would keep its own files",
            id="local-files-with-two-replicas",
        ),
        pytest.param(
            {"execution": {"backend": "local"}},
            "execution.backend=local with replicaCount=3",
            id="local-kernels-with-three-replicas",
        ),
        pytest.param(
            with_values(SINGLE_MACHINE, dataVolume={"existingClaim": ""}),
            "set dataVolume.existingClaim to a PersistentVolumeClaim",
            id="sqlite-on-an-empty-dir",
        ),
        pytest.param(
            {"replicaCount": 1, "execution": {"backend": "local"}},
            "execution.backend=local (project workspaces) keep data in the data folder",
            id="local-kernels-on-an-empty-dir",
        ),
        pytest.param(
            {"database": {"type": "mysql"}},
            'database.type="mysql": use postgresql or sqlite',
            id="unknown-database",
        ),
        pytest.param(
            {"storage": {"s3": {"bucket": ""}}},
            "storage.s3.bucket is required with storage.type=s3",
            id="no-bucket",
        ),
        pytest.param(
            {"secret": {"existingSecret": "", "values": {"databaseUrl": "postgresql://db/x"}}},
            "secret.values.secretKey is required",
            id="chart-made-secret-without-secret-key",
        ),
        pytest.param(
            {
                "secret": {
                    "existingSecret": "",
                    "values": {"secretKey": "k", "databaseUrl": "sqlite:////data/x.sqlite3"},
                }
            },
            "secret.values.databaseUrl must be a postgresql:// URL",
            id="sqlite-url-behind-postgresql",
        ),
        pytest.param(
            {"secret": {"existingSecret": "", "values": {"secretKey": "k", "databaseUrl": ""}}},
            "secret.values.databaseUrl (postgresql://…) is required",
            id="chart-made-secret-without-database",
        ),
        pytest.param(
            {"ingress": {"enabled": True, "tls": {"enabled": True, "secretName": ""}}},
            "ingress.tls.secretName is required",
            id="tls-without-certificate",
        ),
    ],
)
def test_values_that_would_break_a_deployment_refuse_to_render(
    values: dict[str, Any], message: str
) -> None:
    assert message in render_error(values)


def test_the_chart_made_secret_holds_the_hub_token_only_for_the_hub_backend() -> None:
    values = with_values(
        SINGLE_MACHINE, secret={"existingSecret": "", "values": {"secretKey": "k"}}
    )
    secret = render_chart(values).one("Secret")
    assert set(secret["stringData"]) == {"secret-key"}
    missing_token = {
        "secret": {
            "existingSecret": "",
            "values": {"secretKey": "k", "databaseUrl": "postgresql://db/x"},
        }
    }
    assert "secret.values.hubApiToken" in render_error(missing_token)


def test_notes_say_how_to_check_health() -> None:
    rendered: Rendered = render_chart(read_values(PRODUCTION_VALUES))
    assert "curl -s http://127.0.0.1:8000/api/v1/health" in rendered.notes
    assert "https://datadive.example.org" in rendered.notes


def test_the_default_image_is_this_release_of_datadive() -> None:
    with helm.Chart.load(CHART) as chart:
        app_version = chart.metadata["appVersion"]
    assert app_version == datadive.__version__
    [container] = containers(render_chart().one("Deployment"))
    assert container["image"] == f"datadive:{datadive.__version__}"

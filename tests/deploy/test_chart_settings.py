"""What the chart puts in a replica's environment is what Datadive reads: every DATADIVE_*
variable names a real setting (Datadive ignores unknown ones, so a misspelt name would be lost
without a word), and the values load and build the S3 store the operator described."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datadive.config import Settings, env_name, load_settings
from datadive.storage.factory import build_file_store
from datadive.storage.s3 import S3FileStore
from tests.deploy.rendering import read_values, render_chart

PRODUCTION_VALUES = Path(__file__).parent / "production-values.yaml"

# Stand-ins for what the operator's Secret holds, by key.
SECRET_KEYS = {
    "database-url": "postgresql://datadive:pw@db.example.org:5432/datadive",
    "secret-key": "k" * 64,
    "hub-api-token": "t" * 32,
    "s3-access-key-id": "AKIAEXAMPLE",
    "s3-secret-access-key": "s" * 40,
    "smtp-url": "smtp://mailer:pw@smtp.example.org:587",
}


def replica_environment(values: dict[str, Any]) -> dict[str, str]:
    """The variables a Datadive container starts with: its ConfigMap, then its env entries."""
    rendered = render_chart(values)
    environment = dict(rendered.one("ConfigMap")["data"])
    [container] = rendered.one("Deployment")["spec"]["template"]["spec"]["containers"]
    for item in container["env"]:
        if "value" in item:
            environment[item["name"]] = item["value"]
        else:
            environment[item["name"]] = SECRET_KEYS[item["valueFrom"]["secretKeyRef"]["key"]]
    return environment


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({}, id="defaults"),
        pytest.param(read_values(PRODUCTION_VALUES), id="production"),
    ],
)
def test_every_datadive_variable_is_a_setting(values: dict[str, Any]) -> None:
    known = {env_name(field) for field in Settings.model_fields}
    environment = replica_environment(values)
    unknown = {name for name in environment if name.startswith("DATADIVE_")} - known
    assert unknown == set()


def test_a_misspelt_setting_in_values_is_caught() -> None:
    values = {"config": {"MAX_UPLOAD_BYTE": "1"}}
    known = {env_name(field) for field in Settings.model_fields}
    assert "DATADIVE_MAX_UPLOAD_BYTE" in set(replica_environment(values)) - known


def test_production_values_load_as_settings_and_build_the_s3_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment = replica_environment(read_values(PRODUCTION_VALUES))
    assert environment["DATADIVE_DATA_DIR"] == "/data"
    environment["DATADIVE_DATA_DIR"] = str(tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    settings = load_settings()

    assert settings.execution_backend == "jupyterhub"
    assert settings.jupyterhub_url == "http://proxy-public.jupyterhub.svc.cluster.local"
    assert settings.jupyterhub_api_token is not None
    assert settings.database_url == SECRET_KEYS["database-url"]
    assert settings.base_url == "https://datadive.example.org"
    assert settings.max_upload_bytes == 209715200
    assert settings.project_quota_bytes == 5 * 1024**3
    assert settings.kernel_memory_limit_gb == 3.5
    store = build_file_store(settings)
    assert isinstance(store, S3FileStore)
    assert (store.bucket, store.prefix) == ("datadive-files", "production/")
    assert store.client.meta.endpoint_url == "https://minio.example.org:9000"
    assert store.client.meta.region_name == "eu-central-1"

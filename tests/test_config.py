"""Settings: defaults that work with no configuration, DATADIVE_* variables, .env, and errors
that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from datadive.config import Settings, load_settings
from datadive.errors import ConfigurationError
from datadive.execution.factory import build_backend
from datadive.execution.hub import HubBackend


def test_defaults_put_everything_under_dot_datadive_in_the_working_folder(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)

    assert settings.resolved_data_dir == tmp_path / ".datadive"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / '.datadive'}/datadive.sqlite3"
    assert settings.execution_backend == "local"


def test_variables_with_the_datadive_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATADIVE_DATABASE_URL", "postgresql://db.example/datadive")
    monkeypatch.setenv("DATADIVE_EXECUTION_BACKEND", "jupyterhub")

    settings = load_settings()

    assert settings.resolved_database_url == "postgresql://db.example/datadive"
    assert settings.execution_backend == "jupyterhub"


def test_a_dot_env_file_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATADIVE_DATA_DIR=/srv/datadive\n")

    assert load_settings().resolved_data_dir == Path("/srv/datadive")


def test_an_unknown_execution_backend_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATADIVE_EXECUTION_BACKEND", "kubernetes")

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    message = caught.value.detail
    assert message.startswith("DATADIVE_EXECUTION_BACKEND='kubernetes': ")
    assert "'local' or 'jupyterhub'" in message


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATADIVE_SECRET_KEY", "very-secret-value")

    assert "very-secret-value" not in repr(load_settings())


def test_the_jupyterhub_backend_names_the_settings_it_lacks() -> None:
    with pytest.raises(ConfigurationError) as refused:
        build_backend(Settings(_env_file=None, execution_backend="jupyterhub"))

    assert "DATADIVE_JUPYTERHUB_URL and DATADIVE_JUPYTERHUB_API_TOKEN" in str(refused.value)


async def test_the_jupyterhub_backend_reaches_the_hub_api_through_its_address() -> None:
    backend = build_backend(
        Settings(
            _env_file=None,
            execution_backend="jupyterhub",
            jupyterhub_url="https://hub.example.org/",
            jupyterhub_api_token="secret",
        )
    )

    assert isinstance(backend, HubBackend)
    assert backend.api.api_url == "https://hub.example.org/hub/api"
    assert backend.kernels_sandboxed is None  # the spawner's business
    await backend.shutdown()

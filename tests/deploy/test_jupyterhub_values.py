"""deploy/jupyterhub/values.yaml fits the zero-to-jupyterhub chart (its values schema, vendored
under z2jh/) and JupyterHub itself (scopes and authenticator that exist)."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jupyterhub.scopes import scope_definitions

from tests.deploy.rendering import REPO, read_values

HUB_VALUES = REPO / "deploy" / "jupyterhub" / "values.yaml"
Z2JH_SCHEMA = Path(__file__).parent / "z2jh" / "values.schema.yaml"
SERVER_DOCKERFILE = REPO / "deploy" / "docker" / "jupyter-server.Dockerfile"


def schema_problems(values: dict[str, Any]) -> list[str]:
    """What the z2jh values schema finds wrong, less missing keys: z2jh checks the values merged
    with its own defaults, where every `required` key exists, and a file of overrides holds only
    some of them. The rest of the schema applies: unknown keys (it closes nearly every object),
    types, allowed values, one-of choices."""
    schema = yaml.safe_load(Z2JH_SCHEMA.read_text(encoding="utf-8"))
    return sorted(
        f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in Draft7Validator(schema).iter_errors(values)
        if error.validator != "required"
    )


@pytest.fixture
def hub_values() -> dict[str, Any]:
    return read_values(HUB_VALUES)


def test_values_fit_the_z2jh_schema(hub_values: dict[str, Any]) -> None:
    assert schema_problems(hub_values) == []


def test_the_schema_check_catches_a_misspelt_key(hub_values: dict[str, Any]) -> None:
    hub_values["singleuser"]["storge"] = hub_values["singleuser"].pop("storage")
    hub_values["cull"]["timeout"] = "an hour"
    problems = schema_problems(hub_values)
    assert any("'storge' was unexpected" in problem for problem in problems)
    assert any(problem.startswith("cull.timeout:") for problem in problems)


def test_datadive_is_a_service_with_the_scopes_it_needs(hub_values: dict[str, Any]) -> None:
    hub = hub_values["hub"]
    service = hub["services"]["datadive"]
    # The token comes from hub.existingSecret, never from this file.
    assert not {"api_token", "apiToken"} & set(service)
    assert hub["existingSecret"]
    [role] = [r for r in hub["loadRoles"].values() if "datadive" in r.get("services", [])]
    assert set(role["scopes"]) >= {"admin:users", "admin:servers", "access:servers"}
    unknown = [scope for scope in role["scopes"] if scope not in scope_definitions]
    assert unknown == []


def test_people_have_no_server_or_token_of_their_own(hub_values: dict[str, Any]) -> None:
    scopes = hub_values["hub"]["loadRoles"]["user"]["scopes"]
    names = {scope.partition("!")[0] for scope in scopes}
    assert names <= set(scope_definitions)
    assert "access:servers" in names
    assert not names & {"self", "servers", "tokens", "users:shares", "admin:users"}


def test_the_authenticator_exists(hub_values: dict[str, Any]) -> None:
    name = hub_values["hub"]["config"]["JupyterHub"]["authenticator_class"]
    if "." in name:
        module, _, attribute = name.rpartition(".")
        authenticator = getattr(importlib.import_module(module), attribute)
    else:
        [entry] = entry_points(group="jupyterhub.authenticators", name=name)
        authenticator = entry.load()
    assert authenticator.__name__.endswith("Authenticator")


def test_project_servers_are_culled_but_projects_are_kept(hub_values: dict[str, Any]) -> None:
    cull = hub_values["cull"]
    assert cull["enabled"] is True
    assert cull["users"] is False
    assert cull["timeout"] > 0


def test_each_project_has_its_own_volume_and_bounded_resources(
    hub_values: dict[str, Any],
) -> None:
    singleuser = hub_values["singleuser"]
    assert singleuser["storage"]["type"] == "dynamic"
    assert singleuser["cpu"]["guarantee"] <= singleuser["cpu"]["limit"]
    gigabytes = {
        key: float(str(value).removesuffix("G")) for key, value in singleuser["memory"].items()
    }
    assert 0 < gigabytes["guarantee"] <= gigabytes["limit"]


def test_terminals_are_off_in_the_values_and_in_the_image(hub_values: dict[str, Any]) -> None:
    [mounted] = hub_values["singleuser"]["extraFiles"].values()
    assert mounted["data"] == {"ServerApp": {"terminals_enabled": False}}
    # The values replace the image's file (same path), so that one setting decides.
    copies = [
        line.split()[1:]
        for line in SERVER_DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ") and "terminals" in line
    ]
    [[source, destination]] = copies
    assert destination == mounted["mountPath"]
    shipped = json.loads((REPO / source).read_text(encoding="utf-8"))
    assert shipped == mounted["data"]


def test_project_servers_get_no_datadive_secret(hub_values: dict[str, Any]) -> None:
    # Kernels run as the server's user and read its environment (SECURITY.md check 19).
    singleuser = hub_values["singleuser"]
    environment = singleuser.get("extraEnv", {})
    assert "secretKeyRef" not in json.dumps(environment)

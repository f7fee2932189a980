"""The two Dockerfiles, read without a Docker engine (there is none here): what they copy exists
and is in the build context, they install this project, and they run as an unprivileged user.
Building them is the operator's step in docs/how-to/deploy-on-kubernetes.md."""

from __future__ import annotations

import json
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.deploy.cli_usage import usage_of
from tests.deploy.rendering import REPO

DOCKER = REPO / "deploy" / "docker"
# The app listens on every address of its container.
ALL_ADDRESSES = "0.0.0.0"  # noqa: S104
DOCKERFILES = ["datadive.Dockerfile", "jupyter-server.Dockerfile"]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def words(self) -> list[str]:
        return shlex.split(self.arguments)


def read_dockerfile(path: Path) -> list[Instruction]:
    """Instructions with their continuation lines joined; comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        pending += " " + line.removesuffix("\\").strip()
        if line.endswith("\\"):
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, f"{path.name} ends inside a continued line"
    return instructions


def copies(instructions: list[Instruction]) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context."""
    found = []
    for instruction in instructions:
        if instruction.keyword != "COPY":
            continue
        words = instruction.words()
        if any(word.startswith("--from") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        found.append((paths[:-1], paths[-1]))
    return found


def context_allows(source: str) -> bool:
    """Is `source` sent to the builder? .dockerignore excludes everything but its `!` lines."""
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in lines
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    source = source.rstrip("/")
    return any(source == entry or source.startswith(entry + "/") for entry in allowed)


@pytest.fixture(params=DOCKERFILES)
def dockerfile(request: pytest.FixtureRequest) -> list[Instruction]:
    return read_dockerfile(DOCKER / request.param)


def test_what_is_copied_exists_in_the_repository_and_the_context(
    dockerfile: list[Instruction],
) -> None:
    sources = [source for found, _ in copies(dockerfile) for source in found]
    assert sources
    assert [s for s in sources if not (REPO / s).exists()] == []
    assert [s for s in sources if not context_allows(s)] == []


def test_the_image_runs_as_an_unprivileged_user(dockerfile: list[Instruction]) -> None:
    users = [instruction.arguments for instruction in dockerfile if instruction.keyword == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric uid lets Kubernetes check runAsNonRoot"


def test_the_project_is_installed_from_the_copied_sources(dockerfile: list[Instruction]) -> None:
    destinations = {
        source: destination.rstrip("/")
        for found, destination in copies(dockerfile)
        for source in found
    }
    build_dir = destinations["pyproject.toml"]
    # pyproject.toml names README.md as the long description; the build fails without it.
    assert destinations["README.md"] == build_dir
    assert destinations["src"] == f"{build_dir}/src"
    installs = [
        instruction.words()
        for instruction in dockerfile
        if instruction.keyword == "RUN" and "pip install" in instruction.arguments
    ]
    assert any(build_dir in words for words in installs)


def test_the_project_brings_the_kernel_and_the_scientific_stack() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    names = {
        Requirement(spec).name.replace("_", "-") for spec in pyproject["project"]["dependencies"]
    }
    assert {"ipykernel", "jupyter-server", "pandas", "scipy", "statsmodels", "matplotlib"} <= names
    assert (REPO / "src" / "datadive" / "analysis" / "__init__.py").exists()


def test_the_app_image_serves_on_every_address() -> None:
    instructions = read_dockerfile(DOCKER / "datadive.Dockerfile")
    [entrypoint] = [i.arguments for i in instructions if i.keyword == "ENTRYPOINT"]
    [command] = [i.arguments for i in instructions if i.keyword == "CMD"]
    # Exec-form instructions are JSON arrays.
    arguments = json.loads(entrypoint) + json.loads(command)
    assert arguments[:4] == ["datadive", "serve", "--host", ALL_ADDRESSES]
    assert usage_of(arguments[1:]).endswith(" serve [OPTIONS]")


def test_the_server_image_has_a_jupyterhub_the_hub_accepts() -> None:
    instructions = read_dockerfile(DOCKER / "jupyter-server.Dockerfile")
    [install] = [
        i.words() for i in instructions if i.keyword == "RUN" and "pip install" in i.arguments
    ]
    [hub] = [Requirement(word) for word in install if word.startswith("jupyterhub")]
    assert "5.5.1" in hub.specifier
    assert "5.5.0" not in hub.specifier
    assert "6.1.0" in hub.specifier

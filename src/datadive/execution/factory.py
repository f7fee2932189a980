from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url

from datadive.config import Settings, env_name
from datadive.errors import ConfigurationError
from datadive.execution.backend import ExecutionBackend
from datadive.execution.environments import PipOptions, ProjectEnvironments
from datadive.execution.hub import HubBackend
from datadive.execution.local import LocalBackend
from datadive.execution.sandbox import SandboxChoice, choose_sandbox
from datadive.execution.server_bounds import ServerBounds

log = logging.getLogger(__name__)


def private_folders(settings: Settings) -> list[Path]:
    """Where Datadive keeps what no kernel may read: the data folder, the SQLite database's
    folder and a local file store's folder."""
    folders = [settings.resolved_data_dir]
    database = make_url(settings.resolved_database_url)
    if database.get_backend_name() == "sqlite" and database.database not in (None, "", ":memory:"):
        folders.append(Path(str(database.database)).expanduser().resolve().parent)
    if settings.storage_url and settings.storage_url.startswith("file:"):
        folders.append(Path(unquote(urlsplit(settings.storage_url).path)).expanduser().resolve())
    return folders


def kernel_sandbox(settings: Settings) -> SandboxChoice:
    """The sandbox for local project servers (`DATADIVE_SANDBOX`); the probe runs once."""
    return choose_sandbox(settings.sandbox, bwrap=settings.bwrap, hidden=private_folders(settings))


def local_workspaces(settings: Settings) -> Path | None:
    """The project workspaces of the local backend (None for another backend), known without
    building the backend: no sandbox probe, for `datadive backup` and `restore`."""
    if settings.execution_backend != "local":
        return None
    return settings.resolved_data_dir / "workspaces"


def project_environments(settings: Settings, choice: SandboxChoice) -> ProjectEnvironments:
    """Where projects' requirements.txt are installed: in the data folder, which kernels do
    not see (each server sees its own project's environment only)."""
    find_links = settings.pip_find_links
    return ProjectEnvironments(
        root=settings.resolved_data_dir / "environments",
        pip=PipOptions(
            index_url=settings.pip_index_url,
            find_links=find_links.expanduser().resolve() if find_links is not None else None,
            no_index=settings.pip_no_index,
        ),
        sandbox=choice.sandbox,
    )


def build_backend(settings: Settings) -> ExecutionBackend:
    workspaces = local_workspaces(settings)
    if workspaces is not None:
        data_dir = settings.resolved_data_dir
        choice = kernel_sandbox(settings)
        if choice.warning is not None:
            log.warning("%s", choice.warning)
        return LocalBackend(
            workspaces=workspaces,
            state_dir=data_dir / "jupyter",
            idle_seconds=settings.jupyter_idle_minutes * 60,
            datadive_url=settings.base_url,
            sandbox=choice.sandbox,
            environments=project_environments(settings, choice),
            terminals=settings.jupyter_terminals,
            warm_pool=settings.warm_pool,
            bounds=ServerBounds(
                max_servers=settings.max_jupyter_servers,
                max_servers_per_user=settings.max_jupyter_servers_per_user,
                max_kernels_per_server=settings.max_kernels_per_server,
                kernel_memory_limit_gb=settings.kernel_memory_limit_gb,
            ),
        )
    return hub_backend(settings)


def hub_backend(settings: Settings) -> HubBackend:
    missing = [
        env_name(name)
        for name in ("jupyterhub_url", "jupyterhub_api_token")
        if not getattr(settings, name)
    ]
    if missing or settings.jupyterhub_url is None or settings.jupyterhub_api_token is None:
        raise ConfigurationError(
            f"DATADIVE_EXECUTION_BACKEND=jupyterhub needs {' and '.join(missing)}: the Hub's "
            "public address and Datadive's token as a Hub service"
        )
    return HubBackend(
        hub_url=settings.jupyterhub_url,
        api_url=settings.jupyterhub_api_url,
        api_token=settings.jupyterhub_api_token.get_secret_value(),
        start_timeout=settings.jupyterhub_start_timeout_seconds,
    )

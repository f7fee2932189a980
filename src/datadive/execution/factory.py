from __future__ import annotations

from datadive.config import Settings
from datadive.errors import ConfigurationError
from datadive.execution.backend import ExecutionBackend
from datadive.execution.local import LocalBackend


def build_backend(settings: Settings) -> ExecutionBackend:
    if settings.execution_backend == "local":
        data_dir = settings.resolved_data_dir
        return LocalBackend(
            workspaces=data_dir / "workspaces",
            state_dir=data_dir / "jupyter",
            idle_seconds=settings.jupyter_idle_minutes * 60,
            datadive_url=settings.base_url,
        )
    raise ConfigurationError(
        "DATADIVE_EXECUTION_BACKEND=jupyterhub: the JupyterHub backend is not built yet; use local"
    )

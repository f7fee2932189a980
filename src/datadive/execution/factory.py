from __future__ import annotations

from datadive.config import Settings
from datadive.errors import ConfigurationError
from datadive.execution.backend import ExecutionBackend
from datadive.execution.local import LocalBackend
from datadive.execution.server_bounds import ServerBounds


def build_backend(settings: Settings) -> ExecutionBackend:
    if settings.execution_backend == "local":
        data_dir = settings.resolved_data_dir
        return LocalBackend(
            workspaces=data_dir / "workspaces",
            state_dir=data_dir / "jupyter",
            idle_seconds=settings.jupyter_idle_minutes * 60,
            datadive_url=settings.base_url,
            bounds=ServerBounds(
                max_servers=settings.max_jupyter_servers,
                max_servers_per_user=settings.max_jupyter_servers_per_user,
                max_kernels_per_server=settings.max_kernels_per_server,
                kernel_memory_limit_gb=settings.kernel_memory_limit_gb,
            ),
        )
    raise ConfigurationError(
        "DATADIVE_EXECUTION_BACKEND=jupyterhub: the JupyterHub backend is not built yet; use local"
    )

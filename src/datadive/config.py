"""Datadive's settings, read from `DATADIVE_*` environment variables and an optional `.env`.

Nothing here runs at import time: `load_settings()` is called by the CLI, and tests build
`Settings(...)` themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from datadive.errors import ConfigurationError

ENV_PREFIX = "DATADIVE_"
DEFAULT_DATA_DIR = Path(".datadive")
SQLITE_FILE_NAME = "datadive.sqlite3"
GIB = 1024**3
# A project server with a kernel or two holding a researcher's tables takes about this much.
MEMORY_PER_SERVER_GB = 2


def machine_memory_gb() -> float | None:
    """The machine's memory; None where the system does not tell."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    except (AttributeError, ValueError, OSError):
        return None


def default_max_jupyter_servers() -> int:
    """One server per 2 GB of the machine's memory, between 2 and 32 (8 when unknown)."""
    memory = machine_memory_gb()
    if memory is None:
        return 8
    return max(2, min(32, int(memory // MEMORY_PER_SERVER_GB)))


def default_kernel_memory_limit_gb() -> float:
    """A quarter of the machine's memory, at least 1 GB (4 GB when unknown)."""
    memory = machine_memory_gb()
    if memory is None:
        return 4.0
    return max(1.0, round(memory / 4, 1))


class Settings(BaseSettings):
    """Every setting has a default that works on a fresh machine with no configuration."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        description="Folder for the SQLite database, stored files and the mail outbox.",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///path or postgresql://user@host/db; default: SQLite in data_dir.",
    )
    storage_url: str | None = Field(
        default=None, description="Where files are stored; default: a folder in data_dir."
    )
    storage_cache_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=0,
        description="Room on this machine for copies of S3 blobs being read (0: none).",
    )
    execution_backend: Literal["local", "jupyterhub"] = "local"
    jupyterhub_url: str | None = Field(
        default=None,
        description="The JupyterHub's public address (its proxy), for the jupyterhub backend.",
    )
    jupyterhub_api_url: str | None = Field(
        default=None,
        description="The Hub's REST API when reached another way; default <url>/hub/api.",
    )
    jupyterhub_api_token: SecretStr | None = Field(
        default=None, description="Datadive's token as a JupyterHub service."
    )
    jupyterhub_start_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a project's server may take to start on JupyterHub.",
    )
    secret_key: SecretStr | None = None
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = None
    mail_from: str = "Datadive <datadive@localhost>"
    session_idle_minutes: int = Field(default=7 * 24 * 60, gt=0)
    session_max_days: int = Field(default=30, gt=0)
    email_code_minutes: int = Field(default=15, gt=0)
    password_reset_minutes: int = Field(default=60, gt=0)
    sign_in_failure_limit: int = Field(default=10, gt=0)
    sign_in_lockout_minutes: int = Field(default=10, gt=0)
    mails_per_hour_per_account: int = Field(default=5, gt=0)
    mails_per_hour_per_address: int = Field(default=20, gt=0)
    jupyter_idle_minutes: int = Field(default=60, gt=0)
    max_jupyter_servers: int = Field(
        default_factory=default_max_jupyter_servers,
        gt=0,
        description="Project servers running at once on this machine (local backend).",
    )
    max_jupyter_servers_per_user: int = Field(
        default=3, gt=0, description="Project servers one person's requests may keep running."
    )
    max_kernels_per_server: int = Field(
        default=8, gt=0, description="Kernels (notebooks running) in one project's server."
    )
    kernel_memory_limit_gb: float = Field(
        default_factory=default_kernel_memory_limit_gb,
        gt=0,
        description="Memory one kernel may use; a kernel over it is stopped.",
    )
    warm_pool: int = Field(
        default=0,
        ge=0,
        le=8,
        description="Kernels each project server keeps started; above 0, a project's server "
        "also starts when a notebook of it is opened or created (local backend). 0: off.",
    )
    sandbox: Literal["auto", "required", "off"] = Field(
        default="auto",
        description="Run each project's Jupyter server in a bubblewrap sandbox: auto (when "
        "bubblewrap works here, else warn), required (refuse to start without), off.",
    )
    bwrap: str = Field(
        default="bwrap", description="The bubblewrap executable (a path, or a name on PATH)."
    )
    jupyter_terminals: bool = Field(
        default=False, description="Offer terminals in JupyterLab (a shell on the server)."
    )
    pip_index_url: str | None = Field(
        default=None,
        description="The package index projects' requirements.txt install from (pip's "
        "--index-url; default: pip's own, PyPI).",
    )
    pip_find_links: Path | None = Field(
        default=None,
        description="A folder of wheels and sdists pip may install from (--find-links).",
    )
    pip_no_index: bool = Field(
        default=False,
        description="Install from DATADIVE_PIP_FIND_LINKS only, never an index (--no-index).",
    )
    run_heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    max_output_characters: int = Field(default=1_000_000, ge=1000)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    project_quota_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        gt=0,
        description="Total size of the files of one project (copies of the same bytes count).",
    )
    max_cells_per_notebook: int = Field(default=2000, gt=0)

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / SQLITE_FILE_NAME}"


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"{env_name(field)}={error.get('input')!r}: {error['msg']}")
        raise ConfigurationError("; ".join(problems)) from None

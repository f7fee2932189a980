"""`create_app(settings)`: the one place where Datadive is wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from datadive import __version__
from datadive.api import jupyter_saves, jupyterhub_logins
from datadive.api.allowed_methods import AllowedMethods
from datadive.api.openapi import install_openapi
from datadive.api.origin_check import OriginCheckMiddleware, origin_of
from datadive.api.problems import install_problem_handlers
from datadive.api.unexpected_errors import AnswerUnexpectedErrors
from datadive.api.v1 import build_router
from datadive.config import Settings, load_settings
from datadive.db.engine import Database
from datadive.execution.factory import build_backend
from datadive.mail.factory import build_mail_sender
from datadive.services.authoring.cell_templates import sync_builtin_templates
from datadive.services.authoring.notebook_events import purge_old_events
from datadive.services.data_files.workspace_files import STATE_FOLDER, WorkspaceFiles
from datadive.services.identity.auth_policy import AuthPolicy
from datadive.services.ipynb.notebook_files import NotebookFiles
from datadive.services.running.run_executor import RunExecutor
from datadive.startup import ensure_data_dir, require_schema_at_head
from datadive.storage.factory import build_file_store
from datadive.web import install_web

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app. Connecting and checking happen in the lifespan, not here."""
    settings = settings or load_settings()
    database = Database(settings.resolved_database_url)
    backend = build_backend(settings)
    file_store = build_file_store(settings)
    workspace_files = WorkspaceFiles(
        database=database,
        store=file_store,
        backend=backend,
        state_dir=settings.resolved_data_dir / STATE_FOLDER,
        quota_bytes=settings.project_quota_bytes,
    )
    notebook_files = NotebookFiles(
        database=database, backend=backend, max_cells=settings.max_cells_per_notebook
    )
    database.edit_listeners.append(notebook_files.edited)
    executor = RunExecutor(
        database=database,
        backend=backend,
        notebook_files=notebook_files,
        workspace_files=workspace_files,
        stream_limit=settings.max_output_characters,
        heartbeat_seconds=settings.run_heartbeat_seconds,
    )
    backend.watch_runs(executor.projects_running, server_stopped=executor.server_stopped)
    backend.watch_start_steps(executor.server_start_step)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            ensure_data_dir(settings)
            await database.check_reachable()
            await require_schema_at_head(database)
            await sync_builtin_templates(database)
            await backend.clean_orphans()
            await database.start_listening()
            async with database.transaction() as session:
                await purge_old_events(session)
            await executor.start()
            yield
        finally:
            await executor.shutdown()
            await notebook_files.shutdown()
            await backend.shutdown()
            await file_store.close()
            await database.dispose()

    app = FastAPI(
        title="Datadive",
        version=__version__,
        summary="Notebooks built from forms, run on Jupyter.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.auth_policy = AuthPolicy.from_settings(settings)
    app.state.mailer = build_mail_sender(settings)
    app.state.backend = backend
    app.state.executor = executor
    app.state.file_store = file_store
    app.state.workspace_files = workspace_files
    app.state.notebook_files = notebook_files
    install_problem_handlers(app)
    app.add_middleware(
        OriginCheckMiddleware, trusted_origins=frozenset({origin_of(settings.base_url)})
    )
    # Outside the origin check: which methods a path has is the same answer for everyone.
    app.add_middleware(AllowedMethods, path_prefix=f"{API_PREFIX}/")
    app.add_middleware(AnswerUnexpectedErrors)
    app.include_router(build_router())
    install_openapi(app)
    app.include_router(jupyter_saves.router)
    app.include_router(jupyterhub_logins.router)
    # The pages: after the problem handlers, which the page error handlers wrap.
    install_web(app)

    return app

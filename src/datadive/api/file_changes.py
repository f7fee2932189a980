"""Dependencies of the file routes (API and pages): the file store, the workspace mirror, and
the work a file change leaves for after its commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from datadive.db.engine import Database
from datadive.services.data_files import files
from datadive.services.data_files.workspace_files import WorkspaceFiles
from datadive.storage.base import FileStore


async def get_file_store(request: Request) -> FileStore:
    store: FileStore = request.app.state.file_store
    return store


@dataclass(frozen=True)
class FileChanges:
    """Follows a committed file change: mirrors it into the project's workspace and drops
    blobs no file uses any more."""

    background: BackgroundTasks
    database: Database
    store: FileStore
    workspace: WorkspaceFiles

    def follow(self, project_id: str, change: files.FileChange) -> None:
        # Background tasks run after the response is sent, so after the request's commit.
        self.background.add_task(self._finish, project_id, change)

    async def _finish(self, project_id: str, change: files.FileChange) -> None:
        file_ids = [change.file.id] if change.file is not None else []
        await self.workspace.mirror(project_id, removed=change.removed_paths, file_ids=file_ids)
        await files.release_blobs(
            database=self.database, store=self.store, keys=change.released_keys
        )


async def get_file_changes(request: Request, background: BackgroundTasks) -> FileChanges:
    state = request.app.state
    return FileChanges(
        background=background,
        database=state.database,
        store=state.file_store,
        workspace=state.workspace_files,
    )


StoreDep = Annotated[FileStore, Depends(get_file_store)]
FileChangesDep = Annotated[FileChanges, Depends(get_file_changes)]

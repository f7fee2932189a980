"""The project workspaces (the local backend's Jupyter working folders).

What is copied: the `.ipynb` files Datadive keeps in step with the cells (the database is
their source of truth, but a save in JupyterLab may not be taken in yet) and whatever kernel
code or JupyterLab wrote beside them, which lives nowhere else. What is not: each project's
`data/` folder, a copy of the project's stored files, written anew on restore from the
restored file rows and blobs (so it matches the database exactly). Symbolic links and other
special files are skipped."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from datadive.backups.manifest import Entry
from datadive.schemas.files import WORKSPACE_FOLDER
from datadive.services.data_files.workspace_files import clone_or_copy


def workspace_files(root: Path) -> Iterator[Path]:
    """Regular files under `root/<project>/`, but not under `root/<project>/data/`."""
    if not root.is_dir():
        return
    for folder, folders, names in os.walk(root, followlinks=False):
        here = Path(folder)
        if here.parent == root:  # a project's folder
            folders[:] = [name for name in folders if name != WORKSPACE_FOLDER]
        for name in names:
            path = here / name
            if here != root and path.is_file() and not path.is_symlink():
                yield path


def copy_workspaces(source: Path, target: Path, *, prefix: str) -> dict[str, Entry]:
    """Copy the workspaces under `source` into `target`; manifest entries keyed `prefix/…`."""
    entries: dict[str, Entry] = {}
    for path in workspace_files(source):
        relative = path.relative_to(source)
        copy = target / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(path, copy)
        except FileNotFoundError:
            continue  # deleted while we walked: it is not part of the copy
        entries[f"{prefix}/{relative.as_posix()}"] = Entry.of_file(copy)
    return entries


def place_in_workspace(workspaces: Path, *, project_id: str, path: str, blob: Path) -> None:
    """Put a stored file into the project's `data/` folder, where kernel code reads it."""
    target = (workspaces / project_id / WORKSPACE_FOLDER / path).resolve()
    if not target.is_relative_to(workspaces.resolve()):
        return  # paths come from the database, but never write outside the workspaces
    clone_or_copy(blob, target)  # as Datadive puts a stored file there

"""A notebook as a plain Python script, or as a Jupyter notebook (nbformat v4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import nbformat
from nbformat import NotebookNode

from datadive import __version__
from datadive.db.models import Notebook
from datadive.services.authoring.cells import CellView

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def cell_title(view: CellView) -> str:
    if view.template is not None:
        return view.template.title
    return "Notes" if view.cell.kind == "markdown" else "Code"


def export_py(notebook: Notebook, views: Sequence[CellView]) -> str:
    """The notebook as a script that runs top to bottom; each cell under a `# %%` comment
    with its title (the percent format that editors and jupytext understand)."""
    lines = [f"# {notebook.title}", f"# Exported from Datadive {__version__}.", ""]
    for number, view in enumerate(views, start=1):
        if view.cell.kind == "markdown":
            lines.append(f"# %% [markdown] {number}. {cell_title(view)}")
            lines.extend(f"# {line}".rstrip() for line in view.cell.source.splitlines())
        else:
            lines.append(f"# %% {number}. {cell_title(view)}")
            lines.append(view.cell.source.rstrip("\n"))
        lines.append("")
    return "\n".join(lines)


def datadive_metadata(view: CellView) -> dict[str, Any]:
    metadata: dict[str, Any] = {"cell_id": view.cell.id, "kind": view.cell.kind}
    if view.template is not None:
        metadata["template"] = {
            "id": view.template.id,
            "slug": view.template.slug,
            "version": view.template.version,
            "title": view.template.title,
        }
        metadata["inputs"] = view.cell.inputs or {}
    return metadata


def export_ipynb(
    notebook: Notebook, views: Sequence[CellView], *, revision: int | None = None
) -> NotebookNode:
    """nbformat v4 with Datadive's own data in each cell's `metadata.datadive`; cell ids are
    the Datadive cell ids, so they stay the same from export to export. The notebook's file
    in the project also carries its `revision` (see `services.ipynb.file_base`)."""
    notebook_metadata: dict[str, Any] = {"notebook_id": notebook.id, "title": notebook.title}
    if revision is not None:
        notebook_metadata["revision"] = revision
    document = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "datadive": notebook_metadata,
        }
    )
    for view in views:
        metadata = {"datadive": datadive_metadata(view)}
        if view.cell.kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(view.cell.source, metadata=metadata)
        else:
            cell = nbformat.v4.new_code_cell(
                view.cell.source,
                metadata=metadata,
                execution_count=view.cell.execution_count,
                outputs=[nbformat.from_dict(output) for output in view.cell.outputs or []],
            )
        cell["id"] = view.cell.id
        document.cells.append(cell)
    nbformat.validate(document)
    return cast(NotebookNode, document)


def ipynb_text(document: NotebookNode) -> str:
    """An exported notebook as the text of its `.ipynb` (as Jupyter writes it)."""
    text: str = nbformat.writes(document)
    return text

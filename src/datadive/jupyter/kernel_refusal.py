"""The words with which a project's server refuses one kernel more than it may run, and how a
client finds them again. Imports nothing of Jupyter's: Datadive's client reads them too."""

from __future__ import annotations

import re

# As it reaches a client: whole from /api/kernels, wrapped in a 500 from /api/sessions
# (Jupyter's session handler turns every failure of a start into one).
REFUSAL = re.compile(
    r"This project's Jupyter server already runs \d+ kernels.*?run the cell again\."
)


def too_many_kernels(count: int) -> str:
    return (
        f"This project's Jupyter server already runs {count} kernels, the most it may run. "
        "Shut down the kernel of a notebook you are not using (JupyterLab's Running tab), or "
        "stop the project's server, then run the cell again."
    )


def refusal_in(message: str) -> str | None:
    """The kernel bound's refusal in a Jupyter server's error message, if it is one."""
    found = REFUSAL.search(message)
    return found.group(0) if found else None

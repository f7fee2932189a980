"""How many Jupyter servers may run at once, and which one gives way to a new one.

A request that would start one server too many (on the machine, or for the person whose
request starts it) first stops the least recently used *idle* server: one with no run of
Datadive's in progress and no kernel busy (a cell run from JupyterLab counts). When every
server that could give way is busy, the request is refused with `ServersBusy`, which says
what to do. The kernels of one server and the memory of one kernel have bounds too: see
`datadive.jupyter.bounded_kernels` and `kernel_memory`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from datadive.errors import Unavailable
from datadive.execution.backend import ServerHandle

USE_TIMEOUT_SECONDS = 5.0
# Jupyter's states of a kernel that is doing something (or about to).
BUSY_STATES = frozenset({"busy", "starting"})


@dataclass(frozen=True)
class ServerBounds:
    max_servers: int = 8
    max_servers_per_user: int = 3
    max_kernels_per_server: int = 8
    kernel_memory_limit_gb: float = 4.0


class ServersBusy(Unavailable):
    slug = "servers-busy"
    title = "Every Jupyter server that could make room is busy"


class TooManyKernels(Unavailable):
    slug = "too-many-kernels"
    title = "The project's Jupyter server runs as many kernels as it may"


@dataclass(frozen=True)
class ServerUse:
    """A running (or starting) server, as the choice of one to stop sees it."""

    project_id: str
    started_by: str | None
    last_activity: datetime
    busy: bool
    unused: bool = False  # warm-started and not used since: the first to give way


def all_busy(count: int) -> str:
    servers = "The one Jupyter server" if count == 1 else f"All {count} Jupyter servers"
    verb = "is" if count == 1 else "are"
    return (
        f"{servers} Datadive may run at once {verb} busy running cells; try again when a run "
        "finishes, or stop a project's server (on its project page)."
    )


def all_of_yours_busy(count: int) -> str:
    servers = "Your one Jupyter server" if count == 1 else f"All {count} of your Jupyter servers"
    verb = "is" if count == 1 else "are"
    return (
        f"{servers} (the most one person may start) {verb} busy running cells; try again when "
        "one of your runs finishes, or stop one of your projects' servers (on its project "
        "page)."
    )


def mine(started_by: Sequence[str | None], *, user_id: str | None) -> int:
    return sum(1 for who in started_by if user_id is not None and who == user_id)


def room_for_one_more(
    started_by: Sequence[str | None], *, user_id: str | None, bounds: ServerBounds
) -> bool:
    """Whether one more server may start for `user_id` as it is, given who started each of
    the running ones: told without asking any server."""
    return (
        mine(started_by, user_id=user_id) < bounds.max_servers_per_user
        and len(started_by) < bounds.max_servers
    )


def server_to_stop(
    uses: Sequence[ServerUse], *, user_id: str | None, bounds: ServerBounds
) -> ServerUse | None:
    """The server to stop so that one more may start for `user_id`: None when there is room
    already; ServersBusy when there is none and every server that could make room is busy."""
    started_by = [use.started_by for use in uses]
    if room_for_one_more(started_by, user_id=user_id, bounds=bounds):
        return None
    if mine(started_by, user_id=user_id) >= bounds.max_servers_per_user:
        candidates = [use for use in uses if use.started_by == user_id]
        message = all_of_yours_busy(bounds.max_servers_per_user)
    else:
        candidates, message = list(uses), all_busy(bounds.max_servers)
    idle = [use for use in candidates if not use.busy]
    if not idle:
        raise ServersBusy(message)
    return min(idle, key=lambda use: (not use.unused, use.last_activity))


async def read_server_use(
    handle: ServerHandle,
    *,
    project_id: str,
    started_by: str | None,
    started_at: datetime,
    running_a_run: bool,
    unused: bool = False,
) -> ServerUse:
    """What the server itself says of its use: when it was last active (JupyterLab's requests
    count) and whether a kernel is busy. A server that does not answer is of no use to anyone:
    idle since it started."""
    busy, last_activity = running_a_run, started_at
    headers = {"Authorization": f"token {handle.token}"}
    try:
        async with httpx.AsyncClient(
            base_url=handle.url, headers=headers, timeout=USE_TIMEOUT_SECONDS
        ) as client:
            status = (await client.get("/api/status")).raise_for_status().json()
            kernels = (await client.get("/api/kernels")).raise_for_status().json()
    except (httpx.HTTPError, ValueError):
        return ServerUse(project_id, started_by, last_activity, busy, unused)
    with_times = [status.get("last_activity")] + [k.get("last_activity") for k in kernels]
    times = [parse_time(value) for value in with_times if isinstance(value, str)]
    last_activity = max([last_activity, *(t for t in times if t is not None)])
    busy = busy or any(kernel.get("execution_state") in BUSY_STATES for kernel in kernels)
    return ServerUse(project_id, started_by, last_activity, busy, unused)


def parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None

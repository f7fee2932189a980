"""What a cell's status says to a person: the status, and why when it says more than that.

`cells.status_reason` keeps the why: `edited` (the cell changed since it ran), `after:<cell
id>` (an earlier cell it uses changed), `restart` (the kernel restarted since it ran, so its
variables are gone). Interrupted cells are errors whose output is a `KeyboardInterrupt`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

EDITED = "edited"
RESTART = "restart"
AFTER = "after:"

INTERRUPTED_ERROR = "KeyboardInterrupt"
# The error output Datadive adds to a cell whose kernel died while it ran.
KERNEL_DIED = "KernelDied"


def after(cell_id: str) -> str:
    return f"{AFTER}{cell_id}"


@dataclass(frozen=True)
class StatusWords:
    label: str  # "Ok", "Stale", "Interrupted", "Not run since restart" …
    note: str = ""  # why, in a few words: "cell 2 changed; run it again"


def was_interrupted(outputs: Sequence[dict[str, Any]] | None) -> bool:
    return any(
        output.get("output_type") == "error" and output.get("ename") == INTERRUPTED_ERROR
        for output in outputs or []
    )


def describe_status(
    status: str,
    reason: str | None,
    outputs: Sequence[dict[str, Any]] | None,
    *,
    number_of: Callable[[str], int | None],
) -> StatusWords:
    """`number_of` gives a cell's number in the notebook (1 for the first), None when the cell
    is gone."""
    if status == "error" and was_interrupted(outputs):
        return StatusWords("Interrupted")
    if status == "idle" and reason == RESTART:
        return StatusWords("Not run since restart", "the kernel restarted; its variables are gone")
    if status != "stale":
        return StatusWords(status.capitalize())
    if reason == EDITED:
        return StatusWords("Stale", "changed since it ran; run it again")
    if reason is not None and reason.startswith(AFTER):
        number = number_of(reason.removeprefix(AFTER))
        if number is None:
            return StatusWords("Stale", "a cell it used was deleted; run it again")
        return StatusWords("Stale", f"cell {number} changed; run it again")
    return StatusWords("Stale", "an earlier cell changed; run it again")

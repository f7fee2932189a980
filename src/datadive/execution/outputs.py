"""Turn kernel messages into nbformat outputs, as Jupyter itself would store them.

Long streams keep their beginning and end and say how much was cut in between, so a cell that
prints 100 MB neither fills the database nor loses its last lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
DEFAULT_STREAM_LIMIT = 1_000_000  # characters kept per stream output, head and tail together


@dataclass
class TruncatedStream:
    head: str
    tail: str
    dropped: int


def cut_marker(dropped: int) -> str:
    return f"\n… [{dropped:,} characters cut: the output was too long to keep] …\n"


class OutputCollector:
    def __init__(self, *, stream_limit: int = DEFAULT_STREAM_LIMIT) -> None:
        self.outputs: list[dict[str, Any]] = []
        self.stream_limit = stream_limit
        self._clear_before_next = False
        self._cut: dict[int, TruncatedStream] = {}  # by output index

    def add(self, msg_type: str, content: dict[str, Any]) -> bool:
        """Apply one iopub message; True when the outputs changed."""
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_before_next = True
                return False
            self._clear()
            return True
        if msg_type == "update_display_data":
            return self._update_display(content)
        if msg_type not in OUTPUT_TYPES:
            return False
        if self._clear_before_next:
            self._clear()
        if msg_type == "stream":
            self._append_stream(content.get("name", "stdout"), content.get("text", ""))
        elif msg_type == "error":
            self.outputs.append(
                {
                    "output_type": "error",
                    "ename": content.get("ename", "Error"),
                    "evalue": content.get("evalue", ""),
                    "traceback": list(content.get("traceback", [])),
                }
            )
        else:
            output: dict[str, Any] = {
                "output_type": msg_type,
                "data": content.get("data", {}),
                "metadata": content.get("metadata", {}),
            }
            if msg_type == "execute_result":
                output["execution_count"] = content.get("execution_count")
            display_id = content.get("transient", {}).get("display_id")
            if display_id:
                output["metadata"] = {**output["metadata"], "datadive_display_id": display_id}
            self.outputs.append(output)
        return True

    def _clear(self) -> None:
        self.outputs.clear()
        self._cut.clear()
        self._clear_before_next = False

    def _update_display(self, content: dict[str, Any]) -> bool:
        display_id = content.get("transient", {}).get("display_id")
        changed = False
        for output in self.outputs:
            if display_id and output.get("metadata", {}).get("datadive_display_id") == display_id:
                output["data"] = content.get("data", {})
                output["metadata"] = {
                    **content.get("metadata", {}),
                    "datadive_display_id": display_id,
                }
                changed = True
        return changed

    def _append_stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is None or last.get("output_type") != "stream" or last.get("name") != name:
            last = {"output_type": "stream", "name": name, "text": ""}
            self.outputs.append(last)
        index = len(self.outputs) - 1
        half = self.stream_limit // 2
        if index not in self._cut:
            combined = last["text"] + text
            if len(combined) <= self.stream_limit:
                last["text"] = combined
                return
            self._cut[index] = TruncatedStream(head=combined[:half], tail="", dropped=0)
            text = combined[half:]
        cut = self._cut[index]
        tail = cut.tail + text
        cut.dropped += max(len(tail) - half, 0)
        cut.tail = tail[-half:]
        last["text"] = cut.head + cut_marker(cut.dropped) + cut.tail

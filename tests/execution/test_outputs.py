"""Kernel messages become nbformat outputs; long streams keep head and tail."""

from __future__ import annotations

from datadive.execution.outputs import OutputCollector


def test_streams_merge_and_are_cut_in_the_middle() -> None:
    collector = OutputCollector(stream_limit=100)
    for number in range(1000):
        collector.add("stream", {"name": "stdout", "text": f"{number:04d}\n"})

    (stream,) = collector.outputs
    assert stream["text"].startswith("0000\n0001\n")
    assert stream["text"].endswith("0998\n0999\n")
    assert "characters cut" in stream["text"]
    assert len(stream["text"]) < 200
    dropped = int(stream["text"].split("[")[1].split(" ")[0].replace(",", ""))
    assert dropped + 100 == 5000


def test_stdout_and_stderr_stay_apart_and_results_keep_their_data() -> None:
    collector = OutputCollector()
    collector.add("stream", {"name": "stdout", "text": "a"})
    collector.add("stream", {"name": "stderr", "text": "warning"})
    collector.add(
        "execute_result", {"data": {"text/plain": "42"}, "metadata": {}, "execution_count": 3}
    )

    assert [o["output_type"] for o in collector.outputs] == ["stream", "stream", "execute_result"]
    assert collector.outputs[2]["execution_count"] == 3


def test_clear_output_waits_for_the_next_output() -> None:
    collector = OutputCollector()
    collector.add("stream", {"name": "stdout", "text": "old"})
    assert not collector.add("clear_output", {"wait": True})
    assert collector.outputs[0]["text"] == "old"

    collector.add("stream", {"name": "stdout", "text": "new"})

    assert collector.outputs == [{"output_type": "stream", "name": "stdout", "text": "new"}]


def test_display_updates_replace_the_displayed_data() -> None:
    collector = OutputCollector()
    collector.add(
        "display_data",
        {"data": {"text/plain": "1%"}, "metadata": {}, "transient": {"display_id": "progress"}},
    )
    collector.add(
        "update_display_data",
        {"data": {"text/plain": "100%"}, "metadata": {}, "transient": {"display_id": "progress"}},
    )

    assert collector.outputs[0]["data"] == {"text/plain": "100%"}

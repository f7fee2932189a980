"""How output changes are sent to open pages: only new text while a stream grows."""

from __future__ import annotations

import itertools
from typing import Any

from datadive.services.running.run_progress import output_change
from tests.support.events import apply_outputs


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def test_a_growing_stream_sends_only_the_new_text() -> None:
    change = output_change([stream("a\n")], [stream("a\nb\n")])
    assert change == {"index": 0, "text": "b\n"}


def test_a_new_output_after_a_stream_sends_only_the_new_output() -> None:
    figure = {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}
    change = output_change([stream("a\n")], [stream("a\n"), figure])
    assert change == {"index": 1, "outputs": [figure]}


def test_a_cleared_or_cut_stream_is_replaced() -> None:
    assert output_change([stream("a\nb\n")], [stream("[cut] b\n")]) == {
        "index": 0,
        "outputs": [stream("[cut] b\n")],
    }
    assert output_change([stream("a\n")], []) == {"index": 0, "outputs": []}


def test_stdout_growing_after_stderr_is_not_mistaken_for_the_same_stream() -> None:
    change = output_change([stream("x", "stderr")], [stream("xy", "stdout")])
    assert change == {"index": 0, "outputs": [stream("xy", "stdout")]}


def test_applying_every_change_in_turn_gives_the_final_outputs() -> None:
    steps = [
        [],
        [stream("1\n")],
        [stream("1\n2\n")],
        [stream("1\n2\n"), stream("oops\n", "stderr")],
        [stream("1\n2\n"), stream("oops\nagain\n", "stderr")],
        [stream("1\n2\n"), stream("oops\nagain\n", "stderr"), {"output_type": "error"}],
    ]
    page: list[dict[str, Any]] = []
    for before, after in itertools.pairwise(steps):
        page = apply_outputs(page, output_change(before, after))
        assert page == after

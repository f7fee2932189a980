"""Sampling helpers: interleave baseline and subject, report median/p95 and their ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Samples:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.seconds, n=20)[-1]


async def compare(
    baseline: Callable[[], Awaitable[object]],
    subject: Callable[[], Awaitable[object]],
    *,
    rounds: int,
    warmup: int = 20,
    settle: Callable[[], Awaitable[object]] | None = None,
) -> tuple[Samples, Samples]:
    """Time `baseline` and `subject` in turns. `settle`, when given, runs untimed after each
    sample: work one sample leaves running in the background (a file written after the
    answer) must not be counted in the next sample, which may be the other one."""
    for _ in range(warmup):
        for work in (baseline, subject):
            await work()
            if settle is not None:
                await settle()
    base: list[float] = []
    measured: list[float] = []
    for _ in range(rounds):
        for work, into in ((baseline, base), (subject, measured)):
            start = time.perf_counter()
            await work()
            into.append(time.perf_counter() - start)
            if settle is not None:
                await settle()
    return Samples("baseline", base), Samples("subject", measured)


def report(title: str, baseline: Samples, subject: Samples) -> None:
    def ms(value: float) -> str:
        return f"{value * 1000:8.3f} ms"

    print(title)
    for samples in (baseline, subject):
        print(f"  {samples.name:<9} median {ms(samples.median)}   p95 {ms(samples.p95)}")
    print(f"  ratio (subject / baseline, median): {subject.median / baseline.median:.2f}")

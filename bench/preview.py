"""How fast, and in how much memory, does a file preview come back for a big CSV?

Baseline: `pandas.read_csv` of the whole file (what a notebook cell would do). Subject:
`datadive.files.preview` (metadata sniffing included), which reads at most the first 200,000
rows into DuckDB and profiles those. Each sample runs in its own subprocess, so the peak
resident memory (`ru_maxrss`) of each is measured alone; both processes import the same
libraries first, and only the call itself is timed.

    .venv/bin/python -m bench.preview              # a ~1 GB file
    .venv/bin/python -m bench.preview --size-mb 50 # a quick try
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import Samples, report

BYTES_PER_ROW = 51  # of the rows written below, on average


def write_csv(path: Path, *, size_mb: int) -> None:
    """Numbers (with some missing) and categories, made by DuckDB without holding them."""
    import duckdb  # noqa: PLC0415 - only the parent writes the file

    rows = size_mb * 1_000_000 // BYTES_PER_ROW
    query = f"""
        COPY (
            SELECT i AS id,
                ['control', 'treatment', 'placebo'][1 + (hash(i) % 3)::INT] AS "group",
                ['de', 'fr', 'it', 'es', 'nl', 'pl', 'se', 'at', 'ch', 'be']
                    [1 + (hash(i * 7) % 10)::INT] AS country,
                18 + (hash(i * 13) % 60)::INT AS age,
                round((hash(i * 17) % 100000) / 1000.0, 3) AS score,
                CASE WHEN hash(i * 19) % 20 = 0 THEN NULL
                     ELSE round((hash(i * 23) % 1000000) / 10.0, 1) END AS income,
                (hash(i * 29) % 5)::INT + 1 AS likert,
                'resp_' || (hash(i * 31) % 1000000)::VARCHAR AS comment
            FROM range({rows}) AS t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
    """  # noqa: S608 - our own temporary path
    with duckdb.connect() as connection:
        connection.execute(query)


def child(kind: str, path: Path) -> None:
    """Run one sample in this process and print its time and peak memory as JSON."""
    import pandas as pd  # noqa: PLC0415 - imported by both kinds, before timing

    from datadive.files import preview  # noqa: PLC0415

    start = time.perf_counter()
    if kind == "pandas":
        frame = pd.read_csv(path)
        rows = len(frame)
    else:
        result = preview(path, "csv")
        rows = result["profile"]["rows"]
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": rows}))


def sample(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.preview", "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(size_mb: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="datadive-bench-") as folder:
        path = Path(folder) / "big.csv"
        started = time.perf_counter()
        write_csv(path, size_mb=size_mb)
        size = path.stat().st_size / 1e6
        print(f"wrote {size:,.0f} MB in {time.perf_counter() - started:.1f} s: {path}")
        for kind in ("pandas", "preview"):  # warm-up: the file in the page cache
            sample(kind, path)
        results: dict[str, list[dict[str, float]]] = {"pandas": [], "preview": []}
        for _ in range(rounds):
            for kind in ("pandas", "preview"):
                results[kind].append(sample(kind, path))
    baseline = Samples("pandas", [r["seconds"] for r in results["pandas"]])
    subject = Samples("preview", [r["seconds"] for r in results["preview"]])
    report(f"preview of a {size:,.0f} MB CSV, {rounds} rounds", baseline, subject)
    memory = {
        kind: statistics.median(r["peak_mb"] for r in found) for kind, found in results.items()
    }
    print(
        f"  peak RSS   pandas {memory['pandas']:,.0f} MB   preview {memory['preview']:,.0f} MB"
        f"   ratio {memory['preview'] / memory['pandas']:.3f}"
    )
    print(
        f"  rows       pandas {results['pandas'][0]['rows']:,.0f}"
        f"   preview profiled {results['preview'][0]['rows']:,.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child[0], Path(arguments.child[1]))
    else:
        main(arguments.size_mb, arguments.rounds)

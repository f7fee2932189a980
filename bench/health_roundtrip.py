"""What does the HTTP layer add to a health check?

Baseline: `check_health(database)` called directly. Subject: `GET /api/v1/health` through the
full app (routing, dependencies, serialization, problem handlers) over httpx's ASGI transport.
Both use the same SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import httpx

from bench.timing import compare, report
from datadive.app import create_app
from datadive.config import Settings
from datadive.services.health import check_health
from datadive.startup import prepare_database


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder))
        app = create_app(settings)
        database = app.state.database
        await prepare_database(database, upgrade_embedded=True)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
        ):

            async def direct() -> object:
                return await check_health(database)

            async def over_http() -> object:
                response = await client.get("/api/v1/health")
                response.raise_for_status()
                return response

            baseline, subject = await compare(direct, over_http, rounds=rounds)
    report(f"health round trip, SQLite, {rounds} rounds", baseline, subject)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=500)
    asyncio.run(main(parser.parse_args().rounds))

"""Does a sign-in for an unknown user take as long as one with a wrong password?

SECURITY.md check 7 asks for the same timing band, so that response time does not reveal
which accounts exist. Baseline: wrong password for an existing account. Subject: a username
that does not exist. A ratio near 1.0 is the goal. Rate limits are raised for the run.
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
from datadive.startup import prepare_database


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder), sign_in_failure_limit=1_000_000)
        app = create_app(settings)
        await prepare_database(app.state.database, upgrade_embedded=True)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://localhost") as client,
        ):
            signed_up = await client.post(
                "/api/v1/auth/sign-up",
                json={
                    "username": "ada",
                    "email": "ada@example.org",
                    "password": "a fine passphrase",
                },
            )
            signed_up.raise_for_status()
            client.cookies.clear()

            async def wrong_password() -> object:
                response = await client.post(
                    "/api/v1/auth/sign-in", json={"login": "ada", "password": "wrong guess!"}
                )
                assert response.status_code == 401
                return response

            async def unknown_user() -> object:
                response = await client.post(
                    "/api/v1/auth/sign-in", json={"login": "nobody", "password": "wrong guess!"}
                )
                assert response.status_code == 401
                return response

            baseline, subject = await compare(wrong_password, unknown_user, rounds=rounds, warmup=5)
    report(f"sign-in: unknown user vs wrong password, {rounds} rounds", baseline, subject)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    asyncio.run(main(parser.parse_args().rounds))

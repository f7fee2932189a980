"""The baseline of `bench/load.py`'s throughput: one FastAPI route answering `GET
/api/v1/projects` with a fixed JSON body (the one Datadive gave the same user), with no
database, session or middleware, served by uvicorn exactly as `datadive serve` serves Datadive
(one process, a socket bound first, `log_level="info"`, the access log on, the same
keep-alive).

    python -m bench.bare_app PAYLOAD.json
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from datadive.cli import KEEP_ALIVE_SECONDS, bind_socket


def create_bare_app(payload: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/projects")
    async def list_projects() -> Any:
        return payload

    return app


def main() -> None:
    payload = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sock = bind_socket("127.0.0.1", 0)
    print(f"Bare FastAPI is listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        create_bare_app(payload), log_level="info", timeout_keep_alive=KEEP_ALIVE_SECONDS
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()

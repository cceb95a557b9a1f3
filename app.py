"""AI Studio: the REST API and the Gradio studio on one server, with an embedded worker.

`python app.py` serves http://127.0.0.1:7860 (see README for settings).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager

# Before gradio is imported: no version-check thread calling out.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from api import API_PREFIX, build_router, install_error_handlers, install_middleware  # noqa: E402
from api.routes.system import metrics_router  # noqa: E402
from billing.schema import create_all_tables  # noqa: E402
from studio.db import init_database  # noqa: E402
from studio.logs import configure_logging  # noqa: E402
from studio.settings import get_settings  # noqa: E402
from studio.storage import get_storage  # noqa: E402
from ui import mount_studio  # noqa: E402
from worker.consumer import Worker  # noqa: E402

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    init_database(settings.resolved_database_url)
    get_storage()
    worker = Worker() if settings.embedded_worker else None
    if worker:
        worker.start()
    logger.info("studio ready on %s", settings.resolved_public_url)
    yield
    if worker:
        worker.stop(graceful=False)


def create_app() -> FastAPI:
    """The FastAPI app with /api/v1, /metrics and the Gradio studio at /."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    init_database(settings.resolved_database_url)
    create_all_tables()
    app = FastAPI(
        title="AI Studio API",
        version="1.0",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    install_middleware(app)
    app.include_router(build_router())
    app.include_router(metrics_router)
    return mount_studio(app)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        server_header=False,  # no banner naming the server
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


if __name__ == "__main__":
    main()

"""`python -m worker [--workers N] [--queues video]`: a standalone worker on the configured
queue and database; `python -m worker sweep`: one retention pass now."""

from __future__ import annotations

import argparse
import logging

from studio.logs import configure_logging
from studio.settings import get_settings

logger = logging.getLogger(__name__)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("run", "sweep"), default="run")
    parser.add_argument("--workers", type=int, default=1, help="job threads (1 per GPU)")
    parser.add_argument(
        "--queues",
        default="default,video",
        help="comma-separated queues to serve: default, video (video is its own queue only "
        "with STUDIO_SEPARATE_VIDEO_QUEUE=true)",
    )
    args = parser.parse_args()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "sweep":
        _sweep()
        return
    from worker.broker import QUEUES
    from worker.consumer import run_standalone

    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = [q for q in queues if q not in QUEUES]
    if unknown or not queues:
        parser.error(f"--queues takes {', '.join(QUEUES)}; got {args.queues!r}")
    run_standalone(args.workers, queues)


def _sweep() -> None:
    from billing.schema import create_all_tables
    from studio.db import init_database
    from worker.retention import sweep_files

    init_database(get_settings().resolved_database_url)
    create_all_tables()
    report = sweep_files()
    logger.info(
        "retention pass: %s jobs' files expired, %s orphaned folders removed",
        report.expired_jobs,
        report.orphans,
    )


if __name__ == "__main__":
    main()

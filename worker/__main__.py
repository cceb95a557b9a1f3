"""`python -m worker [--workers N]`: a standalone worker on the configured queue and database."""

from __future__ import annotations

import argparse

from studio.logs import configure_logging
from studio.settings import get_settings
from worker.consumer import run_standalone


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__)
    parser.add_argument("--workers", type=int, default=1, help="job threads (1 per GPU)")
    args = parser.parse_args()
    configure_logging(get_settings().log_level)
    run_standalone(args.workers)


if __name__ == "__main__":
    main()

"""Automatic file cleanup: outputs and uploads of old jobs, and files no job owns.

Job rows stay (history, the ledger's references); their outputs are marked expired, so
the API and the UI say the files are gone instead of offering broken links.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from studio.models import FINAL_STATES, Job, utcnow
from studio.settings import get_settings
from studio.storage import get_storage, job_key

logger = logging.getLogger(__name__)

# A folder with no job row may be a submission still being written (uploads are stored
# before the row commits): only folders untouched this long are orphans.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass
class SweepReport:
    expired_jobs: int = 0
    orphans: int = 0


def expire_old_outputs(days: float) -> int:
    """Delete the files of jobs finished more than `days` ago; mark their outputs expired."""
    cutoff = utcnow() - timedelta(days=days)
    storage = get_storage()
    done = 0
    old = Job.select().where(
        Job.status.in_(FINAL_STATES) & (Job.finished_at < cutoff) & Job.expired_at.is_null()
    )
    for job in old:
        storage.delete_prefix(job_key(job.id, ""))
        outputs = [o | {"expired": True} for o in job.outputs or []]
        Job.update(outputs=outputs, preview=None, expired_at=utcnow()).where(
            Job.id == job.id
        ).execute()
        done += 1
        logger.info(
            "files expired job_id=%s feature=%s user_id=%s", job.id, job.feature, job.user_id
        )
    return done


def remove_orphans() -> int:
    """Delete job folders in storage that belong to no job row (and are not being written)."""
    storage = get_storage()
    cutoff = utcnow() - ORPHAN_GRACE
    removed = 0
    for job_id, newest in list(storage.job_folders()):
        if newest < cutoff and not Job.select().where(Job.id == job_id).exists():
            storage.delete_prefix(job_key(job_id, ""))
            removed += 1
            logger.info("orphaned files removed job_id=%s", job_id)
    return removed


def sweep_files() -> SweepReport:
    """One retention pass (STUDIO_RETENTION_DAYS; 0 keeps job files forever)."""
    days = get_settings().retention_days
    report = SweepReport()
    if days > 0:
        report.expired_jobs = expire_old_outputs(days)
    report.orphans = remove_orphans()
    return report

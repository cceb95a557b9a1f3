"""What a History card holds, without a browser (the browser tests drive the tab itself)."""

from __future__ import annotations

from studio.models import COMPLETED, Job, utcnow
from tests.factories import new_user


def test_a_card_of_an_expired_job_copies_nothing_and_says_so(studio):
    from ui.history_tab import card

    job = Job.create(
        user=new_user().id,
        feature="image_generation",
        params={},
        credits_charged=2,
        status=COMPLETED,
        outputs=[
            {
                "name": "image_1.png",
                "key": "gone/image_1.png",
                "contentType": "image/png",
                "expired": True,
            }
        ],
        expired_at=utcnow(),
    )
    shown = card(job, "UTC")
    assert shown["picture"] is None and shown["video"] is None
    assert shown["view"]["filesExpiredAt"]

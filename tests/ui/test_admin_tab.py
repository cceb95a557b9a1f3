"""The Admin tab: figures for admins, "admins only" for everyone else (no failed event)."""

from __future__ import annotations

import gradio as gr
import pandas as pd
import pytest

from studio.models import User
from studio.tokens import issue_token
from tests.factories import IMAGE_JOB, new_user
from ui.admin_tab import admin_tab
from worker import jobs


@pytest.fixture
def load(studio, monkeypatch):
    """The tab's Refresh handler, as the studio wires it."""
    monkeypatch.setattr(jobs, "enqueue", lambda job_id: None)
    with gr.Blocks() as demo:
        token = gr.BrowserState("")
        admin_tab(token)
    [block_fn] = [f for f in demo.fns.values() if f.api_name == "admin_stats"]
    return block_fn.fn


def test_an_admin_sees_the_figures(load):
    user = new_user()
    User.update(is_admin=True).where(User.id == user.id).execute()
    jobs.submit(user, "image_generation", IMAGE_JOB)
    summary, by_feature, by_status, times, depth, credits, failures, workers = load(
        issue_token(user)
    )
    assert "**default** queue: 1 waiting" in summary
    assert isinstance(by_feature, pd.DataFrame)
    assert by_feature.to_dict("records")[0]["feature"] == "image_generation"
    assert by_status["status"].tolist() == ["pending"]
    assert set(credits["kind"]) == {"signup", "spent"}
    assert depth[depth["queue"] == "default"]["waiting"].iloc[-1] == 1 and times.empty
    assert failures == [] and workers == []


def test_anyone_else_is_told_admins_only(load):
    summary, *figures = load(issue_token(new_user()))
    assert summary.startswith("admins only")
    assert figures == [None] * 5 + [[], []]


def test_without_a_token_it_asks_to_log_in(load):
    with pytest.raises(gr.Error):
        load("")

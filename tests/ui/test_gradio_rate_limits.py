"""The Gradio API goes through the REST API's rate limits (one count per user or address)."""

from __future__ import annotations

import gradio as gr
import pytest

from tests.conftest import configure

PASSWORD = "gradio-password"


def test_gradio_submissions_share_the_users_write_limit_and_charge_nothing(studio, monkeypatch):
    from billing.ledger import balance
    from pipelines.registry import FEATURES
    from studio.models import Job
    from ui.endpoints import register, submit_endpoint

    configure(monkeypatch, rate_limit_writes="3/15minutes", rate_limit_reads="")
    account = register("limits@example.com", PASSWORD, None)  # one write (by address)
    user_id = account["user"]["id"]
    image = submit_endpoint(FEATURES["image_generation"])
    for _ in range(3):
        image(account["token"], "a lighthouse")
    with pytest.raises(gr.Error, match="too many requests"):
        image(account["token"], "one too many")
    assert Job.select().where(Job.user == user_id).count() == 3
    assert balance(user_id) == 50 - 3 * 2


def test_gradio_reads_and_logins_are_limited(studio, monkeypatch):
    from ui.endpoints import credits, login, register

    configure(monkeypatch, rate_limit_writes="2/15minutes", rate_limit_reads="2/minute")
    token = register("reader@example.com", PASSWORD, None)["token"]
    login("reader@example.com", PASSWORD, None)
    with pytest.raises(gr.Error, match="too many requests"):  # a third write from the address
        login("reader@example.com", PASSWORD, None)
    assert credits(token) == 50
    assert credits(token) == 50
    with pytest.raises(gr.Error, match="too many requests"):
        credits(token)

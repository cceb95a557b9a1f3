"""The Gradio Blocks studio: account, one tab per feature, job history."""

from __future__ import annotations

import hashlib
import logging

import gradio as gr
from fastapi import FastAPI

from billing.signup import register as register_account
from pipelines.declare import MAX_UPLOAD_BYTES
from pipelines.registry import FEATURES
from studio.accounts import authenticate
from studio.settings import get_settings
from studio.tokens import issue_token, revoke_token
from ui.api_keys_tab import api_keys_tab
from ui.endpoints import register_endpoints
from ui.feature_tab import feature_tab
from ui.guard import require_user, shown_to_user
from ui.history_tab import history_tab
from ui.payments import build_payments_tab, register_payment_endpoints
from ui.status import badge_text, tiny_notice
from ui.uploads import mark_launched

logger = logging.getLogger(__name__)

CSS = """
#credit-badge {text-align: right; font-size: 1.1em}
#tiny-notice {border-left: 4px solid #f59e0b; padding-left: 0.8em}
"""


UPLOAD_LIMIT = f"{MAX_UPLOAD_BYTES // 2**20}mb"  # what a feature accepts; more is refused at once
CACHE_CLEANUP = (1800, 3600)  # every 30 min, delete uploads and UI copies older than an hour


def mount_studio(app: FastAPI) -> FastAPI:
    """Mount the studio at / on `app`, with Gradio's file checks on and the data kept out."""
    settings = get_settings()
    demo = build_studio()
    gr.mount_gradio_app(
        app,
        demo,
        path="",
        theme=gr.themes.Soft(),
        css=CSS,
        footer_links=["api", "gradio"],
        allowed_paths=[],
        # Never served, never copied into a job: the database, the secret, stored files, weights.
        blocked_paths=[str(settings.data_dir.resolve()), str(settings.resolved_models_dir)],
        max_file_size=UPLOAD_LIMIT,
        show_error=False,  # raw exception text stays in the log; gr.Error messages still show
    )
    mark_launched(demo)
    return app


def build_studio() -> gr.Blocks:
    """The whole studio UI plus its documented API."""
    settings = get_settings()
    # A fixed secret so the stored login survives restarts; derived, never the key itself.
    secret = hashlib.sha256(b"browser-state:" + settings.resolved_secret_key.encode()).hexdigest()
    with gr.Blocks(title="AI Studio", delete_cache=CACHE_CLEANUP) as demo:
        token = gr.BrowserState("", storage_key="ai-studio-token", secret=secret)
        with gr.Row():
            gr.Markdown("# AI Studio")
            badge = gr.Markdown(elem_id="credit-badge")
        notice = gr.Markdown(tiny_notice(), elem_id="tiny-notice")
        with gr.Column(visible=True) as auth_panel:
            gr.Markdown("Log in, or register to get 50 free credits.")
            email = gr.Textbox(label="Email", type="email")
            password = gr.Textbox(label="Password (8–72 characters)", type="password")
            with gr.Row():
                login_btn = gr.Button("Log in", variant="primary")
                register_btn = gr.Button("Register")
        with gr.Column(visible=False) as studio_panel:
            with gr.Tabs() as tabs:
                forms = {}
                for feature in FEATURES.values():
                    with gr.Tab(feature.title, id=feature.id):
                        forms[feature.id] = feature_tab(feature, token, badge)
                with gr.Tab("History", id="history") as history:
                    refresh_history = history_tab(token, badge, tabs, forms)
                with gr.Tab("Buy credits", id="buy_credits"):
                    build_payments_tab(token, badge)
                with gr.Tab("API keys", id="api_keys"):
                    api_keys_tab(token)
                history.select(
                    *refresh_history, api_name="ui_history_tab", api_visibility="private"
                )
            logout_btn = gr.Button("Log out", size="sm")
        register_endpoints()
        register_payment_endpoints()

        def restore(token_value: str):
            try:
                user = require_user(token_value) if token_value else None
            except gr.Error:
                user = None
            return (
                badge_text(user),
                gr.Column(visible=user is None),
                gr.Column(visible=user is not None),
                tiny_notice(),
            )

        @shown_to_user
        def enter(email_value: str, password_value: str, new_account: bool):
            if new_account:
                user = register_account(email_value, password_value)
            else:
                user = authenticate(email_value, password_value)
            gr.Info(f"Welcome, {user.email}: you have {user.credits} credits.")
            return (
                issue_token(user),
                badge_text(user),
                gr.Column(visible=False),
                gr.Column(visible=True),
                "",
            )

        def do_login(e: str, p: str):
            return enter(e, p, False)

        def do_register(e: str, p: str):
            return enter(e, p, True)

        def logout(token_value: str):
            revoke_token(token_value)  # the stored token must not outlive the session
            return "", "", gr.Column(visible=True), gr.Column(visible=False)

        panels = [auth_panel, studio_panel]
        demo.load(
            restore,
            token,
            [badge, *panels, notice],
            api_name="ui_restore",
            api_visibility="private",
        )
        entered = [token, badge, *panels, password]
        login_btn.click(
            do_login, [email, password], entered, api_name="ui_login", api_visibility="private"
        )
        register_btn.click(
            do_register,
            [email, password],
            entered,
            api_name="ui_register",
            api_visibility="private",
        )
        logout_btn.click(
            logout, token, [token, badge, *panels], api_name="ui_logout", api_visibility="private"
        )
    demo.queue(default_concurrency_limit=8, max_size=200)
    return demo

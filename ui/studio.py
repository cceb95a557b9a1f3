"""The Gradio Blocks studio: account, one tab per feature, job history."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from billing.signup import register as register_account
from pipelines.declare import MAX_UPLOAD_BYTES
from pipelines.registry import FEATURES
from studio.accounts import authenticate
from studio.errors import StudioError
from studio.settings import get_settings
from studio.tokens import issue_token, revoke_token
from ui.account import account_tab
from ui.admin_tab import admin_tab
from ui.api_keys_tab import api_keys_tab
from ui.endpoints import register_endpoints
from ui.feature_tab import feature_tab
from ui.guard import caller_address, require_user
from ui.history_tab import TZ_JS, history_tab
from ui.payments import build_payments_tab, register_payment_endpoints
from ui.status import badge_text, tiny_notice
from ui.uploads import mark_launched

logger = logging.getLogger(__name__)

CSS = (Path(__file__).parent / "data" / "studio.css").read_text(encoding="utf-8")
PAGE_CSS = (Path(__file__).parent / "data" / "page.css").read_text(encoding="utf-8")
# Removing the stored token in the browser: Gradio never writes an empty BrowserState, so
# setting it to "" alone would leave the old token there for the next page load.
FORGET_TOKEN_JS = "(t) => { localStorage.removeItem('ai-studio-token'); return t; }"


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
        head=f"<style>{PAGE_CSS}</style>",
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
        with gr.Row(elem_id="studio-header", equal_height=True):
            gr.Markdown("# AI Studio", elem_id="studio-title")
            badge = gr.HTML(elem_id="credit-badge")
            with gr.Row(visible=False, elem_id="account-menu") as account_menu:
                history_btn = gr.Button("History", size="sm", elem_id="menu-history")
                buy_btn = gr.Button("Buy credits", size="sm", elem_id="menu-buy")
                logout_btn = gr.Button("Log out", size="sm", elem_id="menu-logout")
        with gr.Row(visible=bool(tiny_notice()), elem_id="tiny-notice") as notice_row:
            gr.Markdown(tiny_notice())
            dismiss_btn = gr.Button("Dismiss", size="sm", scale=0, min_width=80)
        with gr.Column(visible=True, elem_id="auth-panel") as auth_panel:
            gr.Markdown("Log in, or register to get 50 free credits.")
            email = gr.Textbox(label="Email", type="email", elem_id="auth-email")
            email_error = gr.Markdown(visible=False, elem_classes="field-error")
            password = gr.Textbox(
                label="Password (8–72 characters)", type="password", elem_id="auth-password"
            )
            password_error = gr.Markdown(visible=False, elem_classes="field-error")
            with gr.Row():
                login_btn = gr.Button("Log in", variant="primary")
                register_btn = gr.Button("Register")
        with gr.Column(visible=False) as studio_panel, gr.Tabs(overflow_behavior="wrap") as tabs:
            forms = {}
            for feature in FEATURES.values():
                with gr.Tab(feature.title, id=feature.id):
                    forms[feature.id] = feature_tab(feature, token, badge)
            with gr.Tab("History", id="history") as history:
                refresh_history = history_tab(token, badge, tabs, forms)
            with gr.Tab("Buy credits", id="buy_credits"):
                build_payments_tab(token, badge)
            with gr.Tab("Account", id="account"):
                account_tab(token, badge)
            with gr.Tab("API keys", id="api_keys"):
                api_keys_tab(token)
            with gr.Tab("Admin", id="admin", visible=False) as admin:  # shown to admins
                refresh_admin = admin_tab(token)
            admin.select(*refresh_admin, api_name="ui_admin_tab", api_visibility="private")
            history.select(*refresh_history, api_name="ui_history_tab", api_visibility="private")
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
                gr.Row(visible=user is not None),
                gr.Tab(visible=bool(user and user.is_admin)),
            )

        no_errors = (gr.Markdown(visible=False), gr.Markdown(visible=False))

        def enter(email_value: str, password_value: str, new_account: bool, request: gr.Request):
            # Errors go under the field they concern; the form stays as it is, never covered.
            try:
                address = caller_address(request)
                if new_account:
                    user = register_account(email_value, password_value, address)
                else:
                    user = authenticate(email_value, password_value, address)
            except StudioError as exc:
                message = gr.Markdown(f"⚠ {exc.message}", visible=True)
                on_email = exc.field == "email"
                return (
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    message if on_email else no_errors[0],
                    no_errors[1] if on_email else message,
                )
            return (
                issue_token(user),
                badge_text(user),
                gr.Column(visible=False),
                gr.Column(visible=True),
                gr.Row(visible=True),
                gr.Tab(visible=user.is_admin),
                "",
                *no_errors,
            )

        def do_login(e: str, p: str, request: gr.Request):
            return enter(e, p, False, request)

        def do_register(e: str, p: str, request: gr.Request):
            return enter(e, p, True, request)

        def logout(token_value: str):
            revoke_token(token_value)  # the token is refused from now on, wherever it was copied
            return (
                "",
                "",
                gr.Column(visible=True),
                gr.Column(visible=False),
                gr.Row(visible=False),
                gr.Tab(visible=False),
            )

        panels = [auth_panel, studio_panel, account_menu, admin]
        demo.load(
            restore,
            token,
            [badge, *panels],
            api_name="ui_restore",
            api_visibility="private",
            show_progress="hidden",
        )
        browser_zone = refresh_history[1][-1]  # the last of the History inputs
        demo.load(None, None, browser_zone, js=TZ_JS, api_visibility="private")
        entered = [token, badge, *panels, password, email_error, password_error]
        quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        gr.on(
            [login_btn.click, password.submit, email.submit],
            do_login,
            [email, password],
            entered,
            api_name="ui_login",
            **quiet,
        )
        register_btn.click(do_register, [email, password], entered, api_name="ui_register", **quiet)
        logout_btn.click(
            logout,
            token,
            [token, badge, *panels],
            api_name="ui_logout",
            js=FORGET_TOKEN_JS,
            **quiet,
        )
        history_btn.click(
            lambda: gr.Tabs(selected="history"), None, tabs, api_name="ui_menu_history", **quiet
        ).then(*refresh_history, api_name="ui_menu_history_refresh", **quiet)
        buy_btn.click(
            lambda: gr.Tabs(selected="buy_credits"), None, tabs, api_name="ui_menu_buy", **quiet
        )
        dismiss_btn.click(
            lambda: gr.Row(visible=False), None, notice_row, api_name="ui_dismiss", **quiet
        )
    demo.queue(default_concurrency_limit=8, max_size=200)
    return demo

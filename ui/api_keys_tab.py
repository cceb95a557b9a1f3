"""The "API keys" tab: create a key (its secret shown once), list keys, revoke one."""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.api_keys import SCOPES, create_key, list_keys, revoke_key
from studio.errors import StudioError
from studio.models import User
from ui.guard import require_user

KEY_COLUMNS = ["Key id", "Name", "Prefix", "Scopes", "Created (UTC)", "Last used (UTC)", "Revoked"]
INTRO = (
    "API keys let programs use the studio without your password: send one as "
    "`Authorization: Bearer sk_studio_…` to the REST API, or pass it as the token to "
    "`gradio_client`. Without scopes a key may do everything you can; scopes limit a REST key."
)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _rows(user: User) -> list[list[str]]:
    return [
        [
            k.id,
            k.name,
            k.prefix + "…",
            ", ".join(k.scopes or []) or "all",
            _when(k.created_at),
            _when(k.last_used_at),
            _when(k.revoked_at),
        ]
        for k in list_keys(user)
    ]


def api_keys_tab(token: gr.BrowserState) -> None:
    """The panel's contents; call inside `with gr.Tab("API keys"):`."""
    gr.Markdown(INTRO)
    with gr.Row():
        name = gr.Textbox(
            label="Name", placeholder="e.g. nightly renders", max_length=100, elem_id="api-key-name"
        )
        scopes = gr.CheckboxGroup(list(SCOPES), label="Scopes (none: full access)")
    create_btn = gr.Button("Create key", variant="primary")
    secret = gr.Textbox(
        label="Your new key: copy it now, it is not shown again",
        visible=False,
        interactive=False,
        buttons=["copy"],
        elem_id="api-key-secret",
    )
    message = gr.Markdown(elem_id="api-key-message")
    table = gr.Dataframe(headers=KEY_COLUMNS, interactive=False, wrap=True)
    with gr.Row():
        key_id = gr.Textbox(label="Key id to revoke", elem_id="api-key-revoke-id")
        revoke_btn = gr.Button("Revoke", variant="stop")
    refresh_btn = gr.Button("Refresh", size="sm")

    def refresh(token_value: str):
        try:
            user = require_user(token_value) if token_value else None
        except gr.Error:
            user = None
        return _rows(user) if user else []

    def create(token_value: str, name_value: str, scope_values: list[str]):
        # Form errors go next to the form (a toast would also blank the table).
        try:
            user = require_user(token_value)
            key, value = create_key(user, name_value, scope_values)
        except (StudioError, gr.Error) as exc:
            text = exc.message if isinstance(exc, StudioError) else str(exc)
            return gr.Textbox(value="", visible=False), f"**Not created:** {text}", gr.skip(), ""
        done = f"Key **{key.name}** created. Store it somewhere safe."
        return gr.Textbox(value=value, visible=True), done, _rows(user), ""

    def revoke(token_value: str, key_value: str):
        try:
            user = require_user(token_value)
            key = revoke_key(user, key_value.strip())
        except (StudioError, gr.Error) as exc:
            text = exc.message if isinstance(exc, StudioError) else str(exc)
            return f"**Not revoked:** {text}", gr.skip()
        return f"Key **{key.name}** revoked: it no longer works.", _rows(user)

    create_btn.click(
        create,
        [token, name, scopes],
        [secret, message, table, name],
        api_name="ui_create_api_key",
        api_visibility="private",
    )
    revoke_btn.click(
        revoke,
        [token, key_id],
        [message, table],
        api_name="ui_revoke_api_key",
        api_visibility="private",
    )
    refresh_btn.click(
        refresh, token, table, api_name="ui_api_keys_refresh", api_visibility="private"
    )
    gr.on(None, refresh, token, table, api_name="ui_api_keys_load", api_visibility="private")

"""The Account tab: the password (changing it ends every other session)."""

from __future__ import annotations

import gradio as gr

from studio.accounts import change_password
from studio.errors import StudioError
from studio.tokens import revoke_other_sessions
from ui.guard import require_user
from ui.status import badge_text


def account_tab(token: gr.BrowserState, badge: gr.HTML) -> None:
    """The tab's contents; call inside `with gr.Tab("Account"):`."""
    gr.Markdown(
        "### Change your password\nEvery other browser and script logged in as you is logged out."
    )
    current = gr.Textbox(label="Current password", type="password", elem_id="current-password")
    new = gr.Textbox(
        label="New password (8–72 characters)", type="password", elem_id="new-password"
    )
    change_btn = gr.Button("Change password", variant="primary")
    outcome = gr.Markdown(elem_classes="field-error")

    def change(token_value: str, current_value: str, new_value: str):
        try:
            user = require_user(token_value)
            change_password(user, current_value, new_value)
            ended = revoke_other_sessions(user, token_value)
        except (gr.Error, StudioError) as exc:
            return gr.skip(), gr.skip(), f"⚠ {getattr(exc, 'message', str(exc))}", gr.skip()
        done = f"Password changed; {ended} other session{'s' if ended != 1 else ''} logged out."
        return "", "", done, badge_text(user)

    gr.on(
        [change_btn.click, new.submit],
        change,
        [token, current, new],
        [current, new, outcome, badge],
        api_name="ui_change_password",
        api_visibility="private",
        show_progress="hidden",
    )

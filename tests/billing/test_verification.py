"""Email verification (STUDIO_REQUIRE_EMAIL_VERIFICATION): no signup credits until the emailed
link is opened; the link works once, a forged or expired one does nothing."""

from __future__ import annotations

import re
import socketserver
import threading
from datetime import timedelta

import pytest

from tests.api.rest import rest_client
from tests.conftest import configure

PASSWORD = "verify-password"


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP (no TLS) to receive one message per connection."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test ready")
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb == "EHLO":
                self.reply("250 test")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    lines.append(data)
                self.server.inbox.append("".join(lines))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def inbox():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.inbox = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"smtp://127.0.0.1:{server.server_address[1]}?starttls=false", server.inbox  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _link(message: str) -> str:
    body = message.replace("=\r\n", "").replace("=3D", "=")
    return re.search(r"/api/v1/auth/verify\?token=([\w-]+)", body).group(1)


def test_credits_arrive_with_the_emailed_link_once(studio, monkeypatch, inbox):
    smtp_url, messages = inbox
    configure(monkeypatch, require_email_verification="true", smtp_url=smtp_url)
    api = rest_client()
    registered = api.post("/auth/register", json={"email": "new@example.com", "password": PASSWORD})
    assert registered.status_code == 201
    assert registered.json()["user"]["credits"] == 0
    auth = {"authorization": f"Bearer {registered.json()['token']}"}
    assert api.post("/jobs/image-generation", json={"prompt": "x"}, headers=auth).status_code == 402
    assert len(messages) == 1 and "To: new@example.com" in messages[0]
    token = _link(messages[0])

    assert api.get("/auth/verify", params={"token": token + "x"}).status_code == 422
    opened = api.get("/auth/verify", params={"token": token})
    assert opened.status_code == 200 and "50 credits" in opened.text
    assert api.get("/auth/verify", params={"token": token}).status_code == 200  # twice: once
    assert api.get("/users/credits", headers=auth).json() == {"credits": 50}
    assert api.post("/auth/verification", headers=auth).status_code == 409


def test_an_expired_link_is_refused_and_a_new_one_can_be_sent(studio, monkeypatch, inbox):
    from billing.verification import EmailVerification
    from studio.models import utcnow

    smtp_url, messages = inbox
    configure(monkeypatch, require_email_verification="true", smtp_url=smtp_url)
    api = rest_client()
    registered = api.post("/auth/register", json={"email": "old@example.com", "password": PASSWORD})
    auth = {"authorization": f"Bearer {registered.json()['token']}"}
    EmailVerification.update(sent_at=utcnow() - timedelta(days=4)).execute()
    assert api.get("/auth/verify", params={"token": _link(messages[0])}).status_code == 422
    assert api.post("/auth/verification", headers=auth).json() == {"sent": True}
    assert api.get("/auth/verify", params={"token": _link(messages[1])}).status_code == 200
    assert api.get("/users/credits", headers=auth).json() == {"credits": 50}


def test_without_the_setting_credits_come_at_once_and_no_mail_is_sent(studio, monkeypatch, inbox):
    smtp_url, messages = inbox
    configure(monkeypatch, smtp_url=smtp_url)
    registered = rest_client().post(
        "/auth/register", json={"email": "a@example.com", "password": PASSWORD}
    )
    assert registered.json()["user"]["credits"] == 50 and messages == []

"""Headless Chromium for the browser tests: launch options, viewports, a freshly registered
page, screenshots (kept as CI artifacts) and the login a page stored."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import uuid
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored; CI keeps them


def new_page(browser, viewport: dict = DESKTOP):
    phone = viewport["width"] < 600
    context = browser.new_context(
        viewport=viewport, accept_downloads=True, is_mobile=phone, has_touch=phone
    )
    return context.new_page()


def snap(page, name: str) -> Path:
    """Save what the page shows now as tests/ui/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def registered_page(browser, live_server: str, prefix: str, viewport: dict = DESKTOP):
    """A page logged in as a new user with 50 credits; returns (page, credit badge)."""
    from playwright.sync_api import expect

    page = new_page(browser, viewport)
    page.goto(live_server + "/", wait_until="load")
    page.get_by_label("Email").fill(f"{prefix}-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password (8–72 characters)").fill("browser-password")
    page.get_by_role("button", name="Register").click()
    badge = page.locator("#credit-badge")
    expect(badge).to_contain_text("50 credits", timeout=20_000)
    return page, badge


def stored_token(page, data_dir: Path) -> str:
    """The login token the page keeps in localStorage ("" when none), decrypted the way
    Gradio's BrowserState encrypts it (CryptoJS AES with a passphrase: OpenSSL's KDF)."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    stored = page.evaluate("() => localStorage.getItem('ai-studio-token')")
    if not stored:
        return ""
    secret = (data_dir / "secret_key").read_text().strip()
    browser_secret = hashlib.sha256(b"browser-state:" + secret.encode()).hexdigest()
    passphrase = hashlib.sha256(browser_secret.encode()).hexdigest().encode()
    blob = base64.b64decode(stored.split(":", 1)[1])
    assert blob[:8] == b"Salted__"
    salt, data = blob[8:16], blob[16:]
    derived, block = b"", b""
    while len(derived) < 48:  # EVP_BytesToKey(MD5): a 32-byte key and a 16-byte IV
        block = hashlib.md5(block + passphrase + salt).digest()
        derived += block
    decryptor = Cipher(algorithms.AES(derived[:32]), modes.CBC(derived[32:48])).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
    return json.loads(plain.decode())

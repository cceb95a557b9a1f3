"""The one settings object; the only module that reads the environment."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Studio configuration from STUDIO_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="STUDIO_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""  # default: SQLite file in data_dir
    queue_url: str = ""  # default: SQLite Huey in data_dir; redis://… for Redis
    storage_url: str = ""  # default: data_dir/files; s3://KEY:SECRET@host:port/bucket?secure=false
    secret_key: str = ""  # default: generated once into data_dir/secret_key (0600)
    host: str = "127.0.0.1"
    port: int = 7860
    public_url: str = ""  # how users reach the studio; default http://host:port
    embedded_worker: bool = True
    model_preset: str = "auto"
    models_dir: Path | None = None  # default: data_dir/models
    device: str = "auto"
    log_level: str = "INFO"
    # On SIGTERM, how long open connections may finish before they are cut: an open studio tab
    # (Gradio's heartbeat stream) never ends by itself, so without a limit a stop waits forever.
    shutdown_grace_seconds: int = 10

    # An OpenAI-compatible chat server that writes lesson scripts from a topic (optional).
    text_model_url: str = ""  # e.g. http://127.0.0.1:11434/v1 (Ollama)
    text_model: str = ""
    text_model_key: str = ""

    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = ""  # default: Stripe's own; point at stripe-mock or a local stand-in

    # Security (README "Security"): who may embed the studio in a frame (a CSP
    # frame-ancestors source list: 'none', 'self' or origins) and which origins may call the
    # API from a browser (comma-separated; none by default).
    frame_ancestors: str = "'self'"
    cors_origins: str = ""
    # Abuse limits ("N/period" as the `limits` library reads it; empty turns one off), per
    # user when logged in, else per address; X-Forwarded-For counts only from these proxies.
    rate_limit_writes: str = "100/15minutes"  # job submissions, checkout, auth
    rate_limit_reads: str = "600/minute"  # job status and lists
    login_failures: str = "10/15minutes"  # per account and per address; a success resets
    signups_per_ip_day: int = 20  # 0 turns it off
    trusted_proxies: str = ""  # comma-separated addresses or networks, e.g. 10.0.0.0/8
    metrics_token: str = ""  # /metrics wants it as a bearer token; unset: loopback callers only

    signup_credits: int = 50
    bcrypt_rounds: int = 12  # the cost of a password hash; tests lower it, nothing else should
    token_days: float = 7.0
    download_url_seconds: int = 3600
    queue_name: str = "studio"
    lease_seconds: float = 60.0
    max_attempts: int = 2  # a job whose worker died is retried once, then failed and refunded
    reaper_interval: float = 10.0
    sweep_after_seconds: float = 120.0

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def resolved_models_dir(self) -> Path:
        return (self.models_dir or self.data_dir / "models").expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'studio.db'}"

    @property
    def resolved_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.data_dir / 'queue.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir / 'files'}"

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @property
    def resolved_secret_key(self) -> str:
        return self.secret_key or _stored_secret(self.data_dir)


def _stored_secret(data_dir: Path) -> str:
    """Generate the secret once, readable only by its owner, and reuse it after restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place, so a process starting at the same moment
        # never reads an empty file; the first link wins.
        tmp = data_dir / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests that change the environment)."""
    get_settings.cache_clear()

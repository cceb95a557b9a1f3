"""The one settings object; the only module that reads the environment."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
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
    log_format: str = "text"  # "json": one JSON object per line (access and job logs)
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

    # Integrators (README "Events", "Webhooks"): how often an event stream reads the job rows,
    # its keep-alive comment, outgoing webhook retries and whether they may reach private hosts.
    events_poll_seconds: float = 0.5
    events_heartbeat_seconds: float = 15.0
    webhook_retry_seconds: str = "10,60,300,1800,7200,21600,43200"
    webhook_timeout_seconds: float = 10.0
    webhook_allow_private: bool = False
    webhook_poll_seconds: float = 1.0

    signup_credits: int = 50
    # Public deployments: signup credits only once the emailed link is opened (README Security).
    require_email_verification: bool = False
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS), smtps://…:465, or ?starttls=false
    mail_from: str = "AI Studio <noreply@localhost>"
    verification_days: float = 3.0
    bcrypt_rounds: int = 12  # the cost of a password hash; tests lower it, nothing else should
    token_days: float = 7.0
    download_url_seconds: int = 3600
    queue_name: str = "studio"
    lease_seconds: float = 60.0
    max_attempts: int = 2  # a job whose worker died is retried once, then failed and refunded
    reaper_interval: float = 10.0
    sweep_after_seconds: float = 120.0
    # Per-user limits: more waiting jobs than this → 429 at submit, nothing charged; a job over
    # the running limit waits in the queue until one of the user's jobs ends.
    max_pending_per_user: int = 10
    max_running_per_user: int = 2
    # Video features on a queue of their own, served by `python -m worker --queues video`;
    # off: one queue for everything, cheap features taken first by priority.
    separate_video_queue: bool = False
    # Outputs and uploads of jobs finished longer ago than this are deleted (rows kept);
    # 0 keeps files forever. The sweep runs beside every worker each retention_interval s.
    retention_days: float = 30.0
    retention_interval: float = 3600.0
    # A standalone worker's own /metrics (job times, GPUs): port 0 = off; bind it to an address
    # only your Prometheus reaches (the web processes' /metrics wants STUDIO_METRICS_TOKEN).
    worker_metrics_port: int = 0
    worker_metrics_host: str = "127.0.0.1"
    # Which GPUs this worker owns (NVML sees every GPU on the host); CUDA's own variable.
    cuda_visible_devices: str = Field(default="", validation_alias="CUDA_VISIBLE_DEVICES")

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
    def webhook_retry_delays(self) -> list[float]:
        """Seconds to wait before each retry of a failed webhook delivery."""
        return [float(v) for v in self.webhook_retry_seconds.split(",") if v.strip()]

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

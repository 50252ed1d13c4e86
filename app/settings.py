"""Service settings, read once from the environment (``CORRIDOR_*``) with working defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="CORRIDOR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'corridor.db'}",
        description="SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://... "
        "in production.",
    )
    network_path: Path = Field(
        default=ROOT / "data" / "network.geojson",
        description="The network file; sources.toml, tariffs.toml and emission_factors.toml "
        "are read from the same folder.",
    )
    cache_dir: str | None = Field(
        default=None,
        description="Folder where the built network is kept between starts (app.cache): unset, "
        "$XDG_CACHE_HOME/corridor or ~/.cache/corridor; empty or 'off' keeps nothing.",
    )
    demand_path: Path = Field(
        default=ROOT / "data" / "demand" / "default.csv",
        description='The bundled demand matrix studies use as "default".',
    )
    webhook_retry_base_s: float = Field(
        default=2.0,
        gt=0,
        le=3600,
        description="First retry delay of a failed webhook delivery; doubled at each attempt.",
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=30, description="Attempts before a delivery is marked failed."
    )
    webhook_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="How long a receiver may take to answer."
    )
    max_horizon_days: int = Field(
        default=56, ge=1, le=366, description="Longest search horizon a quote may ask for."
    )
    quote_validity_hours: float = Field(
        default=168, gt=0, description="How long a quote can be booked after it is made."
    )
    usd_cny_rate: float | None = Field(
        default=None,
        gt=0,
        description="CNY per USD to price with instead of the catalogue's reference rate.",
    )
    job_workers: int = Field(
        default=1, ge=1, le=64, description="Threads of the in-process job runner."
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker, e.g. redis://127.0.0.1:6379/0: jobs then run on "
        "`corridor worker` processes instead of the in-process runner.",
    )
    broker_queue: str = Field(
        default="corridor", min_length=1, description="The broker queue of the job tasks."
    )
    broker_visibility_timeout_s: float = Field(
        default=3600,
        gt=0,
        description="Seconds after which a task a worker took but never acknowledged (the "
        "worker died) is delivered again; must exceed the longest job part.",
    )
    rate_limit_per_s: float = Field(
        default=50.0,
        ge=0,
        description="Sustained requests per second allowed to each API key; 0 disables limiting.",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests a key may send at once above the sustained rate."
    )
    rate_limit_redis_url: str | None = Field(
        default=None,
        description="Redis shared by every API process for one allowance per key (e.g. "
        "redis://127.0.0.1:6379/1); unset, each process limits on its own.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    environment: Literal["development", "test", "production"] = "development"
    webhook_private_hosts: bool | None = Field(
        default=None,
        description="Whether webhooks may point at loopback, private or link-local addresses (a "
        "way for a caller to make the service reach its own network); unset: only outside "
        "production.",
    )

    @property
    def webhooks_reach_private_hosts(self) -> bool:
        """What ``webhook_private_hosts`` says, or whether this is not production."""
        if self.webhook_private_hosts is not None:
            return self.webhook_private_hosts
        return self.environment != "production"

    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, url: str) -> str:
        """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
        if url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.removeprefix("postgres://")
        return url


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings()

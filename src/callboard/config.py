"""Settings: defaults < TOML file (``CALLBOARD_CONFIG``) < ``CALLBOARD_*`` env vars < CLI flags."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from callboard.net import DestinationPolicy, is_loopback

DEFAULT_SQLITE_URL = "sqlite:///callboard.db"


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLBOARD_", extra="ignore")

    mode: Mode = Mode.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8765
    database_url: str = DEFAULT_SQLITE_URL
    directory_file: str | None = None
    # Public base URL used in Location headers, @odata.context and OpenID documents.
    # Empty: derived from each request's Host header.
    base_url: str = ""
    # Where Callboard keeps files of its own: the development CA and server certificate
    # that ``serve --tls`` generates (relative paths are to the working directory).
    data_dir: str = ".callboard"
    # Serve https with the development certificate from data_dir (generated on first use).
    tls: bool = False
    # How serve and worker write their log lines: "text" or "json" (one object per line).
    log_format: Literal["text", "json"] = "text"

    # None means "the mode decides": on in development, off in production.
    admin_enabled: bool | None = None
    # The bearer token the admin API asks for in production and whenever the server listens
    # beyond loopback (docs/decisions.md, "The admin API's guard"). Empty: no credentials work.
    admin_token: str = ""
    # GET /metrics (docs/metrics.md): on in both modes; where the admin API needs credentials
    # (production, or beyond loopback) it asks for the admin token too, unless public.
    metrics_enabled: bool = True
    metrics_public: bool = False
    allow_http_loopback_callbacks: bool | None = None
    virtual_clock: bool | None = None

    run_jobs_in_process: bool = True
    runner_poll_seconds: float = 0.5
    runner_batch_size: int = 256
    # Notification POSTs in flight at once: in all, and to one endpoint (scheme, host and
    # port), so that a bot that hangs holds its own share and nobody else's.
    runner_concurrency: int = 256
    webhook_endpoint_concurrency: int = 64
    job_lock_seconds: float = 60.0
    # Each serve and worker process records a heartbeat this often (real time, in a thread
    # of its own); one silent for process_dead_after_seconds is dead and its jobs released.
    heartbeat_seconds: float = 1.0
    process_dead_after_seconds: float = 3.0

    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base_seconds: float = 1.0
    webhook_backoff_max_seconds: float = 300.0
    # Prefix rewrites applied to callback URLs before delivery, e.g.
    # {"https://bot.contoso.com": "http://127.0.0.1:3978"}: no public tunnel needed.
    callback_rewrites: dict[str, str] = Field(default_factory=dict)
    # Refuse (dead-letter) any delivery whose host is not a loopback address, after the
    # rewrites. None: on in development (an emulator should not call the seeds' example
    # hosts), off in production.
    callback_loopback_only: bool | None = None
    # Refuse callbackUri / notificationUrl hosts that are not public addresses (loopback in
    # any spelling, private ranges, link-local and cloud metadata), at the API after
    # resolving the name and again when connecting. None: on in production only.
    callback_block_private: bool | None = None
    # Comma-separated CIDRs, addresses and host names callbacks may reach all the same.
    callback_allow: str = ""

    notification_issuer: str = "https://api.botframework.com"
    notification_token_lifetime_seconds: int = 3900
    token_lifetime_seconds: int = 3600

    # Simulated remote parties.
    answer_delay_seconds: float = 1.0
    connect_delay_seconds: float = 0.2
    ringing_timeout_seconds: float = 60.0
    incoming_answer_timeout_seconds: float = 15.0
    terminate_delay_seconds: float = 0.2
    # How long after a call ends its callRecord is published and announced to subscribers
    # (Graph's records arrive minutes after the call; docs/call-records.md).
    call_record_delay_seconds: float = 60.0
    # UCWA: how many myOnlineMeetings one user may organise (TooManyOnlineMeetings past it).
    ucwa_meeting_quota_per_user: int = 1000

    # Virtual-appointment SMS (docs/sms.md): the gateway ("outbox", "twilio", "webhook").
    sms_gateway: str = "outbox"
    sms_max_attempts: int = 6
    sms_backoff_base_seconds: float = 2.0
    sms_backoff_max_seconds: float = 300.0
    sms_timeout_seconds: float = 10.0
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    sms_webhook_url: str = ""
    sms_webhook_secret: str = ""

    @model_validator(mode="after")
    def _mode_defaults(self) -> Settings:
        dev = self.mode is Mode.DEVELOPMENT
        if self.admin_enabled is None:
            self.admin_enabled = dev
        if self.allow_http_loopback_callbacks is None:
            self.allow_http_loopback_callbacks = dev
        if self.virtual_clock is None:
            self.virtual_clock = dev
        if self.callback_loopback_only is None:
            self.callback_loopback_only = dev
        if self.callback_block_private is None:
            self.callback_block_private = not dev
        return self

    @property
    def destinations(self) -> DestinationPolicy:
        """Where callbacks may go (production refuses private addresses)."""
        return DestinationPolicy.parse(
            self.callback_allow, block_private=bool(self.callback_block_private)
        )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = os.environ.get("CALLBOARD_CONFIG")
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @property
    def admin(self) -> bool:
        return bool(self.admin_enabled)

    @property
    def listens_beyond_loopback(self) -> bool:
        """Whether the bind address is reachable from other machines (``0.0.0.0``, ``::``,
        a LAN address, a host name other than ``localhost``)."""
        return not is_loopback(self.host)

    @property
    def admin_needs_credentials(self) -> bool:
        """Production, or a server others can reach: the admin API asks for
        ``CALLBOARD_ADMIN_TOKEN``. Development on loopback stays open (tests, the pytest plugin)."""
        return self.mode is Mode.PRODUCTION or self.listens_beyond_loopback

    @property
    def metrics_need_credentials(self) -> bool:
        return self.admin_needs_credentials and not self.metrics_public


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and TOML file, with explicit overrides on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})

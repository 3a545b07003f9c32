"""One settings object, read from LABOURWATCH_* variables or a .env file."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("labourwatch.config")

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./labourwatch.db"


class ConfigError(RuntimeError):
    """The settings cannot run a safe service; the message says what to set."""


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_NETWORKS = ("127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
"""Loopback and private (RFC 1918, RFC 4193) networks: where a Prometheus scraper sits."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LABOURWATCH_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_SQLITE_URL
    secret_key: SecretStr | None = None
    """Signs tokens and keys the receipt and contact-detail crypto. ≥ 32 bytes."""
    jwt_issuer: str = "labourwatch"
    jwt_audience: str = "labourwatch-api"
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    token_check_seconds: float = Field(default=5.0, ge=0, le=60)
    """How long a process trusts its last look at an account's row (active, token version):
    a deactivation or password change ends old tokens on every process within this."""
    login_max_failures: int = Field(default=5, ge=1)
    """Failed logins of one account name before each attempt is answered 429."""
    login_max_failures_per_source: int = Field(default=20, ge=1)
    """Failed logins from one client address (any names) before 429."""
    login_lockout_seconds: float = Field(default=30.0, gt=0)
    """The first lockout; each further failure doubles it, up to the maximum."""
    login_lockout_max_seconds: float = Field(default=900.0, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest request body accepted (413 above it)."""
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    """Largest upload: employer imports and tips with attachments."""
    cors_origins: list[str] = Field(default_factory=list)
    """Front-end origins allowed to call the internal API from a browser."""
    db_pool_size: int = Field(default=30, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    """Connections beyond the pool are opened and closed per request (a connect and fresh
    prepared statements each): under load that churn costs more than waiting for one."""
    idempotency_hours: int = Field(default=24, ge=1)
    audit_seal_seconds: float = Field(default=0.5, gt=0, le=60)
    """How often each process chains the audit entries written since (app/auditlog.py)."""
    contact_retention_days: int = Field(default=180, ge=1)
    """Days a tipster's contact details are kept after the tip's case is closed (PIPL)."""
    triage_critical_hours: int = Field(default=24, ge=1)
    """Deadline to triage a tip about a criminal violation type (24 h in the documents)."""
    triage_normal_hours: int = Field(default=72, ge=1)
    reminder_working_days: int = Field(default=2, ge=0, le=30)
    """Working days before a handling or rectification deadline day that its agency is
    reminded (`assignment.due_soon`); 0: on the day itself."""
    reminder_accept_hours: int = Field(default=6, ge=0, le=120)
    """Hours before the deadline to accept (counted in hours, not days) of the reminder."""
    tip_intake_global_rate: str = "60000/minute"
    """Tips one process takes in before answering 429: high, so a real flood is taken in."""
    tip_intake_source_rate: str = "30/minute"
    """Tips from one client address before 429. Counted in memory under a keyed hash
    (per-process random key); the address is never stored or logged."""
    tip_attachment_max_files: int = Field(default=5, ge=0, le=50)
    """Files one tip may carry (photos, PDFs, short videos)."""
    tip_attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest single attachment."""
    tip_attachment_max_total_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    """Largest total of one tip's attachments."""
    tip_image_concurrency: int = Field(default=2, ge=1, le=32)
    """Tips whose attachments are decoded and cleaned at once in one process; the rest
    wait. Each costs at most about 200 MB (a 50 MP image), so this bounds the memory
    anonymous uploads can take (app/services/core/media.py)."""
    hearing_fine_person: Decimal = Field(default=Decimal(1000), gt=0)
    """A proposed fine on a person from which the penalty notice grants a hearing (听证,
    行政处罚法 第63条 较大数额; the common provincial figure)."""
    hearing_fine_organisation: Decimal = Field(default=Decimal(20000), gt=0)
    """The same for an organisation (an employer with a USCC other than category 92)."""
    hotline_number: str = "12333"
    """The reporting hotline printed on rights-protection posters (维权标志)."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Where the public reporting form is reached; the posters' QR codes link there."""
    tip_lookup_rate: str = "10/minute"
    """Status look-ups of one receipt, against guessing."""
    tip_lookup_source_rate: str = "30/minute"
    """Look-ups from one client address (keyed hash in memory, like intake), so one
    guesser cannot use up the global budget and lock honest tipsters out."""
    tip_lookup_global_rate: str = "300/minute"
    tip_followup_rate: str = "5/minute"
    tip_followup_source_rate: str = "10/minute"
    tip_followup_global_rate: str = "120/minute"
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Addresses or networks of the load balancers in front (`10.0.0.5`, `10.0.0.0/8`):
    from these peers only, the client address is read from `X-Forwarded-For`, so the
    per-source tip limit counts each tipster, not the balancer. Empty: trust none."""
    metrics_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(LOCAL_NETWORKS)
    )
    """Client addresses or networks that may read /metrics: by default loopback and private
    networks, never the internet (the tip-line's request counters would show an onlooker
    when a tip came in). `0.0.0.0/0,::/0` opens it; empty leaves only the token."""
    metrics_token: SecretStr | None = None
    """A bearer token that reads /metrics from any address."""
    webhook_allow_private: bool = False
    """Let webhooks call loopback and private addresses (tests, closed networks). Off: refused."""
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> list[str]:
        """A JSON list or a comma-separated string; each entry must be an address or a
        network (host bits clear), so a typo refuses to start instead of trusting nobody
        or the wrong peer."""
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
        if not isinstance(value, list):
            raise ValueError("a list of addresses or networks")
        networks = [ipaddress.ip_network(str(item).strip()) for item in value if str(item).strip()]
        return [str(n.network_address) if n.num_addresses == 1 else str(n) for n in networks]

    def metrics_networks(self) -> list[IPNetwork]:
        return [ipaddress.ip_network(n) for n in self.metrics_allow]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        if not raw or raw.startswith(":memory:"):
            return None
        return Path(raw.split("?", 1)[0])

    def resolved_secret(self) -> str:
        """The secret key; on the embedded SQLite default one is generated and kept.

        A PostgreSQL deployment without a key refuses to start: a key made up on
        each start would log everyone out and make stored receipts unfindable.
        """
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value.encode()) < 32:
                raise ConfigError("LABOURWATCH_SECRET_KEY must be at least 32 bytes long")
            return value
        db_file = self.sqlite_path()
        if db_file is None:
            if self.is_sqlite:
                return _process_secret()
            raise ConfigError(
                "LABOURWATCH_SECRET_KEY is not set. A PostgreSQL deployment needs a fixed key "
                "of at least 32 bytes, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        key_file = db_file.with_name(db_file.name + ".secret")
        if key_file.exists():
            return _written_key(key_file)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process, started at the same moment, made it
            return _written_key(key_file)
        with os.fdopen(fd, "w") as fh:
            fh.write(value + "\n")
        log.warning(
            "generated a secret key and kept it in %s (mode 0600); set "
            "LABOURWATCH_SECRET_KEY to choose your own",
            key_file,
        )
        return value


def _written_key(key_file: Path, wait_seconds: float = 5.0) -> str:
    """The key in `key_file`, once whole: a process started at the same moment may have
    created the file and not yet written it, and an empty key would sign tokens anyone
    can forge."""
    deadline = time.monotonic() + wait_seconds
    while len(value := key_file.read_text().strip()) < 32:
        if time.monotonic() > deadline:
            raise ConfigError(
                f"{key_file} holds no usable key (under 32 bytes); delete it "
                "or set LABOURWATCH_SECRET_KEY"
            )
        time.sleep(0.05)
    return value


@lru_cache(maxsize=1)
def _process_secret() -> str:
    return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""Settings from the environment and `.env` (see .env.example for every setting)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AnyUrl,
    Field,
    HttpUrl,
    SecretStr,
    UrlConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import LogFormat
from faq.config import RankerKind
from storage.dialect import DatabaseUrl, DatabaseUrlError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

IdList = Annotated[list[str], NoDecode]


def _base(url: AnyUrl) -> str:
    return str(url).rstrip("/")


# Addresses checked by pydantic's URL types and kept as the text the clients take: an API's
# base without a trailing slash; the webhook's address as given (https only).
if TYPE_CHECKING:
    ApiBase = str
    HttpsAddress = str
else:
    ApiBase = Annotated[HttpUrl, AfterValidator(_base)]
    HttpsAddress = Annotated[HttpUrl, UrlConstraints(allowed_schemes=["https"]),
                             AfterValidator(str)]


class ConfigError(Exception):
    """A wrong setting: the message is one line naming it."""


class Settings(BaseSettings):
    # An empty variable (TELEGRAM_BOT_TOKEN= in .env) is as good as none: the default.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True,
    )

    database_path: Path = Path("data/medfront.sqlite3")
    # sqlite:///path (the default: DATABASE_PATH) or postgresql://user@host:5432/db.
    database_url: str | None = None
    directory_csv: Path = PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv"
    # The region's editable FAQ; created from the seed faq/data/faq.yaml on first start.
    faq_path: Path = Path("data/faq.yaml")
    default_timezone: str = "Europe/Moscow"
    # The region's deadline policy laid over bot/appeals/policy_default.yaml (optional).
    policy_path: Path | None = None
    # Extra days off / working days the `holidays` calendar does not know (optional YAML).
    calendar_path: Path | None = None
    # Several regions in one deployment: each region's own policy and calendar overrides,
    # laid over the two files above (optional YAML keyed by region: bot/appeals/region_rules.py).
    regions_path: Path | None = None
    # Bounds of what an import may do: institutions in one directory file; the share of the
    # active institutions a re-import may hide without --allow-mass-deactivate; FAQ entries
    # and characters in one FAQ answer.
    directory_max_rows: int = Field(default=100_000, ge=1, le=10_000_000)
    directory_mass_deactivate_share: float = Field(default=0.2, ge=0, le=1)
    faq_max_entries: int = Field(default=2_000, ge=1, le=1_000_000)
    faq_max_answer_chars: int = Field(default=20_000, ge=1, le=1_000_000)
    faq_ranker: RankerKind = RankerKind.NONE  # e5: the optional model helps choose the entry

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: ApiBase | None = None
    # Telegram webhook mode (long polling when TELEGRAM_WEBHOOK_URL is empty).
    telegram_webhook_url: HttpsAddress | None = None
    telegram_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8080, ge=1, le=65535)
    telegram_webhook_path: str = "/telegram/webhook"
    # Messages a second the bot sends overall (Telegram allows about 30; the per-chat
    # limits, 1 a second and 20 a minute into a group, always hold).
    telegram_messages_per_second: float = Field(default=30 / 1.05, gt=0, le=10_000)
    # Long-polling wait of one getUpdates call (seconds).
    telegram_poll_timeout: int = Field(default=25, ge=0, le=50)
    vk_group_token: SecretStr | None = None
    vk_api_url: ApiBase | None = None
    # VK Callback API instead of long poll: set the confirmation code to switch it on.
    vk_callback_confirmation: str | None = None
    vk_callback_secret: SecretStr | None = Field(default=None, validate_default=True)
    vk_callback_host: str = "127.0.0.1"
    vk_callback_port: int = Field(default=8083, ge=0, le=65535)  # 0: any free port
    vk_callback_path: str = "/vk/callback"
    max_bot_token: SecretStr | None = None
    # Another MAX Bot API base (a fake in tests); default https://platform-api2.max.ru.
    max_api_url: ApiBase | None = None
    # Long-polling wait of one GET /updates call (seconds; MAX allows up to 90, 30 usual).
    max_poll_timeout: int = Field(default=30, ge=0, le=90)
    # MAX webhook mode (long polling when MAX_WEBHOOK_URL is empty): HTTPS with a trusted
    # certificate only; MAX sends the secret in X-Max-Bot-Api-Secret.
    max_webhook_url: HttpsAddress | None = None
    max_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    max_webhook_host: str = "127.0.0.1"
    max_webhook_port: int = Field(default=8084, ge=0, le=65535)  # 0: any free port
    max_webhook_path: str = "/max/webhook"
    # Webhook mode: how often GET /subscriptions checks MAX still has ours (MAX drops a
    # webhook after 8 hours of failed deliveries; then the bot subscribes again and alerts
    # the operators), in seconds.
    max_subscription_check_s: float = Field(default=300.0, gt=0, le=86_400)

    # Ministry operators bootstrapped at start: platform user ids, comma separated.
    operators_telegram: IdList = Field(default_factory=list)
    operators_vk: IdList = Field(default_factory=list)
    operators_max: IdList = Field(default_factory=list)

    # A staff answer is shown back to its author with «Отправить гражданину» before it
    # leaves; always in group chats, and in private inboxes unless this is false.
    confirm_answers_in_private: bool = True
    # Start with a messenger token although no operator is configured and some
    # institution has no inbox chat (their appeals would reach no one).
    allow_no_operators: bool = False

    # Abuse limits: messages a minute from one person (one "slow down", then silence; 0: no
    # limit) and appeals a citizen may file in 24 hours (0: no limit).
    flood_messages_per_minute: int = Field(default=20, ge=0, le=10_000)
    appeals_per_day: int = Field(default=5, ge=0, le=1000)

    # How often the outbox sender looks for work when idle (seconds).
    outbox_poll_interval: float = Field(default=0.5, gt=0, le=60)
    # How long a message is retried through outages before it is given up (hours).
    delivery_keep_trying_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    # /readyz fails while a due message has waited longer than this in the outbox (seconds).
    outbox_stuck_after_s: float = Field(default=900.0, gt=0, le=30 * 86_400)
    # Bounded storage: the retention job (every 6 hours, in short transactions of at most
    # RETENTION_BATCH_ROWS rows, so citizens never wait behind it) forgets handled updates'
    # ids (kept against redelivery) and delivered messages after these many days (cards
    # stay while their appeal can change), and compacts an appeal this long after it closed
    # (at least the 30-day follow-up window): its delivered messages and thread notices go.
    retention_seen_updates_days: int = Field(default=7, ge=1, le=3660)
    retention_sent_messages_days: int = Field(default=14, ge=1, le=3660)
    retention_closed_appeals_days: int = Field(default=60, ge=31, le=3660)
    retention_batch_rows: int = Field(default=100, ge=10, le=100_000)
    # Health endpoints (/healthz, /readyz) and /metrics on this address; not served
    # while METRICS_PORT is empty (0: any free port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # The staff and ministry web console (bot/web): served on this address by `run` while
    # WEB_PORT is set (and by `web`; the console run without tokens serves it on 8090 when
    # WEB_PORT is empty; 0: any free port). WEB_BASE_URL is the address people open (behind
    # an HTTPS reverse proxy): sign-in links start with it, and an https one makes the
    # session cookie Secure; empty: http://WEB_HOST:WEB_PORT.
    web_host: str = "127.0.0.1"
    web_port: int | None = Field(default=None, ge=0, le=65535)
    web_base_url: ApiBase | None = None
    log_level: str = "INFO"
    # json: one JSON object a line for a log collector (bot/logs.py), tokens and phone
    # numbers masked; text: for people.
    log_format: LogFormat = LogFormat.TEXT

    @field_validator("operators_telegram", "operators_vk", "operators_max", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            value = [str(value)]
        if isinstance(value, list):
            for item in value:
                if not str(item).lstrip("-").isdigit():
                    raise ValueError(f"ожидаются числовые id через запятую, получено {item!r}")
            return [str(item) for item in value]
        return value

    @field_validator("policy_path", "calendar_path", "regions_path")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"файл не найден: {value}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"неизвестный часовой пояс {value!r} (пример: Europe/Kirov)") from None
        return value

    @field_validator("vk_callback_path", "max_webhook_path")
    @classmethod
    def _callback_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"путь должен начинаться с «/», получено {value!r}")
        return value

    @field_validator("telegram_webhook_secret", "max_webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object, info: ValidationInfo) -> object:
        """A webhook's secret is required with its URL (anyone could post updates without
        one): Telegram takes 1-256, MAX 5-256 of A-Z a-z 0-9 _ -."""
        platform = (info.field_name or "").split("_", 1)[0]  # telegram | max
        shortest = 5 if platform == "max" else 1
        if isinstance(value, str) and not re.fullmatch(rf"[A-Za-z0-9_-]{{{shortest},256}}", value):
            raise ValueError(f"секрет: {shortest}–256 символов из A-Z, a-z, 0-9, _ и -")
        if value is None and info.data.get(f"{platform}_webhook_url"):
            raise ValueError(f"обязателен, когда задан {platform.upper()}_WEBHOOK_URL")
        return value

    @field_validator("vk_callback_secret")
    @classmethod
    def _callback_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Without a secret anyone could post events "from" an admin to the Callback API."""
        if value is None and info.data.get("vk_callback_confirmation"):
            raise ValueError("обязателен, когда задан VK_CALLBACK_CONFIRMATION")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                DatabaseUrl.parse(value)
            except DatabaseUrlError as exc:
                raise ValueError(f"ожидается sqlite:///путь или postgresql://…: {exc}") from None
        return value

    @model_validator(mode="after")
    def _sqlite_url_names_the_path(self) -> Settings:
        if self.database_url is not None and (url := DatabaseUrl.parse(self.database_url)).dialect == "sqlite":
            self.database_path = Path(url.target)
        return self

    @property
    def database(self) -> DatabaseUrl:
        """Where the data lives: DATABASE_URL, or the SQLite file DATABASE_PATH."""
        if self.database_url is not None:
            return DatabaseUrl.parse(self.database_url)
        return DatabaseUrl.of_path(self.database_path)

    @property
    def has_transports(self) -> bool:
        return any(token is not None for token in (
            self.telegram_bot_token, self.vk_group_token, self.max_bot_token))


def load_settings(**overrides: Any) -> Settings:
    """Settings or ConfigError with one line naming the wrong setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]).upper() or "?"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"Ошибка настройки {name}: {message}") from None

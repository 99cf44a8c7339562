"""[delivery.email], [delivery.mastodon], [delivery.bluesky] -> frozen channel settings.

Secrets are never kept here: only the name of the environment variable (or of the file) that
holds them, read by pipeline.deliver when it sends. So Settings.to_json can go into a manifest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.tomlcheck import _check, _where, _where_in_table


@dataclass(frozen=True)
class EmailDelivery:
    smtp_host: str
    smtp_port: int = 587
    security: str = "starttls"           # starttls, ssl or none
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None          # extra CA to trust (a private relay); else the system's
    timeout: float = 60.0


@dataclass(frozen=True)
class MastodonDelivery:
    base_url: str
    token_env: str | None = "NEWSDESK_MASTODON_TOKEN"
    token_file: Path | None = None
    visibility: str = "public"
    timeout: float = 30.0


@dataclass(frozen=True)
class BlueskyDelivery:
    service: str = "https://bsky.social"
    handle: str = ""
    app_password_env: str | None = "NEWSDESK_BLUESKY_APP_PASSWORD"
    app_password_file: Path | None = None
    timeout: float = 30.0


SECURITY = ("starttls", "ssl", "none")
_DELIVERY_KEYS: dict[str, dict[str, Any]] = {
    "email": {"smtp_host": str, "smtp_port": int, "security": str, "username": str,
              "password_env": str, "password_file": str, "ca_file": str, "timeout": (int, float)},
    "mastodon": {"base_url": str, "token_env": str, "token_file": str, "visibility": str,
                 "timeout": (int, float)},
    "bluesky": {"service": str, "handle": str, "app_password_env": str, "app_password_file": str,
                "timeout": (int, float)},
}
_DELIVERY_REQUIRED = {"email": ("smtp_host",), "mastodon": ("base_url",), "bluesky": ("handle",)}
_DELIVERY_CLASSES = {"email": EmailDelivery, "mastodon": MastodonDelivery, "bluesky": BlueskyDelivery}
_URL_KEYS = ("base_url", "service")
_PATH_KEYS = ("password_file", "token_file", "app_password_file", "ca_file")


def parse_delivery(data: Any, base: Path, text: str = "", path: Path | None = None) -> dict[str, Any]:
    """[delivery.*] tables -> {"email": EmailDelivery, ...} for the channels configured."""
    if not isinstance(data, dict):
        raise ConfigError(f"{_where(path, text, 'delivery')}: 'delivery' must be a table")
    out: dict[str, Any] = {}
    for channel, table in data.items():
        where = lambda key="", c=channel: _where_in_table(path, text, f"delivery.{c}", key)  # noqa: E731
        if channel not in _DELIVERY_KEYS:
            raise ConfigError(f"{where()}: unknown table [delivery.{channel}] "
                              f"(known: {', '.join(f'delivery.{c}' for c in _DELIVERY_KEYS)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where()}: [delivery.{channel}] must be a table")
        known = _DELIVERY_KEYS[channel]
        for key, value in table.items():
            if key not in known:
                raise ConfigError(f"{where(key)}: unknown key '{key}' in [delivery.{channel}] "
                                  f"(known: {', '.join(sorted(known))})")
            _check(value, known[key], key, where(key))
            if key in _URL_KEYS and not re.match(r"https?://[^/\s]+", value, re.I):
                raise ConfigError(f"{where(key)}: key '{key}' must be an http(s) URL, not {value!r}")
        for key in _DELIVERY_REQUIRED[channel]:
            if not table.get(key):
                raise ConfigError(f"{where()}: [delivery.{channel}] needs '{key}'")
        if channel == "email":
            if table.get("security", "starttls") not in SECURITY:
                raise ConfigError(f"{where('security')}: key 'security' must be one of "
                                  f"{', '.join(SECURITY)}, not {table['security']!r}")
            if not 0 < table.get("smtp_port", 587) < 65536:
                raise ConfigError(f"{where('smtp_port')}: key 'smtp_port' must be a port number")
        values = {k: (base / v if k in _PATH_KEYS else float(v) if k == "timeout"
                      else v.rstrip("/") if k in _URL_KEYS else v) for k, v in table.items()}
        if any(k.endswith("_file") for k in values) and not any(k.endswith("_env") for k in values):
            secret_env = next((k for k in known if k.endswith("_env")), None)
            values[secret_env] = None            # a file named in the config replaces the variable
        out[channel] = _DELIVERY_CLASSES[channel](**values)
    return out

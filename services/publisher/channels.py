"""The channel registry: channel name -> its adapter module, and credentials seeded from env.

Each module `services/publisher/adapters/<channel>.py` exposes `Credentials` and `build` (see
adapters/port.py). A module not present (yet) leaves its channel off with a clear reason; the
feed is ours and always on (adapters/feed.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol, cast

import httpx
from pydantic import BaseModel, ValidationError

from services.publisher.adapters.port import AdapterContext, Channel
from services.publisher.domain import FEED, KNOWN_CHANNELS

MODULES: dict[str, str] = {
    name: f"services.publisher.adapters.{name}" for name in KNOWN_CHANNELS if name != FEED}


class AdapterModule(Protocol):
    Credentials: type[BaseModel]

    def build(self, credentials: Any, http: httpx.AsyncClient,
              context: AdapterContext) -> Channel: ...


class ChannelMisconfigured(ValueError):
    """Some of a channel's WARTA_<CHANNEL>_* variables are set but they do not validate."""


def adapter_module(channel: str) -> AdapterModule | None:
    """The channel's adapter module, or None when this version has none (yet)."""
    path = MODULES.get(channel)
    if path is None:
        return None
    try:
        module = importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:  # the module exists but something it imports is missing
            raise
        return None
    return cast(AdapterModule, module)


def env_name(channel: str, field: str) -> str:
    return f"WARTA_{channel.upper()}_{field.upper()}"


def env_credentials(channel: str, credentials: type[BaseModel],
                    environ: Mapping[str, str]) -> BaseModel | None:
    """The channel's credentials from `WARTA_<CHANNEL>_<FIELD>` variables; None when none of
    its required fields is set (a lone base URL, e.g. the sandbox's, configures nothing)."""
    values = {name: environ[env_name(channel, name)] for name in credentials.model_fields
              if environ.get(env_name(channel, name))}
    required = {name for name, field in credentials.model_fields.items() if field.is_required()}
    if not values.keys() & required:
        return None
    try:
        return credentials.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{env_name(channel, str(err['loc'][0]))}: {err['msg']}" if err["loc"]
            else err["msg"] for err in exc.errors())
        raise ChannelMisconfigured(f"channel {channel!r} is half-configured ({problems}); "
                                   "set all of its variables or none") from exc


def seeds(environ: Mapping[str, str]) -> dict[str, BaseModel]:
    """Every channel configured by environment variables (validated now: a bad one refuses
    to start, naming the variable)."""
    found: dict[str, BaseModel] = {}
    for channel in MODULES:
        module = adapter_module(channel)
        if module is None:
            continue
        credentials = env_credentials(channel, module.Credentials, environ)
        if credentials is not None:
            found[channel] = credentials
    return found

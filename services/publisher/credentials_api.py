"""Channel routes: editors see each channel's state; admins set, turn off and check credentials.

No `from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the role dependency aliases are local to `build_router`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from services.publisher import credentials_schemas as s
from services.publisher.credentials_handlers import ChannelAdmin, UnknownChannel
from services.publisher.health_handlers import ChannelNotConfigured
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings


def build_router(settings: Settings, admin: ChannelAdmin) -> APIRouter:
    viewers = APIRouter(prefix="/v1/channels", tags=["channels"],
                        dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    admins = APIRouter(prefix="/v1/channels", tags=["channels"],
                       dependencies=[editor_jwt("admin")],
                       responses=route_errors(404, 409, role="admin", body=True))
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]
    administrator = Annotated[Principal, Depends(require_role(settings, "admin"))]

    @viewers.get("", response_model=s.ChannelListOut)
    async def list_channels(_: editor) -> s.ChannelListOut:
        return s.ChannelListOut(items=[s.channel_out(v) for v in await admin.views()])

    @admins.put("/{name}/credentials", response_model=s.ChannelOut)
    async def set_credentials(name: str, body: s.CredentialsIn, who: administrator,
                              request: Request) -> s.ChannelOut:
        try:
            view = await admin.set_credentials(name, body.fields, who.subject)
        except UnknownChannel as exc:
            raise _unknown(name) from exc
        except ValidationError as exc:  # the adapter's model: name the field, never the value
            details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"],
                        "type": e["type"]} for e in exc.errors(include_input=False)]
            names = ", ".join(sorted({d["field"] for d in details}))
            raise ApiError(422, "validation_error",
                           f"Kredensial {name} tidak valid; perbaiki: {names}.", details
                           ) from exc
        await record_act(request, who.subject, who.role, "channel.credentials_set",
                         target_type="channel", target_id=name,
                         details={"fields": ",".join(sorted(body.fields))})  # names, no values
        return s.channel_out(view)

    @admins.delete("/{name}/credentials", response_model=s.ChannelOut)
    async def turn_off(name: str, who: administrator, request: Request) -> s.ChannelOut:
        try:
            view = await admin.turn_off(name, who.subject)
        except UnknownChannel as exc:
            raise _unknown(name) from exc
        await record_act(request, who.subject, who.role, "channel.credentials_delete",
                         target_type="channel", target_id=name)
        return s.channel_out(view)

    @admins.post("/check", response_model=s.ChannelListOut)
    async def check_all(_: administrator) -> s.ChannelListOut:
        await admin.health.check_all()
        return s.ChannelListOut(items=[s.channel_out(v) for v in await admin.views()])

    @admins.post("/{name}/check", response_model=s.ChannelOut)
    async def check(name: str, who: administrator, request: Request) -> s.ChannelOut:
        try:
            view = await admin.check(name)
            await record_act(request, who.subject, who.role, "channel.check",
                             target_type="channel", target_id=name)
            return s.channel_out(view)
        except UnknownChannel as exc:
            raise _unknown(name) from exc
        except ChannelNotConfigured as exc:
            raise ApiError(409, "not_configured",
                           f"Kanal {name} belum dikonfigurasi ({exc}); atur kredensialnya "
                           "dahulu.") from exc

    router = APIRouter()
    router.include_router(viewers)
    router.include_router(admins)
    return router


def _unknown(name: str) -> ApiError:
    return ApiError(404, "unknown_channel",
                    f"Kanal {name!r} tidak dikenal atau belum punya adaptor di versi ini.")

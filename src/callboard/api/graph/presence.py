"""Presence: ``/me/presence``, ``/users/{id}/presence``, ``/communications/presences`` and
the presence actions (parse, one service call, render)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from tzlocal.windows_tz import win_tz

from callboard.api.deps import PrincipalDep, RuntimeDep, graph_root
from callboard.api.responses import json_response
from callboard.clock import iso
from callboard.domain.presence import Presence, StatusMessage
from callboard.errors import BadRequest
from callboard.json_types import JsonObject
from callboard.services import presence as presence_service
from callboard.tokens import Principal

router = APIRouter(tags=["presence"])
ME = presence_service.ME
_PRESENCE_COLLECTION = "Collection(microsoft.graph.presence)"


class SetPresenceBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sessionId: str | None = None
    availability: str
    activity: str
    expirationDuration: timedelta | None = None


class ClearPresenceBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sessionId: str | None = None


class PreferredPresenceBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    availability: str
    activity: str
    expirationDuration: timedelta | None = None


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: str = ""
    contentType: Literal["text", "html"] = "text"


class DateTimeTimeZone(BaseModel):
    model_config = ConfigDict(extra="ignore")
    dateTime: datetime
    timeZone: str = "UTC"

    def timestamp(self) -> float:
        name = win_tz.get(self.timeZone, self.timeZone)
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise BadRequest(f"Unknown time zone '{self.timeZone}'.") from None
        value = self.dateTime
        return (value if value.tzinfo else value.replace(tzinfo=zone)).timestamp()


class PresenceStatusMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: ItemBody | None = None
    expiryDateTime: DateTimeTimeZone | None = None


class StatusMessageBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    statusMessage: PresenceStatusMessage | None = None


class PresencesByUserIdBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ids: list[str] = Field(min_length=1)


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


def render_presence(presence: Presence, now: float, *, own: bool) -> JsonObject:
    availability, activity = presence.current(now)
    body: JsonObject = {
        "id": presence.user_id,
        "availability": availability,
        "activity": activity,
        "statusMessage": None,
        "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
    }
    message = presence.message_at(now)
    if message is not None:
        status: JsonObject = {"message": message.message}
        # Graph shows the expiry and publication times to the user only.
        if own:
            status["expiryDateTime"] = message.expiry
            status["publishedDateTime"] = iso(message.published_at)
        body["statusMessage"] = status
    return body


def _own(principal: Principal, presence: Presence) -> bool:
    return presence.user_id == principal.user_id


async def _get(request: Request, rt: Any, principal: Principal, user_ref: str) -> Response:
    presence, now = presence_service.get_presence(rt, principal, user_ref)
    where = "me" if user_ref == ME else f"users('{presence.user_id}')"
    body = {
        "@odata.context": f"{graph_root(request)}/$metadata#{where}/presence/$entity",
        **render_presence(presence, now, own=_own(principal, presence)),
    }
    return json_response(body)


@router.get("/me/presence", summary="get presence (me)")
async def get_my_presence(request: Request, rt: RuntimeDep, principal: PrincipalDep) -> Response:
    return await _get(request, rt, principal, ME)


@router.get("/users/{user_id}/presence", summary="get presence")
async def get_presence(
    request: Request, user_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    return await _get(request, rt, principal, user_id)


@router.get("/communications/presences/{user_id}", summary="get presence (communications)")
async def get_communications_presence(
    request: Request, user_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    presence, now = presence_service.get_presence(rt, principal, user_id)
    context = f"{graph_root(request)}/$metadata#communications/presences/$entity"
    body = {
        "@odata.context": context,
        **render_presence(presence, now, own=_own(principal, presence)),
    }
    return json_response(body)


@router.post("/communications/getPresencesByUserId", summary="getPresencesByUserId")
async def get_presences_by_user_id(
    request: Request, body: PresencesByUserIdBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    found, now = presence_service.get_presences_by_user_id(rt, principal, body.ids)
    return json_response(
        {
            "@odata.context": f"{graph_root(request)}/$metadata#{_PRESENCE_COLLECTION}",
            "value": [render_presence(p, now, own=_own(principal, p)) for p in found],
        }
    )


# -- actions: registered for /users/{id}/presence and, where delegated use is allowed, /me


def _owner(request: Request) -> str:
    """The user the path names: ``me``, or the ``{user_id}`` segment."""
    return str(request.path_params.get("user_id", ME))


OwnerDep = Annotated[str, Depends(_owner)]


def _register(path: str, endpoint: Callable[..., Awaitable[Response]], *, me: bool) -> None:
    router.add_api_route(
        f"/users/{{user_id}}/presence/{path}", endpoint, methods=["POST"], summary=path
    )
    if me:
        router.add_api_route(
            f"/me/presence/{path}", endpoint, methods=["POST"], summary=f"{path} (me)"
        )


async def set_presence(
    user_id: OwnerDep, body: SetPresenceBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    presence_service.set_presence(
        rt,
        principal,
        user_id,
        session_id=body.sessionId,
        availability=body.availability,
        activity=body.activity,
        duration=_seconds(body.expirationDuration),
    )
    return Response(status_code=200)


async def clear_presence(
    user_id: OwnerDep, body: ClearPresenceBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    presence_service.clear_presence(rt, principal, user_id, session_id=body.sessionId)
    return Response(status_code=200)


async def set_user_preferred_presence(
    user_id: OwnerDep, body: PreferredPresenceBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    presence_service.set_user_preferred_presence(
        rt,
        principal,
        user_id,
        availability=body.availability,
        activity=body.activity,
        duration=_seconds(body.expirationDuration),
    )
    return Response(status_code=200)


async def clear_user_preferred_presence(
    user_id: OwnerDep, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    presence_service.clear_user_preferred_presence(rt, principal, user_id)
    return Response(status_code=200)


async def set_status_message(
    user_id: OwnerDep, body: StatusMessageBody, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    sent = body.statusMessage
    if sent is None or sent.message is None or not sent.message.content:
        build: Callable[[float], StatusMessage | None] = lambda now: None  # noqa: E731
    else:
        expiry = sent.expiryDateTime
        expires_at = None if expiry is None else expiry.timestamp()
        message = sent.message.model_dump()
        expiry_doc = None if expiry is None else expiry.model_dump(mode="json")
        build = lambda now: StatusMessage(message, expiry_doc, expires_at, now)  # noqa: E731
    presence_service.set_status_message(rt, principal, user_id, build)
    return Response(status_code=200)


_register("setPresence", set_presence, me=False)
_register("clearPresence", clear_presence, me=False)
_register("setUserPreferredPresence", set_user_preferred_presence, me=True)
_register("clearUserPreferredPresence", clear_user_preferred_presence, me=True)
_register("setStatusMessage", set_status_message, me=True)

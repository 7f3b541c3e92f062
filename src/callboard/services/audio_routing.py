"""``/communications/calls/{id}/audioRoutingGroups``: create, list, get, update, delete.

The groups live in the call (no notification: Graph documents none for them).
"""

from __future__ import annotations

from callboard.domain.audio_routing import AudioRoutingGroup, RoutingMode
from callboard.services.calls import (
    INITIATE_GROUP,
    JOIN_GROUP,
    live_call,
    require_any,
    require_app,
)
from callboard.services.runtime import Runtime
from callboard.tokens import Principal

PERMISSIONS = (JOIN_GROUP, INITIATE_GROUP)


def _check(principal: Principal) -> None:
    require_app(principal)
    require_any(principal, *PERMISSIONS)


def create_audio_routing_group(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    *,
    group_id: str | None,
    routing_mode: RoutingMode,
    sources: list[str],
    receivers: list[str],
) -> AudioRoutingGroup:
    _check(principal)
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        group = AudioRoutingGroup(
            group_id or rt.ids.new(), routing_mode, list(sources), list(receivers)
        )
        call.add_audio_routing_group(group)
        uow.save_call(call)
        uow.commit()
    return group


def list_audio_routing_groups(
    rt: Runtime, principal: Principal, call_id: str
) -> list[AudioRoutingGroup]:
    _check(principal)
    with rt.uow() as uow:
        return list(live_call(uow, principal, call_id).audio_routing_groups)


def get_audio_routing_group(
    rt: Runtime, principal: Principal, call_id: str, group_id: str
) -> AudioRoutingGroup:
    _check(principal)
    with rt.uow() as uow:
        return live_call(uow, principal, call_id).audio_routing_group(group_id)


def update_audio_routing_group(
    rt: Runtime,
    principal: Principal,
    call_id: str,
    group_id: str,
    *,
    routing_mode: RoutingMode | None,
    sources: list[str] | None,
    receivers: list[str] | None,
) -> AudioRoutingGroup:
    _check(principal)
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        group = call.update_audio_routing_group(
            group_id, routing_mode=routing_mode, sources=sources, receivers=receivers
        )
        uow.save_call(call)
        uow.commit()
    return group


def delete_audio_routing_group(
    rt: Runtime, principal: Principal, call_id: str, group_id: str
) -> None:
    _check(principal)
    with rt.uow() as uow:
        call = live_call(uow, principal, call_id)
        call.delete_audio_routing_group(group_id)
        uow.save_call(call)
        uow.commit()

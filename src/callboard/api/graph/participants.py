"""``/communications/calls/{id}/participants/...``: invite, remove and mute participants.

Listing and reading participants live with the call routes (``api/graph/calls.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import Field

from callboard.api.deps import PrincipalDep, RuntimeDep
from callboard.api.graph import schemas
from callboard.api.graph.calls import operation_response
from callboard.domain.call_requests import InviteParticipants
from callboard.domain.invitations import InvitationTarget
from callboard.services import participants

router = APIRouter(prefix="/communications/calls", tags=["participants"])


class InviteParticipantsBody(schemas.ClientContextBody):
    """``POST .../participants/invite``: at most 5 participants (checked by the service, with
    Graph's wording); clientContext at most 256 characters."""

    participants: Annotated[list[schemas.InvitationParticipantInfo], Field(min_length=1)]

    def request(self) -> InviteParticipants:
        return InviteParticipants(
            tuple(InvitationTarget.parse(p.dump()) for p in self.participants), self.clientContext
        )


@router.post("/{call_id}/participants/invite", summary="invite participants")
async def invite_participants(
    request: Request,
    call_id: str,
    body: InviteParticipantsBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = participants.invite_participants(rt, principal, call_id, body.request())
    return operation_response(request, call_id, operation)


@router.delete(
    "/{call_id}/participants/{participant_id}", status_code=204, summary="delete participant"
)
async def delete_participant(
    call_id: str, participant_id: str, rt: RuntimeDep, principal: PrincipalDep
) -> Response:
    participants.delete_participant(rt, principal, call_id, participant_id)
    return Response(status_code=204)


@router.post("/{call_id}/participants/{participant_id}/mute", summary="mute participant")
async def mute_participant(
    request: Request,
    call_id: str,
    participant_id: str,
    body: schemas.MuteBody,
    rt: RuntimeDep,
    principal: PrincipalDep,
) -> Response:
    operation = participants.mute_participant(
        rt, principal, call_id, participant_id, body.clientContext
    )
    return operation_response(request, call_id, operation)

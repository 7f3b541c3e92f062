"""A small calling bot written against msgraph-sdk: it calls someone, plays a prompt once the
call is established, and hangs up. Nothing in it knows about Callboard: it is given a
GraphServiceClient and the URL where it receives notifications."""

from __future__ import annotations

from msgraph import GraphServiceClient
from msgraph.generated.communications.calls.item.play_prompt.play_prompt_post_request_body import (
    PlayPromptPostRequestBody,
)
from msgraph.generated.models.call import Call
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.media_info import MediaInfo
from msgraph.generated.models.media_prompt import MediaPrompt
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig


class PromptBot:
    def __init__(self, client: GraphServiceClient, callback_uri: str) -> None:
        self.client = client
        self.callback_uri = callback_uri

    async def call(self, user_id: str, display_name: str) -> str:
        """Place a peer-to-peer call; returns the call id."""
        call = await self.client.communications.calls.post(
            Call(
                callback_uri=self.callback_uri,
                targets=[
                    InvitationParticipantInfo(
                        identity=IdentitySet(user=Identity(id=user_id, display_name=display_name))
                    )
                ],
                requested_modalities=[Modality.Audio],
                media_config=ServiceHostedMediaConfig(),
            )
        )
        assert call is not None and call.id is not None
        return call.id

    async def play(self, call_id: str, uri: str) -> str:
        """Play one audio prompt; returns the playPrompt operation's id."""
        operation = await self.client.communications.calls.by_call_id(call_id).play_prompt.post(
            PlayPromptPostRequestBody(
                client_context="greeting",
                prompts=[MediaPrompt(media_info=MediaInfo(uri=uri, resource_id="greeting"))],
            )
        )
        assert operation is not None and operation.id is not None
        return operation.id

    async def hang_up(self, call_id: str) -> None:
        await self.client.communications.calls.by_call_id(call_id).delete()

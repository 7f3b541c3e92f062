"""The README's msgraph-sdk example: place a call to Bob, read it back, hang up.

Needs the SDK: ``.venv/bin/pip install -e '.[sdk]'``. Talks to the server at ``$CB``
(default http://127.0.0.1:8765) with a token from ``callboard token``.
"""

import asyncio
import os
import subprocess

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphServiceClient
from msgraph.generated.models.call import Call
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.graph_request_adapter import GraphRequestAdapter

BASE = os.environ.get("CB", "http://127.0.0.1:8765")


class StaticToken(AccessTokenProvider):
    def __init__(self, token):
        self.token = token

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self.token

    def get_allowed_hosts_validator(self):
        return AllowedHostsValidator([])


token = subprocess.check_output([".venv/bin/callboard", "token", "--url", BASE], text=True).strip()
adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
adapter.base_url = f"{BASE}/v1.0"
client = GraphServiceClient(request_adapter=adapter)


async def main():
    call = await client.communications.calls.post(
        Call(
            callback_uri="http://127.0.0.1:3978/api/calls",
            targets=[
                InvitationParticipantInfo(
                    identity=IdentitySet(
                        user=Identity(id="b0b00000-0000-4000-8000-000000000002", display_name="Bob")
                    )
                )
            ],
            requested_modalities=[Modality.Audio],
            media_config=ServiceHostedMediaConfig(),
        )
    )
    print(call.id, call.state.value)
    print((await client.communications.calls.by_call_id(call.id).get()).state.value)
    await client.communications.calls.by_call_id(call.id).delete()
    print("deleted")


asyncio.run(main())

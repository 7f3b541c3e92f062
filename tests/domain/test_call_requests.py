"""The typed requests of the call actions (``domain/call_requests.py``) and their rules."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.call_media import MediaPrompt
from callboard.domain.call_requests import MAX_INVITEES, InviteParticipants, PlayPrompt
from callboard.domain.invitations import InvitationTarget
from callboard.errors import BadRequest


def _prompt(media_info: Any) -> MediaPrompt:
    return MediaPrompt.parse(
        {"@odata.type": "#microsoft.graph.mediaPrompt", "mediaInfo": media_info}
    )


class TestMediaPrompt:
    def test_playable_when_it_names_a_uri(self) -> None:
        assert _prompt({"uri": "https://x/a.wav"}).playable
        for media_info in ({}, {"uri": ""}, {"uri": None}, "https://x/a.wav", None):
            assert not _prompt(media_info).playable

    def test_kept_as_sent(self) -> None:
        sent = {"mediaInfo": {"uri": "u", "resourceId": "r"}, "extra": [1]}
        assert MediaPrompt.parse(sent).echo == sent


class TestPlayPrompt:
    def test_every_prompt_must_be_playable(self) -> None:
        PlayPrompt((_prompt({"uri": "a"}), _prompt({"uri": "b"})), "ctx").check()
        with pytest.raises(BadRequest, match=r"prompts\[1\] must be a mediaPrompt"):
            PlayPrompt((_prompt({"uri": "a"}), _prompt({}), _prompt({}))).check()


class TestInviteParticipants:
    def _targets(self, count: int) -> tuple[InvitationTarget, ...]:
        return tuple(
            InvitationTarget.parse({"identity": {"user": {"id": f"u{i}"}}}) for i in range(count)
        )

    def test_at_most_five(self) -> None:
        InviteParticipants(self._targets(MAX_INVITEES)).check()
        with pytest.raises(BadRequest, match="At most 5 participants"):
            InviteParticipants(self._targets(MAX_INVITEES + 1), "ctx").check()

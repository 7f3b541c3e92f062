"""A call's ``audioRoutingGroups``: private audio routes between participants of a group or
meeting call. ``oneToOne``: one source, one receiver; ``multicast``: one source, one or more
receivers (Graph's *audioRoutingGroup resource type*). Every id is a participant in the call.
"""

from __future__ import annotations

from callboard.domain.call_control import AudioRoutingGroup, RoutingMode
from callboard.domain.call_core import CallCore, CallKind, CallState
from callboard.errors import BadRequest, ItemNotFound

__all__ = ["AudioRoutingGroup", "AudioRoutingRules", "RoutingMode"]


class AudioRoutingRules(CallCore):
    def _require_multiparty(self) -> None:
        if self.kind is CallKind.PEER_TO_PEER:
            raise BadRequest("Audio routing groups are supported in group and meeting calls only.")
        self._require(CallState.ESTABLISHED, action="change audio routing groups")

    def audio_routing_group(self, group_id: str) -> AudioRoutingGroup:
        for group in self.audio_routing_groups:
            if group.id == group_id:
                return group
        raise ItemNotFound(f"The audio routing group {group_id} does not exist in call {self.id}.")

    def add_audio_routing_group(self, group: AudioRoutingGroup) -> None:
        self._require_multiparty()
        if any(g.id == group.id for g in self.audio_routing_groups):
            raise BadRequest(f"The call already has an audio routing group {group.id}.")
        self._check_group(group)
        self.audio_routing_groups.append(group)

    def update_audio_routing_group(
        self,
        group_id: str,
        *,
        routing_mode: RoutingMode | None,
        sources: list[str] | None,
        receivers: list[str] | None,
    ) -> AudioRoutingGroup:
        self._require_multiparty()
        current = self.audio_routing_group(group_id)
        updated = AudioRoutingGroup(
            current.id,
            routing_mode or current.routing_mode,
            list(current.sources if sources is None else sources),
            list(current.receivers if receivers is None else receivers),
        )
        self._check_group(updated)
        index = self.audio_routing_groups.index(current)
        self.audio_routing_groups[index] = updated
        return updated

    def delete_audio_routing_group(self, group_id: str) -> None:
        self._require_multiparty()
        self.audio_routing_groups.remove(self.audio_routing_group(group_id))

    def _check_group(self, group: AudioRoutingGroup) -> None:
        if len(group.sources) != 1:
            raise BadRequest("sources must name exactly one participant.")
        if not group.receivers:
            raise BadRequest("receivers must name at least one participant.")
        if group.routing_mode is RoutingMode.ONE_TO_ONE and len(group.receivers) != 1:
            raise BadRequest("A oneToOne audio routing group has exactly one receiver.")
        if len(set(group.receivers)) != len(group.receivers):
            raise BadRequest("receivers names a participant twice.")
        if group.sources[0] in group.receivers:
            raise BadRequest("The source of an audio routing group cannot also receive.")
        for participant_id in [*group.sources, *group.receivers]:
            if self.participant(participant_id) is None:
                raise BadRequest(f"The participant {participant_id} is not in call {self.id}.")

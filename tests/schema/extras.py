"""Properties Graph sends on open types beyond the ones the v1.0 schema declares.

An open type accepts undeclared properties, but a client only meets the ones the real
service sends. Each one here appears in the v1.0 examples of Graph's *Create call* and
*participant: invite* pages (``tests/data/seed-examples.json``; ``test_extras_are_documented``
keeps it so). docs/decisions.md records the choice.
"""

from __future__ import annotations

from tests.schema.csdl import GRAPH

EXTRAS: dict[str, frozenset[str]] = {
    # Beta members of call that the v1.0 examples' responses carry.
    f"{GRAPH}call": frozenset(
        {
            "activeModalities",
            "answeredBy",
            "meetingCapability",
            "ringingTimeoutInSeconds",
            "routingPolicies",
            "terminationReason",
        }
    ),
    # participantInfo's members, echoed on the targets and invited participants.
    f"{GRAPH}invitationParticipantInfo": frozenset({"endpointType", "languageId", "region", "id"}),
    # communicationsIdentitySet's members, sent on identity sets without their @odata.type.
    f"{GRAPH}identitySet": frozenset(
        {"applicationInstance", "encrypted", "guest", "onPremises", "phone"}
    ),
    f"{GRAPH}identity": frozenset({"identityProvider", "tenantId"}),
    # On organizerMeetingInfo in the examples; Callboard takes it with any meetingInfo.
    f"{GRAPH}meetingInfo": frozenset({"allowConversationWithoutHost"}),
    # The changed resource and the callbackUri it went to (not the legacy ``resource``
    # path, which Callboard does not send).
    f"{GRAPH}commsNotification": frozenset({"callbackUri", "resourceData"}),
    # The changed resource's id, in the examples of Graph's change-notification pages.
    f"{GRAPH}resourceData": frozenset({"id"}),
}

# Extras the v1.0 pages of other operations show: the recordOperation of Graph's
# cancelMediaProcessing and recordResponse examples carries ``completionReason`` (a member
# of beta's recordCompletionReason), which bots read to tell why a recording ended.
OTHER_PAGE_EXTRAS: dict[str, frozenset[str]] = {
    f"{GRAPH}recordOperation": frozenset({"completionReason"}),
}
ALL_EXTRAS = {**EXTRAS, **OTHER_PAGE_EXTRAS}

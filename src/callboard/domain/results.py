"""Graph's ``resultInfo``: how a call, an invitation or an operation ended.

Codes follow Graph's call-delete documentation and the communications ``resultInfo`` page
where one fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from callboard.json_types import JsonObject

RESULT_INFO_TYPE = "#microsoft.graph.resultInfo"


@dataclass(frozen=True, slots=True)
class ResultInfo:
    code: int
    subcode: int
    message: str

    @classmethod
    def from_graph(cls, data: JsonObject) -> ResultInfo:
        return cls(int(data["code"]), int(data.get("subcode") or 0), str(data["message"]))


def result_info(code: int, subcode: int, message: str) -> ResultInfo:
    return ResultInfo(code, subcode, message)


# How a call ends.
ENDED_BY_APP = result_info(200, 5001, "The call was ended by the application.")
REMOTE_HUNG_UP = result_info(200, 4521, "The other peer-to-peer participant ended the call.")
NO_ONE_JOINED = result_info(200, 5013, "No one else joined the group call.")
ALL_OTHERS_LEFT = result_info(200, 5002, "All other participants left the call.")
DECLINED = result_info(603, 0, "The callee declined the call.")
BUSY = result_info(486, 0, "The callee is busy.")
NOT_ANSWERED = result_info(408, 10057, "The callee did not answer before the ringing timeout.")
UNREACHABLE = result_info(480, 10037, "The callee has no endpoints to ring.")
REJECTED = result_info(603, 0, "The application rejected the incoming call.")
REJECTED_BUSY = result_info(486, 0, "The application rejected the incoming call as busy.")
REJECTED_FORBIDDEN = result_info(403, 0, "The application rejected the incoming call.")
REDIRECTED = result_info(302, 0, "The application redirected the incoming call.")
INCOMING_NOT_ANSWERED = result_info(
    408, 1106, "The application did not answer the incoming call in time."
)
REPLACED = result_info(200, 7015, "The other party was moved into another call.")
MEETING_DELETED = result_info(200, 5003, "The meeting ended: it was deleted.")

# How an operation (or an invitation) ends.
OPERATION_COMPLETED = result_info(200, 0, "Action completed successfully.")
CALL_ENDED_FIRST = result_info(400, 8508, "The call ended first.")
MEDIA_CANCELLED = result_info(400, 8508, "Action failed, the operation was cancelled.")
INVITE_CANCELLED = result_info(487, 0, "The invitation was cancelled by the application.")
MOVE_FAILED = result_info(
    480, 10076, "The participant is no longer in the call named by replacesCallId."
)

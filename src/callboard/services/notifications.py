"""Domain events -> Graph ``commsNotifications`` payloads -> ``webhook.deliver`` jobs."""

from __future__ import annotations

from callboard.config import Settings
from callboard.domain import graph_json
from callboard.domain.calls import Call, CallState
from callboard.domain.events import (
    CallStateChanged,
    ContentSharingChanged,
    Event,
    InvitationsSettled,
    OperationFinished,
    RosterChanged,
    ToneReceived,
)
from callboard.json_types import JsonObject
from callboard.store.jobs import NewJob

WEBHOOK_DELIVER = "webhook.deliver"


def _notification(call: Call, event: Event) -> JsonObject | None:
    base = f"/communications/calls/{call.id}"
    if isinstance(event, CallStateChanged):
        # The v1.0 schema has no "ringing" state: v1.0 bots never hear of it (beta ones do).
        if event.state == CallState.RINGING and call.api_version == "v1.0":
            return None
        data = graph_json.call_state(call, event)
        data.setdefault("@odata.id", base)
        data["@odata.etag"] = f'W/"{call.version}"'
        return {"changeType": event.change_type, "resourceUrl": base, "resourceData": data}
    if isinstance(event, ToneReceived):
        data = graph_json.call_state(call, CallStateChanged("updated", call.state.value, None))
        data["toneInfo"] = graph_json.tone_info(event.sequence_id, event.tone)
        data.setdefault("@odata.id", base)
        data["@odata.etag"] = f'W/"{call.version}"'
        return {"changeType": "updated", "resourceUrl": base, "resourceData": data}
    if isinstance(event, RosterChanged):
        return {
            "changeType": "updated",
            "resourceUrl": f"{base}/participants",
            "resourceData": [graph_json.participant(p) for p in event.participants],
        }
    if isinstance(event, ContentSharingChanged):
        return {
            "changeType": event.change_type,
            "resourceUrl": f"{base}/contentsharingsessions",
            "resourceData": list(event.sessions),
        }
    if isinstance(event, InvitationsSettled):
        return None  # replaced by its OperationFinished once the operation is stored
    assert isinstance(event, OperationFinished)
    operation = graph_json.operation(event.operation)
    url = f"{base}/operations/{operation['id']}"
    operation["@odata.id"] = url
    operation["@odata.etag"] = f'W/"{call.version}"'
    return {"changeType": "deleted", "resourceUrl": url, "resourceData": operation}


def jobs_for(call: Call, now: float, settings: Settings) -> list[NewJob]:
    """One delivery job per notification, FIFO per call, to the call's callbackUri."""
    jobs = []
    for event in call.events:
        notification = _notification(call, event)
        if notification is None:
            continue
        body = {
            "@odata.type": "#microsoft.graph.commsNotifications",
            "value": [
                {
                    "@odata.type": "#microsoft.graph.commsNotification",
                    **notification,
                    "callbackUri": call.callback_uri,
                }
            ],
        }
        jobs.append(
            NewJob(
                kind=WEBHOOK_DELIVER,
                payload={
                    "url": call.callback_uri,
                    "body": body,
                    "appId": call.app_id,
                    "tenantId": call.tenant_id,
                    "callId": call.id,
                    "callChainId": call.resource.call_chain_id,
                },
                run_at=now,
                ordering_key=f"call:{call.id}",
                max_attempts=settings.webhook_max_attempts,
            )
        )
    return jobs

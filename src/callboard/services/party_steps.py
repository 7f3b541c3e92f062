"""A simulated party's steps in a call: its script, armed when it joins, and the one path
every step runs through, scripted or live (``services/party_actions.py``).

Each step is a ``call.progress`` job (``partyStep``, or the ``answer`` / ``decline`` /
``hangUp`` / ``callerHangUp`` steps of ``services/simulation.py``), so scripts survive a
restart and follow the virtual clock.
"""

from __future__ import annotations

from callboard.domain.calls import Call, CallKind, CallState
from callboard.domain.directory import Behaviour
from callboard.domain.party_scripts import PartyAction, PartyStep
from callboard.domain.recordings import CompletionReason
from callboard.json_types import JsonObject
from callboard.services import recordings
from callboard.services.runtime import Runtime
from callboard.store.jobs import NewJob
from callboard.store.uow import UnitOfWork

PARTY_STEP = "partyStep"


def schedule_step(
    uow: UnitOfWork, call: Call, party: str, step: PartyStep, *, delay: float
) -> None:
    """The job that runs ``step`` for ``party`` (an identity key, ``user:<id>``) ``delay``
    seconds from now. Answer, decline and hang-up are the simulation's own steps."""
    action = step.action
    if action is PartyAction.HANG_UP:
        name = "hangUp" if party in call.invitations else "callerHangUp"
        payload: JsonObject = {"action": name}
    elif action in (PartyAction.ANSWER, PartyAction.DECLINE):
        payload = {"action": action.value}
    else:
        # The moment it is due: keys and speech happen then, even if the job runs late.
        payload = {"action": PARTY_STEP, "step": step.to_payload(), "at": uow.now + delay}
    payload = {"callId": call.id, **payload, "target": party}
    # A step of an invited party names its invitation: it does nothing once that identity
    # has been invited again (simulation._apply).
    invitation = call.invitations.get(party)
    if invitation is not None and invitation.operation_id:
        payload["invitation"] = invitation.operation_id
    uow.schedule(
        NewJob(kind="call.progress", payload=payload, run_at=uow.now + delay, max_attempts=10)
    )


def start_script(uow: UnitOfWork, call: Call, party: str, behaviour: Behaviour) -> None:
    """The party joined: its script's steps, each ``afterSeconds`` after the one before."""
    delay = 0.0
    for timed in behaviour.script:
        delay += timed.after_seconds
        schedule_step(uow, call, party, timed.step, delay=delay)


def run_step(
    rt: Runtime, uow: UnitOfWork, call: Call, party: str, data: JsonObject, at: float
) -> None:
    """The ``partyStep`` step, due ``at``: keys, speech, hold. A step the call no longer
    allows (it ended, nobody is holding) does nothing."""
    step = PartyStep.from_payload(data)
    at = min(at, uow.now)
    party = _participant_id(call, party)
    if call.is_over:
        return
    match step.action:
        case PartyAction.PRESS_KEYS:
            if call.state in (CallState.ESTABLISHED, CallState.HOLD) and call.party_pressed(
                party, step.keys or "", at
            ):
                recordings.finish(rt, uow, call, CompletionReason.STOP_TONE_DETECTED, at)
        case PartyAction.SPEAK:
            call.party_spoke(party, at, float(step.seconds or 0), step.wav)
            recordings.schedule_check(uow, call)
        case PartyAction.HOLD:
            # Holding the bot is a peer-to-peer thing: in a group call the others go on.
            if call.state is CallState.ESTABLISHED and call.kind is CallKind.PEER_TO_PEER:
                call.party_held(party)
        case PartyAction.UNHOLD:
            if call.state is CallState.HOLD:
                call.party_unheld()
        case _:
            raise ValueError(f"not a partyStep action: {step.action}")


def _participant_id(call: Call, key: str) -> str:
    """The party's participant id (what the DTMF log and speech name), else its key."""
    invitation = call.invitations.get(key)
    if invitation is not None and invitation.participant_id:
        return invitation.participant_id
    if call.direction == "incoming" and key not in call.invitations:
        mine = call.my_participant_id
        return next((p.id for p in call.participants if p.id != mine), key)
    return key

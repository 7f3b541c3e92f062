"""``python -m bench.sms_reminders``: schedule 100,000 virtual-appointment SMS reminders and
measure how late they fire when they all fall due within one minute (SQLite by default).

Scheduling goes through the service layer (``send_virtual_appointment_reminder_sms``, 100
attendees per request: the same validation, rendering and transaction as the HTTP route,
without HTTP). Sixty meetings start one second apart, so the reminders fall due over one
minute. The virtual clock then jumps to two seconds before the first due time and the job
runner (in this process, as in ``callboard serve``, with the outbox gateway) fires them in
real time. Lateness = the moment a message was recorded sent - its due time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from callboard.app import build_services
from callboard.clock import VirtualClock, iso
from callboard.config import Settings
from callboard.domain.appointments import Attendee
from callboard.domain.meeting_parts import MeetingRequest
from callboard.services import appointments, meetings
from callboard.services.token_issuing import issue_token
from callboard.store import tables

CALLING_BOT = "2891555a-92ff-42e6-80fa-6e1300c6b5c6"
DANA = "dana@contoso.com"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--per-request", type=int, default=100)
    parser.add_argument("--meetings", type=int, default=60, help="one second apart")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, run_jobs_in_process=False, sms_gateway="outbox")
        clock = VirtualClock()
        services = build_services(settings, clock=clock)
        rt = services.runtime
        principal = rt.keyring.verify_access_token(
            issue_token(rt, app_id=CALLING_BOT, user=DANA), clock.now()
        )
        first_start = clock.now() + 3 * 3600
        meeting_ids = []
        for i in range(args.meetings):
            start = first_start + i
            meeting = meetings.create_online_meeting(
                rt,
                principal,
                meetings.ME,
                MeetingRequest(f"Bench {i}", iso(start), iso(start + 1800)),
            )
            meeting_ids.append(meeting.id)

        numbers = [f"+1212{2000000 + k:07d}" for k in range(args.per_request)]
        requests = args.reminders // args.per_request
        began = time.perf_counter()
        for r in range(requests):
            appointments.send_virtual_appointment_reminder_sms(
                rt,
                principal,
                meetings.ME,
                meeting_ids[r % len(meeting_ids)],
                15,
                [Attendee(n, "Eastern Standard Time") for n in numbers],
                accept_language=None,
            )
        scheduling = time.perf_counter() - began
        total = requests * args.per_request

        first_due = first_start - 900
        clock.advance(first_due - 2 - clock.now())
        runner = services.runner

        async def fire() -> float:
            stop = asyncio.Event()
            task = asyncio.create_task(runner.run_forever(stop))
            start = time.perf_counter()
            while True:
                await asyncio.sleep(1.0)
                with rt.engine.connect() as conn:
                    left = conn.execute(
                        select(func.count()).where(
                            tables.sms_messages.c.status.in_(("scheduled", "queued", "sending"))
                        )
                    ).scalar_one()
                if not left:
                    break
            stop.set()
            runner.wake()
            await task
            return time.perf_counter() - start

        firing = asyncio.run(fire())
        with rt.engine.connect() as conn:
            rows = conn.execute(
                select(
                    tables.sms_messages.c.due_at,
                    tables.sms_messages.c.document,
                    tables.sms_messages.c.status,
                )
            ).all()
        late = sorted(r.document["sentAt"] - r.due_at for r in rows if r.status == "delivered")
        rt.engine.dispose()

    def pct(p: float) -> float:
        return late[min(len(late) - 1, int(p * len(late)))]

    print(f"reminders scheduled       {total:>10,}  ({requests:,} requests of {args.per_request})")
    print(f"scheduling took           {scheduling:>10.1f} s  ({total / scheduling:,.0f}/s)")
    print(f"fired (delivered)         {len(late):>10,}  in {firing:.1f} s")
    print(f"lateness p50              {pct(0.50):>10.3f} s")
    print(f"lateness p99              {pct(0.99):>10.3f} s   (goal <= 1 s)")
    print(f"lateness max              {late[-1]:>10.3f} s")
    print(f"lateness mean             {statistics.fmean(late):>10.3f} s")
    return 0 if pct(0.99) <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

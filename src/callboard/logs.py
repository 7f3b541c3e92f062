"""Log lines: one per HTTP request and one per notification delivery attempt.

``callboard serve --log-format json`` writes every log record as one JSON object per line
(``CALLBOARD_LOG_FORMAT``); ``text`` (the default) writes ``LEVEL logger: message``. The
request and delivery lines carry their figures as fields (``method``, ``path``, ``status``,
``latencyMs``, ``requestId``, ``callId``…): in JSON they are keys of the object, in text they
follow the message as ``key=value``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from callboard.json_types import JsonObject

LogFormat = Literal["text", "json"]

requests_log = logging.getLogger("callboard.requests")
deliveries_log = logging.getLogger("callboard.deliveries")

# A call's id in a Graph path (v1.0 or beta) or in the admin API's.
_CALL_ID = re.compile(r"^/(?:v1\.0|beta|_callboard)/(?:communications/)?calls/([^/?]+)")
# The attribute of a LogRecord that holds a line's fields (``extra={FIELDS: {...}}``).
FIELDS = "callboard_fields"
_TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"


def call_id_of(path: str) -> str | None:
    """The call id a request path names, if any."""
    match = _CALL_ID.match(path)
    return match.group(1) if match else None


def _fields(record: logging.LogRecord) -> Mapping[str, Any]:
    fields = getattr(record, FIELDS, None)
    return fields if isinstance(fields, Mapping) else {}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: JsonObject = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message key=value …``."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items() if v is not None)
        return f"{text} {fields}" if fields else text


def formatter(fmt: LogFormat) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(fmt: LogFormat, level: str = "info") -> None:
    """Route every logger (uvicorn's too, which then propagate) to stderr in ``fmt``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True


def request(
    method: str,
    path: str,
    status: int,
    latency_ms: float,
    request_id: str | None,
) -> None:
    """The line of one HTTP request, once its response has started."""
    if not requests_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "latencyMs": round(latency_ms, 3),
        "requestId": request_id,
        "callId": call_id_of(path),
    }
    requests_log.info("%s %s %s", method, path, status, extra={FIELDS: fields})


def delivery_attempts(rows: Iterable[Mapping[str, Any]]) -> None:
    """The lines of notification delivery attempts, as the runner records them."""
    if not deliveries_log.isEnabledFor(logging.INFO):
        return
    for row in rows:
        outcome = row.get("outcome")
        fields = {
            "callId": row.get("call_id"),
            "url": row.get("url"),
            "status": row.get("status_code"),
            "latencyMs": row.get("latency_ms"),
            "outcome": outcome,
            "attempt": row.get("attempt"),
            "jobId": row.get("job_id"),
            "error": row.get("error"),
        }
        level = logging.WARNING if outcome == "dead" else logging.INFO
        deliveries_log.log(
            level,
            "notification %s -> %s",
            outcome,
            row.get("url"),
            extra={FIELDS: fields},
        )

"""A bot endpoint for the README's walkthrough: prints each notification it receives.

Usage: python3 docs/examples/print_notifications.py [PORT]   (default 3978)

One line per notification: changeType, resourceUrl, then the call's state, or for a roster
(whose resourceData is a list of participants) how many are in it, or for an operation its
status.
"""

import http.server
import json
import sys


def describe(data):
    if isinstance(data, list):  # a roster: /communications/calls/{id}/participants
        return f"{len(data)} participants"
    if not isinstance(data, dict):
        return ""
    if "toneInfo" in data:
        return f"{data.get('state', '')} tone {data['toneInfo'].get('tone', '')}"
    return data.get("state") or data.get("status") or ""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        for n in body.get("value", []):
            print(n["changeType"], n["resourceUrl"], describe(n.get("resourceData")), flush=True)
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


port = int(sys.argv[1]) if len(sys.argv) > 1 else 3978
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()

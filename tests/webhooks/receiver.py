"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it keeps every
request it is sent and answers what the test tells it to."""

import http.server
import json
import threading
import time
from dataclasses import dataclass

from webhooks import signing


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    def verified(self, secret):
        return signing.verify(
            secret,
            self.headers.get("X-CBM-Timestamp"),
            self.body,
            self.headers.get("X-CBM-Signature", ""),
        )


class Receiver:
    """``answers``: statuses to give, in order (then ``default``); ``delay``:
    seconds to wait before answering (to catch a worker mid-delivery)."""

    def __init__(self, answers=(), default=200, delay=0.0, location=None):
        self.requests = []
        self.answers = list(answers)
        self.default = default
        self.delay = delay
        self.location = location
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status = receiver.answers.pop(0) if receiver.answers else receiver.default
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def records(self):
        with self.lock:
            return [r for req in self.requests for r in req.json["records"]]

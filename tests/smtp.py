"""A real SMTP server for the tests (aiosmtpd), collecting what it receives."""

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Collects messages; ``delay`` slows each DATA (to catch a worker mid-chunk);
    ``fail_next`` makes that many DATA commands fail with a 451."""

    def __init__(self, delay=0.0):
        self.messages = []
        self.delay = delay
        self.fail_next = 0
        self.connections = 0  # each SMTP client greets once per connection
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 Try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)
        return "250 OK"

    def recipients(self):
        with self.lock:
            return [m["To"] for m in self.messages]


class SMTPServer:
    def __init__(self, delay=0.0):
        self.sink = Sink(delay)
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


def text(message):
    """Everything a reader of ``message`` could see: headers and decoded parts."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)

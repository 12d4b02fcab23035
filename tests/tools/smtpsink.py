#!/usr/bin/python3
"""smtpsink.py PORT DIR — a real SMTP server (Debian's python3-aiosmtpd) on
127.0.0.1:PORT that keeps every message it accepts: DIR/N.eml (the data as
received) and DIR/N.json (the envelope: mail_from, rcpt_tos). Prints
"ready" when it listens; stops on SIGTERM. For the e-mail tests."""
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.folder, f"{n:04d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    keep = Keep(folder)
    keep.n = len([f for f in os.listdir(folder) if f.endswith(".eml")])
    ctl = Controller(keep, hostname="127.0.0.1", port=port)
    ctl.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    ctl.stop()


if __name__ == "__main__":
    main()

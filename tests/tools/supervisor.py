#!/usr/bin/env python3
"""supervisor.py PORT CMD... — the part of systemd the tests need, on
loopback: it holds the listening socket 127.0.0.1:PORT (as stamprally.socket
does) and passes it to CMD as fd 3 (LISTEN_FDS, LISTEN_PID), gives it a
NOTIFY_SOCKET and WATCHDOG_USEC=300000, prints every notification it sends
("READY=1", "WATCHDOG=1", "STOPPING=1") as a line, and obeys lines on stdin:
"restart" (SIGTERM, wait, start again on the same socket, as `systemctl
restart` with socket activation) and "stop"."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading

port, cmd = int(sys.argv[1]), sys.argv[2:]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(4096)
os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)

notify_path = os.path.join(tempfile.mkdtemp(prefix="stamprally-notify-"), "notify")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
os.environ.update(LISTEN_FDS="1", NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="300000")
out = threading.Lock()


def say(line):
    with out:
        print(line, flush=True)


def listen_notify():
    while True:
        for msg in notify.recv(4096).decode().split("\n"):
            if msg:
                say(msg)


def start():
    def child():
        os.environ["LISTEN_PID"] = str(os.getpid())
    p = subprocess.Popen(cmd, pass_fds=(3,), preexec_fn=child)
    say(f"STARTED {p.pid}")
    return p


threading.Thread(target=listen_notify, daemon=True).start()
proc = start()
for line in sys.stdin:
    if line.strip() in ("restart", "stop"):
        proc.send_signal(signal.SIGTERM)
        say(f"EXITED {proc.wait()}")
        if line.strip() == "stop":
            break
        proc = start()

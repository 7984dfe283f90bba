#!/usr/bin/env python3
"""A stand-in HTTP(S) proxy that forwards nothing: every connection's first
line (e.g. "CONNECT registry.npmjs.org:443 HTTP/1.1") is appended to LOG and
answered 502 at once, so a CLI's phone-home attempt is recorded and fails
fast. Usage: catch.py LOG PORTFILE (prints the port it listens on to PORTFILE).
Loopback only; runs until killed."""
import socket
import sys
import threading

log, portfile = sys.argv[1], sys.argv[2]
lock = threading.Lock()


def serve(c):
    try:
        c.settimeout(10)
        data = b""
        while b"\n" not in data and len(data) < 4096:
            chunk = c.recv(1024)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\n", 1)[0].decode("latin-1").strip()
        with lock, open(log, "a") as f:
            f.write(line + "\n")
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

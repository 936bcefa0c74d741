"""Slow clients against ``churnlab serve`` over loopback: is ``/health`` still answered?

Starts ``churnlab serve`` on a free 127.0.0.1 port (nothing else is
contacted), opens ``--connections`` connections 10 ms apart, each sending a
``POST /score`` head that announces a 1,000-byte body and then one byte of it
every ``--every`` seconds, and meanwhile asks ``GET /health`` every 0.5 s on a
fresh connection. Everything stops after ``--seconds`` whatever happens.
Prints ``/health``'s slowest answer and how many were not a 200, and how long
the server let the trickling connections live.

Run: ``python benchmarks/bench_slow_clients.py [--connections 260] [--seconds 45]``.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAD = b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(port: int) -> tuple[float, int]:
    """Seconds to the first byte of ``/health``'s answer, and its status (0: no answer)."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = sock.recv(64)
    except OSError:
        return time.monotonic() - started, 0
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return time.monotonic() - started, status


def _wait(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health(port)[1] == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _trickle(port: int, count: int, every: float, stop_at: float, lifetimes: list[float]) -> None:
    """Open ``count`` slow connections and feed them until ``stop_at``; record when each was closed."""
    selector = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    for _ in range(count):
        if time.monotonic() > stop_at:
            break
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(HEAD)
        except OSError:
            lifetimes.append(0.0)
            continue
        sock.setblocking(False)
        opened[sock] = time.monotonic()
        selector.register(sock, selectors.EVENT_READ)
        time.sleep(0.01)
    next_byte = time.monotonic() + every
    while opened and time.monotonic() < stop_at:
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data or data.startswith(b"HTTP/1.1"):  # closed, or answered (408, 503...)
                lifetimes.append(time.monotonic() - opened.pop(sock))
                selector.unregister(sock)
                sock.close()
        if time.monotonic() >= next_byte:
            next_byte += every
            for sock in list(opened):
                try:
                    sock.send(b"x")
                except OSError:
                    pass
    for sock in opened:
        sock.close()
    selector.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=260)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between two bytes of a body")
    parser.add_argument("--seconds", type=float, default=45.0, help="the whole run, at most")
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "churnlab.app.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait(port)
        stop_at = time.monotonic() + args.seconds
        lifetimes: list[float] = []
        attack = threading.Thread(
            target=_trickle, args=(port, args.connections, args.every, stop_at, lifetimes)
        )
        attack.start()
        probes = []
        while time.monotonic() < stop_at - 1:
            probes.append(_health(port))
            time.sleep(0.5)
        attack.join()
    finally:
        server.terminate()
        server.wait(10)
    slowest = max(seconds for seconds, _ in probes)
    failed = sum(status != 200 for _, status in probes)
    print(
        f"{os.cpu_count()} cores; {args.connections} connections 10 ms apart, one body byte every "
        f"{args.every:g} s, {args.seconds:g} s in all"
    )
    print(f"/health: {len(probes)} probes, slowest {slowest * 1000:.0f} ms, {failed} not a 200")
    if lifetimes:
        ordered = sorted(lifetimes)
        print(
            f"trickling connections ended by the server: {len(ordered)}; lifetime median "
            f"{ordered[len(ordered) // 2]:.1f} s, longest {ordered[-1]:.1f} s"
        )
    else:
        print("trickling connections ended by the server: none within the run")


if __name__ == "__main__":
    main()

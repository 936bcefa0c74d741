"""A bounded load test of ``churnlab serve`` over loopback: requests/s and p50/p99 by concurrency.

Starts ``churnlab serve --workers W`` on a free 127.0.0.1 port (nothing else
is contacted), sends ``--requests`` requests of one parsed record at each
concurrency (1, 4, 8 clients, each on its own keep-alive connection), stops
after ``--max-seconds`` per level whatever happens, and prints a table.

Run: ``python benchmarks/bench_load.py [--workers 1 2] [--requests 400]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORM = next((REPO / "data" / "case_records").glob("001_*.txt"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _level(port: int, body: bytes, clients: int, total: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    per_client = total // clients

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(per_client):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            conn.request("POST", "/score", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors += response.status != 200
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(ordered),
        "errors": errors,
        "rps": len(ordered) / wall,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from churnlab.io.forms import parse_form

    body = json.dumps({"record": parse_form(FORM).to_json_dict()}).encode()
    print(f"{os.cpu_count()} cores; one parsed record per request; {args.requests} requests per level\n")
    print("| workers | clients | requests/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    for workers in args.workers:
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "churnlab.app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(port)
            _level(port, body, 1, 20, 30)  # warm-up
            for clients in (1, 4, 8):
                r = _level(port, body, clients, args.requests, args.max_seconds)
                print(
                    f"| {workers} | {clients} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                    f"{r['errors']} |"
                )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()

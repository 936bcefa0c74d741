"""Issue 23 on the service: slow bodies, many connections from one client, whole big heads,
forged log lines and implausible values (each test fails on the code before the fix)."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from fastapi.testclient import TestClient

from churnlab.app.service import middleware, server
from churnlab.app.service.api import create_app
from churnlab.models.persistence import load_model
from conftest import CASE_RECORDS

FORM = next(CASE_RECORDS.glob("001_*")).read_text(encoding="utf-8")
SLOW_HEAD = b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nF"


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture
def serve(model):
    """Start a server on 127.0.0.1 (a free port) for one test; yields a function opening connections."""
    import uvicorn

    started: list[uvicorn.Server] = []
    opened: list[socket.socket] = []

    def start(token: str | None = None) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(model, token=token),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            http=server.GuardedH11Protocol,
            limit_concurrency=server.MAX_CONNECTIONS,
            timeout_keep_alive=server.KEEP_ALIVE_TIMEOUT,
        )
        uv = uvicorn.Server(config)
        threading.Thread(target=uv.run, daemon=True).start()
        for _ in range(200):
            if uv.started:
                break
            time.sleep(0.02)
        started.append(uv)
        return port

    def connect(port: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        opened.append(sock)
        return sock

    yield start, connect
    for sock in opened:
        sock.close()
    for uv in started:
        uv.should_exit = True
    time.sleep(0.3)


def _health_time(port: int) -> tuple[float, bytes]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = sock.recv(4096)
    return time.monotonic() - started, answer


def _closed(sock: socket.socket, wait: float) -> bool:
    sock.settimeout(wait)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def test_a_trickling_body_has_one_time_budget_not_one_per_chunk(serve, monkeypatch):
    monkeypatch.setattr(middleware, "BODY_TIMEOUT", 1.0)
    start, connect = serve
    port = start()
    sock = connect(port)
    began = time.monotonic()
    sock.sendall(SLOW_HEAD)
    sock.settimeout(0.2)
    answer = b""
    while time.monotonic() - began < 4 and not answer:  # one byte every 0.2 s: each chunk in time
        try:
            sock.sendall(b"x")
            answer = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            break
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert time.monotonic() - began < 2.5


def test_a_refused_client_cannot_hold_its_connection_by_trickling(serve, monkeypatch):
    monkeypatch.setattr(middleware, "BODY_TIMEOUT", 0.6)
    monkeypatch.setattr(server, "REQUEST_GRACE", 0.2)
    start, connect = serve
    port = start(token="secret")
    sock = connect(port)
    began = time.monotonic()
    sock.sendall(SLOW_HEAD)
    sock.settimeout(0.2)
    answer, closed = b"", False
    while time.monotonic() - began < 4:
        try:
            sock.sendall(b"x")
            data = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            closed = True
            break
        if not data:
            closed = True
            break
        answer += data
    assert answer.startswith(b"HTTP/1.1 401")
    assert closed and time.monotonic() - began < 2


def test_one_client_cannot_take_every_connection(serve, monkeypatch):
    monkeypatch.setattr(server, "MAX_CLIENT_CONNECTIONS", 8)
    start, connect = serve
    port = start()
    slow = [connect(port) for _ in range(20)]
    for sock in slow:
        sock.sendall(SLOW_HEAD)
    elapsed, answer = _health_time(port)
    assert answer.startswith(b"HTTP/1.1 200") and elapsed < 1
    still_open = [sock for sock in slow if not _closed(sock, 0.05)]
    assert len(still_open) <= 8


def test_260_trickling_connections_leave_health_answering(serve):
    """The probe of issue 23, with the real limits: 260 stalled bodies from 127.0.0.1."""
    start, connect = serve
    port = start()
    for _ in range(260):
        connect(port).sendall(SLOW_HEAD)
        time.sleep(0.002)
    elapsed, answer = _health_time(port)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    assert elapsed < 1


@pytest.mark.parametrize("pieces", [1, 8])
def test_a_big_head_is_refused_whole_or_in_pieces(serve, pieces):
    start, connect = serve
    port = start()
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100_000 + b"\r\n\r\n"
    sock = connect(port)
    step = len(head) // pieces + 1
    try:
        for i in range(0, len(head), step):
            sock.sendall(head[i : i + step])
    except OSError:
        pass
    answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:80]


def test_a_head_under_the_limit_is_served(serve):
    start, connect = serve
    port = start()
    sock = connect(port)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 12_000 + b"\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_a_forged_path_cannot_start_a_log_line(model, caplog):
    client = TestClient(create_app(model), raise_server_exceptions=False)
    forged = "/x%0d%0a2026-12-03 06:00:00,000 INFO churnlab.service: POST /score 200 1.0ms"
    with caplog.at_level(logging.INFO, logger="churnlab.service"):
        client.get(forged)
    lines = [r.getMessage() for r in caplog.records if r.name == "churnlab.service"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert any("\\r\\n2026-12-03" in line for line in lines)


@pytest.mark.parametrize(
    ("field", "value"), [("cro_count", 1000), ("us_value", 1e6), ("included_on", "0001-01-01")]
)
def test_implausible_values_are_scored_with_warnings(model, field, value):
    client = TestClient(create_app(model), raise_server_exceptions=False)
    record = {"source": "odd.txt", "cro_count": 3, "us_value": 0.35, field: value}
    answer = client.post("/score", json={"record": record})
    assert answer.status_code == 200
    assert any(field in warning for warning in answer.json()["warnings"])
    batch = client.post("/score/batch", json={"items": [{"record": record}]}).json()
    assert any(field in warning for warning in batch["items"][0]["result"]["warnings"])

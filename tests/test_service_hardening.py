"""The service never answers a 5xx to any input, wants a token when given one, and closes idle clients."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from churnlab.app.service import server
from churnlab.app.service.api import create_app
from churnlab.io.records import RetentionCase
from churnlab.models.persistence import load_model
from conftest import CASE_RECORDS

FORM = next(CASE_RECORDS.glob("001_*")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def client(model):
    return TestClient(create_app(model), raise_server_exceptions=False)


def _post(client, path: str, body: bytes):
    return client.post(path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (b'{"record": {"source": "a", "city": "\\ud800"}}', "invalid_unicode", "record.city"),
        (
            b'{"text": "' + json.dumps(FORM)[1:-1].replace("SALVADOR", "\\udc80").encode() + b'"}',
            "invalid_unicode",
            "text",
        ),
        (b'{"record": {"source": "a", "lives": ' + b"9" * 5000 + b"}}", "invalid_request", "record.lives"),
        (b'{"record": {"source": "a", "lives": true}}', "invalid_request", "record.lives"),
        (b'{"record": {"source": "a", "lives": "12"}}', "invalid_request", "record.lives"),
    ],
)
def test_odd_values_are_a_422_naming_the_field(client, body, code, where):
    response = _post(client, "/score", body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code and where in response.json()["detail"]


def test_one_bad_batch_item_fails_alone(client):
    body = (
        b'{"items": [{"record": {"source": "a", "city": "\\ud800"}}, '
        b'{"record": {"source": "b", "lives": ' + b"9" * 5000 + b'}}, {"record": {"source": "c"}}]}'
    )
    response = _post(client, "/score/batch", body)
    assert response.status_code == 200
    assert [item["status_code"] for item in response.json()["items"]] == [422, 422, 200]


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_RECORDS = st.fixed_dictionaries(
    {"source": st.text(max_size=20)},
    optional={n: _VALUES for n in RetentionCase.model_fields if n != "source"},
)
_TEXTS = st.one_of(
    st.text(max_size=400),
    st.builds(lambda cut, junk: FORM[:cut] + junk, st.integers(0, len(FORM)), st.text(max_size=40)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=_RECORDS, text=_TEXTS)
def test_no_record_or_text_gets_a_5xx(client, record, text):
    for path, body in (
        ("/score", {"record": record}),
        ("/score", {"text": text}),
        ("/score/batch", {"items": [{"record": record}, {"text": text}]}),
    ):
        raw = json.dumps(body, ensure_ascii=True).encode()  # lone surrogates travel as \\udXXX escapes
        response = _post(client, path, raw)
        assert response.status_code < 500, (path, body, response.text[:300])
    plain = client.post(
        "/score", content=text.encode("utf-8", "surrogatepass"), headers={"content-type": "text/plain"}
    )
    assert plain.status_code < 500, (text, plain.text[:300])


def test_a_token_guards_everything_but_health(model):
    guarded = TestClient(create_app(model, token="s3cret"), raise_server_exceptions=False)
    record = b'{"record": {"source": "a"}}'
    assert guarded.get("/health").status_code == 200
    for response in (
        guarded.get("/model"),
        _post(guarded, "/score", record),
        guarded.get("/openapi.json"),
        guarded.post(
            "/score",
            content=record,
            headers={"content-type": "application/json", "authorization": "Bearer wrong"},
        ),
    ):
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "unauthorized"
    ok = guarded.post(
        "/score",
        content=record,
        headers={"content-type": "application/json", "authorization": "Bearer s3cret"},
    )
    assert ok.status_code == 200


def test_read_token_from_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(server.TOKEN_ENV, raising=False)
    assert server.read_token(None) is None
    monkeypatch.setenv(server.TOKEN_ENV, "from-env")
    assert server.read_token(None) == "from-env"
    (tmp_path / "t").write_text("from-file\n")
    assert server.read_token(tmp_path / "t") == "from-file"
    (tmp_path / "empty").write_text("")
    with pytest.raises(ValueError, match="empty"):
        server.read_token(tmp_path / "empty")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_idle_and_trickling_connections_are_closed(model, monkeypatch):
    import uvicorn

    monkeypatch.setattr(server, "HEADER_TIMEOUT", 0.5)
    port = _free_port()
    config = uvicorn.Config(
        create_app(model),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http=server.GuardedH11Protocol,
        timeout_keep_alive=1,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if uv.started:
                break
            time.sleep(0.05)
        idle = socket.create_connection(("127.0.0.1", port))
        trickle = socket.create_connection(("127.0.0.1", port))
        started = time.monotonic()
        trickle.sendall(b"GET /health HTTP/1.1\r\n")
        for sock in (idle, trickle):
            sock.settimeout(5)
            assert sock.recv(1024) == b""  # closed by the server
            sock.close()
        assert time.monotonic() - started < 3
        with socket.create_connection(("127.0.0.1", port)) as ok:  # a prompt client is served
            ok.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            ok.settimeout(5)
            assert ok.recv(1024).startswith(b"HTTP/1.1 200")
    finally:
        uv.should_exit = True
        thread.join(5)


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch):
    import sys

    from typer.testing import CliRunner

    from churnlab.app.cli import app

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "pip install 'churnlab[serve]'" in result.stderr

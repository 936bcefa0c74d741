"""Latency and throughput of the HTTP scoring service.

Measures, in-process through FastAPI's test client (no network):

- ``POST /score`` with a parsed record (``{"record": ...}``): p50/p99 latency;
- ``POST /score`` with a form's text (``{"text": ...}``, parsed per request);
- ``POST /score/batch`` with ``--batch`` text items: forms per second;
- ``churnlab --help`` in a new process (start-up time);
- the scoring call alone, batch path (``score_cases`` on one parsed case) and the
  single-case NumPy path the service uses, to show the HTTP overhead;

and, with ``--uvicorn``, the same single-record request against a real uvicorn
server on 127.0.0.1 (a bounded number of requests, one connection).

Run: ``python benchmarks/bench_service.py [--model MODEL_DIR] [--n 300] [--batch 200]
[--uvicorn]``. Without ``--model`` it uses ``models/default`` when present, else
trains a model on ``data/sample`` first (a few seconds).
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FORM = next((REPO / "data" / "case_records").glob("001_*.txt"))
SAMPLE = REPO / "data" / "sample"


def _model(path: str | None):
    from churnlab.models.persistence import DEFAULT_MODEL_DIR, load_model

    if path or (DEFAULT_MODEL_DIR / "card.json").is_file():
        return load_model(path), str(path or DEFAULT_MODEL_DIR)
    from churnlab.app.training import train_model

    return train_model(SAMPLE, random_state=0), "trained on data/sample (in memory)"


def _latencies(call: Callable[[], object], n: int, warmup: int = 10) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    return (
        f"| {name:<38} | {len(ms):>5} | {statistics.median(ms):>8.2f} | {p99:>8.2f} | "
        f"{1000 / statistics.mean(ms):>9.1f} |"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _uvicorn_latencies(app, payload: dict, n: int) -> list[float]:
    import httpx
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            return _latencies(lambda: client.post("/score", json=payload).raise_for_status(), n)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder (default: models/default, else train one)")
    parser.add_argument("--n", type=int, default=300, help="requests per single-form measure")
    parser.add_argument("--batch", type=int, default=200, help="items per batch request")
    parser.add_argument("--batches", type=int, default=5, help="batch requests to time")
    parser.add_argument("--uvicorn", action="store_true", help="also time a real uvicorn server")
    args = parser.parse_args()
    logging.getLogger("churnlab.service").setLevel(logging.WARNING)

    from fastapi.testclient import TestClient

    from churnlab.app.scoring import score_cases
    from churnlab.app.service.api import create_app
    from churnlab.io.forms import parse_form
    from churnlab.models.fast_scoring import SingleCaseScorer

    model, described = _model(args.model)
    app = create_app(model)
    text = FORM.read_text(encoding="utf-8")
    case = parse_form(FORM)
    record = {"record": case.to_json_dict()}
    forms = [p for p in sorted((SAMPLE / "forms").iterdir()) if p.suffix in (".txt", ".md")]
    forms = forms[: args.batch]
    batch = {"items": [{"text": p.read_text(encoding="utf-8"), "source": p.name} for p in forms]}

    rows = []
    with TestClient(app) as client:

        def post(payload):
            return lambda: client.post("/score", json=payload).raise_for_status()

        rows.append(
            _row(
                "`churnlab --help` (a new process)",
                _latencies(
                    lambda: subprocess.run(
                        [sys.executable, "-m", "churnlab.app.cli", "--help"], check=True, capture_output=True
                    ),
                    10,
                    warmup=1,
                ),
            )
        )
        rows.append(
            _row(
                "score_cases, 1 parsed case (no HTTP)", _latencies(lambda: score_cases([case], model), args.n)
            )
        )
        fast = SingleCaseScorer(model)
        rows.append(_row("single-case NumPy path (no HTTP)", _latencies(lambda: fast.score(case), args.n)))
        rows.append(_row("POST /score {record}", _latencies(post(record), args.n)))
        rows.append(_row("POST /score {text}", _latencies(post({"text": text}), args.n)))
        rows.append(
            _row(
                "POST /score text/plain",
                _latencies(
                    lambda: client.post(
                        "/score", content=text.encode(), headers={"Content-Type": "text/plain"}
                    ).raise_for_status(),
                    args.n,
                ),
            )
        )
        batch_ms = _latencies(
            lambda: client.post("/score/batch", json=batch).raise_for_status(), args.batches, warmup=1
        )
    if args.uvicorn:
        rows.append(
            _row("uvicorn 127.0.0.1 POST /score {record}", _uvicorn_latencies(app, record, min(args.n, 200)))
        )

    print(f"model: {described}")
    print(f"form: {FORM.name}; batch: {len(forms)} data/sample forms (text, parsed per request)")
    print()
    print(f"| {'request':<38} | {'n':>5} | {'p50 ms':>8} | {'p99 ms':>8} | {'req/s':>9} |")
    print(f"|{'-' * 40}|{'-' * 7}|{'-' * 10}|{'-' * 10}|{'-' * 11}|")
    for row in rows:
        print(row)
    per_batch = statistics.median(batch_ms) / 1000
    print()
    print(
        f"POST /score/batch, {len(forms)} items: median {per_batch * 1000:,.0f} ms per request, "
        f"{len(forms) / per_batch:,.0f} forms/s"
    )


if __name__ == "__main__":
    main()

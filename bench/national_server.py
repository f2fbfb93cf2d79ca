"""The national load test's server: the production one (collected static files, then gunicorn with
deploy/gunicorn.conf.py) on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "4"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """The production web server: collectstatic, then gunicorn with deploy/gunicorn.conf.py."""
    subprocess.run(
        [sys.executable, "-m", "onconet.cli", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with log.open("ab") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            env=server_env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")

"""gunicorn's access log (docs/personal-data.md): the path only, never the
query string, which may carry an IIN."""

from __future__ import annotations

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parents[2]


def test_the_access_log_writes_no_query_string() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    config.set("accesslog", "-")
    logger = Logger(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]

    request = SimpleNamespace(
        method="GET",
        path="/staff/desk/",
        query="iin=931002451325",
        uri="/staff/desk/?iin=931002451325",
        version=(1, 1),
        headers=[("USER-AGENT", "test")],
    )
    response = SimpleNamespace(status="200 OK", sent=10, response_length=10, headers=[])
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": request.uri,
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "test",
    }
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))

    line = stream.getvalue()
    assert '"GET /staff/desk/" 200' in line
    assert "931002451325" not in line

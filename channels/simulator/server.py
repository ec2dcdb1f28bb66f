"""The HTTP transport: a threaded stdlib server in a background thread around `app.handle`."""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import app
from .exchange import Headers, Request
from .paths import urls_for
from .state import SimulatorState

logger = logging.getLogger("channels.simulator")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler sleeping on injected latency must not block shutdown
    # The default backlog of 5 makes a burst of new connections wait a second for SYN retries.
    request_queue_size = 128
    simulator_state: SimulatorState


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with a session expect
    server_version = "CdiscountSimulator/1.0"
    timeout = 120  # idle keep-alive connections end eventually
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACKs add
    # ~40 ms to every kept-alive request.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        started = time.monotonic()
        request = self._read_request()
        response = app.handle(self.server.simulator_state, request)
        if response is None:
            # Injected "drop": no status line at all, the peer just sees the socket close.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            logger.info("%s %s -> connection dropped", request.method, request.path)
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if request.method != "HEAD":
            self.wfile.write(response.body)
        if not request.path.startswith("/_simulator"):
            logger.info(
                "%s %s -> %d (%d ms)",
                request.method,
                request.path,
                response.status,
                (time.monotonic() - started) * 1000,
            )

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        headers = Headers((name, value) for name, value in self.headers.items())
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunked()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=body,
        )

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        pass  # requests are logged once, by _handle, without query strings or bodies


class SimulatorServer:
    """The Cdiscount simulator on one port: Octopia, STS, SOAP and the control endpoints."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, state: SimulatorState | None = None
    ) -> None:
        self.host = host
        self.port = port  # 0 until start() binds a free port
        self.state = state if state is not None else SimulatorState.with_demo_accounts()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def urls(self) -> dict[str, str]:
        """CDISCOUNT_AUTH_URL, CDISCOUNT_API_URL, CDISCOUNT_STS_URL, CDISCOUNT_SOAP_URL."""
        return urls_for(self.url)

    def start(self) -> SimulatorServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.simulator_state = self.state
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how long stop() may wait
            name=f"cdiscount-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Cdiscount simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        logger.info("Cdiscount simulator on %s stopped", self.url)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

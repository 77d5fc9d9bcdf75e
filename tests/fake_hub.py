"""A local stand-in for the Hugging Face hub and the original file hosting, for download tests.

``FakeHub`` serves, on 127.0.0.1 at an ephemeral port, the endpoints ``hf_hub_download`` uses
(HEAD/GET ``/<repo>/resolve/<revision>/<file>`` with ``X-Repo-Commit``, ``X-Linked-Etag`` =
the LFS sha256, ``X-Linked-Size``) and plain files under ``/files/<path>``, with Range support.
Faults can be armed per path: ``drop`` sends half of the body then closes the connection,
``corrupt`` flips bytes, both once. Every request is logged. The server shuts itself down after
``lifetime`` seconds even if a test forgets to.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repos: dict[str, dict[str, bytes]], files: dict[str, bytes], lifetime: float = 120.0):
        self.repos, self.files = repos, files
        self.faults: dict[str, str] = {}
        self.log: list[tuple[str, str, str | None]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(lifetime, self.close)
        self._timer.daemon = True

    def __enter__(self) -> FakeHub:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._timer.cancel()
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def requests(self, method: str, path_end: str) -> list[str | None]:
        """The Range headers of the requests of ``method`` whose path ends with ``path_end``."""
        return [r for m, p, r in self.log if m == method and p.endswith(path_end)]

    def _lookup(self, path: str) -> tuple[bytes, bool] | None:
        m = re.fullmatch(r"/(.+?/.+?)/resolve/[^/]+/(.+)", path)
        if m and m[1] in self.repos:
            data = self.repos[m[1]].get(m[2])
            return None if data is None else (data, not m[2].endswith(".json"))
        if path.startswith("/files/") and path[7:] in self.files:
            return self.files[path[7:]], False
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._serve(body=False)

            def do_GET(self) -> None:
                self._serve(body=True)

            def _serve(self, body: bool) -> None:
                hub.log.append((self.command, self.path, self.headers.get("Range")))
                found = hub._lookup(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.end_headers()
                    return
                data, lfs = found
                start = int(m[1]) if (m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")) else 0
                fault = hub.faults.pop(self.path, None) if body else None
                if fault == "corrupt":
                    data = bytes(b ^ 0xFF for b in data[:64]) + data[64:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data) - start))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("X-Repo-Commit", COMMIT)
                digest = hashlib.sha256(found[0]).hexdigest() if lfs else hashlib.sha1(found[0]).hexdigest()
                self.send_header("X-Linked-Etag" if lfs else "ETag", f'"{digest}"')
                if lfs:
                    self.send_header("X-Linked-Size", str(len(data)))
                self.end_headers()
                if not body:
                    return
                payload = data[start:]
                if fault == "drop":
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

        return Handler

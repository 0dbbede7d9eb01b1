"""A Learning Record Store on 127.0.0.1 for the tests: real HTTP (no mocks of urllib), told
what to do next.

It stores statements by id the way an LRS does: a POSTed batch is all or nothing (400 for a
malformed or duplicated batch, 409 when it holds an id already stored), and a PUT of an id
already stored is a 409 that changes nothing.
"""

import base64
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

USERNAME = "relay-key"
PASSWORD = "relay-secret"


class FakeLRS:
    def __init__(self):
        self.lock = threading.Lock()
        self.stored: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.posted = Counter()  # statement id -> times it was on the wire
        self.fail_next = 0  # answer the next N requests with `fail_status`
        self.fail_status = 500
        self.retry_after: str | None = None
        self.always: int | None = None  # answer every request with this status
        self.refuse_ids: set[str] = set()  # 400 for these (and for a batch holding one)
        self.drop_next = 0  # close the next N connections without answering
        self.lose_answers = 0  # store the next N requests, then close without answering
        self.hold: threading.Event | None = None  # block requests until set
        self.entered = threading.Semaphore(0)  # released as each request arrives
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/xapi"

    def start(self) -> "FakeLRS":
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    # --- what happens to one request --------------------------------------------------------

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | list, dict]:
        with self.lock:
            record = {"method": method, "path": path, "headers": dict(headers), "body": body}
            self.requests.append(record)
            if self.fail_next:
                self.fail_next -= 1
                extra = {"Retry-After": self.retry_after} if self.retry_after else {}
                return self.fail_status, {"error": "store unavailable"}, extra
            if self.always:
                return self.always, {"error": f"always {self.always}"}, {}
            expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            if headers.get("Authorization") != expected:
                return 401, {"error": "unauthorised"}, {}
            if headers.get("X-Experience-API-Version") != "1.0.3":
                return 400, {"error": "version header"}, {}
            url = urlsplit(path)
            if url.path != "/xapi/statements":
                return 404, {"error": "no such resource"}, {}
            try:
                data = json.loads(body)
            except ValueError:
                return 400, {"error": "not JSON"}, {}
            if method == "POST":
                batch = data if isinstance(data, list) else [data]
                ids = [statement.get("id") for statement in batch]
                self.posted.update(ids)
                if len(set(ids)) != len(ids) or any(i in self.refuse_ids for i in ids):
                    return 400, {"error": "bad statement in batch"}, {}
                if any(i in self.stored for i in ids):
                    return 409, {"error": "statement id exists"}, {}
                for statement in batch:
                    self.stored[statement["id"]] = statement
                return 200, ids, {}
            if method == "PUT":
                statement_id = parse_qs(url.query).get("statementId", [None])[0]
                self.posted.update([statement_id])
                if statement_id != data.get("id") or statement_id in self.refuse_ids:
                    return 400, {"error": "bad statement"}, {}
                if statement_id in self.stored:
                    return 409, {"error": "statement id exists"}, {}
                self.stored[statement_id] = data
                return 204, {}, {}
            return 405, {"error": "method"}, {}

    def _handler(self):
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                lrs.entered.release()
                if lrs.hold is not None:
                    lrs.hold.wait(timeout=10)
                with lrs.lock:
                    drop = lrs.drop_next > 0
                    if drop:
                        lrs.drop_next -= 1
                if drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                status, payload, extra = lrs.answer(method, self.path, self.headers, body)
                with lrs.lock:
                    lose = lrs.lose_answers > 0
                    if lose:
                        lrs.lose_answers -= 1
                if lose:
                    self.close_connection = True
                    self.connection.close()
                    return
                data = b"" if status == 204 else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def log_message(self, *args):
                pass

        return Handler

"""Fake AMap and Tianditu geocoders on 127.0.0.1, answering in each provider's documented JSON shape.

``FakeGeocoder(answers)`` maps an address to ``(gcj_or_cgcs_lon, lat, level)`` (or ``None``: an empty answer);
``fail_after`` makes every request after that many answer with the provider's quota error; ``flaky`` lists
addresses whose first request gets HTTP 503, ``slow`` those whose first answer comes after ``slow_s`` seconds
(a retry must follow either). ``seen`` records every request's address.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "test-key-not-real"


def metres(a, b) -> float:
    """Straight-line metres between two WGS84 (lon, lat) pairs (the product's metric CRS)."""
    from supplychain import studyarea

    x, y = studyarea.to_metric([a[0], b[0]], [a[1], b[1]])
    return float(((x[1] - x[0]) ** 2 + (y[1] - y[0]) ** 2) ** 0.5)


class FakeGeocoder:
    def __init__(self, answers: dict, fail_after: int | None = None, flaky=(), key: str = KEY, slow=(),
                 slow_s: float = 1.0):
        self.answers, self.fail_after, self.flaky, self.key = answers, fail_after, set(flaky), key
        self.slow, self.slow_s = set(slow), slow_s  # addresses whose first request answers too late
        self.seen: list[str] = []
        self.lock = threading.Lock()

    # AMap /v3/geocode/geo
    def amap(self, q: dict) -> tuple[int, dict]:
        address = q.get("address", [""])[0]
        if q.get("key", [""])[0] != self.key:
            return 200, {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
        if self.fail_after is not None and len(self.seen) > self.fail_after:
            return 200, {"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"}
        hit = self.answers.get(address)
        if hit is None:
            return 200, {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}
        lon, lat, level = hit
        return 200, {"status": "1", "info": "OK", "infocode": "10000", "count": "1", "geocodes": [{
            "formatted_address": f"江苏省苏州市{address}", "country": "中国", "province": "江苏省", "citycode": "0512",
            "city": "苏州市", "district": "吴中区", "township": [], "adcode": "320506", "street": [], "number": [],
            "location": f"{lon:.6f},{lat:.6f}", "level": level}]}

    # Tianditu /geocoder?ds={"keyWord": …}&tk=
    def tianditu(self, q: dict) -> tuple[int, dict]:
        if q.get("tk", [""])[0] != self.key:
            return 403, {"msg": "非法key", "status": "1"}
        address = json.loads(q.get("ds", ["{}"])[0]).get("keyWord", "")
        if self.fail_after is not None and len(self.seen) > self.fail_after:
            return 200, {"msg": "访问量超限", "status": "2"}
        hit = self.answers.get(address)
        if hit is None:
            return 200, {"msg": "ok", "status": "0", "searchVersion": "6.4.9V"}
        lon, lat, level = hit
        return 200, {"msg": "ok", "status": "0", "searchVersion": "6.4.9V", "location": {
            "lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "level": level, "score": 90, "keyWord": address}}


@contextmanager
def serve(fake: FakeGeocoder):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            q = parse_qs(parts.query)
            address = q.get("address", [""])[0] or json.loads(q.get("ds", ["{}"])[0]).get("keyWord", "")
            with fake.lock:
                late = address in fake.slow
                fake.slow.discard(address)
            if late:
                import time

                time.sleep(fake.slow_s)
            with fake.lock:
                fake.seen.append(address)
                if address in fake.flaky:
                    fake.flaky.discard(address)
                    status, body = 503, {"error": "try again"}
                elif parts.path == "/v3/geocode/geo":
                    status, body = fake.amap(q)
                elif parts.path == "/geocoder":
                    status, body = fake.tianditu(q)
                else:
                    status, body = 404, {"error": "no such path"}
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()

"""What the online geocoders share: the key, the answer cache, a rate limit and retries.

Every answer a provider gives (a match, an empty answer, a coarse one) is stored in ``geocode_cache`` with the
provider, the query (the request without the key), the raw body and the date, so a rerun sends nothing for a
query asked before. Refusals (bad key, quota, QPS) and transport failures are not answers: they are not
cached, they stop the batch (:class:`supplychain.geocode.ProviderError`) and the next run asks again.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from ..registry import Entity
from ..store import Store
from . import Match, ProviderError
from ..messages import _

DEFAULT_QPS = 3.0
DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT_S = 10.0


class OnlineGeocoder:
    """Base class: subclasses set ``name``, ``label``, ``key_env``, ``default_url`` and implement
    :meth:`request` and :meth:`interpret`."""

    name = ""
    label = ""
    key_env = ""
    default_url = ""

    def __init__(self, store: Store, base_url: str | None = None, qps: float | None = None, key: str | None = None,
                 retries: int = DEFAULT_RETRIES, timeout_s: float = DEFAULT_TIMEOUT_S, backoff_s: float = 0.5,
                 city: str = "苏州"):
        self.store = store
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.qps = DEFAULT_QPS if qps is None else float(qps)
        if not self.qps > 0:
            raise ValueError(_("qps must be greater than 0, got {qps}", qps=qps))
        self.key = key if key is not None else os.environ.get(self.key_env, "")
        self.retries, self.timeout_s, self.backoff_s, self.city = retries, timeout_s, backoff_s, city
        self.asked = 0
        self._last = 0.0

    # -- to be provided by each provider ----------------------------------------------------------------

    def request(self, address: str) -> tuple[str, dict]:
        """``(path, params)`` of the request for ``address``, without the key."""
        raise NotImplementedError

    def key_param(self) -> str:
        raise NotImplementedError

    def refusal(self, answer: dict) -> str | None:
        """The provider's own error in an answer (bad key, quota…) as one line, else ``None``."""
        raise NotImplementedError

    def interpret(self, answer: dict) -> Match:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------------------

    def locate(self, e: Entity) -> Match:
        from .. import address as addr

        text = addr.strip_notes(e.address) or e.district
        if not text:
            return Match(None, reason=_("no address"))
        path, params = self.request(text)
        query = f"{path}?{urllib.parse.urlencode(params)}"
        cached = self.store.query("SELECT answer, asked_at FROM geocode_cache WHERE provider = ? AND query = ?",
                                  (self.name, query))
        if cached:
            body, when = cached[0]["answer"], cached[0]["asked_at"]
        else:
            body, when = self._ask(path, params), None
        try:
            answer = json.loads(body)
        except json.JSONDecodeError:
            raise ProviderError(_("{provider} answered something that is not JSON: {body}", provider=self.label,
                                  body=repr(body[:80]))) from None
        refused = self.refusal(answer) if isinstance(answer, dict) else "not a JSON object"
        if refused:
            raise ProviderError(_("{provider} refused: {why}", provider=self.label, why=refused))
        if not cached:
            with self.store.transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO geocode_cache (provider, query, answer) VALUES (?, ?, ?)",
                             (self.name, query, body))
        m = self.interpret(answer)
        if when:
            m.detail += f" (cached answer of {when[:10]})"
        return m

    def _wait_turn(self) -> None:
        gap = 1.0 / self.qps - (time.monotonic() - self._last)
        if gap > 0:
            time.sleep(gap)
        self._last = time.monotonic()

    def _ask(self, path: str, params: dict) -> str:
        if not self.key:
            raise ProviderError(_("{provider} needs a key: set {env}", provider=self.label, env=self.key_env))
        url = f"{self.base_url}{path}?{urllib.parse.urlencode({**params, self.key_param(): self.key})}"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            self._wait_turn()
            self.asked += 1
            try:
                with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:  # noqa: S310 (http(s) only)
                    return resp.read(2_000_000).decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                body = exc.read(2_000_000).decode("utf-8", "replace")
                if exc.code >= 500:
                    last = f"HTTP {exc.code}"
                    continue
                try:  # a 4xx with the provider's own error body says more than the status
                    refused = self.refusal(json.loads(body))
                except (json.JSONDecodeError, AttributeError):
                    refused = None
                raise ProviderError(_("{provider} refused: {why}", provider=self.label,
                                      why=refused or f"HTTP {exc.code} {exc.reason}")) from None
            except (socket.timeout, TimeoutError) as exc:
                last = f"timeout ({exc})"
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                    last = f"timeout ({exc.reason})"
                    continue
                raise ProviderError(_("{provider} unreachable at {url}: {why}", provider=self.label, url=self.base_url,
                                      why=exc.reason)) from None
        raise ProviderError(_("{provider} failed {n} times at {url}: {why}", provider=self.label, n=self.retries + 1,
                              url=self.base_url, why=last))

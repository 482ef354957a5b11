"""Text messages: the provider interface sending uses, and one real provider speaking JSON over HTTP.

Any SMS gateway fits behind `SmsProvider`; `JsonHttpSmsProvider` posts
`{"to": "+15550102000", "from": SMS_FROM, "body": "..."}` to CARELOOP_SMS_PROVIDER_URL with the
header `Authorization: Bearer <CARELOOP_SMS_API_KEY>` and reads the message id from the answer's
`{"id": "..."}` (docs/surveys.md, "Text messages"). Only the standard library: no SDK to keep updated.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings

TIMEOUT_SECONDS = 10.0
RETRY_PAUSE_SECONDS = 1.0


class SmsProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send one text message; returns the provider's message id. Raises SmsError."""
        ...


class SmsError(Exception):
    """A message was not accepted. `retryable`: the provider or the network failed (try later);
    otherwise the provider refused this message (a bad number, a bad key): trying again will not help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class JsonHttpSmsProvider:
    def __init__(
        self, url: str, api_key: str, sender: str, *, timeout: float = TIMEOUT_SECONDS, retry_pause: float = RETRY_PAUSE_SECONDS
    ) -> None:
        self.url = url
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout
        self.retry_pause = retry_pause

    def send(self, to: str, body: str) -> str:
        """One retry on a server error or a network failure (gateways answer 502/503 while they
        fail over); a 4xx is this message's fault and is reported at once."""
        try:
            return self._post(to, body)
        except SmsError as error:
            if not error.retryable:
                raise
        time.sleep(self.retry_pause)
        return self._post(to, body)

    def _post(self, to: str, body: str) -> str:
        payload = json.dumps({"to": to, "from": self.sender, "body": body}).encode("utf-8")
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {self.api_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return self._message_id(answer.read())
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode("utf-8", "replace")
            if error.code >= 500:
                raise SmsError(f"the SMS provider failed (HTTP {error.code}): {detail}", retryable=True) from None
            raise SmsError(f"the SMS provider refused the message (HTTP {error.code}): {detail}", retryable=False) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(f"the SMS provider at {self.url} could not be reached: {reason}", retryable=True) from None

    def _message_id(self, raw: bytes) -> str:
        try:
            data = json.loads(raw)
        except ValueError:
            raise SmsError("the SMS provider answered without JSON; expected {\"id\": ...}", retryable=False) from None
        message_id = data.get("id") if isinstance(data, dict) else None
        if not message_id:
            raise SmsError("the SMS provider's answer has no message id; expected {\"id\": ...}", retryable=False)
        return str(message_id)


def configured_sms_provider() -> SmsProvider | None:
    """The provider the settings name, or None when text messages are not set up."""
    url = str(settings.SMS_PROVIDER_URL)
    if not url:
        return None
    return JsonHttpSmsProvider(url, str(settings.SMS_API_KEY), str(settings.SMS_FROM))

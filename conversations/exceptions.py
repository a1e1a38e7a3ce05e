"""Domain errors with a stable `code`; the edges translate them (HTTP status, websocket `error`)."""

from __future__ import annotations


class ChatError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(self, detail: str = "", *, client_id: str | None = None) -> None:
        super().__init__(detail or self.default_detail)
        self.detail = detail or self.default_detail
        self.client_id = client_id

    default_detail = "The request is not valid."

    def as_payload(self) -> dict:
        payload = {"code": self.code, "detail": self.detail}
        if self.client_id:
            payload["client_id"] = self.client_id
        return payload


class Invalid(ChatError):
    code = "invalid"


class TooLong(ChatError):
    code = "too_long"
    http_status = 413
    default_detail = "The message is too long."


class Locked(ChatError):
    code = "locked"
    http_status = 409
    default_detail = (
        "This chat has ended, so no more messages can be added here. "
        "You can start a new chat or edit an earlier message."
    )


class RateLimited(ChatError):
    code = "rate_limited"
    http_status = 429
    default_detail = "You are sending messages too quickly. Please wait a moment and try again."

    def __init__(self, detail: str = "", *, client_id: str | None = None, retry_after: int = 0) -> None:
        super().__init__(detail, client_id=client_id)
        self.retry_after = retry_after

    def as_payload(self) -> dict:
        return {**super().as_payload(), "retry_after": self.retry_after}


class NotFound(ChatError):
    code = "not_found"
    http_status = 404
    default_detail = "No such conversation or message."


class Unavailable(ChatError):
    code = "unavailable"
    http_status = 503
    default_detail = "The assistant is unavailable right now. Please try again in a moment."

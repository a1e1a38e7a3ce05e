"""A local stand-in for the Anthropic Messages API, for tests, benchmarks and offline development.

Speaks enough of `POST /v1/messages` for the real `anthropic` SDK: JSON replies, and SSE streams
(`"stream": true`) with the documented event flow (message_start, content_block_start,
content_block_delta with text_delta / input_json_delta, content_block_stop, message_delta with
stop_reason and usage, message_stop, ping, error). Standard library only.

In tests (see `tests/fakes/fixtures.py`)::

    fake.script(Reply(text=["Hel", "lo"]), Error(529), Hang(5))   # one step per request, in order
    fake.requests[-1].system / .messages / .tools / .headers       # what the client sent

When the script is empty the server answers by default: a classifier request (one that offers a
`record_verdict` tool) gets a keyword-based verdict shaped by the tool's own input schema; any
other request gets deterministic echo text.

As a script, for dev and benchmarks::

    python -m tests.fakes.anthropic_server --port 8765 [--chunk-delay 0.01]
    ANTHROPIC_BASE_URL=http://127.0.0.1:8765 ANTHROPIC_API_KEY=fake ...

Other processes can script it over HTTP: `POST /_fake/script` with `{"steps": [{"kind": "error",
"status": 500}, ...]}`, `GET /_fake/requests`, `POST /_fake/reset`.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


def _next_id(prefix: str) -> str:
    return f"{prefix}_fake{next(_ids):012d}"


# --- scripted steps: each request pops one -----------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    name: str
    input: Mapping[str, Any] | None = None
    raw_json: str | None = None  # sent verbatim instead of json.dumps(input): for malformed input
    id: str = ""


@dataclass(frozen=True)
class Reply:
    """A complete assistant message: text blocks streamed chunk by chunk, then tool calls."""

    text: Sequence[str] = ()
    tools: Sequence[ToolCall] = ()
    stop_reason: str | None = None  # default: "tool_use" when tools are present, else "end_turn"
    chunk_delay: float = 0.0  # seconds between streamed events
    delay: float = 0.0  # seconds before the response headers
    pings: int = 1  # ping events sent after message_start


@dataclass(frozen=True)
class Error:
    """An HTTP error response with the API's error body."""

    status: int = 500
    error_type: str = ""
    message: str = ""
    retry_after_ms: int | None = 1  # tiny by default so SDK retries do not slow tests
    should_retry: bool | None = None  # sets `x-should-retry`


@dataclass(frozen=True)
class Hang:
    """Say nothing for `seconds` (longer than the client's timeout), then give up. With
    `after_headers`, the 200 and message_start are sent first, so the read stalls mid-stream."""

    seconds: float = 30.0
    after_headers: bool = False


@dataclass(frozen=True)
class Disconnect:
    """Start streaming `reply`, then drop the connection after `after_events` SSE events, without
    the terminating chunk (a network failure, as the client sees it)."""

    reply: Reply = field(default_factory=lambda: Reply(text=["Partial ", "answer ", "that never ends"]))
    after_events: int = 4
    clean: bool = False  # end the body properly instead (a stream that just stops, no message_stop)


@dataclass(frozen=True)
class StreamError:
    """Start streaming, then send an SSE `error` event (e.g. overloaded_error) after `after_events`."""

    reply: Reply = field(default_factory=lambda: Reply(text=["Partial ", "answer"]))
    after_events: int = 4
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(frozen=True)
class Trickle:
    """A 200 stream that sends only pings every `interval` for `seconds`: alive but never done."""

    seconds: float = 30.0
    interval: float = 0.05


Step = Reply | Error | Hang | Disconnect | StreamError | Trickle
Handler = Callable[["RecordedRequest"], Step | None]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


def step_from_dict(data: Mapping[str, Any]) -> Step:
    """Build a step from JSON (for `POST /_fake/script` from another process)."""
    data = dict(data)
    kind = data.pop("kind")
    if kind == "reply":
        tools = [ToolCall(**tool) for tool in data.pop("tools", ())]
        return Reply(tools=tools, **data)
    if kind in ("disconnect", "stream_error"):
        reply = Reply(**data.pop("reply")) if "reply" in data else None
        cls = Disconnect if kind == "disconnect" else StreamError
        return cls(reply=reply, **data) if reply else cls(**data)
    classes: dict[str, type] = {"error": Error, "hang": Hang, "trickle": Trickle}
    return classes[kind](**data)


# --- what the server received ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-cased names
    body: Mapping[str, Any]

    @property
    def system(self) -> str:
        system = self.body.get("system") or ""
        if isinstance(system, list):
            return "\n".join(block.get("text", "") for block in system)
        return str(system)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools") or [])

    @property
    def tool_names(self) -> list[str]:
        return [tool.get("name", "") for tool in self.tools]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def message_text(self, index: int) -> str:
        """The text of one message, whether its content is a string or a list of blocks."""
        return _content_text(self.messages[index].get("content"))

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "headers": dict(self.headers), "body": self.body}


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content or () if isinstance(block, dict))


# --- default behaviour -------------------------------------------------------------------------

CLASSIFIER_TOOL = "record_verdict"

# A crude stand-in for a model's judgement: enough to look plausible in dev and benchmarks.
_KEYWORDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "cbrn": (4, ("nerve agent", "sarin", "anthrax", "bioweapon", "weaponize", "enrich uranium")),
    "sexual_minors": (4, ("sexual content involving a minor", "sexualise a child")),
    "violent_extremism": (3, ("bomb a", "mass shooting", "terror attack", "attack plan")),
    "cyber_attack": (3, ("ransomware", "keylogger", "ddos", "hack into", "steal passwords")),
    "abuse": (2, ("stupid bot", "worthless machine", "useless idiot")),
    "self_harm": (3, ("kill myself", "end my life", "hurt myself", "suicide")),
    "threat_to_others": (3, ("hurt him", "hurt her", "make them pay", "kill my")),
    "weapons": (2, ("ghost gun", "untraceable gun")),
    "nonviolent_crime": (2, ("launder money", "shoplift")),
}
_USER_MESSAGE = re.compile(r"<user_message>(.*?)</user_message>", re.S)


def _classifier_input(request: RecordedRequest) -> dict[str, Any]:
    """A verdict shaped by the offered tool's schema, from keywords in the <user_message> block."""
    tool = next(t for t in request.tools if t.get("name") == CLASSIFIER_TOOL)
    props = tool.get("input_schema", {}).get("properties", {})
    category_names = list(props.get("categories", {}).get("properties", {}) or _KEYWORDS)
    last = request.message_text(-1) if request.messages else ""
    found = _USER_MESSAGE.findall(last)
    text = html.unescape(found[-1] if found else last).lower()
    categories = {name: 0 for name in category_names}
    hits = []
    for name, (severity, words) in _KEYWORDS.items():
        if name in categories and any(word in text for word in words):
            categories[name] = severity
            hits.append(name)
    result: dict[str, Any] = {"categories": categories}
    if "rationale" in props:
        result["rationale"] = f"keywords: {', '.join(hits)}" if hits else "nothing harmful found"
    if "signals" in props:
        result["signals"] = [f"keyword:{name}" for name in hits]
    return result


def default_step(request: RecordedRequest, *, chunk_delay: float = 0.0) -> Step:
    if CLASSIFIER_TOOL in request.tool_names:
        return Reply(tools=[ToolCall(CLASSIFIER_TOOL, _classifier_input(request))], chunk_delay=chunk_delay)
    last = request.message_text(-1) if request.messages else ""
    words = (f"You said: {last[:200]}").split(" ")
    return Reply(text=[w + " " for w in words[:-1]] + words[-1:], chunk_delay=chunk_delay)


# --- the server --------------------------------------------------------------------------------


class FakeAnthropic:
    """The server and its script. `start()` runs it in a daemon thread; `stop()` ends it and
    releases any request still hanging."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, chunk_delay: float = 0.0) -> None:
        self.requests: list[RecordedRequest] = []
        self.handler: Handler | None = None  # consulted when the script is empty
        self.chunk_delay = chunk_delay
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _make_handler(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAnthropic:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:  # shutdown() would wait forever for a loop that never started
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def script(self, *steps: Step) -> None:
        """Queue responses: each incoming request takes the next one, then defaults resume."""
        with self._lock:
            self._steps.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self._steps.clear()
            self.requests.clear()
            self.handler = None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._steps)

    def messages_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/v1/messages")]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            self.requests.append(request)
            if self._steps:
                return self._steps.popleft()
        if self.handler is not None:
            step = self.handler(request)
            if step is not None:
                return step
        return default_step(request, chunk_delay=self.chunk_delay)

    def wait(self, seconds: float) -> bool:
        """Sleep, but wake up when the server stops. True if stopping."""
        return self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, closed streams) are part of the script, not failures.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _make_handler(fake: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(_MessagesHandler):
        server_fake = fake

    return Handler


class _MessagesHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real API
    server_fake: FakeAnthropic

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        pass

    # -- routing

    def do_GET(self) -> None:
        if self.path == "/_fake/requests":
            self._send_json(200, [r.as_dict() for r in self.server_fake.requests])
        else:
            self._send_error_body(404, "not_found_error", f"no route for GET {self.path}")

    def do_POST(self) -> None:
        try:
            body = self._read_json()
        except ValueError:
            self._send_error_body(400, "invalid_request_error", "body is not valid JSON")
            return
        if self.path == "/_fake/script":
            self.server_fake.script(*(step_from_dict(s) for s in body.get("steps", ())))
            self._send_json(200, {"pending": self.server_fake.pending})
        elif self.path == "/_fake/reset":
            self.server_fake.reset()
            self._send_json(200, {"ok": True})
        elif self.path.split("?")[0] == "/v1/messages":
            self._messages(body)
        else:
            self._send_error_body(404, "not_found_error", f"no route for POST {self.path}")

    def _messages(self, body: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest("POST", self.path, headers, body)
        missing = [key for key in ("model", "max_tokens", "messages") if key not in body]
        if "authorization" not in headers and "x-api-key" not in headers:
            self.server_fake._record(request)
            self._send_error_body(401, "authentication_error", "missing credentials")
            return
        if missing:
            self.server_fake._record(request)
            self._send_error_body(400, "invalid_request_error", f"missing: {', '.join(missing)}")
            return
        step = self.server_fake._next_step(request)
        try:
            self._play(step, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first (its timeout): fine

    # -- steps

    def _play(self, step: Step, body: dict[str, Any]) -> None:
        fake = self.server_fake
        if isinstance(step, Error):
            extra = {}
            if step.retry_after_ms is not None:
                extra["retry-after-ms"] = str(step.retry_after_ms)
            if step.should_retry is not None:
                extra["x-should-retry"] = "true" if step.should_retry else "false"
            error_type = step.error_type or _ERROR_TYPES.get(step.status, "api_error")
            self._send_error_body(step.status, error_type, step.message or error_type, extra)
        elif isinstance(step, Hang):
            if step.after_headers:
                self._start_stream()
                self._event("message_start", _message_start(body))
            fake.wait(step.seconds)
            self.close_connection = True
        elif isinstance(step, Trickle):
            self._start_stream()
            self._event("message_start", _message_start(body))
            waited = 0.0
            while waited < step.seconds and not fake.wait(step.interval):
                self._event("ping", {"type": "ping"})
                waited += step.interval
            self.close_connection = True
        elif isinstance(step, Reply):
            if step.delay and fake.wait(step.delay):
                return
            if body.get("stream"):
                self._stream(step, body)
            else:
                self._send_json(200, _full_message(step, body))
        elif isinstance(step, Disconnect | StreamError):
            self._stream(step.reply, body, cut_after=step.after_events, cut=step)

    def _stream(self, reply: Reply, body: dict[str, Any], *, cut_after: int = -1, cut: Step | None = None) -> None:
        self._start_stream()
        for sent, (name, data) in enumerate(_stream_events(reply, body)):
            if sent == cut_after:
                if isinstance(cut, StreamError):
                    self._event("error", {"type": "error", "error": {"type": cut.error_type, "message": cut.message}})
                    self._end_chunks()
                elif isinstance(cut, Disconnect) and cut.clean:
                    self._end_chunks()
                # Otherwise no terminating chunk: the client sees an incomplete body.
                self.close_connection = True
                return
            self._event(name, data)
            if reply.chunk_delay and name == "content_block_delta" and self.server_fake.wait(reply.chunk_delay):
                return
        self._end_chunks()

    # -- wire helpers

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        data = json.loads(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def _send_json(self, status: int, payload: Any, extra_headers: Mapping[str, str] | None = None) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.send_header("request-id", _next_id("req"))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _send_error_body(
        self, status: int, error_type: str, message: str, extra_headers: Mapping[str, str] | None = None
    ) -> None:
        payload = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": _next_id("req")}
        self._send_json(status, payload, extra_headers)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", _next_id("req"))
        self.end_headers()
        self.wfile.flush()

    def _event(self, name: str, data: Mapping[str, Any]) -> None:
        raw = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def _usage(body: Mapping[str, Any], output_tokens: int) -> dict[str, int]:
    input_tokens = sum(len(_content_text(m.get("content")).split()) for m in body.get("messages", ()))
    input_tokens += len(str(body.get("system", "")).split())
    return {"input_tokens": input_tokens, "output_tokens": output_tokens}


def _stop_reason(reply: Reply) -> str:
    return reply.stop_reason or ("tool_use" if reply.tools else "end_turn")


def _tool_json(tool: ToolCall) -> str:
    return tool.raw_json if tool.raw_json is not None else json.dumps(dict(tool.input or {}))


def _message_start(body: Mapping[str, Any]) -> dict[str, Any]:
    message = {
        "id": _next_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake-model"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": _usage(body, 1),
    }
    return {"type": "message_start", "message": message}


def _full_message(reply: Reply, body: Mapping[str, Any]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text:
        content.append({"type": "text", "text": "".join(reply.text)})
    for tool in reply.tools:
        try:
            tool_input = json.loads(_tool_json(tool))
        except ValueError:
            tool_input = _tool_json(tool)  # malformed on purpose: the client must cope
        content.append({"type": "tool_use", "id": tool.id or _next_id("toolu"), "name": tool.name, "input": tool_input})
    message = _message_start(body)["message"]
    message.update(content=content, stop_reason=_stop_reason(reply), usage=_usage(body, len(reply.text) + 1))
    return message


def _stream_events(reply: Reply, body: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = [("message_start", _message_start(body))]
    events += [("ping", {"type": "ping"})] * reply.pings
    index = 0
    if reply.text:
        events.append(("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": ""}}))  # fmt: skip
        for chunk in reply.text:
            delta = {"type": "text_delta", "text": chunk}
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    for tool in reply.tools:
        block = {"type": "tool_use", "id": tool.id or _next_id("toolu"), "name": tool.name, "input": {}}
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": block}))
        raw = _tool_json(tool)
        # Partial JSON in pieces, as the API sends it: the client must join them before parsing.
        for start in range(0, len(raw), 12):
            delta = {"type": "input_json_delta", "partial_json": raw[start : start + 12]}
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    message_delta = {
        "type": "message_delta",
        "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
        "usage": {"output_tokens": max(1, len(reply.text) + len(reply.tools))},
    }
    events.append(("message_delta", message_delta))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Anthropic Messages API on localhost.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed text chunks")
    args = parser.parse_args(argv)
    fake = FakeAnthropic(args.host, args.port, chunk_delay=args.chunk_delay)
    print(f"fake Anthropic API on {fake.base_url} (ANTHROPIC_BASE_URL={fake.base_url})", flush=True)
    try:
        fake._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._stopping.set()
        fake._httpd.server_close()


if __name__ == "__main__":
    main()

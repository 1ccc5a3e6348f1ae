"""Reading uploaded documents in child processes with a time and a memory limit.

A document is parsed by a worker process (``python -m services.issuer.adapters.parse_workers``),
never on the service's event loop: a file that takes too long is stopped by killing its
worker, one that needs too much memory fails inside its worker (RLIMIT_AS), and the
service keeps answering meanwhile. ``ParserPool`` keeps a few workers started ahead of
need and replaces one as soon as it is killed or dies.

The parent and a worker talk over the worker's stdin and stdout in frames: an 8-byte
big-endian length, then the bytes. The worker sends ``ready`` once started; each request
is a JSON header (``{"filename": ..., "calendar": ...}``: the working-day calendar in
force, which deadlines in working days are counted on) and the file's bytes; each answer one JSON
object. Answers are JSON, not pickles, and are validated again in the parent: a worker
is handling hostile input, so what it says is data, not code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import struct
import sys
from datetime import date
from typing import Any, BinaryIO

from services.issuer.documents.errors import DocumentError
from shared import workdays
from shared.contracts import ParsedDocument

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">Q")
_READY = b"ready"
_MAX_REQUEST = 64 * 1024 * 1024  # the file and its name; uploads stop at 20 MB
_MAX_ANSWER = 64 * 1024 * 1024  # a parsed document as JSON; a real one is a few KB
_START_TIMEOUT = 120.0  # seconds for a worker to import what it needs, on a busy host


class ParseRefused(DocumentError):
    """The document was not read: it took too long (``reason`` "timeout"), needed too
    much memory ("memory"), or its worker died ("failed"). The message is for the clerk
    who sent it, in Vietnamese."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def timed_out(filename: str, seconds: float) -> str:
    return (
        f"Văn bản '{filename}' quá lớn hoặc quá phức tạp để đọc trong {seconds:g} giây; "
        "chidao đã dừng đọc và không có gì thay đổi. Đề nghị kiểm tra lại tệp (mở bằng Word "
        "và lưu lại, hoặc gửi bản .docx thay cho bản PDF) rồi gửi lại."
    )


def out_of_memory(filename: str, megabytes: int) -> str:
    return (
        f"Văn bản '{filename}' cần hơn {megabytes} MB bộ nhớ để đọc; chidao đã dừng đọc và "
        "không có gì thay đổi. Đề nghị kiểm tra lại tệp (mở bằng Word và lưu lại) rồi gửi lại."
    )


def failed(filename: str) -> str:
    return (
        f"chidao không đọc được văn bản '{filename}': quá trình đọc dừng bất thường và không "
        "có gì thay đổi. Đề nghị gửi lại; nếu vẫn lỗi, báo cho quản trị hệ thống."
    )


# -- the parent's side -------------------------------------------------------------------


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, memory_mb: int) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            "--memory-mb",
            str(memory_mb),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # stderr is the service's: a worker's traceback lands in the service's log
            # It reads hostile files: it gets none of the service's settings and secrets.
            env={k: v for k, v in os.environ.items() if not k.startswith(("CHIDAO_", "NATS_"))},
        )
        worker = cls(process)
        try:
            hello = await asyncio.wait_for(worker._receive(len(_READY)), _START_TIMEOUT)
            if hello != _READY:
                raise RuntimeError(f"the parse worker said {hello[:40]!r} instead of ready")
        except BaseException:
            await worker.kill()
            raise
        return worker

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def ask(self, filename: str, data: bytes) -> dict[str, Any]:
        stdin = self.process.stdin
        assert stdin is not None
        calendar = workdays.in_force().as_json()  # the operator's, as the service loaded it
        header = json.dumps({"filename": filename, "calendar": calendar}).encode()
        stdin.write(_LENGTH.pack(len(header)) + header + _LENGTH.pack(len(data)))
        stdin.write(data)
        await stdin.drain()
        answer = json.loads(await self._receive(_MAX_ANSWER))
        if not isinstance(answer, dict):
            raise ValueError("the parse worker's answer is not a JSON object")
        return answer

    async def _receive(self, limit: int) -> bytes:
        stdout = self.process.stdout
        assert stdout is not None
        (length,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
        if length > limit:
            raise ValueError(f"the parse worker sent {length} bytes, more than {limit}")
        return await stdout.readexactly(length)

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()


class ParserPool:
    """``workers`` processes that parse uploads, each given ``timeout`` seconds and
    ``memory_mb`` MB of address space per document. ``parse`` waits for a free one."""

    def __init__(self, workers: int, timeout: float, memory_mb: int) -> None:
        self.size, self.timeout, self.memory_mb = workers, timeout, memory_mb
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        self._starting: set[asyncio.Task[None]] = set()
        self._busy: set[_Worker] = set()
        self._started = self._closed = False

    def start(self) -> None:
        """Start the workers in the background; ``parse`` works before they are up (and
        starts them itself if this was not called)."""
        if not self._started:
            self._started = True
            for _ in range(self.size):
                self._replace()

    async def parse(self, data: bytes, filename: str) -> ParsedDocument:
        """The parsed document; a DocumentError (ParseRefused for the limits) otherwise."""
        document, _ = await self.read(data, filename)
        return document

    async def read(self, data: bytes, filename: str) -> tuple[ParsedDocument, str]:
        """The parsed document and the text it was read from (its lines; the console
        shows it beside the reading); errors as ``parse``."""
        self.start()
        worker = await self._idle.get()
        try:
            if worker is None or not worker.alive:
                worker = await _Worker.start(self.memory_mb)
            self._busy.add(worker)
            answer = await asyncio.wait_for(worker.ask(filename, data), self.timeout)
        except TimeoutError:
            log.warning(
                "parse stopped at its time limit",
                extra={"document": filename, "seconds": self.timeout},
            )
            await self._discard(worker)
            raise ParseRefused("timeout", timed_out(filename, self.timeout)) from None
        except Exception as exc:  # it died (out of memory?) or could not start
            log.warning("parse worker failed", extra={"document": filename, "error": repr(exc)})
            await self._discard(worker)
            raise ParseRefused("failed", failed(filename)) from None
        except BaseException:  # the request was cancelled mid-way: the worker is mid-way too
            await self._discard(worker)
            raise
        self._busy.discard(worker)
        if answer.get("recycle"):  # after a MemoryError its state is not to be trusted
            await self._discard(worker)
        else:
            self._idle.put_nowait(worker)
        return self._result(answer, filename)

    def _result(self, answer: dict[str, Any], filename: str) -> tuple[ParsedDocument, str]:
        status = answer.get("status")
        if status == "ok":
            try:
                text = answer.get("text", "")
                if not isinstance(text, str):
                    raise ValueError("the text is not a string")
                return ParsedDocument.model_validate(answer.get("document")), text
            except ValueError as exc:  # pydantic's ValidationError
                log.error("parse worker answered nonsense", extra={"error": repr(exc)})
                raise ParseRefused("failed", failed(filename)) from None
        if status == "refused":
            raise DocumentError(str(answer.get("message")))
        if status == "memory":
            log.warning("parse stopped at its memory limit", extra={"document": filename})
            raise ParseRefused("memory", out_of_memory(filename, self.memory_mb))
        log.error("parse failed", extra={"document": filename, "error": answer.get("error")})
        raise ParseRefused("failed", failed(filename))

    async def _discard(self, worker: _Worker | None) -> None:
        if worker is not None:
            self._busy.discard(worker)
            await worker.kill()
        self._replace()

    def _replace(self) -> None:
        """Give the pool back its slot with a fresh worker, started in the background."""
        if self._closed:
            return
        task = asyncio.create_task(self._start_one(), name="parse-worker-start")
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _start_one(self) -> None:
        try:
            worker: _Worker | None = await _Worker.start(self.memory_mb)
        except Exception as exc:  # the next parse tries again
            log.warning("could not start a parse worker", extra={"error": repr(exc)})
            worker = None
        if self._closed and worker is not None:
            await worker.kill()
            return
        self._idle.put_nowait(worker)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        await asyncio.gather(*self._starting, return_exceptions=True)
        workers: list[_Worker | None] = list(self._busy)
        while not self._idle.empty():
            workers.append(self._idle.get_nowait())
        await asyncio.gather(*(w.kill() for w in workers if w is not None))


# -- the worker's side -------------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    import resource

    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Should the host run short anyway, the kernel kills a worker before the service.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("1000")


def _read_frame(source: BinaryIO, limit: int) -> bytes | None:
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None  # the parent closed the pipe: it stopped, so does the worker
    (length,) = _LENGTH.unpack(head)
    if length > limit:
        raise ValueError(f"a request of {length} bytes")
    body = source.read(length)
    if len(body) < length:
        return None
    return body


def _write_frame(sink: BinaryIO, body: bytes) -> None:
    sink.write(_LENGTH.pack(len(body)) + body)
    sink.flush()


def _answer(data: bytes, filename: str) -> dict[str, Any]:
    from services.issuer.documents.parse import parse_lines, within_limits
    from services.issuer.documents.reading import read_bytes

    answer: dict[str, Any] | None = None
    try:
        lines = read_bytes(data, filename)
        document = within_limits(parse_lines(lines), filename)
        answer = {
            "status": "ok",
            "document": document.model_dump(mode="json"),
            "text": "\n".join(lines),
        }
    except DocumentError as exc:
        answer = {"status": "refused", "message": str(exc)}
    except MemoryError:
        pass  # answered below, once what the parse held is freed
    except Exception as exc:
        answer = {"status": "error", "error": repr(exc), "recycle": True}
    return answer or {"status": "memory", "recycle": True}


def serve(memory_mb: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # Everything the parse needs is imported before the limit, so the limit is what the
    # parse of one document may add.
    import services.issuer.documents.parse
    import services.issuer.documents.reading  # noqa: F401

    with contextlib.suppress(ImportError):
        import pypdf  # noqa: F401
    workdays.in_force().is_working(date.today())  # the holidays data, loaded before the limit

    # The protocol owns the real stdout; anything a library prints goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    _limit_memory(memory_mb)
    _write_frame(answers, _READY)
    while True:
        header = _read_frame(requests, 64 * 1024)
        data = _read_frame(requests, _MAX_REQUEST) if header is not None else None
        if header is None or data is None:
            return
        asked = json.loads(header)
        filename = str(asked.get("filename") or "document.txt")
        try:
            workdays.use(workdays.WorkCalendar.from_json(asked.get("calendar") or {}))
        except (TypeError, ValueError, AttributeError):
            workdays.use(workdays.WorkCalendar())  # a header it cannot read: the statutory one
        answer = _answer(data, filename)
        del data
        _write_frame(answers, json.dumps(answer, ensure_ascii=False).encode())
        if answer.get("recycle"):
            return


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="chidao's document parse worker")
    parser.add_argument("--memory-mb", type=int, required=True)
    serve(parser.parse_args(argv).memory_mb)


if __name__ == "__main__":
    main(sys.argv[1:])

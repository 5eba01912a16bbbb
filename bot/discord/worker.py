"""The calculations, off the event loop: a :class:`Request` goes to a worker process, an :class:`Answer`
comes back, bounded by a hard timeout.

    pool = WorkerPool("bot.discord.worker:answer", workers=2, timeout=10.0)
    await pool.start()                       # the processes are up and have imported calc
    answer = await pool.run(Request(...))    # WorkTimeout / WorkFailed / WorkerBusy on trouble
    await pool.close()

Why processes and not threads.  A pasted model goes through parsers and a bounded interpreter that
are careful, but one pathological paste can still take seconds of pure-Python CPU.  In a thread it
would hold the GIL against the gateway's heartbeats and every other user's answer, and a thread cannot
be stopped: a timeout would only stop *waiting* for it.  A worker process runs beside the event loop,
and when it overruns its time it is killed and replaced, so the bot keeps answering everyone else.
The price is pickling a request and an answer (plain dataclasses, kilobytes) and one process per
worker, started once (``forkserver``: calc is imported once in the server and each worker is forked
from it, so a replacement is ready in milliseconds).

As in every program that starts processes this way, the main module must be safe to import (its work
under ``if __name__ == "__main__":``): the ``layerbot`` script, ``python -m bot.cli`` and pytest are.

What a worker runs is configuration, not code: ``LAYERBOT_WORK`` names ``module:function`` (default
:func:`answer`), so a test can run a deliberately slow calculation through the very same pool.

The work function :func:`answer` does everything CPU-bound for one question: the router or the explain
pipeline (calc), the Discord reply (:mod:`bot.discord.replies`: text, embeds, the chart PNG) and the
JSON document the store keeps.  The event loop only downloads, sends and records.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import importlib
import itertools
import logging
import multiprocessing
import os
import re
import signal
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bot.discord.replies import FileSpec, Reply, reply_for_error, reply_for_result
from bot.render.stored import CACHED_COMMANDS, cached_result, stored_document
from bot.store.models import Outcome
from bot.store.records import Headline, layer_kinds
from calc.commands import CommandResult, find, invoke, run
from calc.errors import LayerbotError
from calc.i18n import Message, register
from calc.version import VERSION

__all__ = [
    "CALC_VERSION",
    "Answer",
    "FileSpec",
    "PoolClosed",
    "Reply",
    "Request",
    "WorkFailed",
    "WorkTimeout",
    "WorkerBusy",
    "WorkerPool",
    "answer",
    "load_work",
    "warm_up",
]

log = logging.getLogger("bot.discord.worker")


CALC_VERSION = VERSION
"""Stored with every answer: a cached answer is only reused by the same version of the calculations
(:data:`calc.version.VERSION`: the package version and a digest of calc's source).  Each process
computes it when it imports calc; an :class:`Answer` carries its worker's, and a worker refuses a stored
document of another version, so calc's files changing under a running bot costs cache hits, never a
wrong answer."""

register(
    {
        "discord.bot.error.too_slow": {
            "en": "This took too long (more than {seconds} s), so I stopped working on it. If it is a very large"
            " paste, try a smaller part of it, or the layers you are asking about.",
            "zh": "计算超时（超过 {seconds} 秒），我已停止处理。如果粘贴的内容很大，请只发送其中一部分，或只发送你想问的层。",
        },
        "discord.bot.error.busy": {
            "en": "I am busy with other questions right now; please ask again in a few seconds.",
            "zh": "我正在处理其他问题，请过几秒再问一次。",
        },
        "discord.bot.error.internal": {
            "en": "Sorry, something went wrong on my side while answering this. It has been logged; please try"
            " again or rephrase the question.",
            "zh": "抱歉，回答时我这边出了问题。错误已记录；请重试或换一种方式提问。",
        },
    }
)


# --------------------------------------------------------------------------------------------
# What crosses the process boundary: plain, picklable data.


@dataclass(frozen=True, slots=True)
class Request:
    """One question.  Either a command with typed options (a slash command, a modal, the context menu)
    or ``line``: what someone typed or pasted (a mention, a DM, a terminal line) — a ``/command ...``
    line goes to the router, anything else is a pasted model for ``/explain``."""

    command: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    line: str | None = None
    locale: str = "en"
    cached: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The stored document of an identical question answered by this version of the calculations (the
    answer cache, looked up by the bot): the worker rebuilds the answer from it instead of calculating."""

    @property
    def priority(self) -> int:
        """0 for a layer command (milliseconds of work), 1 for a pasted model (parsing, a chart): when
        the workers are busy, quick questions do not queue behind long pastes."""
        return 1 if self.line is not None or self.command in ("explain", "whatif") else 0

    @property
    def routed_command(self) -> str:
        """The command that will answer: the slash command, the ``/command`` a line starts with, or
        ``explain`` for a paste."""
        if self.command is not None:
            spec = find(self.command)
        elif _is_command_line(self.line or ""):
            spec = find((self.line or "").split(maxsplit=1)[0])
        else:
            return "explain"
        return spec.name if spec is not None else (self.command or "")

    @property
    def cacheable(self) -> bool:
        """Whether the answer to an identical earlier question may be reused: a pasted model
        (:data:`bot.render.stored.CACHED_COMMANDS`); a layer command takes less time than a look-up."""
        return self.routed_command in CACHED_COMMANDS

    @property
    def input_text(self) -> str:
        """The question as text, for the store: ``/dense in_features=86400 units=4`` or the paste."""
        if self.command is None:
            return self.line or ""
        text = ""
        parts = [f"/{self.command}"]
        for name, value in self.options.items():
            if isinstance(value, str) and ("\n" in value or len(value) > 200):
                text += "\n" + value  # a paste goes below the command line, as in the terminal
            else:
                parts.append(f"{name}={value}")
        return " ".join(parts) + text

    @classmethod
    def from_input_text(cls, text: str, locale: str = "en") -> Request:
        """The question a stored :attr:`input_text` asks, to ask it again: the inverse of :attr:`input_text`.

        ``/explain text=32x32x3 conv8k3 flatten dense4 framework=torch`` is that command with those
        options (a value may hold spaces: the line is cut before each ``name=`` the command knows), and a
        paste below the line is the command's text option.  Anything else (a typed ``/dense 86400 4``,
        a pasted model) is a line, read as the router reads a message.
        """
        head, newline, below = text.partition("\n")
        m = _INPUT_HEAD.fullmatch(head)
        spec = find(m.group(1)) if m else None
        if m is None or spec is None or spec.name != m.group(1):
            return cls(None, line=text, locale=locale)
        names = "|".join(re.escape(arg.name) for arg in spec.args) or "(?!)"
        parts = re.split(rf"(?:^| )({names})=", m.group(2) or "")
        pairs = list(zip(parts[1::2], parts[2::2], strict=True))
        options = dict(pairs)
        if parts[0] or len(options) != len(pairs) or not all(options.values()):
            return cls(None, line=text, locale=locale)  # positional words, a repeated or an empty option
        if newline:
            text_arg = spec.text_arg
            if text_arg is None or text_arg.name in options:
                return cls(None, line=text, locale=locale)
            options[text_arg.name] = below
        return cls(spec.name, options, locale=locale)


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to send and what the store keeps about it."""

    reply: Reply
    outcome: Outcome
    command: str
    input_text: str
    input_format: str | None = None
    headline: Headline = field(default_factory=Headline)
    layer_kinds: Mapping[str, int] = field(default_factory=dict)
    document: Mapping[str, Any] | None = None
    duration_ms: int = 0
    error_code: str | None = None
    error_text: str | None = None
    from_cache: bool = False  # rebuilt from the stored answer to an identical question
    calc_version: str = CALC_VERSION  # of the process that answered (a worker imports calc itself)


_INPUT_HEAD = re.compile(r"/([a-z][a-z0-9_]*)(?: (.+))?")
"""The command line of an :attr:`Request.input_text`: ``/name`` and its ``name=value`` options."""


def _is_command_line(line: str) -> bool:
    first = line.lstrip().split(maxsplit=1)[0] if line.strip() else ""
    return first.startswith("/") and find(first) is not None


def _answered(
    request: Request, result: CommandResult, reply: Reply, document: Mapping[str, Any], started: float,
    *, from_cache: bool = False,
) -> Answer:
    answered = result.report if result.report is not None else result
    return Answer(
        reply=reply,
        outcome=Outcome.ANSWERED,
        command=result.command,
        input_text=request.input_text,
        input_format=None if result.report is None else result.report.format.value,
        headline=Headline.of(answered),
        layer_kinds=layer_kinds(answered),
        document=document,
        duration_ms=round((time.perf_counter() - started) * 1000),
        from_cache=from_cache,
    )


def _reuse(request: Request, cached: Mapping[str, Any], started: float) -> Answer | None:
    """The answer rebuilt from the stored document of an identical question: no parsing, no derivation,
    the reply rendered afresh in the asker's language.  None when the document cannot be used."""
    result = cached_result(cached)
    if result is None:
        return None
    try:
        reply = reply_for_result(result, request.locale)
    except Exception:  # a stored answer that cannot be shown is a cache miss, not an error
        log.warning("a stored answer to a /%s could not be shown; answering afresh", result.command, exc_info=True)
        return None
    return _answered(request, result, reply, cached, started, from_cache=True)


def answer(request: Request) -> Answer:
    """The default work function: calc, then the reply and the stored document (runs in a worker).
    With ``request.cached`` (the answer cache), the stored result instead of calc."""
    started = time.perf_counter()
    if request.cached is not None:
        reused = _reuse(request, request.cached, started)
        if reused is not None:
            return reused
    text = request.input_text
    command = request.command or "explain"
    try:
        if request.command is not None:
            result = invoke(request.command, request.options)
        elif _is_command_line(request.line or ""):
            result = run((request.line or "").strip())
        else:
            result = invoke("explain", {"text": request.line or ""})
        command = result.command
        reply = reply_for_result(result, request.locale)
        return _answered(request, result, reply, stored_document(result), started)
    except LayerbotError as exc:
        if request.command is None and _is_command_line(request.line or ""):
            command = (request.line or "").split(maxsplit=1)[0].removeprefix("/")
            spec = find(command)
            command = spec.name if spec is not None else command
        return Answer(
            reply=reply_for_error(exc, request.locale),
            outcome=Outcome.USER_ERROR,
            command=command,
            input_text=text,
            duration_ms=round((time.perf_counter() - started) * 1000),
            error_code=exc.message.key,
            error_text=" ".join(exc.message.render("en").split()),
        )


PRELOAD = ("matplotlib.figure", "matplotlib.backends.backend_agg")
"""Heavy modules the fork server imports once for every worker (the /explain chart draws with them)."""


def warm_up() -> None:
    """Run once in each new worker before it takes questions, so that the first answers are as fast as
    later ones: a layer command, /help, a small pasted model (its reply draws a chart), and the same
    model again from its stored document (the answer cache's reading)."""
    answer(Request("dense", {"in_features": 86400, "units": 4}))
    answer(Request("help", {}))
    model = answer(Request(None, line="/explain 32x32x3 conv8k3 conv8k3 flatten dense16 dense4"))
    answer(Request(None, line=model.input_text, cached=model.document))


def load_work(path: str) -> Callable[[Any], Any]:
    """``module:function`` → the function (what ``LAYERBOT_WORK`` names)."""
    module_name, _, name = path.partition(":")
    module = importlib.import_module(module_name)
    work = getattr(module, name, None)
    if not callable(work):
        raise LookupError(f"{path}: {module_name} has no function {name}")
    return work  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# The pool.


class WorkTimeout(Exception):
    """The calculation overran the hard timeout; its worker was killed and is being replaced."""


class WorkFailed(Exception):
    """The work function raised (a bug) or its worker died; ``detail`` holds the worker's traceback."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail.strip().splitlines()[-1] if detail.strip() else "worker failed")
        self.detail = detail


class WorkerBusy(Exception):
    """Every worker stayed busy for a whole timeout: the question was not started."""


class PoolClosed(Exception):
    pass


def _serve(conn: Connection, work_path: str) -> None:
    """A worker process: import the work function, say ready, then answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which closes the pool
    try:
        work = load_work(work_path)
        module = importlib.import_module(work_path.partition(":")[0])
        warm = getattr(module, "warm_up", None)
        if callable(warm):
            warm()
    except BaseException:  # noqa: BLE001 - reported to the parent, which refuses to start
        conn.send(("failed", traceback.format_exc()))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", work(message))
        except BaseException:  # noqa: BLE001 - a bug in one answer must not end the worker
            reply = ("error", traceback.format_exc())
        try:
            conn.send(reply)
        except Exception:  # noqa: BLE001 - e.g. an answer that cannot be pickled: say so instead
            conn.send(("error", traceback.format_exc()))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    jobs: int = 0


class WorkerPool:
    """``workers`` processes running ``work`` (``module:function``), one request at a time each.

    :meth:`run` waits for a free worker (at most ``timeout`` seconds: :class:`WorkerBusy`), then for the
    answer (at most ``timeout`` seconds: :class:`WorkTimeout`, and that worker is killed and replaced).
    A work function that raises gives :class:`WorkFailed` with its traceback; the worker carries on.
    """

    def __init__(
        self,
        work: str,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        start_method: str = "forkserver",
        start_timeout: float = 120.0,
    ) -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.work = work
        self.size = workers
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._ctx: Any = multiprocessing.get_context(start_method)  # typeshed's BaseContext lacks Process
        if start_method == "forkserver":
            # Modules imported once in the fork server, so every worker (and every replacement) starts with them.
            self._ctx.set_forkserver_preload([*PRELOAD, __name__, work.partition(":")[0]])
        # One thread per busy worker waits on its pipe (plus room to start replacements).
        self._threads = ThreadPoolExecutor(max_workers=2 * workers + 1, thread_name_prefix="layerbot-worker-io")
        self._idle: list[_Worker] = []
        self._waiting: list[tuple[int, int, asyncio.Future[_Worker]]] = []  # a heap: (priority, arrival, waiter)
        self._arrivals = itertools.count()
        self._all: set[_Worker] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._started = False
        self._closed = False
        self.restarts = 0
        self.completed = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> WorkerPool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def busy(self) -> int:
        return len(self._all) - len(self._idle)

    @property
    def queued(self) -> int:
        """Questions waiting for a free worker."""
        return sum(1 for _, _, waiter in self._waiting if not waiter.done())

    @property
    def running(self) -> bool:
        """Started, not closed, and at least one worker process up."""
        return self._started and not self._closed and bool(self._all)

    async def start(self) -> None:
        """Start every worker and wait until each has imported the work function (raises if one cannot)."""
        if self._started:
            return
        self._started = True
        try:
            workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        except BaseException:
            await self.close()
            raise
        for worker in workers:
            self._release(worker)
        log.info("%d calculation workers ready (%s, timeout %.1f s)", self.size, self.work, self.timeout)

    async def _spawn(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(self._threads, self._start_process)
        self._all.add(worker)
        try:
            status, detail = await asyncio.wait_for(
                loop.run_in_executor(self._threads, worker.conn.recv), self.start_timeout
            )
        except (EOFError, OSError, TimeoutError) as exc:
            await self._kill(worker)
            raise RuntimeError(f"a calculation worker did not start ({type(exc).__name__})") from exc
        if status != "ready":
            await self._kill(worker)
            raise RuntimeError(f"a calculation worker could not load {self.work}:\n{detail}")
        return worker

    def _start_process(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_serve, args=(child, self.work), name="layerbot-worker", daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    async def _kill(self, worker: _Worker) -> None:
        self._all.discard(worker)
        loop = asyncio.get_running_loop()

        def stop() -> None:
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(5.0)
            worker.conn.close()
            with contextlib.suppress(ValueError):
                worker.process.close()

        await loop.run_in_executor(self._threads, stop)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in its place, in the background."""
        self.restarts += 1

        async def replace() -> None:
            await self._kill(worker)
            if self._closed:
                return
            try:
                fresh = await self._spawn()
            except Exception:
                log.exception("could not replace a calculation worker; %d left", len(self._all))
                return
            if self._closed:
                await self._kill(fresh)
            else:
                self._release(fresh)

        task = asyncio.get_running_loop().create_task(replace(), name="layerbot-worker-replace")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop every worker (idle ones are asked, busy ones killed) and the I/O threads."""
        if self._closed:
            return
        self._closed = True
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        idle, self._idle = self._idle, []
        for _, _, waiter in self._waiting:
            waiter.cancel()
        self._waiting.clear()
        loop = asyncio.get_running_loop()

        def ask_to_stop(worker: _Worker) -> None:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)
            worker.process.join(2.0)

        await asyncio.gather(*(loop.run_in_executor(self._threads, ask_to_stop, w) for w in idle))
        await asyncio.gather(*(self._kill(w) for w in list(self._all)))
        await loop.run_in_executor(None, self._threads.shutdown)

    # ------------------------------------------------------------------ work

    def _release(self, worker: _Worker) -> None:
        """Hand a free worker to the most urgent waiting request, or keep it idle."""
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _acquire(self, priority: int) -> _Worker:
        if self._idle and not self._waiting:
            return self._idle.pop()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._arrivals), waiter))
        try:
            return await asyncio.wait_for(waiter, self.timeout)
        except TimeoutError:
            raise WorkerBusy(f"no worker was free for {self.timeout:.1f} s") from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as the asker went away
            raise

    async def run(self, request: Any, *, priority: int = 0) -> Any:
        """The work function's result for ``request``, computed in a worker process.  When every worker
        is busy, requests wait in ``priority`` order (lower first), then in order of arrival."""
        if self._closed:
            raise PoolClosed("the worker pool is closed")
        if not self._started:
            raise PoolClosed("the worker pool was never started")
        worker = await self._acquire(priority)
        loop = asyncio.get_running_loop()

        def roundtrip() -> tuple[str, Any]:
            worker.conn.send(request)
            reply: tuple[str, Any] = worker.conn.recv()
            return reply

        pending = loop.run_in_executor(self._threads, roundtrip)
        try:
            status, value = await asyncio.wait_for(pending, self.timeout)
        except TimeoutError:
            log.warning("a calculation overran %.1f s; its worker (pid %s) is killed and replaced",
                        self.timeout, worker.process.pid)
            self._replace(worker)
            raise WorkTimeout(f"the calculation took more than {self.timeout:.1f} s") from None
        except (EOFError, OSError) as exc:
            self._replace(worker)
            raise WorkFailed(f"the worker process died ({type(exc).__name__}: {exc})") from exc
        except BaseException:
            self._replace(worker)  # cancelled mid-question: its answer would arrive for the next one
            raise
        worker.jobs += 1
        self.completed += 1
        if self._closed:
            await self._kill(worker)
        else:
            self._release(worker)
        if status != "ok":
            raise WorkFailed(str(value))
        return value


def error_answer(request: Request, message: Message, *, outcome: Outcome, code: str, internal: bool = False) -> Answer:
    """An answer that is only an error message (used when the work could not be done at all)."""
    return Answer(
        reply=reply_for_error(message, request.locale, internal=internal),
        outcome=outcome,
        command=request.command or "explain",
        input_text=request.input_text,
        error_code=code,
        error_text=" ".join(message.render("en").split()),
    )

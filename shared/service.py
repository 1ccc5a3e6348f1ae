"""What every chidao service process is made of.

A FastAPI app serves the service's HTTP API plus ``/healthz``, ``/readyz`` and
``/metrics``; a FastStream ``NatsBroker`` (Prometheus and OpenTelemetry middlewares)
runs the durable pull subscribers; both start in the app's lifespan, after the
JetStream topology the service uses is declared and the directory mirror is loaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from faststream import AckPolicy, BaseMiddleware
from faststream.exceptions import HandlerException, NackMessage, RejectMessage
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.security import NatsSecurity, NatsUserPassword
from nats.js import JetStreamContext
from opentelemetry import trace
from opentelemetry.trace import TracerProvider
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from pydantic import ValidationError

from shared import console, production, web
from shared.auth import csrf, login
from shared.auth.audit import AuditMiddleware, AuditTrail
from shared.auth.guard import PUBLIC, Authenticator
from shared.auth.throttle import LoginThrottle
from shared.availability import UNAVAILABLE, JetStreamUnavailable, until_available
from shared.clock import Clock, parse_clock
from shared.deadletters import DeadLetter, dead_letter_id
from shared.deadletters import record as record_dead_letter
from shared.directory import Directory, DirectoryMirror
from shared.errors import DomainError, Forbidden, RateLimited, Unauthenticated, http_status
from shared.metrics import JetStreamGauges, messaging_middleware
from shared.settings import Settings, nats_options
from shared.topology import (
    ACCOUNTS,
    API_TOKENS,
    AUDIT,
    DEAD_LETTERS,
    OBJECT_STORES,
    REDELIVERY_BACKOFF,
    BucketSpec,
    ConsumerSpec,
    StreamSpec,
    consumer_config,
    ensure_consumers,
    ensure_declared,
    ensure_own,
)

log = logging.getLogger(__name__)


def _raw_messages(msg: Any) -> list[Any]:
    """The JetStream messages behind a FastStream message (a list for a batch)."""
    return msg.raw_message if isinstance(msg.raw_message, list) else [msg.raw_message]


async def _keep_in_progress(raws: list[Any], every: float) -> None:
    """Tell JetStream every ``every`` seconds that these messages are still being worked
    on (``+WPI``), which restarts their ack wait: a handler slower than ``ack_wait`` (a
    batch of mails behind a slow server) is not redelivered, to another replica, while it
    still runs. A process that dies stops sending them, and its messages come back."""
    while True:
        await asyncio.sleep(every)
        for raw in raws:
            try:
                await raw.in_progress()
            except Exception as exc:  # a lost connection: the ack wait decides, as before
                log.debug("in-progress signal not sent", extra={"error": repr(exc)})


def redelivery_middleware(service: Service) -> type[BaseMiddleware]:
    """How a service's handlers run and fail: while one runs, its messages are kept in
    progress (every third of ``ack_wait``); a transient error is redelivered after a
    growing wait (JetStream redelivers a plain nak at once); a permanent one (a
    ``DomainError`` whose kind is permanent: a refusal retrying cannot change, an
    undecodable event) or the last allowed delivery is recorded as a dead letter with its
    reason and terminated."""

    async def give_up(msg: Any, reason: str) -> None:
        for raw in _raw_messages(msg):
            meta = raw.metadata
            letter = DeadLetter(
                id=dead_letter_id(meta.consumer, meta.sequence.stream),
                service=service.name,
                consumer=meta.consumer,
                stream=meta.stream,
                stream_seq=meta.sequence.stream,
                subject=raw.subject,
                reason=reason[:1000],
                deliveries=meta.num_delivered,
                at=service.clock.now(),
            )
            await record_dead_letter(service.js, letter)
            service.dead_letters.labels(meta.consumer).inc()
            log.error(
                "message dead-lettered",
                extra={"dead_letter": letter.id, "subject": raw.subject, "reason": reason},
            )

    class RedeliveryBackoff(BaseMiddleware):
        async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
            keeper = asyncio.create_task(
                _keep_in_progress(_raw_messages(msg), service.settings.js_ack_wait / 3)
            )
            try:
                return await call_next(msg)
            except HandlerException:
                raise
            except (DomainError, ValidationError) as exc:
                if not isinstance(exc, DomainError) or exc.permanent:
                    await give_up(msg, str(exc))
                    raise RejectMessage() from exc
                return await self.retry_later(msg, exc)
            except Exception as exc:
                return await self.retry_later(msg, exc)
            finally:
                keeper.cancel()

        async def retry_later(self, msg: Any, exc: Exception) -> Any:
            raws = _raw_messages(msg)
            delivered = max((m.metadata.num_delivered for m in raws), default=1)
            if delivered >= service.settings.js_max_deliver:
                await give_up(msg, f"failed on each of {delivered} deliveries; last: {exc!r}")
                raise RejectMessage() from exc
            delay = REDELIVERY_BACKOFF[min(delivered - 1, len(REDELIVERY_BACKOFF) - 1)]
            log.warning(
                "handler failed, message will be redelivered",
                extra={"error": repr(exc), "delivery": delivered, "retry_in_s": delay},
                exc_info=exc,
            )
            raise NackMessage(delay=delay) from exc

    return RedeliveryBackoff


def _plain_problems(exc: RequestValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return problems


def _broker_security(connect: dict[str, Any]) -> NatsSecurity:
    tls = {
        "ssl_context": connect.get("tls"),
        "tls_handshake_first": connect.get("tls_handshake_first", False),
    }
    if "user" in connect:
        return NatsUserPassword(connect["user"], connect["password"], **tls)
    return NatsSecurity(**tls)


class Service:
    def __init__(
        self,
        name: str,
        settings: Settings | None = None,
        *,
        streams: tuple[StreamSpec, ...] = (),
        buckets: tuple[BucketSpec, ...] = (),
        consumers: tuple[ConsumerSpec, ...] = (),
        uses_directory: bool = True,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        # Nothing here touches the process (its logging, its global tracer provider, the
        # garbage collector): shared.process.set_up does that once, so that two services
        # can be built side by side in one process.
        self.name = name
        self.settings = settings or Settings()
        production.refuse_unsafe(self.settings, name)  # before anything listens or connects
        self.clock: Clock = parse_clock(self.settings.clock, self.settings.clock_anchor)
        self.registry = CollectorRegistry()
        self.dead_letters = Counter(
            "chidao_dead_letters_total",
            "Messages given up on and recorded in the dead-letter stream, by consumer",
            ["consumer"],
            registry=self.registry,
        )
        for spec in consumers:  # at 0 from the start, so alerts see the series
            self.dead_letters.labels(spec.durable)
        self.jetstream_gauges = JetStreamGauges(self.registry)
        # the process's provider (shared.process.set_up), unless one is given
        self.tracer_provider = tracer_provider or trace.get_tracer_provider()
        self.tracer = self.tracer_provider.get_tracer(f"chidao.{name}")
        self.broker = self._broker()
        # A service that consumes may dead-letter, so it needs that stream too; every
        # service records its staff's actions and recognises their accounts and tokens.
        self._streams = streams + ((DEAD_LETTERS,) if consumers else ()) + (AUDIT,)
        self._buckets = (*buckets, ACCOUNTS, API_TOKENS)
        self._consumers = consumers
        self.auth = Authenticator(self.settings)
        self.audit = AuditTrail(name)
        self._uses_directory = uses_directory
        self.mirror = DirectoryMirror()
        self.on_start: list[Callable[[], Awaitable[None]]] = []
        self.on_stop: list[Callable[[], Awaitable[None]]] = []
        # run every metrics_interval seconds while the service runs (gauges, heartbeats)
        self.periodic: list[Callable[[], Awaitable[None]]] = [self._sample_jetstream]
        # run once everything above has started (chidao serve freezes the heap there)
        self.on_started: list[Callable[[], None]] = []
        self.started = asyncio.Event()
        self.deps: Any = None  # what provide() built at start-up

        self.app = self._app()

    def _broker(self) -> NatsBroker:
        connect = nats_options(self.settings.nats_url, self.settings.nats_ca_file, self.name)
        self._inbox_prefix = connect["inbox_prefix"]
        return NatsBroker(
            connect["servers"],
            # FastStream's names for the user, password and TLS options nats.connect takes
            security=_broker_security(connect),
            inbox_prefix=self._inbox_prefix,  # its NATS user subscribes there only
            name=f"chidao-{self.name}",
            max_reconnect_attempts=-1,
            middlewares=[
                NatsTelemetryMiddleware(tracer_provider=self.tracer_provider),
                messaging_middleware(self.registry, f"chidao-{self.name}"),
                redelivery_middleware(self),
            ],
            logger=logging.getLogger(f"chidao.{self.name}.broker"),
            # One "Received"/"Processed" line per message drowns the domain lines at
            # 300,000 messages; they stay available at DEBUG.
            log_level=logging.DEBUG,
        )

    def _app(self) -> FastAPI:
        # No /docs nor /redoc: Swagger UI runs scripts from a CDN, which the pages'
        # policy refuses; the schema stays at /openapi.json.
        app = FastAPI(
            title=f"chidao {self.name}", lifespan=self._lifespan, docs_url=None, redoc_url=None
        )
        # Security headers and body limits on every route (shared.web); a service lets
        # the routes that carry files take more (allow_uploads) and registers the style
        # sheets its pages write inline (csp.allow).
        self.csp = web.ContentSecurityPolicy()
        self.body_limits = web.BodyLimits(self.settings.max_body_bytes)
        # Who is asking (shared.auth): every staff route declares its action and checks
        # its scope; the sign-in routes are on every service, so any page can send the
        # browser to its own /login and the one cookie serves them all.
        app.state.auth = self.auth
        app.state.audit = self.audit  # for a route that audits a read (a secret original)
        app.state.login_throttle = LoginThrottle(self.settings)
        app.state.mirror = self.mirror
        app.state.oidc_enabled = bool(self.settings.oidc_issuer)
        # Middlewares, innermost first (each one added wraps those before it): OpenID's
        # short-lived state, the CSRF check, the audit trail (which sees the CSRF refusals'
        # and the guards' answers), then shared.web's body limit and security headers.
        if self.settings.oidc_issuer:
            from shared.auth import oidc

            oidc.install(app, self.settings)
        csrf.install(app, self.settings, {login.LOGIN_PATH, "/logout"})
        app.add_middleware(AuditMiddleware, trail=self.audit, tracer=self.tracer)
        web.install(app, self.csp, self.body_limits)
        self.csp.allow(login.STYLE, console.STYLE, *console.page_styles())
        app.include_router(login.router)
        for path, endpoint in (
            ("/healthz", self._healthz),
            ("/readyz", self._readyz),
            ("/metrics", self._metrics),
        ):
            app.add_api_route(path, endpoint, methods=["GET"], tags=["ops"], dependencies=[PUBLIC])
        app.add_exception_handler(RequestValidationError, self._invalid_request)
        app.add_exception_handler(DomainError, self._refused)
        unavailable: type[Exception]
        for unavailable in (JetStreamUnavailable, *UNAVAILABLE):  # type: ignore[assignment]
            app.add_exception_handler(unavailable, self._jetstream_unavailable)
        return app

    # --- building blocks for the services ------------------------------------------

    def provide(self, build: Callable[[], Awaitable[Any]]) -> None:
        """How the service's handlers get what they use: ``build()`` runs at start-up,
        once JetStream is there and before any subscriber or route runs, and its result
        (the service's ``Deps`` dataclass) is ``service.deps`` and, for routes,
        ``request.app.state.deps`` (``deps_of``)."""

        async def provide_deps() -> None:
            self.deps = await build()
            self.app.state.deps = self.deps

        self.on_start.insert(0, provide_deps)

    def allow_uploads(self, method: str, path: str) -> None:
        """Let a route that carries files (``path`` as declared: ``/r/{token}``) take
        bodies up to ``max_upload_bytes`` instead of ``max_body_bytes``."""
        self.body_limits.allow(method, path, self.settings.max_upload_bytes)

    @property
    def js(self) -> JetStreamContext:
        return self.broker.config.connection_state.stream

    @property
    def directory(self) -> Directory:
        return self.mirror.directory

    def subscriber(
        self,
        spec: ConsumerSpec,
        *,
        batch: bool = False,
        batch_size: int = 64,
        timeout: float = 1.0,
    ) -> Any:
        """Durable pull subscriber on ``spec``, shared by every replica of this service."""
        return self.broker.subscriber(
            spec.filter_subject,
            stream=JStream(spec.stream, declare=False),
            durable=spec.durable,
            config=consumer_config(spec, self.settings),
            pull_sub=PullSub(batch_size=batch_size, timeout=timeout, batch=batch),
            ack_policy=AckPolicy.NACK_ON_ERROR,
            # the fetches' replies come to this service's own inboxes, the only ones its
            # NATS user may listen to (FastStream takes a subscriber's prefix, not the
            # connection's)
            inbox_prefix=f"{self._inbox_prefix}.".encode("ascii"),  # nats-py adds no dot
        )

    # --- lifecycle -------------------------------------------------------------------

    @asynccontextmanager
    async def _lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        await self.broker.connect()
        self.auth.bind(self.js)
        self.audit.bind(self.js)
        # What this service owns (shared.topology.OWNERS) it creates if missing, before it
        # waits for anything, so two services waiting on each other's streams both go on;
        # the rest (the others', and the admin's: dead letters, timers, the directory) it
        # waits for. Its NATS user may not change any of them (deploy/nats/accounts.conf).
        # A cluster just started, or electing leaders, may not answer at once.
        declared = self._streams + self._buckets
        await until_available(
            lambda: ensure_own(self.js, self.settings, self.name, declared + OBJECT_STORES),
            "declaring what the service owns",
            60,
        )
        await ensure_declared(self.js, self.name, declared)
        await until_available(
            lambda: ensure_consumers(self.js, self.settings, self._consumers),
            "declaring consumers",
            60,
        )
        if self._uses_directory:
            await self.mirror.start(self.js)
            await self.mirror.ready.wait()
        for hook in self.on_start:
            await hook()
        await self.broker.start()
        for started in self.on_started:
            started()
        self.started.set()
        ticking = asyncio.create_task(self._tick_forever(), name=f"{self.name}-periodic")
        servers = nats_options(self.settings.nats_url)["servers"]  # without the password
        log.info("service started", extra={"nats": servers, "clock": self.clock.describe()})
        try:
            yield
        finally:
            self.started.clear()
            ticking.cancel()
            # The broker first: it lets the handlers in flight finish (FastStream's
            # graceful timeout) while what they use, such as the mailer, is still open.
            await self.broker.stop()
            for hook in self.on_stop:
                await hook()
            await self.mirror.stop()
            log.info("service stopped")

    async def _tick_forever(self) -> None:
        while True:
            for job in self.periodic:
                try:
                    await job()
                except Exception as exc:  # a failed sample must not stop the others
                    log.warning(
                        "periodic job failed", extra={"job": job.__name__, "error": repr(exc)}
                    )
            await asyncio.sleep(self.settings.metrics_interval)

    async def _sample_jetstream(self) -> None:
        await self.jetstream_gauges.sample(
            self.js,
            self.broker.config.connection_state.connection.is_connected,
            self._streams,
            self._consumers,
        )

    # --- ops endpoints ---------------------------------------------------------------

    async def _healthz(self) -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": self.name}

    async def _readyz(self) -> JSONResponse:
        """Readiness: started, connected to NATS, JetStream answering, directory loaded."""
        checks: dict[str, bool] = {"started": self.started.is_set()}
        checks["nats"] = await self.broker.ping(timeout=1.0)
        try:
            await asyncio.wait_for(self.js.account_info(), timeout=2.0)
            checks["jetstream"] = True
        except Exception:
            checks["jetstream"] = False
        if self._uses_directory:
            checks["directory"] = self.mirror.ready.is_set()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    async def _metrics(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def _jetstream_unavailable(self, _: Request, exc: Exception) -> JSONResponse:
        log.warning("request failed: JetStream unavailable", extra={"error": repr(exc)})
        return JSONResponse(
            {
                "error": "the message store (NATS JetStream) is not answering right now; "
                "nothing was lost, send the request again in a minute"
            },
            status_code=503,
            headers={"Retry-After": "30"},
        )

    async def _refused(self, request: Request, exc: Exception) -> Response:
        """A handler's refusal (shared.errors) as the API's JSON answer, or, for a page
        that did not answer it itself, a plain page in Vietnamese."""
        assert isinstance(exc, DomainError)
        status = http_status(exc)
        path = request.url.path
        headers = (
            {"Retry-After": str(exc.details.get("retry_after", 60))}
            if isinstance(exc, RateLimited)
            else {}
        )
        if web.is_api(path):
            if isinstance(exc, Unauthenticated):
                headers["WWW-Authenticate"] = 'Bearer realm="chidao"'
            return error(status, exc.message, headers=headers, **exc.details)
        if isinstance(exc, Unauthenticated) and request.method in ("GET", "HEAD"):
            # a page asked for by someone not signed in: sign in, then come back here
            back = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"{login.LOGIN_PATH}?{urlencode({'next': back})}", status_code=303
            )
        # a refusal of who is asking says why (in Vietnamese already); others stay vague
        message = (
            exc.message
            if isinstance(exc, Unauthenticated | Forbidden)
            else (web.REFUSED_PAGE.get(status, web.REFUSED))
        )
        return web.plain_error(path, status, message, headers=headers)

    async def _invalid_request(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        path = request.url.path
        if web.is_api(path):
            return error(422, "the request is not valid", problems=_plain_problems(exc))
        # A page whose address holds what can never be an id does not exist.
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return web.plain_error(path, 404, "Không có trang này: đường dẫn không đúng.")
        return web.plain_error(path, 422, "Yêu cầu không hợp lệ; đề nghị tải lại trang.")


def deps_of(request: Request) -> Any:
    """The service's ``Deps`` for a route: ``Annotated[Deps, Depends(deps_of)]``."""
    return request.app.state.deps


def error(
    status: int, message: str, headers: dict[str, str] | None = None, **details: Any
) -> JSONResponse:
    """A JSON error in plain words, the one shape every chidao HTTP API answers with."""
    return JSONResponse({"error": message, **details}, status_code=status, headers=headers)

"""The ``chidao`` command."""

from __future__ import annotations

import asyncio
import importlib
import json
import secrets
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from chidao import names
from chidao.client import DEV_PORTS, ApiError, call, service_url
from shared.auth.roles import ROLE_NAMES, Role
from shared.settings import Settings
from shared.vietnamese import format_instant

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
directory_app = typer.Typer(no_args_is_help=True, help="The unit directory.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks; each prints one JSON line.")
dlq_app = typer.Typer(no_args_is_help=True, help="Messages the services gave up on.")
forms_app = typer.Typer(no_args_is_help=True, help="Report forms.")
nats_app = typer.Typer(no_args_is_help=True, help="NATS: the topology and who may do what.")
users_app = typer.Typer(no_args_is_help=True, help="Staff accounts (as the NATS admin user).")
link_app = typer.Typer(no_args_is_help=True, help="A unit's signed link to its report form.")
calendar_app = typer.Typer(
    no_args_is_help=True, help="Working days: holidays, days off and Saturdays worked."
)
app.add_typer(directory_app, name="directory")
app.add_typer(bench_app, name="bench")
app.add_typer(dlq_app, name="dlq")
app.add_typer(link_app, name="link")
app.add_typer(calendar_app, name="calendar")
app.add_typer(forms_app, name="forms")
app.add_typer(nats_app, name="nats")
app.add_typer(users_app, name="users")

SERVICE_MODULES = {
    "issuer": "services.issuer.app",
    "notifier": "services.notifier.app",
    "reporter": "services.reporter.app",
    "aggregator": "services.aggregator.app",
}


def fail(message: str) -> None:
    typer.echo(f"chidao: {message}", err=True)
    raise typer.Exit(1)


def api(method: str, service: str, path: str, **kwargs) -> httpx.Response:
    """Call a service's HTTP API; a refusal or an unreachable service ends the command."""
    try:
        return call(method, f"{service_url(service)}{path}", **kwargs)
    except ApiError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def echo_json(response: httpx.Response) -> None:
    typer.echo(json.dumps(response.json(), ensure_ascii=False, indent=2))


def named_directive(text: str, issuer: str | None = None) -> dict:
    """The directive a clerk named ("101-KH/ĐU" or its id); the command ends, saying
    why in Vietnamese, when none or several fit."""
    try:
        return names.directive(text, issuer)
    except ApiError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def named_unit(text: str) -> dict:
    """The unit a clerk named (its name or id): {"id", "name", "parent"}."""
    try:
        return names.unit(text)
    except ApiError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def given_day(text: str | None, option: str):
    """A day given as dd/mm/yyyy (or ISO), as a date; the command ends when it is not one."""
    if text is None:
        return None
    try:
        return names.day(text)
    except ValueError as exc:
        fail(f"{option}: {exc}")


DIRECTIVE_HELP = "the directive: its number-symbol (101-KH/ĐU) or id"
UNIT_HELP = "the unit: its name or id"
ISSUER_HELP = "the directive's issuing unit (name or id), when two used the same number"
JSON_HELP = "print the service's answer as JSON"


@app.command()
def serve(name: Annotated[str, typer.Argument(help="issuer, notifier, reporter or aggregator")]):
    """Run one service in this process (HTTP on CHIDAO_HTTP_PORT)."""
    import uvicorn

    if name not in SERVICE_MODULES:
        fail(f"unknown service '{name}'; choose one of {', '.join(SERVICE_MODULES)}")
    from shared import process
    from shared.production import UnsafeSettings

    settings = Settings()
    tracer_provider = process.set_up(settings, name)  # logs, tracing, the nats-py fix
    try:
        service = importlib.import_module(SERVICE_MODULES[name]).create_service(settings)
    except UnsafeSettings as exc:
        # a sentence per variable to set, no traceback: this is configuration, not a bug
        problems = "".join(f"\n  - {p}" for p in exc.problems)
        typer.echo(f"chidao: refusing to start in production:{problems}", err=True)
        tracer_provider.shutdown()
        raise typer.Exit(2) from None
    service.on_started.append(process.freeze_what_start_up_built)
    try:
        uvicorn.run(
            service.app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            timeout_graceful_shutdown=10,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    finally:
        tracer_provider.shutdown()  # the last spans go out before the process ends


@app.command()
def front(
    backend: Annotated[
        list[str], typer.Option(help="SERVICE=URL for each service, e.g. issuer=http://issuer:8080")
    ],
    host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the port to listen on")] = 8080,
):
    """The staff console at one address: each path to the service that owns it, as the
    staff Ingress does in production (chidao/runtime/front.py)."""
    from chidao.runtime.front import serve as serve_front

    backends = dict(b.split("=", 1) for b in backend if "=" in b)
    unknown = set(backends) - set(SERVICE_MODULES)
    if unknown or len(backends) != len(backend):
        fail(f"--backend takes SERVICE=URL, SERVICE one of {', '.join(SERVICE_MODULES)}")
    serve_front(backends, host, port)


DEV_CLOCK = "sim:2024-06-19T08:00:00+07:00@1"  # the seeds' date, at real speed


def _clock_anchor(var: Path, clock: str) -> float | None:
    """The real instant the simulated clock showed its start, kept in the state directory
    so that a restart goes on from where the clock was (its timers and deadlines stay
    where they were); a new clock spec starts again."""
    if clock == "real":
        return None
    kept = var / "clock.json"
    try:
        saved = json.loads(kept.read_text())
        if saved.get("clock") == clock:
            return float(saved["anchor"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    anchor = time.time()
    var.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps({"clock": clock, "anchor": anchor}))
    return anchor


def now_of(stack) -> datetime:
    from shared.clock import parse_clock

    return parse_clock(stack.clock, stack.clock_anchor).now()


@app.command()
def dev(
    var: Annotated[
        Path, typer.Option(help="state directory (the demo's is var/: never shared)")
    ] = Path("var/dev"),
    nats_port: int = 4222,
    smtp_port: int = 2525,
    clock: Annotated[
        str,
        typer.Option(
            help="'real', or 'sim:<start>@<factor>'; by default the seeds' own time "
            f"({DEV_CLOCK}: their 2024 deadlines are ahead), at real speed"
        ),
    ] = DEV_CLOCK,
    directory: Annotated[Path | None, typer.Option(help="directory YAML to load")] = None,
):
    """Start nats-server, a mail sink and the four services; Ctrl-C stops them all. With
    --directory, the demo's staff accounts of its units are created too. The simulated
    clock goes on where it stopped when started again on the same state directory."""
    from chidao.runtime.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_accounts
    from chidao.runtime.ports import PortInUse
    from chidao.runtime.stack import Stack

    # the admin command line's token for this run (chidao dlq, directory, ... over HTTP)
    operator_token = secrets.token_urlsafe(32)
    stack = Stack(
        var_dir=var,
        clock=clock,
        clock_anchor=_clock_anchor(var, clock),
        nats_port=nats_port,
        smtp_port=smtp_port,
        http_ports={**DEV_PORTS, "front": 8080},  # the staff console on 8080
        extra_env={"CHIDAO_OPERATOR_TOKEN": operator_token},
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start_infrastructure()
        accounts = []
        if directory is not None:
            _load_directory(directory, stack.nats.url)
            loaded = {unit.id for unit in _read_directory_file(directory)}
            accounts = [a for a in DEMO_ACCOUNTS if a.unit_id in loaded]
            asyncio.run(ensure_accounts(stack.nats.url, accounts, DEMO_PASSWORD))
        for name in SERVICE_MODULES:
            stack.start_service(name, wait=False)
        for name in SERVICE_MODULES:
            stack.procs[name].wait_ready(60)
        stack.start_front()
        typer.echo(f"console     {stack.console_url}/  (the staff site: every page, one sign-in)")
        shown = "real" if clock == "real" else f"simulated: {format_instant(now_of(stack))} now"
        typer.echo(f"clock       {shown}  (--clock real for the real one)")
        typer.echo(f"NATS        {stack.nats.url}")
        typer.echo(f"SMTP sink   127.0.0.1:{stack.mail.port}  (mail in {var / 'mail'})")
        for name in SERVICE_MODULES:
            typer.echo(f"{name:<11} {stack.url(name)}")
        if accounts:
            typer.echo(f"sign in     {stack.console_url}/login, password {DEMO_PASSWORD}, as:")
            for account in accounts:
                roles = ", ".join(ROLE_NAMES[r] for r in Role if r in account.roles)
                typer.echo(
                    f"              {account.username:<16} {account.display_name}, {roles}, "
                    f"{account.unit_id}"
                )
            typer.echo(f"            or: chidao login --username {accounts[0].username}")
        typer.echo(f"operator    export CHIDAO_OPERATOR_TOKEN={operator_token}")
        typer.echo(f"logs        {var / 'logs'}    Ctrl-C stops everything.")
        while not stopping:
            for name, proc in stack.procs.items():
                if proc.process is not None and proc.process.poll() is not None:
                    typer.echo(f"{name} exited; see {proc.log_path}", err=True)
                    stopping = True
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except PortInUse as exc:  # nothing of this stack started
        fail(str(exc))
    finally:
        typer.echo("stopping ...")
        stack.stop()


@app.command()
def demo(var: Annotated[Path, typer.Option(help="state directory")] = Path("var")):
    """The demo campaign: issue Kế hoạch 101-KH/ĐU, mail, report, synthesise."""
    from chidao.demo.campaign import run

    try:
        run(var)
    except (ApiError, TimeoutError, RuntimeError) as exc:
        fail(str(exc))


def _read_directory_file(path: Path) -> list:
    from shared.directory import DirectoryError, load_file

    try:
        return load_file(path)
    except DirectoryError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def _load_directory(path: Path, nats_url: str) -> dict[str, int]:
    from chidao.runtime.accounts import record_action
    from chidao.runtime.admin import store_directory

    counts = asyncio.run(store_directory(nats_url, _read_directory_file(path)))
    detail = f"{path.name}: " + ", ".join(f"{n} {what}" for what, n in counts.items())
    asyncio.run(record_action(nats_url, "directory.load", detail=detail))
    return counts


@directory_app.command("load")
def directory_load(
    file: Path,
    nats_url: Annotated[str | None, typer.Option(help="default: CHIDAO_NATS_URL")] = None,
):
    """Validate a directory YAML file and store its units (unchanged ones are skipped)."""
    try:
        counts = _load_directory(file, nats_url or Settings().nats_url)
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")
    typer.echo(
        f"{file}: {counts['added']} added, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged"
    )


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help=".txt, .md, .docx or .pdf files")],
    json_output: Annotated[
        bool, typer.Option("--json", help="one JSON object per document")
    ] = False,
    directory: Annotated[
        Path | None, typer.Option(help="unit directory YAML; default: the one in NATS")
    ] = None,
    issuer: Annotated[
        str | None, typer.Option(help="the issuing unit's id, when the name is ambiguous")
    ] = None,
):
    """Read directive documents: number, date, issuer, basis, recipients with their
    roles, deadlines, signer, and what could not be read."""
    from chidao.documents import (
        DirectoryError,
        DocumentError,
        as_json,
        load_directory,
        parse_file,
        resolve,
        summary,
    )

    parsed, failed = [], False
    for path in files:  # read every file first: a bad one is reported before anything else
        try:
            parsed.append((path, parse_file(path)))
        except DocumentError as exc:
            typer.echo(f"chidao: {exc}", err=True)
            failed = True
    units = None
    if parsed:
        try:
            units = load_directory(directory)
        except DirectoryError as exc:
            fail(str(exc))
    for number, (path, document) in enumerate(parsed):
        try:
            reading = resolve(document, units, issuer)
        except DocumentError as exc:
            typer.echo(f"chidao: {path}: {exc}", err=True)
            failed = True
            continue
        if json_output:
            data = as_json(reading)
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2 if len(files) == 1 else None))
        else:
            typer.echo(
                ("\n" if number else "") + summary(path, as_json(reading), reading.issuer_unit)
            )
    if failed:
        raise typer.Exit(1)


@app.command()
def issue(
    file: Annotated[
        Path, typer.Argument(help="a document (.txt .md .docx .pdf) or a JSON directive")
    ],
    issuer: Annotated[
        str | None, typer.Option(help="issuing unit (name or id), if the document's is ambiguous")
    ] = None,
    ref: Annotated[
        str | None, typer.Option(help="number-symbol, for a document without one")
    ] = None,
    issued_on: Annotated[
        str | None, typer.Option("--date", help="dd/mm/yyyy, for a document without a date")
    ] = None,
    preview: Annotated[bool, typer.Option(help="only show what would be issued")] = False,
    form: Annotated[
        str | None,
        typer.Option(help="report form of its results requirements (chidao forms list)"),
    ] = None,
    allow_past: Annotated[
        bool,
        typer.Option(
            help="issue even though a deadline has passed (no reminder; links last "
            "CHIDAO_LINK_GRACE_DAYS from now); without it such a directive is refused"
        ),
    ] = False,
    title: Annotated[
        str | None,
        typer.Option(help="the title as it must read (a scan's restored one, confirmed)"),
    ] = None,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="requirement.N.action=TEXT: a requirement's action as it must read "
            "(a scan's restored one, confirmed); requirement.N.recurrence=hằng quý (a "
            "'định kỳ' that names no period), requirement.N.due_before=DD/MM/YYYY (its "
            "first deadline), requirement.N.until=DD/MM/YYYY; repeatable",
        ),
    ] = [],  # noqa: B006
    urgency: Annotated[
        str | None, typer.Option(help="khan, thuong_khan or hoa_toc, if the header has none")
    ] = None,
    secrecy: Annotated[
        str | None,
        typer.Option(help="mat, toi_mat or tuyet_mat: mailed without the file or its content"),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
):
    """Issue a directive: read a document file (showing what was read, the warnings and,
    with --preview, whom it would mail as what) or send a JSON directive. Repeating it
    creates nothing new."""
    from chidao import receipts
    from chidao.documents import summary

    if file.suffix.lower() == ".json":
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"cannot read {file} as JSON: {exc}")
        params = {"allow_past": "true"} if allow_past else None
        answer = api("POST", "issuer", "/api/directives", json=body, params=params)
        typer.echo(json.dumps(answer.json(), ensure_ascii=False, indent=2) if json_output
                   else receipts.issued(answer.json()))  # fmt: skip
        return
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    day = given_day(issued_on, "--date")
    issuer = named_unit(issuer)["id"] if issuer else None
    fields = {
        "issuer": issuer,
        "ref": ref,
        "issued_on": day and day.isoformat(),
        "form": form,
        "title": title,
        "urgency": urgency,
        "secrecy": secrecy,
    }
    data_fields: dict[str, str | list[str]] = {k: v for k, v in fields.items() if v}
    if set_:
        data_fields["set"] = set_
    if preview:
        data_fields["preview"] = "true"
    if allow_past:
        data_fields["allow_past"] = "true"
    try:
        response = call(
            "POST",
            f"{service_url('issuer')}/api/directives/upload",
            files={"file": (file.name, data)},
            data=data_fields,
        )
    except ApiError as exc:
        # A refusal after reading still shows what was read.
        detail = getattr(exc, "body", None) or {}
        if detail.get("document"):
            typer.echo(summary(file, detail["document"], detail.get("issuer_unit")), err=True)
        fail(str(exc))
    result = response.json()
    if json_output:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(summary(file, result.pop("document"), result.pop("issuer_unit", None)))
    typer.echo("\n".join(receipts.mailing(result)) if preview else receipts.issued(result))


@app.command()
def submit(
    directive: Annotated[str, typer.Option(help=DIRECTIVE_HELP)],
    unit: Annotated[str, typer.Option(help=UNIT_HELP)],
    requirement: Annotated[str, typer.Option(help="requirement id")] = "r1",
    value: Annotated[
        list[str],
        typer.Option(help="field=value, repeatable; a multiple choice as a,b; a file as @PATH"),
    ] = [],  # noqa: B006
    narrative: str = "",
    clear: Annotated[
        list[str],
        typer.Option(
            help="a field the previous version had a value for that this one empties on "
            "purpose (narrative for the note); repeatable. Without it, a version that leaves "
            "out a previous value is refused"
        ),
    ] = [],  # noqa: B006
    issuer: Annotated[str | None, typer.Option(help=ISSUER_HELP)] = None,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
):
    """Submit a unit's report: the values of its report form by field name."""
    import base64

    from chidao import receipts

    values: dict[str, object] = {}
    for item in value:
        name, sep, text = item.partition("=")
        if not sep or not name:
            fail(f"--value {item!r}: viết theo dạng tên_trường=giá_trị")
        if text.startswith("@"):
            path = Path(text[1:])
            try:
                data = path.read_bytes()
            except OSError as exc:
                fail(f"--value {item!r}: không đọc được tệp {path}: {exc.strerror}")
            values[name] = {"filename": path.name, "data": base64.b64encode(data).decode()}
        elif "," in text and not text.replace(",", "").replace(".", "").strip().isdigit():
            values[name] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            values[name] = text
    named, reporting = named_directive(directive, issuer), named_unit(unit)
    body = {
        "directive_id": named["id"],
        "unit_id": reporting["id"],
        "requirement_id": requirement,
        "values": values,
        "narrative": narrative,
        "clear": clear,
    }
    answer = api("POST", "reporter", "/api/submissions", json=body)
    if json_output:
        echo_json(answer)
        return
    repeated = answer.status_code == 200  # the same version again: nothing new
    typer.echo(receipts.submission(answer.json(), reporting["name"], named["ref"], repeated))


@link_app.command("resend")
def link_resend(
    directive: Annotated[str, typer.Option(help=DIRECTIVE_HELP)],
    unit: Annotated[str, typer.Option(help="the unit whose link it is: its name or id")],
    requirement: Annotated[str, typer.Option(help="requirement id")] = "r1",
    issuer: Annotated[str | None, typer.Option(help=ISSUER_HELP)] = None,
):
    """Mail the unit its assignment again, with a link that works from now on
    (CHIDAO_LINK_GRACE_DAYS), even if the one it had has expired. As the console's
    "Gửi lại đường dẫn": the staff of the unit the report goes to."""
    from urllib.parse import parse_qs, urlsplit

    from services.notifier.console.view import OUTCOMES

    named, linked = named_directive(directive, issuer), named_unit(unit)
    form = {"unit": linked["id"], "requirement": requirement, "nonce": secrets.token_hex(16)}
    path = f"/directives/{named['id']}/mails/resend"
    answer = api("POST", "notifier", path, data=form, follow_redirects=False)
    outcome = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("resent", [""])[0]
    unknown = (True, f"Không rõ kết quả gửi lại cho {{unit}} ({outcome}).")
    error, words = OUTCOMES.get(outcome, unknown)
    typer.echo(words.format(unit=linked["name"]), err=error)
    if error:
        raise typer.Exit(1)


@app.command()
def review(
    directive: Annotated[str, typer.Option(help=DIRECTIVE_HELP)],
    unit: Annotated[str, typer.Option(help="the unit whose report it is: its name or id")],
    requirement: Annotated[str, typer.Option(help="requirement id")] = "r1",
    accept: Annotated[bool, typer.Option("--accept", help="accept the latest version")] = False,
    return_: Annotated[
        str | None, typer.Option("--return", help="return it for correction, with this reason")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help=ISSUER_HELP)] = None,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
):
    """The parent's decision on a unit's report: --accept, or --return "reason"."""
    from chidao import receipts

    if accept == (return_ is not None):
        fail('chọn một trong hai: --accept (chấp nhận) hoặc --return "lý do" (trả lại)')
    named, reporting = named_directive(directive, issuer), named_unit(unit)
    body = {"decision": "accept" if accept else "return", "reason": return_ or ""}
    path = f"/api/submissions/{named['id']}/{reporting['id']}/{requirement}/review"
    answer = api("POST", "reporter", path, json=body)
    if json_output:
        echo_json(answer)
        return
    typer.echo(receipts.review(answer.json(), reporting["name"], named["ref"]))


@app.command()
def synthesis(
    directive: Annotated[str, typer.Argument(help=DIRECTIVE_HELP)],
    unit: Annotated[
        str | None, typer.Option(help="unit (name or id) of the subtree; the issuer by default")
    ] = None,
    format: Annotated[str, typer.Option(help="md, json, html or docx")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write to this file (docx needs one)")
    ] = None,
    approve: Annotated[
        bool, typer.Option("--approve", help="approve it: it goes up as the issuer's report")
    ] = False,
    issuer: Annotated[str | None, typer.Option(help=ISSUER_HELP)] = None,
):
    """The synthesis (báo cáo tổng hợp) of a directive for a unit's subtree; with
    --approve, send it up as the issuer's own report on the parent's directive."""
    from chidao import receipts

    named = named_directive(directive, issuer)
    if approve:
        path = f"/api/directives/{named['id']}/synthesis/approve"
        answer = api("POST", "aggregator", path).json()
        typer.echo(receipts.approval(answer, named["ref"], named["issuer"]))
        return
    if format not in ("md", "json", "html", "docx"):
        fail(f"--format {format!r}: chọn md, json, html hoặc docx")
    if format == "docx" and output is None:
        fail("tệp .docx cần nơi ghi: thêm --output TỆP.docx")
    params = {"format": format}
    if unit:
        params["unit"] = named_unit(unit)["id"]
    path = f"/api/directives/{named['id']}/synthesis"
    response = api("GET", "aggregator", path, params=params)
    if output is None:
        typer.echo(response.text)
        return
    output.write_bytes(response.content)
    typer.echo(f"Đã ghi {output} ({len(response.content):,} byte).".replace(",", "."))


@forms_app.command("list")
def forms_list():
    """The built-in report forms and their fields."""
    from shared.forms import builtin

    for form in builtin().values():
        typer.echo(f"{form.id}: {form.title}")
        for f in form.fields:
            extra = f" ({f.unit})" if f.unit else ""
            typer.echo(f"   {f.name:<20} {f.type:<16} {f.label}{extra}{_field_rules(f)}")


def _field_rules(f) -> str:
    """What a clerk must know to fill a field in: required, bounds, choices, computed."""
    from shared.vietnamese import format_number

    rules = ["bắt buộc"] if f.required else []
    if f.min is not None:
        rules.append(f"từ {format_number(f.min)}")
    if f.max is not None:
        rules.append(f"đến {format_number(f.max)}")
    if f.at_most:
        rules.append(f"không quá {f.at_most}")
    if f.ratio_of:
        rules.append(f"tự tính = {f.ratio_of[0]} / {f.ratio_of[1]}, không nhập")
    if f.choices:
        rules.append("chọn: " + ", ".join(f"{c.value} ({c.label})" for c in f.choices))
    return f" — {'; '.join(rules)}" if rules else ""


@forms_app.command("load")
def forms_load(
    file: Annotated[Path, typer.Argument(help="YAML: one form, or forms: [...]")],
    nats_url: Annotated[str | None, typer.Option(help="default: CHIDAO_NATS_URL")] = None,
):
    """Load the organisation's own report forms; a directive names one by its id."""
    from chidao.runtime.admin import store_report_forms
    from shared.forms import FormError, read_forms

    try:
        forms = read_forms(file)
    except FormError as exc:
        fail(str(exc))
    from chidao.runtime.accounts import record_action

    url = nats_url or Settings().nats_url
    try:
        asyncio.run(store_report_forms(url, forms))
        asyncio.run(record_action(url, "forms.load", detail=", ".join(f.id for f in forms)))
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")
    typer.echo(f"loaded {len(forms)} form(s): {', '.join(f.id for f in forms)}")


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="YAML: days_off and working_days, dd/mm/yyyy")],
    nats_url: Annotated[str | None, typer.Option(help="default: CHIDAO_NATS_URL")] = None,
):
    """Load the days the government gives off and the Saturdays worked in exchange, as
    announced each year, besides the statutory holidays (it replaces what was loaded)."""
    from chidao.runtime.accounts import record_action
    from chidao.runtime.admin import store_work_calendar
    from shared.workdays import CalendarError, read_calendar_file

    try:
        calendar = read_calendar_file(file)
    except CalendarError as exc:
        fail(str(exc))
    url = nats_url or Settings().nats_url
    detail = f"{file.name}: {len(calendar.days_off)} off, {len(calendar.working_days)} worked"
    asyncio.run(store_work_calendar(url, calendar))
    asyncio.run(record_action(url, "calendar.load", detail=detail))
    typer.echo(
        f"Đã nạp lịch: {len(calendar.days_off)} ngày nghỉ, "
        f"{len(calendar.working_days)} ngày làm bù ({file})."
    )


@calendar_app.command("show")
def calendar_show(
    year: Annotated[int, typer.Argument(min=2000, max=2100, help="the year")],
    nats_url: Annotated[str | None, typer.Option(help="default: CHIDAO_NATS_URL")] = None,
):
    """The year's days off on working days and its Saturdays worked, as deadlines are
    counted (the statutory holidays and what the operator loaded)."""
    from datetime import date, timedelta

    from chidao.runtime.admin import work_calendar
    from shared.vietnamese import format_date, weekday

    calendar = asyncio.run(work_calendar(nats_url or Settings().nats_url))
    day = date(year, 1, 1)
    while day.year == year:
        off = calendar.why_off(day)
        if (day.weekday() < 5 and off) or (day.weekday() >= 5 and off is None):
            what = off or "làm việc (làm bù)"
            typer.echo(f"{format_date(day)} ({weekday(day)}): {what}")
        day += timedelta(days=1)


@app.command()
def cascade(
    ref: Annotated[str | None, typer.Argument(help="a number-symbol or directive id")] = None,
):
    """Show which directive implements which, across levels; documents referred to but
    never ingested are marked."""
    from chidao.documents import cascade_lines

    path = f"/api/cascade/{ref}" if ref else "/api/cascade"
    data = api("GET", "issuer", path).json()
    for tree in [data] if ref else data["trees"]:
        typer.echo("\n".join(cascade_lines(tree)))


NatsUrl = Annotated[str | None, typer.Option(help="default: CHIDAO_NATS_URL")]


@dlq_app.command("list")
def dlq_list(nats_url: NatsUrl = None):
    """Dead letters, oldest first: id, when, consumer, subject and the reason."""
    from chidao.runtime.admin import dead_letters

    try:
        letters = asyncio.run(dead_letters(nats_url or Settings().nats_url))
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")
    if not letters:
        typer.echo("no dead letters")
    for letter in letters:
        typer.echo(
            f"{letter.id}  {letter.at:%Y-%m-%d %H:%M:%S}  {letter.subject or letter.stream}  "
            f"after {letter.deliveries} deliveries: {letter.reason}"
        )


@dlq_app.command("replay")
def dlq_replay(letter_id: str, nats_url: NatsUrl = None):
    """Deliver a dead letter's message again, once its cause is fixed."""
    from chidao.runtime.accounts import record_action
    from chidao.runtime.admin import replay_dead_letter

    url = nats_url or Settings().nats_url
    try:
        letter, seq = asyncio.run(replay_dead_letter(url, letter_id))
        asyncio.run(record_action(url, "dlq.replay", detail=letter_id))
    except LookupError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")
    typer.echo(f"replayed {letter.id}: {letter.subject or letter.stream} is message #{seq} again")


# --- staff accounts, signing in, the audit trail ------------------------------------


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _roles(text: str) -> frozenset[Role]:
    from shared.auth.roles import parse_roles

    try:
        roles = parse_roles(text)
    except ValueError as exc:
        fail(str(exc))
    if not roles:
        fail(f"give at least one role: {', '.join(r.value for r in Role)}")
    return roles


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True)


def _hash(password: str) -> str:
    from shared.auth.accounts import hash_password

    try:
        return hash_password(password)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def _accounts_call(coroutine):
    """Run one of chidao.runtime.accounts' calls; a refusal ends the command."""
    from chidao.runtime.accounts import AccountError

    try:
        return asyncio.run(coroutine)
    except AccountError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="what the person types to sign in")],
    unit: Annotated[str, typer.Option(help="the unit id the account acts as")],
    roles: Annotated[str, typer.Option(help="comma-separated: van_thu,chuyen_vien,...")],
    name: Annotated[str, typer.Option(help='the person\'s full name, "Nguyễn Văn A"')],
    email: Annotated[str | None, typer.Option(help="e-mail address")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    oidc_subject: Annotated[
        str | None, typer.Option(help="the person's `sub` at the OpenID provider")
    ] = None,
    nats_url: NatsUrl = None,
):
    """Create a staff account of a unit in the directory; without --password-stdin a
    strong password is generated and printed once."""
    from pydantic import ValidationError

    from chidao.runtime.accounts import add_account
    from shared.auth.accounts import Account

    password = _read_password(True) if password_stdin else secrets.token_urlsafe(12)
    try:
        account = Account(
            username=username.strip().lower(),
            display_name=name,
            unit_id=unit,
            roles=_roles(roles),
            email=email,
            oidc_subject=oidc_subject,
            password_hash=_hash(password),
        )
    except ValidationError as exc:
        fail("; ".join(e["msg"] for e in exc.errors()))
    _accounts_call(add_account(nats_url or Settings().nats_url, account))
    typer.echo(f"added {account.username} ({account.display_name}) of {account.unit_id}")
    if not password_stdin:
        typer.echo(f"password: {password}   (shown once: give it to {account.display_name})")


@users_app.command("list")
def users_list(
    unit: Annotated[str | None, typer.Option(help="only this unit's accounts")] = None,
    nats_url: NatsUrl = None,
):
    """The staff accounts: user name, name, unit, roles, whether disabled."""
    from chidao.runtime.accounts import list_accounts

    accounts = _accounts_call(list_accounts(nats_url or Settings().nats_url, unit))
    if not accounts:
        typer.echo("no accounts")
        return
    rows = [
        [
            a.username,
            a.display_name,
            a.unit_id,
            ",".join(r.value for r in Role if r in a.roles),
            "disabled" if a.disabled else "",
        ]
        for a in accounts
    ]
    _table(["username", "name", "unit", "roles", "disabled"], rows)


def _change(username: str, nats_url: str | None, action: str, **update: object) -> None:
    from chidao.runtime.accounts import change_account

    changed = _accounts_call(
        change_account(
            nats_url or Settings().nats_url,
            username.strip().lower(),
            action,
            lambda account: account.model_copy(update=update),
        )
    )
    roles = ",".join(r.value for r in Role if r in changed.roles)
    state = "disabled" if changed.disabled else "enabled"
    typer.echo(f"{changed.username}: {state}, roles {roles}")


@users_app.command("disable")
def users_disable(username: str, nats_url: NatsUrl = None):
    """Disable an account: it can no longer sign in, and its sessions and tokens end."""
    from chidao.runtime.accounts import now

    _change(username, nats_url, "account.disable", disabled=True, valid_after=now())


@users_app.command("enable")
def users_enable(username: str, nats_url: NatsUrl = None):
    """Enable a disabled account again (its old sessions and tokens stay ended)."""
    _change(username, nats_url, "account.enable", disabled=False)


@users_app.command("set-roles")
def users_set_roles(
    username: str,
    roles: Annotated[str, typer.Argument(help="comma-separated: van_thu,chuyen_vien,...")],
    nats_url: NatsUrl = None,
):
    """Replace an account's roles."""
    _change(username, nats_url, "account.set_roles", roles=_roles(roles))


@users_app.command("set-password")
def users_set_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    nats_url: NatsUrl = None,
):
    """Set an account's password (prompted, or read from standard input); its sessions
    and tokens end."""
    from chidao.runtime.accounts import now

    hashed = _hash(_read_password(password_stdin))
    _change(username, nats_url, "account.set_password", password_hash=hashed, valid_after=now())


@app.command()
def login(
    username: Annotated[str | None, typer.Option(help="prompted when missing")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    name: Annotated[str, typer.Option(help='what the token is for, "laptop"')] = "chidao CLI",
):
    """Sign in: trade your user name and password for a personal API token, stored in
    CHIDAO_TOKEN_FILE (~/.config/chidao/token) and sent by every later command."""
    from chidao.client import store_login

    if username is None:
        username = typer.prompt("User name")
    password = _read_password(password_stdin)
    body = {"username": username, "password": password, "name": name}
    try:
        # no Authorization: the password is what proves who this is
        answer = call(
            "POST",
            f"{service_url('issuer')}/api/auth/tokens",
            json=body,
            headers={"Authorization": ""},
        ).json()
    except ApiError as exc:
        if exc.status in (401, 429):  # wrong credentials, or throttled: the server says so
            fail(str(exc.body.get("error") or exc))
        fail(str(exc))
    path = store_login(
        {
            "token": answer["token"],
            "token_id": answer["token_id"],
            "username": answer["username"],
            "expires_at": answer.get("expires_at"),
        }
    )
    roles = _role_names(answer.get("roles"))
    until = answer.get("expires_at")
    until = format_instant(datetime.fromisoformat(until)) if until else "?"
    typer.echo(
        f"Đã đăng nhập: {answer['username']} ({answer.get('display_name', '')}), đơn vị "
        f"{answer.get('unit_id')}, {roles}; mã đăng nhập dùng được đến {until} (lưu ở {path})."
    )


def _role_names(roles: list[str] | None) -> str:
    """``["van_thu"]`` as "văn thư"."""
    by_value = {r.value: ROLE_NAMES[r] for r in Role}
    return ", ".join(by_value.get(r, r) for r in roles or []) or "chưa có vai trò"


@app.command()
def logout():
    """Revoke the stored API token and remove it."""
    from chidao.client import forget_login, stored_login

    stored = stored_login()
    if stored is None:
        typer.echo("Chưa đăng nhập.")
        return
    try:
        call(
            "DELETE",
            f"{service_url('issuer')}/api/auth/tokens/{stored['token_id']}",
            headers={"Authorization": f"Bearer {stored['token']}"},
        )
    except ApiError as exc:
        if exc.status != 401:  # an expired or revoked token has nothing left to revoke
            fail(str(exc))
    forget_login()
    typer.echo(
        f"Đã đăng xuất {stored.get('username', '')}: mã đăng nhập {stored['token_id']} "
        "đã bị thu hồi."
    )


@app.command()
def whoami():
    """Who the commands act as (the stored token, CHIDAO_TOKEN or the operator token)."""
    me = api("GET", "issuer", "/api/me").json()
    unit = f"đơn vị {me['unit_id']}" if me.get("unit_id") else "mọi đơn vị (vận hành)"
    via = {"token": "mã đăng nhập", "operator": "mã vận hành"}.get(me["via"], me["via"])
    typer.echo(
        f"{me['username']} ({me['display_name']}), {unit}, {_role_names(me.get('roles'))}, "
        f"qua {via}"
    )


def _day(text: str | None, option: str):
    """A day given on the command line (dd/mm/yyyy or ISO) as midnight UTC."""
    from datetime import UTC, datetime

    day = given_day(text, option)
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)


@app.command()
def audit(
    unit: Annotated[str | None, typer.Option(help="done by or to this unit")] = None,
    user: Annotated[str | None, typer.Option(help="done by this account")] = None,
    since: Annotated[str | None, typer.Option(help="from this day (dd/mm/yyyy, UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="up to this day, included")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV, every field")] = False,
    nats_url: NatsUrl = None,
):
    """The audit trail: every state-changing action, who, on what, from where, with its
    outcome (read from the CHIDAO_AUDIT stream as the NATS admin user)."""
    from datetime import timedelta

    from chidao.runtime.accounts import read_audit
    from shared.auth.audit import as_csv

    start, end = _day(since, "--since"), _day(until, "--until")
    entries = [
        e
        for e in _accounts_call(read_audit(nats_url or Settings().nats_url, start))
        if (unit is None or unit in (e.unit_id, e.target_unit_id))
        and (user is None or e.actor == user)
        and (end is None or e.at < end + timedelta(days=1))
    ]
    if csv:
        typer.echo(as_csv(entries), nl=False)
        return
    if not entries:
        typer.echo("no entries")
        return
    rows = []
    for e in entries:
        target = "/".join(t for t in (e.directive_id, e.target_unit_id, e.requirement_id) if t)
        who = f"{e.actor} ({e.actor_name})" if e.actor_name else e.actor
        rows.append(
            [
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                who,
                e.unit_id or "-",
                ",".join(e.roles) or "-",
                e.action,
                " ".join(t for t in (target, e.detail) if t) or "-",
                e.outcome,
                e.address or "-",
            ]
        )
    _table(["time (UTC)", "who", "unit", "roles", "action", "target", "outcome", "address"], rows)


@nats_app.command("permissions")
def nats_permissions():
    """Print deploy/nats/accounts.conf: each service's NATS user allowed only its own
    streams, consumers and buckets (from shared/topology.py)."""
    from chidao.nats_permissions import accounts_conf

    typer.echo(accounts_conf(), nl=False)


@nats_app.command("declare")
def nats_declare(nats_url: NatsUrl = None):
    """As the admin user: create every stream, bucket and object store, and bring the
    existing streams up to date with shared/topology.py and the CHIDAO_JS_* settings (the
    services may create theirs, never change them)."""
    from chidao.runtime.admin import EVERYONE, declare_topology

    settings = Settings(**({"nats_url": nats_url} if nats_url else {}))
    try:
        asyncio.run(declare_topology(settings.nats_url, settings, EVERYONE))
    except OSError as exc:
        fail(f"cannot reach NATS: {exc}")
    typer.echo("declared every stream, bucket and object store of shared/topology.py")


@app.command("api-docs")
def api_docs(
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; fail if a file is stale")
    ] = False,
    out: Annotated[Path, typer.Option("--dir", help="where the documents are")] = Path("docs/api"),
):
    """Write each service's OpenAPI (HTTP) and AsyncAPI (events) document, generated from
    the code, to docs/api/; with --check, say which committed file is stale."""
    from chidao.apidocs import ApiDocsError, generate, stale, write

    try:
        files = generate()
    except ApiDocsError as exc:
        fail(str(exc))
    if check:
        problems = stale(out, files)
        for problem in problems:
            typer.echo(f"chidao: {problem}", err=True)
        if problems:
            fail(f"{len(problems)} file(s) in {out} are stale; run `chidao api-docs`")
        typer.echo(f"{out}: the {len(files)} documents are up to date")
        return
    changed = write(out, files)
    for path in changed:
        typer.echo(f"wrote {path}" if path.exists() else f"removed {path}")
    typer.echo(f"{out}: {len(files)} documents, {len(changed)} changed")


@bench_app.command("fanout")
def bench_fanout(
    units: Annotated[
        int, typer.Option(min=1, help="number of units in the synthetic tree")
    ] = 100_000,
    var: Annotated[Path, typer.Option(help="scratch directory")] = Path("var/bench"),
):
    """Issue one directive to N units on a fresh embedded server; time until every
    assignment is acknowledged by JetStream."""
    from chidao.bench.fanout import run

    typer.echo(json.dumps(run(units, var)))


@bench_app.command("aggregate")
def bench_aggregate(
    units: Annotated[int, typer.Option(min=1, help="units that each submit one report")] = 10_000,
    var: Annotated[Path, typer.Option(help="scratch folder")] = Path("var/bench"),
    through_reporter: Annotated[
        bool, typer.Option(help="submit through the reporter's HTTP API, 32 at a time")
    ] = False,
):
    """N units report; time the roll-up until the root's synthesis is correct."""
    from chidao.bench.aggregate import run

    typer.echo(json.dumps(run(units, var, through_reporter)))


@bench_app.command("notify")
def bench_notify(
    mails: Annotated[int, typer.Option(min=1)] = 10_000,
    connections: Annotated[int, typer.Option(min=1, max=64)] = 4,
    smtp_host: Annotated[str | None, typer.Option(help="a sink someone else runs")] = None,
    smtp_port: Annotated[int | None, typer.Option()] = None,
    baseline: Annotated[bool, typer.Option(help="plain aiosmtplib loop instead")] = False,
    kills: Annotated[
        int,
        typer.Option(
            min=0,
            help="instead: the notifier process SIGKILLed this many times while it mails N "
            "assignments; count the mails lost and sent twice",
        ),
    ] = 0,
    var: Annotated[Path, typer.Option(help="scratch directory (--kills)")] = Path("var/bench"),
):
    """Send N mails through the notifier's mailer to an SMTP sink; time it. With --kills,
    through the notifier process, killed again and again."""
    if kills:
        from chidao.bench.kills import run as run_kills

        typer.echo(json.dumps(run_kills(mails, kills, var)))
        return
    from chidao.bench.notify import run

    typer.echo(json.dumps(run(mails, connections, smtp_host, smtp_port, baseline)))


@bench_app.command("directory")
def bench_directory(
    units: Annotated[int, typer.Option(min=1)] = 300_000,
    var: Annotated[Path, typer.Option(help="scratch directory")] = Path("var/bench"),
):
    """chidao directory load of a synthetic directory of N units: first load, reload."""
    from chidao.bench.directory import run

    typer.echo(json.dumps(run(units, var)))


@bench_app.command("publish")
def bench_publish(
    messages: Annotated[int, typer.Option(min=1)] = 100_000,
    size: Annotated[int, typer.Option(help="payload bytes")] = 1000,
    var: Annotated[Path, typer.Option(help="scratch directory")] = Path("var/bench"),
):
    """Baseline: plain nats-py publish_async of N messages with Nats-Msg-Id."""
    from chidao.bench.publish import run

    typer.echo(json.dumps(run(messages, size, var)))


def main() -> None:
    from chidao.runtime.admin import NatsUnreachable

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except NatsUnreachable as exc:  # every command that needs NATS: one line, exit 2
        typer.echo(f"chidao: {exc}", err=True)
        sys.exit(2)

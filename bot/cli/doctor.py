"""``recap doctor``: check the database, its schema, the queue, each credential and the webhooks; one verdict per line.

Each check ends in ``ok``, ``warn`` or ``FAIL`` plus what to do. Webex tells rights apart by status:
a 403 means the credential lacks them, a 400/404 on a probe id means it has them. Token values
never appear (only whom a token belongs to).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.cli.db import upgrade_done
from bot.cli.insight_checks import insight_lines
from bot.config import Settings
from bot.errors import ConfigError, WebexAuthError, WebexBadRequest, WebexError, WebexNotFound
from bot.storage import DATABASE_ERRORS, Store, create_engine_for, display_url, error_reason, schema_state
from bot.webex import (
    REFRESH_HINT,
    WANTED,
    Messaging,
    WantedWebhook,
    WebexClient,
    WebexClients,
    Webhook,
    list_webhooks,
    target_url,
    webex_clients,
)

OK, WARN, FAIL = "ok", "warn", "FAIL"
ARCHIVES = "recordingReport/meetingArchiveSummaries"
PROBE_MEETING = "00000000000000000000000000000000_I_000000000000000000"  # well-formed, never a real instance
SYNC = "run `recap webhooks sync`"
DATABASE_FIX = "check DATABASE_URL, the server and its rights"
TOKEN_FIXES = {
    "bot": "WEBEX_BOT_TOKEN is invalid or revoked: copy the bot's token again at developer.webex.com/my-apps",
    "admin": "WEBEX_ADMIN_TOKEN expired or was revoked (a personal token lasts 12 hours): prefer an "
             "integration's OAuth refresh (WEBEX_ADMIN_CLIENT_ID/_CLIENT_SECRET/_REFRESH_TOKEN)",
    "compliance": "WEBEX_COMPLIANCE_TOKEN expired or was revoked: get a new compliance officer's token",
}
ADMIN_RIGHTS = ("the admin credential must belong to a full administrator who is also site administrator, "
                "authorised with the scopes meeting:admin_recordings_read and meeting:admin_schedule_read")


@dataclass(frozen=True)
class Finding:
    """One line of the verdict."""

    verdict: str  # ok | warn | FAIL
    topic: str
    message: str
    fix: str = ""

    def line(self) -> str:
        """``ok    topic: message — what to do``."""
        text = f"{self.verdict:<4}  {self.topic}: {self.message}"
        return f"{text} — {self.fix}" if self.fix else text


def failed(findings: list[Finding]) -> bool:
    """Whether any check failed (the exit code of ``recap doctor``)."""
    return any(f.verdict == FAIL for f in findings)


def diagnose(settings: Settings) -> list[Finding]:
    """Run every check, in order: database, its schema, queue, bot, admin, compliance, insights, webhooks."""
    database, store = check_database(settings)
    findings = [database]
    if store is not None:
        findings.append(schema := check_schema(store))
        store = store if schema.verdict == OK else None  # OAuth tokens live in tables it may not have
    findings.append(check_queue(settings))
    # Without the database there is no OAuth-refreshed admin client: its token lives there.
    clients = webex_clients(settings, store) if store is not None else WebexClients(settings)
    findings += check_bot(clients)
    if settings.admin_oauth is not None and store is None:
        findings.append(Finding(FAIL, "admin credential", "not checked: OAuth refresh keeps its token in the "
                                "database, which failed above", "fix the database first"))
    else:
        findings += check_admin(clients, settings)
    findings += check_compliance(clients)
    findings += [Finding(*line) for line in insight_lines(clients)]  # optional sources: warn at worst
    findings += check_webhooks(clients, settings)
    return findings


def check_database(settings: Settings) -> tuple[Finding, Store | None]:
    """Connect and ask the database a trivial question."""
    shown = display_url(settings.database_url)
    try:
        store = Store(create_engine_for(settings.database_url))
        store.ping()
    except DATABASE_ERRORS as exc:
        return Finding(FAIL, "database", f"{shown}: {error_reason(exc)}", DATABASE_FIX), None
    return Finding(OK, "database", f"{shown}: reachable"), store


def check_schema(store: Store) -> Finding:
    """The schema's revision against this release's head; SQLite is upgraded first, as every start does."""
    try:
        if store.engine.dialect.name == "sqlite":
            before, state = store.create_schema()
        else:
            before = state = schema_state(store.engine)
    except ConfigError as exc:  # a revision this release does not know, or tables too old to count as one
        return Finding(FAIL, "database schema", str(exc))
    except DATABASE_ERRORS as exc:
        return Finding(FAIL, "database schema", error_reason(exc), DATABASE_FIX)
    if not state.at_head:
        return Finding(FAIL, "database schema", state.describe(), state.fix())
    return Finding(OK, "database schema", state.describe() if before.at_head else upgrade_done(before, state))


def check_queue(settings: Settings) -> Finding:
    """Read the queue's length."""
    from bot.jobs import close_huey, create_huey

    shown = _without_password(settings.queue_url)
    if urlsplit(settings.queue_url).scheme == "memory":
        return Finding(WARN, "queue", "memory:// runs jobs inline (tests only)", "use sqlite:///FILE or redis://")
    try:
        huey = create_huey(settings.queue_url)
        waiting = huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - any failure here is the verdict (Redis down, unwritable file…)
        reason = (str(exc).splitlines() or [""])[0]
        return Finding(FAIL, "queue", f"{shown}: {type(exc).__name__}: {reason}", "check QUEUE_URL and the server")
    close_huey(huey)
    return Finding(OK, "queue", f"{shown}: reachable, {waiting} job(s) waiting")


def check_bot(clients: WebexClients) -> list[Finding]:
    """Whom the bot token belongs to, and that it is a bot."""
    if clients.bot is None:
        return [Finding(FAIL, "bot credential", "WEBEX_BOT_TOKEN is not set (Recap would run its sandbox)",
                        "create a bot at developer.webex.com/my-apps and set WEBEX_BOT_TOKEN")]
    finding, me = whoami(clients.bot, "bot")
    if me is not None and me.get("type") != "bot":
        return [Finding(WARN, "bot credential", f"{finding.message} is not a bot",
                        "WEBEX_BOT_TOKEN should be a bot's token, not a person's")]
    return [finding]


def check_admin(clients: WebexClients, settings: Settings) -> list[Finding]:
    """Whom the admin credential belongs to, and whether it can read archives and ended meetings."""
    if clients.admin is None:
        return [Finding(FAIL, "admin credential", "not configured: no archives, no automatic recaps",
                        "set WEBEX_ADMIN_TOKEN or WEBEX_ADMIN_CLIENT_ID/_CLIENT_SECRET/_REFRESH_TOKEN")]
    how = "OAuth refresh" if settings.admin_oauth else "WEBEX_ADMIN_TOKEN"
    finding, me = whoami(clients.admin, "admin", how)
    if me is None:
        return [finding]
    return [finding, probe(clients.admin, "admin archives", ARCHIVES, {"max": 1}, "can read meeting archives",
                           ADMIN_RIGHTS),
            probe(clients.admin, "admin meetings", "meetings", {"meetingType": "meeting", "state": "ended", "max": 1},
                  "can list ended meetings", ADMIN_RIGHTS)]


def check_compliance(clients: WebexClients) -> list[Finding]:
    """Whether the optional compliance credential has compliance-officer rights on post-meeting chats."""
    if clients.compliance is None:
        return [Finding(OK, "compliance credential", "not configured (optional): chats come from the archives")]
    finding, me = whoami(clients.compliance, "compliance")
    if me is None:
        return [finding]
    return [finding, probe(clients.compliance, "compliance chats", "meetings/postMeetingChats",
                           {"meetingId": PROBE_MEETING, "max": 1}, "can read post-meeting chats",
                           "needs the Compliance Officer role and the scope spark-compliance:meetings_read")]


def whoami(client: WebexClient | Messaging, role: str, how: str = "") -> tuple[Finding, dict | None]:
    """``GET people/me``: whom the credential belongs to, or why Webex refused it."""
    topic = f"{role} credential"
    try:
        me = client.me() if isinstance(client, Messaging) else client.get_json("people/me")
    except WebexAuthError as exc:
        fix = exc.hint if exc.hint == REFRESH_HINT else TOKEN_FIXES[role]  # the refresh itself was refused
        return Finding(FAIL, topic, f"Webex refused it (HTTP {exc.status})", fix), None
    except WebexError as exc:
        return Finding(FAIL, topic, f"could not ask Webex: {exc}", "check WEBEX_API_URL and the network"), None
    email = next(iter(me.get("emails") or ()), "no e-mail")
    via = f" via {how}" if how else ""
    return Finding(OK, topic, f"{me.get('displayName') or '?'} <{email}> ({me.get('type') or '?'}){via}"), me


def probe(client: WebexClient, topic: str, path: str, params: dict, can: str, rights: str) -> Finding:
    """One call that tells whether the credential has a right: 403 no; 2xx, or 400/404 on a probe id, yes."""
    try:
        client.get_json(path, params)
    except WebexAuthError as exc:
        return Finding(FAIL, topic, f"cannot: Webex answered HTTP {exc.status} to GET {path}", rights)
    except (WebexBadRequest, WebexNotFound) as exc:
        return Finding(OK, topic, f"{can} (the probe id was refused with HTTP {exc.status}, not 403)")
    except WebexError as exc:
        return Finding(WARN, topic, f"could not tell: {exc}", "run `recap doctor` again later")
    return Finding(OK, topic, can)


def check_webhooks(clients: WebexClients, settings: Settings) -> list[Finding]:
    """Each of Recap's webhooks: present, active, at ``RECAP_PUBLIC_URL``, with our secret."""
    if not settings.public_url:
        return [Finding(FAIL, "webhooks", "RECAP_PUBLIC_URL is not set: Webex has nowhere to post",
                        "set it to the public https address of this bot, then " + SYNC)]
    target = target_url(settings)
    findings, hooks, listed = [], [], []
    for role in ("bot", "admin"):
        if getattr(clients, role) is None:
            continue
        try:
            hooks += list_webhooks(clients, str(settings.webhook_secret or ""), roles=(role,))
            listed.append(role)
        except WebexError as exc:
            findings.append(Finding(FAIL, f"{role} webhooks", f"cannot list them: {exc}",
                                    getattr(exc, "hint", "") or "check the credential"))
    for wanted in WANTED:
        if wanted.role in listed:
            findings.append(_webhook_verdict(wanted, [h for h in hooks if h.serves(wanted)], target))
    for hook in hooks:
        if not hook.mine and hook.target_url.rstrip("/") == target:
            findings.append(Finding(WARN, f"webhook {hook.resource}/{hook.event}",
                                    f"a webhook Recap did not create ({hook.name!r}) also posts here",
                                    "Recap drops the duplicate deliveries; delete it if nobody needs it"))
    return findings


def _webhook_verdict(wanted: WantedWebhook, ours: list[Webhook], target: str) -> Finding:
    topic = f"webhook {wanted.resource}/{wanted.event}" + (" (org)" if wanted.org else "")
    if not ours:
        return Finding(FAIL, topic, "missing", SYNC)
    hook = next((h for h in ours if h.target_url == target and h.status == "active"), ours[0])
    if hook.status != "active":
        return Finding(FAIL, topic, f"disabled by Webex (status {hook.status}) after failed deliveries",
                       f"make sure {target} answers, then {SYNC} to re-activate it")
    if hook.target_url != target:
        return Finding(FAIL, topic, f"points at {hook.target_url}, not {target}", SYNC)
    if hook.secret_matches is False:
        return Finding(FAIL, topic, "its secret is not WEBEX_WEBHOOK_SECRET: deliveries would be refused", SYNC)
    if len(ours) > 1:
        return Finding(WARN, topic, f"{len(ours)} copies (deliveries are de-duplicated)", SYNC + " to remove them")
    unknown = " (Webex did not show its secret: not compared)" if hook.secret_matches is None else ""
    return Finding(OK, topic, f"active -> {target}{unknown}")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()

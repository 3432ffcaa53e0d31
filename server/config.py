"""Settings in one place: each has its default here and may be overridden by
an environment variable of the same name, then by the test override passed to
``create_app``."""

import json
import os
from pathlib import Path

# The checkout: the app's own folders (pwa/, migrations/, instance/) are found from here.
REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # SQLAlchemy URL; empty means a SQLite file in the instance folder.
    "DATABASE_URL": "",
    # Signs access tokens. Empty means a random key kept in instance/secret_key.
    "SECRET_KEY": "",
    # Lifetime of an access token; a technician offline for a shift keeps working.
    "TOKEN_TTL_SECONDS": 12 * 3600,
    # Largest request body accepted outside the import endpoints (bytes).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Largest uploaded import file (bytes): install-base exports run to millions of rows.
    "IMPORT_MAX_BYTES": 1024 * 1024 * 1024,
    # Argon2id cost: OWASP's baseline (19 MiB, 2 passes); tests lower it to keep the suite fast.
    "PASSWORD_TIME_COST": 2,
    "PASSWORD_MEMORY_KIB": 19 * 1024,
    # Page size of list endpoints when the client does not ask, and its ceiling.
    "PAGE_SIZE": 50,
    "PAGE_SIZE_MAX": 500,
    # Two claims on one unit with repair dates this close are duplicates (重单).
    "CLAIM_DUPLICATE_WINDOW_DAYS": 30,
    # Proof of repair (旧件返还): the old part a returnable part replaced on a warranty job must reach its
    # province's RDC within PART_RETURN_DAYS of the repair; the provider's managers are reminded
    # PART_RETURN_REMIND_DAYS before. A return late or rejected at inspection costs the provider RETURN_PENALTY
    # on its statement: "price" (the part's price) or a fixed amount in cents.
    "PART_RETURN_DAYS": 15,
    "PART_RETURN_REMIND_DAYS": 3,
    "RETURN_PENALTY": "price",
    # A complaint upheld against a provider at close-out costs it this much (cents) on its statement.
    "COMPLAINT_DEDUCTION_CENTS": 10000,
    # A unit repaired again within this many days of a provider's repair: its statement gives back that repair's
    # labour (the REPEAT_REPAIR rule).
    "REPEAT_REPAIR_DAYS": 30,
    # A provider may dispute a deduction of an open statement for this many days after it is made; then the
    # scheduler finalises it (credits the provider's account) once no dispute is left open.
    "DISPUTE_DAYS": 7,
    # The scheduler makes last month's statements for every provider from this day of the month (local).
    "SETTLEMENT_DAY": 5,
    "SCHEDULER_RETURNS_SECONDS": 3600,
    "SCHEDULER_SETTLEMENTS_SECONDS": 3600,
    # Proof of visit: a fix farther than this (plus its accuracy) from the address is FAR_FROM_ADDRESS, and one
    # less accurate than this proves nothing either way.
    "CHECKIN_RADIUS_M": 500,
    # Faster than this between two jobs' fixes (less both accuracies) is IMPOSSIBLE_TRAVEL.
    "MAX_TRAVEL_KMH": 120,
    # The users' clock (China Standard Time, no daylight saving): "today" for appointments and reports.
    "LOCAL_UTC_OFFSET_MINUTES": 8 * 60,
    # Providers' SLA record over this many days orders the dispatch suggestions.
    "SLA_RECORD_DAYS": 30,
    # Seconds between scheduler checks for overdue jobs, and for appointment reminders.
    "SCHEDULER_OVERDUE_SECONDS": 60,
    "SCHEDULER_REMINDER_SECONDS": 600,
    # Seconds between roll-ups of the headquarters parts plan into purchase orders (daily).
    "SCHEDULER_PLAN_ROLLUP_SECONDS": 24 * 3600,
    # Offline sync: the most ops one push may carry, its largest body, and how far back a new
    # device's snapshot reaches for jobs and requisitions already closed.
    "SYNC_MAX_OPS": 1000,
    "SYNC_PUSH_MAX_BYTES": 8 * 1024 * 1024,
    "SYNC_RECENT_DAYS": 30,
    # Ops of one push committed together: fewer waits for the disk, its jobs held a little longer.
    "SYNC_OPS_PER_COMMIT": 200,
    # Changes older than this leave the feeds (a device away longer starts again from a snapshot),
    # and the seconds between the scheduler's compactions.
    "SYNC_RETENTION_DAYS": 30,
    "SCHEDULER_SYNC_COMPACT_SECONDS": 24 * 3600,
    # The parts supply cycle the network aims at, in days (the published case: 25 → 12, target 7).
    "PARTS_CYCLE_TARGET_DAYS": 7,
    # Finished jobs a technician can carry a day: the workload report's staffing suggestion aims at it.
    "STAFFING_JOBS_PER_TECHNICIAN_DAY": 4,
    # Standard labour fee of a warranty repair per product category, in cents ("*" for any other):
    # what a claim drafted from a job proposes (JSON in the environment).
    "CLAIM_LABOUR_FEES": {"tv": 8000, "washing_machine": 10000, "*": 8000},
    # Label photos: where they are kept ("folder" under instance/ or PHOTO_DIR; "database" when
    # several app servers share one), the largest upload in bytes, in pixels and on its longest side
    # (the app scales a photo to 2,000 px on its longest side; these leave twice that).
    "PHOTO_STORE": "folder",
    "PHOTO_DIR": "",
    "SCAN_MAX_BYTES": 20 * 1024 * 1024,
    "SCAN_MAX_PIXELS": 4096 * 4096,
    "SCAN_MAX_SIDE": 4096,
    # Reading a photo runs in a child process with this many seconds of CPU (a real label photo needs
    # well under half); past it the photo is refused (422 image_too_complex). The reuse check against
    # stored photos gets as much again. The child runs below the web workers' priority; one that has
    # not finished after SCAN_DECODE_WALL_SECONDS (the machine had no CPU to spare) is stopped and the
    # upload answered 503 with Retry-After, before gunicorn's 30 s worker timeout.
    "SCAN_DECODE_SECONDS": 10,
    "SCAN_DECODE_WALL_SECONDS": 25,
    # How many photos are read at once on this machine, across every worker (0: one fewer than its CPUs,
    # at least one); how many uploads may wait for a turn (-1: as many as read at once; each waiting
    # upload holds a web worker) and how long, before a 503 with Retry-After; and the folder of the lock
    # files that count them (empty: instance/decoders).
    "SCAN_DECODE_SLOTS": 0,
    "SCAN_DECODE_WAITING": -1,
    "SCAN_DECODE_WAIT_SECONDS": 5,
    "SCAN_DECODE_DIR": "",
    # Callbacks (回访): days after completion per job type ("*" for any other; JSON in the environment),
    # and jobs completed longer ago than this get none (a new install does not call last year's customers).
    "CALLBACK_DELAY_DAYS": {"*": 3},
    "CALLBACK_MAX_AGE_DAYS": 30,
    # A callback not done this many days after it fell due is overdue, and the agents are told once.
    "CALLBACK_OVERDUE_DAYS": 2,
    # A customer not reached is tried again this many hours later, at most this many times in all.
    "CALLBACK_RETRY_HOURS": 4,
    "CALLBACK_MAX_ATTEMPTS": 3,
    # A callback score at or below this opens a complaint by itself.
    "CALLBACK_LOW_SCORE": 2,
    # Hours to close a complaint before it is overdue; a customer or unit with another complaint
    # within this many days makes both repeat complaints.
    "COMPLAINT_DUE_HOURS": 48,
    "COMPLAINT_REPEAT_DAYS": 30,
    # Seconds between the scheduler's customer-care rounds: callbacks opened, overdue ones
    # reminded, due reminders raised as tasks; and between warranty-ending checks (daily).
    "SCHEDULER_CARE_SECONDS": 600,
    "SCHEDULER_WARRANTY_ENDING_SECONDS": 24 * 3600,
    # How often the failed sign-ins past their reset period are dropped.
    "SCHEDULER_SIGN_IN_PURGE_SECONDS": 3600,
    # Messages to customers' phones (the completion code): "log" keeps each one in the outbox as its delivery
    # (admins read it at /api/admin/messages); "http" has the scheduler POST each one as JSON to
    # MESSAGE_HTTP_URL (an SMS provider's adapter), waiting at most MESSAGE_HTTP_TIMEOUT_SECONDS for an answer,
    # retried after MESSAGE_RETRY_SECONDS, doubling up to MESSAGE_RETRY_MAX_SECONDS, and failed after
    # MESSAGE_MAX_ATTEMPTS; the scheduler looks for due messages every SCHEDULER_MESSAGES_SECONDS.
    "MESSAGE_BACKEND": "log",
    "MESSAGE_HTTP_URL": "",
    "MESSAGE_HTTP_TIMEOUT_SECONDS": 5,
    "MESSAGE_RETRY_SECONDS": 60,
    "MESSAGE_RETRY_MAX_SECONDS": 3600,
    "MESSAGE_MAX_ATTEMPTS": 8,
    "SCHEDULER_MESSAGES_SECONDS": 30,
    # Replies to customers' messages: the SMS provider's adapter posts each one to POST /api/messages/inbound with
    # "X-Message-Token: MESSAGE_INBOUND_TOKEN" (None: nobody may post; the endpoint refuses every reply).
    "MESSAGE_INBOUND_TOKEN": None,
    # Customer-care campaigns (客户关怀): the hotline their {hotline} placeholder names, the wording the system ends
    # every campaign message with (how to opt out), and the seconds between the scheduler's sending rounds.
    "CARE_HOTLINE": "400-800-3150",
    "CAMPAIGN_OPT_OUT_TEXT": " 回TD退订",
    "SCHEDULER_CAMPAIGNS_SECONDS": 30,
    # The messages a minute the SMS gateway is contracted to take for campaigns: no campaign's rate may exceed it,
    # and the campaigns sending at once share it (counted over the outbox's last minute).
    "MESSAGE_RATE_PER_MINUTE": 6000,
    # The call relay (隐私号): the app calls a customer by dialling CALL_RELAY_NUMBER and keying the job's
    # extension after a pause, and the telephony provider's adapter asks POST /api/call-relay, with
    # "Authorization: Bearer CALL_RELAY_TOKEN", whom to connect the call to. None (either one): no relay; the
    # app only records the calls made, and nobody may ask the endpoint.
    "CALL_RELAY_NUMBER": None,
    "CALL_RELAY_TOKEN": None,
    # Log level of the app's own logger.
    "LOG_LEVEL": "INFO",
    # How many proxies in front of the app set X-Forwarded-For (werkzeug's ProxyFix, x_for). 0 trusts none:
    # the client's address is the connection's, so a client cannot name its own address to escape the limits.
    "TRUSTED_PROXY_COUNT": 0,
    # Sign-in limits per client address (Flask-Limiter): failed sign-ins allowed in each window (limits'
    # notation, ";" between windows); off, on the storage every worker shares (memory:// is one process's
    # own: with several workers or servers use redis://host:6379), keys under this prefix, counted in a
    # moving window (exact; a sign-in is rare enough for its cost).
    "SIGN_IN_RATE_LIMIT": "10 per minute;100 per hour",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "sanbao",
    "RATELIMIT_STRATEGY": "moving-window",
    # When that store cannot be reached, sign-in goes on without the per-address limit (logged), the
    # per-account delay in the database still holding, rather than nobody signing in at all.
    "RATELIMIT_SWALLOW_ERRORS": True,
    # Failed sign-ins of one username from one address pass freely up to this many; each one more makes
    # that pair wait, from the first delay doubling up to the longest (seconds). A pair with no failure for
    # the last setting's seconds starts again from nothing.
    "SIGN_IN_DELAY_AFTER": 5,
    "SIGN_IN_DELAY_SECONDS": 1,
    "SIGN_IN_DELAY_MAX_SECONDS": 15 * 60,
    "SIGN_IN_FAILURES_RESET_SECONDS": 24 * 3600,
}

_BOOL_SETTINGS = {k for k, v in DEFAULTS.items() if isinstance(v, bool)}
_INT_SETTINGS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)}
_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
_JSON_SETTINGS = {k for k, v in DEFAULTS.items() if isinstance(v, dict)}


def from_environ(environ=os.environ):
    """Return the settings that the environment overrides, typed like their defaults."""
    settings = {}
    for key in DEFAULTS:
        raw = environ.get(key)
        if raw is None or raw == "":
            continue
        if key in _BOOL_SETTINGS:
            if raw.strip().lower() not in _BOOLEANS:
                raise RuntimeError(f"{key} must be true or false, not {raw!r}")
            settings[key] = _BOOLEANS[raw.strip().lower()]
        elif key in _INT_SETTINGS:
            try:
                settings[key] = int(raw)
            except ValueError as exc:
                raise RuntimeError(f"{key} must be an integer, not {raw!r}") from exc
        elif key in _JSON_SETTINGS:
            try:
                settings[key] = json.loads(raw)
            except ValueError as exc:
                raise RuntimeError(f"{key} must be a JSON object, not {raw!r}") from exc
            if not isinstance(settings[key], dict):
                raise RuntimeError(f"{key} must be a JSON object, not {raw!r}")
        else:
            settings[key] = raw
    return settings

"""Built-in settings; config.example.py explains each one."""

PRACTICE_NAME = "Our practice"
# The practice's time zone (an IANA name such as "America/New_York"): what day it is for due
# dates, "overdue" and reminders, and how times read for partners, in emails and the couple's
# copy. Empty: the server's own zone when it has a name, else UTC; an unknown name stops start-up.
TIMEZONE = ""
# How a new session's notes are laid out: "free" (one text), "soap", "dap" or "birp" headings.
# A counselor can choose another for each session.
NOTE_STRUCTURE = "free"
DATABASE_URL = ""  # empty: SQLite in the instance folder
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 12
MAX_CONTENT_LENGTH = 1024 * 1024
# The session bounds a CSRF token's life; a clock on the token would log a note-writer out.
WTF_CSRF_TIME_LIMIT = None
PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = 5
LOGIN_ATTEMPTS_PER_ADDRESS = 20
# From any address: past this, each try waits a doubling delay instead of being locked out.
LOGIN_ATTEMPTS_PER_ACCOUNT = 10
LOGIN_THROTTLE_MINUTES = 15
REQUIRE_2FA = False  # True: every counselor sets up two-step sign-in before anything else
PROXY_FIX_X_FOR = 0
AUDIT_RETENTION_DAYS = 6 * 365  # six years, a common record-keeping period; 0 keeps all
WORKSHEET_DIRS: list[str] = []
LINK_EXPIRY_DAYS = 21
LINK_ATTEMPTS_PER_ADDRESS = 60
LINK_THROTTLE_MINUTES = 10
# PDFs made at once per app process, each laid out in a render process of its own beside it
# (clinic.render_process: about 130 MB each, at a lower priority than requests). More at once
# would take more memory and share the same cores; one, with two gunicorn processes, keeps pages
# and autosaves quick. On a machine kept busy by requests, a PDF takes longer than alone.
PDF_RENDERS = 1
# How long an export waits for a free render before "try again in a moment" (HTTP 503): a
# typical summary takes under a second, the largest about 2.5 s, on a machine with time to
# spare; while requests keep every core busy, a niced render takes several times as long, and
# a second export at that moment gets the page rather than a long wait (docs/benchmarks.md).
PDF_RENDER_WAIT_SECONDS = 3
# PDFs kept in instance/pdf-cache, by content, so the same summary is not made twice; the least
# recently used go first past this many (0: keep none). They go with their session or couple.
PDF_CACHE_FILES = 200
SEEK_HELP_TEXT = (
    "If you feel unsafe at home, or one of you is thinking of self-harm, do not wait for the next "
    "session. Call your local emergency number, or a crisis line in your area, at any hour."
)
# Shown on every partner's done page, under safety questions, and in both PDFs.
CRISIS_RESOURCES = [
    {
        "name": "Emergency services",
        "number": "Your local emergency number",
        "when": "If you or someone else is in danger right now.",
    },
]
QUICK_EXIT_URL = "https://www.wikipedia.org/"
# Partner pages send no Referer (Referrer-Policy: no-referrer), which Flask-WTF's HTTPS referrer
# check would reject; the CSRF token and the SameSite cookie still protect every form.
WTF_CSRF_SSL_STRICT = False
# Empty: links are built from the address of the counselor's request, and nothing is emailed.
PUBLIC_URL = ""
MAIL_SERVER = ""  # empty: email is off and messages wait in the outbox
MAIL_PORT = 587
MAIL_USE_TLS = True  # STARTTLS on MAIL_PORT
MAIL_USE_SSL = False  # TLS from the first byte (port 465)
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_DEFAULT_SENDER = ""
MAIL_TIMEOUT = 15  # seconds; a counselor's request waits at most this long for the server
# Minutes before each retry of a failed send; after the last one the message is "failed".
MAIL_RETRY_MINUTES = [5, 15, 60, 240, 720]
# Reminders: days from the due date (negative: before it), at most MAX_REMINDERS of them, sent
# from REMINDER_HOUR (the practice's local hour, TIMEZONE) on; they stop once the partner has sent.
REMINDER_DAYS = [-2, 0, 3]
MAX_REMINDERS = 3
REMINDER_HOUR = 8
# Telling the counselor both partners have sent: "each" (one email each), "daily" (a digest at
# REMINDER_HOUR) or "off".
COUNSELOR_NOTICE = "each"

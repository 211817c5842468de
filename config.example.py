# Copy this file to instance/config.py and change what you need. Every key can also be set from
# the environment with a CLINIC_ prefix, e.g. CLINIC_PRACTICE_NAME="Riverside Counseling".

# Shown in page titles, on partner pages and in the PDF header.
PRACTICE_NAME = "Our practice"

# Your time zone, as an IANA name ("America/New_York", "Europe/Berlin"); empty: the server's own.
TIMEZONE = ""

# How new session notes are laid out: "free", "soap", "dap" or "birp" (one field per heading).
NOTE_STRUCTURE = "free"

# Leave unset to keep a random key in instance/secret_key (made once, mode 0600). Set it to the
# same long random value on every app process when you run several (python -c "import secrets;
# print(secrets.token_hex(32))"). Short or well-known keys are refused at start-up.
# SECRET_KEY = "..."

# Empty: SQLite in the instance folder. For PostgreSQL (several app processes):
# "postgresql+psycopg://clinic:password@localhost/clinic". DATABASE_URL in the environment works too.
DATABASE_URL = ""

# True when the app is served over HTTPS: cookies are then only sent over HTTPS, and browsers are
# told to use HTTPS for this site from then on (Strict-Transport-Security).
SESSION_COOKIE_SECURE = False

# True: every counselor must set up two-step sign-in (a code from an authenticator app after the
# password) before they can do anything else. Anyone can turn it on for themselves either way.
REQUIRE_2FA = False

# A counselor is signed out after this many minutes without a request...
SESSION_IDLE_MINUTES = 30
# ...and after this many hours in any case.
SESSION_MAX_HOURS = 12

# Largest request body accepted, in bytes.
MAX_CONTENT_LENGTH = 1024 * 1024

# argon2id cost: "RFC_9106_LOW_MEMORY" (64 MiB) or "RFC_9106_HIGH_MEMORY" (2 GiB).
PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"

# Failed sign-ins allowed for one account from one client address, and from one address for any
# accounts, within the window below; past either, that address waits for the window to pass.
LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = 5
LOGIN_ATTEMPTS_PER_ADDRESS = 20
# Failed sign-ins for one account from all addresses together: past this, each further try waits
# 1, 2, 4 ... up to 60 seconds. Never a lockout, so strangers cannot keep a counselor out.
LOGIN_ATTEMPTS_PER_ACCOUNT = 10
# The window for the counts above, in minutes (at most a day: older failures are purged).
LOGIN_THROTTLE_MINUTES = 15

# Behind a reverse proxy: how many proxies set X-Forwarded-For (0: trust none).
PROXY_FIX_X_FOR = 0

# Audit events older than this many days are deleted (checked at each sign-in); 0 keeps them all.
AUDIT_RETENTION_DAYS = 6 * 365

# Extra folders with your practice's own worksheets (*.toml); broken files are reported and skipped.
WORKSHEET_DIRS = []

# A partner's link stops working this many days after the assignment's due date.
LINK_EXPIRY_DAYS = 21

# Where "Leave quickly" on a partner's page goes: a neutral site that opens fast.
QUICK_EXIT_URL = "https://www.wikipedia.org/"

# Requests with unknown, expired or revoked partner links allowed per client address within the
# window below (minutes, at most a day). Links that work are never counted.
LINK_ATTEMPTS_PER_ADDRESS = 60
LINK_THROTTLE_MINUTES = 10

# PDFs made at once in each app process; more exports wait, then get "try again in a moment".
PDF_RENDERS = 1
# Seconds an export waits for its turn before that page (HTTP 503 with Retry-After).
PDF_RENDER_WAIT_SECONDS = 3
# Summary PDFs kept by content in instance/pdf-cache (0: none), so none is made twice.
PDF_CACHE_FILES = 200

# The "when to seek more help" text at the end of every session summary.
SEEK_HELP_TEXT = (
    "If you feel unsafe at home, or one of you is thinking of self-harm, do not wait for the next "
    "session. Call your local emergency number, or a crisis line in your area, at any hour."
)

# The practice's crisis resources: name, number and when to use each. Shown on every partner's
# done page, under safety questions, and in both copies of the session summary.
CRISIS_RESOURCES = [
    {
        "name": "Emergency services",
        "number": "Your local emergency number",
        "when": "If you or someone else is in danger right now.",
    },
]

# The address partners and counselors reach this app at, as they type it in a browser. Every
# link shown or emailed is built from it; without it, links use the address of the counselor's
# own request (only good on this computer when that is 127.0.0.1), and nothing is emailed.
PUBLIC_URL = ""  # e.g. "https://clinic.example.org"

# Email through the practice's SMTP server. Empty MAIL_SERVER: email is off, and links are
# copied by hand. Check the settings with: flask --app clinic mail-test you@example.org
MAIL_SERVER = ""  # e.g. "smtp.example.org"
MAIL_PORT = 587
MAIL_USE_TLS = True  # STARTTLS after connecting (port 587)
MAIL_USE_SSL = False  # TLS from the start instead (port 465)
MAIL_USERNAME = ""
MAIL_PASSWORD = ""  # or CLINIC_MAIL_PASSWORD in the environment, to keep it out of this file
MAIL_DEFAULT_SENDER = ""  # e.g. "appointments@clinic.example.org"; the practice name goes beside it
# Seconds to wait for the mail server; a counselor who assigns waits at most this long.
MAIL_TIMEOUT = 15
# Minutes before each new try of a message that failed; after the last, it is marked failed.
MAIL_RETRY_MINUTES = [5, 15, 60, 240, 720]

# Reminders to a partner who has not sent yet: days from the due date (negative: before it),
# at most MAX_REMINDERS, each sent from REMINDER_HOUR (local, TIMEZONE; 0-23) on by `send-due`.
REMINDER_DAYS = [-2, 0, 3]
MAX_REMINDERS = 3
REMINDER_HOUR = 8

# Tell the counselor when both partners have sent: "each" (an email each time), "daily" (one
# digest a day at REMINDER_HOUR) or "off". The email holds a link to the review, no names.
COUNSELOR_NOTICE = "each"

# Your own wording for the emails: copy a file from templates/mail/ into instance/mail/ and
# change it. The first line of each .txt file is the subject.

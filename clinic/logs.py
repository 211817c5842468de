"""Keep tokens (partner links, the one-time setup link) out of request logs."""

from __future__ import annotations

import logging
import re
from typing import Any

TOKEN_PATH = re.compile(r"/(l|setup)/[A-Za-z0-9_-]+")


class RedactTokens(logging.Filter):
    """Replace the token in any /l/<token> or /setup/<token> path a log line carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.msg)
        if isinstance(record.args, dict):
            # In place: gunicorn's access log passes a dict subclass that answers missing keys.
            for key, value in record.args.items():
                redacted = _redact(value)
                if redacted is not value:
                    record.args[key] = redacted
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact(value) for value in record.args)
        return True


def _redact(value: Any) -> Any:
    # Every request's access line passes here, each of its fields: most carry no such path.
    if isinstance(value, str) and ("/l/" in value or "/setup/" in value):
        return TOKEN_PATH.sub(r"/\1/[token]", value)
    return value


def init_app() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())

"""Log lines that carry the account and job they are about, and never a secret.

`job_context` is set while a job runs; `ContextFilter` copies it onto every record. The
redaction is a safety net: the code never logs secrets in the first place.
"""

import contextvars
import json
import logging
import re

job_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "job_context", default=None
)

_SECRET_PATTERNS = [
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (
        re.compile(
            r"((?:client_secret|password|access_token|TokenId)[\"']?\s*[=:>]\s*[\"']?)"
            r"[^\s&\"'<,]+",
            re.IGNORECASE,
        ),
        r"\1[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = job_context.get() or {}
        record.account_id = context.get("account", "-")
        record.job_id = context.get("job", "-")
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(str(record.msg))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors in production."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "account": getattr(record, "account_id", "-"),
            "job": getattr(record, "job_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)

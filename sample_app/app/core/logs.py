"""Logging for the app's own loggers (`app.*`), in the same shape as uvicorn's lines."""

import logging


class LevelPrefixFormatter(logging.Formatter):
    """`WARNING:  app.audit - message`: the level column lines up with uvicorn's."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return f"{record.levelname + ':':<10}{record.name} - {record.getMessage()}"


def configure_logging(*, debug: bool) -> None:
    """Send log records to stderr unless logging was configured already.

    Uvicorn and gunicorn configure only their own loggers, so without this the audit
    lines written by background tasks would go nowhere.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(LevelPrefixFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("app").setLevel(logging.DEBUG if debug else logging.INFO)

"""Sending e-mail through the SMTP server in the settings (SMTP_HOST, SMTP_PORT, ...)."""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from app.core.config import Settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0


def send_email(message: EmailMessage, settings: Settings) -> bool:
    """Send `message`; True if the server took it.

    Meant for background tasks, where an exception would only end up in the server log
    as a traceback: an unset SMTP_HOST skips the message, and any failure to deliver it
    is logged as one warning line and reported as False.
    """
    if not settings.smtp_host:
        logger.debug("SMTP_HOST is not set: %r not sent", message["Subject"])
        return False
    if message["From"] is None:
        message["From"] = settings.mail_from
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password is not None:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # OSError covers refused connections, timeouts and TLS failures.
        logger.warning("e-mail %r not sent via %s: %s", message["Subject"], where, exc)
        return False
    logger.info("e-mail %r sent via %s", message["Subject"], where)
    return True

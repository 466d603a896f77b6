"""The welcome e-mail a new user gets, as plain text with an HTML alternative."""

import logging
from email.headerregistry import Address
from email.message import EmailMessage
from html import escape

from app.core.config import Settings
from app.core.mail import send_email
from app.schemas.user import UserPublic

logger = logging.getLogger(__name__)


def welcome_message(user: UserPublic, settings: Settings) -> EmailMessage:
    """The message for `user`: user-supplied values are escaped in the HTML part and go
    into the To header as one parsed address (raises ValueError if it is not one)."""
    name = user.full_name or user.username
    message = EmailMessage()
    message["Subject"] = f"Welcome to {settings.app_name}"
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=user.full_name or "", addr_spec=user.email)
    message.set_content(
        f"Hello {name},\n\n"
        f"your account '{user.username}' on {settings.app_name} is ready.\n"
        "Sign in with your username and password to get an access token.\n"
    )
    message.add_alternative(
        "<!DOCTYPE html>\n"
        f"<html><body><p>Hello {escape(name)},</p>"
        f"<p>your account <strong>{escape(user.username)}</strong> on "
        f"{escape(settings.app_name)} is ready.</p>"
        "<p>Sign in with your username and password to get an access token.</p>"
        "</body></html>\n",
        subtype="html",
    )
    return message


def send_welcome_email(user: UserPublic, settings: Settings) -> None:
    """Background task after sign-up: never raises (see `send_email`)."""
    if not settings.smtp_host:
        return
    try:
        message = welcome_message(user, settings)
    except ValueError as exc:
        logger.warning("welcome e-mail for %s not sent: %s", user.username, exc)
        return
    send_email(message, settings)

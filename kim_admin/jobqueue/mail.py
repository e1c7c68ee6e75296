"""Mails through the job queue: ``QueuedEmailBackend`` stores each message as a task; the
worker delivers it with ``EMAIL_DELIVERY_BACKEND`` (SMTP in production) and tries again later
when the mail server refuses. A page that sends a mail never waits for the mail server, and a
mail enqueued inside a transaction that rolls back is never sent."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend


def serialize(message) -> dict:
    attachments = []
    for item in message.attachments:
        if isinstance(item, tuple) or hasattr(item, "filename"):
            name, content, mimetype = tuple(item)
            if isinstance(content, str):
                content = content.encode()
            attachments.append([name, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {k: str(v) for k, v in message.extra_headers.items()},
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
        "content_subtype": message.content_subtype,
    }


def deliver(data: dict) -> int:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        connection=get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False),
    )
    message.content_subtype = data.get("content_subtype", "plain")
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in data["attachments"]:
        message.attach(name, base64.b64decode(content), mimetype)
    return message.send()


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        from kim_admin.jobqueue.tasks import send_mail

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            send_mail.enqueue(serialize(message))
            count += 1
        return count

"""A real SMTP server for the notification tests: aiosmtpd on 127.0.0.1,
printing each message it accepts as one JSON line on stdout. It offers AUTH
without TLS, as a careless or hostile server would, and prints every login it
is sent ({"login": …}): the tests look there for a password sent in clear.

Usage: sink.py PORT
"""

import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Print:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        print(
            json.dumps(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "subject": str(msg["subject"]),
                    "text": text.get_content() if text else None,
                    "html": html.get_content() if html else None,
                }
            ),
            flush=True,
        )
        return "250 OK"


def record_login(server, session, envelope, mechanism, auth_data):
    print(
        json.dumps(
            {
                "login": {
                    "mechanism": mechanism,
                    "user": auth_data.login.decode(),
                    "password": auth_data.password.decode(),
                }
            }
        ),
        flush=True,
    )
    return AuthResult(success=True)


async def main(port):
    controller = Controller(
        Print(),
        hostname="127.0.0.1",
        port=port,
        authenticator=record_login,
        auth_require_tls=False,
    )
    controller.start()
    print(json.dumps({"ready": port}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))

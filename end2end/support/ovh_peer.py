"""OVH's own Python client (`ovh` from PyPI) against Keyward, for
end2end/tests/applications.spec.ts. Each subcommand prints one JSON object.

python-ovh accepts only named endpoints (`ovh-eu`, `ovh-ca`, …), so the
gateway's URL is registered in `ovh.client.ENDPOINTS` under the name
"keyward" before the client is made.

  upstream PORT                      a tiny HTTP server that echoes each request
  request-ck ENDPOINT AK AS RULES [REDIRECT]
  call ENDPOINT AK AS CK METHOD PATH [--data JSON] [--time-delta N]
  replay ENDPOINT AK AS CK PATH      one signed GET, then the same headers again
  verify-post ENDPOINT KEYWARD AK AS CK PATH JSON
                                     signs a POST with a JSON body (without sending
                                     it) and asks Keyward's /v1/keys/verify about it,
                                     as is and with the body tampered with
"""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ovh
import requests


def client(endpoint, ak, secret=None, ck=None):
    ovh.client.ENDPOINTS["keyward"] = endpoint
    return ovh.Client(endpoint="keyward", application_key=ak, application_secret=secret, consumer_key=ck)


def answer(res):
    try:
        body = res.json()
    except ValueError:
        body = res.text
    return {"status": res.status_code, "body": body}


def capture(c):
    """Makes the client's session record what it would send, and send nothing."""
    sent = {}

    class Sent:
        status_code = 0
        text = ""

    def request(method, url, headers=None, data=None, timeout=None):
        sent.update(method=method, url=url, headers=dict(headers or {}), body=data or "")
        return Sent()

    c._session.request = request
    return sent


class Echo(BaseHTTPRequestHandler):
    """Answers every call with what it received, as JSON."""

    def reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        out = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "key_id": self.headers.get("X-Keyward-Key-Id"),
                "body": body,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = reply

    def log_message(self, *args):
        pass


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("upstream")
    u.add_argument("port", type=int)
    r = sub.add_parser("request-ck")
    r.add_argument("endpoint")
    r.add_argument("ak")
    r.add_argument("secret")  # python-ovh wants it, though this call is not signed
    r.add_argument("rules")
    r.add_argument("redirect", nargs="?")
    c = sub.add_parser("call")
    for a in ["endpoint", "ak", "secret", "ck", "method", "path"]:
        c.add_argument(a)
    c.add_argument("--data")
    c.add_argument("--time-delta", type=int)
    rp = sub.add_parser("replay")
    for a in ["endpoint", "ak", "secret", "ck", "path"]:
        rp.add_argument(a)
    v = sub.add_parser("verify-post")
    for a in ["endpoint", "keyward", "ak", "secret", "ck", "path", "data"]:
        v.add_argument(a)
    args = p.parse_args()

    if args.cmd == "upstream":
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Echo)
        print(json.dumps({"listening": args.port}), flush=True)
        server.serve_forever()
    elif args.cmd == "request-ck":
        ck = client(args.endpoint, args.ak, args.secret).request_consumerkey(json.loads(args.rules), args.redirect)
        print(json.dumps(ck))
    elif args.cmd == "call":
        cl = client(args.endpoint, args.ak, args.secret, args.ck)
        if args.time_delta is not None:
            cl._time_delta = args.time_delta  # a client whose clock is off
        data = json.loads(args.data) if args.data else None
        print(json.dumps(answer(cl.raw_call(args.method, args.path, data))))
    elif args.cmd == "replay":
        cl = client(args.endpoint, args.ak, args.secret, args.ck)
        sent = {}
        send = cl._session.request

        def record(method, url, headers=None, data=None, timeout=None):
            sent.update(method=method, url=url, headers=dict(headers), data=data)
            return send(method, url, headers=headers, data=data, timeout=timeout)

        cl._session.request = record
        first = answer(cl.raw_call("GET", args.path))
        again = requests.request(sent["method"], sent["url"], headers=sent["headers"], data=sent["data"])
        print(json.dumps({"first": first, "replay": answer(again)}))
    elif args.cmd == "verify-post":
        cl = client(args.endpoint, args.ak, args.secret, args.ck)
        cl.time_delta  # read the server's clock before capturing
        sent = capture(cl)
        cl.raw_call("POST", args.path, json.loads(args.data))
        ovh_headers = {k: v for k, v in sent["headers"].items() if k.lower().startswith("x-ovh-")}

        def verify(body):
            res = requests.post(
                args.keyward + "/v1/keys/verify",
                json={"method": "POST", "url": sent["url"], "body": body, "headers": ovh_headers},
            )
            return answer(res)

        tampered = sent["body"].replace("1", "9") if "1" in sent["body"] else sent["body"] + " "
        print(json.dumps({"url": sent["url"], "body": sent["body"], "valid": verify(sent["body"]), "tampered": verify(tampered)}))


if __name__ == "__main__":
    sys.exit(main())

"""Runs built Lambda bootstraps behind a local Lambda runtime API and an HTTP front.

`sam build` leaves one `bootstrap` per function, the files `sam deploy` uploads. This
runs each one as Lambda does: a process with `AWS_LAMBDA_RUNTIME_API` pointing at a
runtime API (the 2018-06-01 interface: `invocation/next`, `invocation/{id}/response`,
`invocation/{id}/error`, `init/error`) that hands it API Gateway HTTP API (payload 2.0)
events. The HTTP front turns each request into such an event for the function its path
names and answers with what the function returned, so `callflow call` and plain HTTP
clients can drive the built functions end to end.

    python lambda_gateway.py --function /store-call-state=PATH/bootstrap ... \
        --env KEY=VALUE ... --port PORT --ready-file FILE --log FILE

The front listens on 127.0.0.1:PORT (chosen by the caller, so the functions' environment
can name their public URL). It writes --ready-file once every bootstrap has asked for its first
invocation, then serves until it is terminated. Standard library only.
"""

import argparse
import base64
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RUNTIME_PREFIX = "/2018-06-01/runtime/"
# What API Gateway gives a Lambda integration before answering 503.
INVOCATION_TIMEOUT_S = 30
ACCOUNT = "123456789012"


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log, and one way to answer."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Invocation:
    """One event on its way to a function and the answer coming back."""

    def __init__(self, event):
        self.request_id = str(uuid.uuid4())
        self.event = event
        self.done = threading.Event()
        self.answer = None
        self.error = None


class Function:
    """One bootstrap process and the runtime API it polls."""

    def __init__(self, path, bootstrap, env, log):
        self.path = path
        self.name = path.strip("/")
        self.pending = queue.Queue()
        self.in_flight = {}
        self.polled = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.runtime_handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        port = self.server.server_address[1]
        child_env = dict(env)
        child_env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
                "AWS_LAMBDA_FUNCTION_NAME": self.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                "AWS_REGION": "us-east-1",
                "_HANDLER": "bootstrap",
            }
        )
        self.process = subprocess.Popen(
            [bootstrap], env=child_env, stdout=log, stderr=subprocess.STDOUT
        )

    def invoke(self, event):
        invocation = Invocation(event)
        self.pending.put(invocation)
        if not invocation.done.wait(INVOCATION_TIMEOUT_S):
            return None, "timed out"
        return invocation.answer, invocation.error

    def runtime_handler(self):
        function = self

        class Handler(QuietHandler):
            def do_GET(self):
                if self.path != RUNTIME_PREFIX + "invocation/next":
                    return self.reply(404)
                function.polled.set()
                invocation = function.pending.get()
                with function.lock:
                    function.in_flight[invocation.request_id] = invocation
                deadline_ms = int((time.time() + 10) * 1000)
                arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function.name}"
                self.reply(
                    200,
                    json.dumps(invocation.event).encode(),
                    [
                        ("Content-Type", "application/json"),
                        ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                        ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                        ("Lambda-Runtime-Invoked-Function-Arn", arn),
                        ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                    ],
                )

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = self.path[len(RUNTIME_PREFIX):].split("/")
                if parts == ["init", "error"]:
                    print(f"{function.name}: init error: {body.decode()}", file=sys.stderr)
                    return self.reply(202)
                if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
                    return self.reply(404)
                with function.lock:
                    invocation = function.in_flight.pop(parts[1], None)
                if invocation is None:
                    return self.reply(400)
                if parts[2] == "response":
                    invocation.answer = json.loads(body)
                else:
                    invocation.error = body.decode()
                invocation.done.set()
                self.reply(202)

        return Handler


def http_api_event(method, target, headers, body):
    """An API Gateway HTTP API payload 2.0 event for one request, as API Gateway sends it."""
    url = urlsplit(target)
    host = headers.get("host", "localhost")
    lowered = {}
    for name, value in headers.items():
        # API Gateway joins repeated headers with commas.
        lowered[name.lower()] = value if name.lower() not in lowered else f"{lowered[name.lower()]},{value}"
    text = body.decode("utf-8", "strict") if body else ""
    return {
        "version": "2.0",
        "routeKey": f"{method} {url.path}",
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {url.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": text,
        "isBase64Encoded": False,
    }


def front_handler(functions):
    class Handler(QuietHandler):
        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            function = functions.get(urlsplit(self.path).path)
            if function is None:
                return self.reply(404, b'{"message":"Not Found"}', [("Content-Type", "application/json")])
            event = http_api_event(self.command, self.path, dict(self.headers.items()), body)
            answer, error = function.invoke(event)
            if answer is None:
                print(f"{function.name}: {error}", file=sys.stderr)
                return self.reply(500, b'{"message":"Internal Server Error"}', [("Content-Type", "application/json")])
            payload = answer.get("body") or ""
            payload = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
            headers = [(k, v) for k, v in (answer.get("headers") or {}).items() if k.lower() != "content-length"]
            headers += [("Set-Cookie", c) for c in answer.get("cookies") or []]
            self.reply(int(answer.get("statusCode", 200)), payload, headers)

        do_GET = forward
        do_POST = forward

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", action="append", required=True, metavar="PATH=BOOTSTRAP")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--port", type=int, required=True, help="the HTTP front's port")
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--log", required=True, help="where the functions' output goes")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(pair.split("=", 1) for pair in args.env)
    log = open(args.log, "ab")
    functions = {}
    front = ThreadingHTTPServer(("127.0.0.1", args.port), front_handler(functions))
    for spec in args.function:
        path, bootstrap = spec.split("=", 1)
        functions[path] = Function(path, bootstrap, env, log)

    def stop(*_):
        for function in functions.values():
            function.process.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    for function in functions.values():
        if not function.polled.wait(30):
            print(f"{function.name}: never asked for an invocation", file=sys.stderr)
            stop()
    with open(args.ready_file, "w") as ready:
        ready.write("ready\n")
    front.serve_forever()


if __name__ == "__main__":
    main()

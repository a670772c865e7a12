"""A recording forwarder between the functions under `sam local` and the AWS emulators.

Each function is given its own port (its EMULATOR_ENDPOINT_URL and EMULATOR_DYNAMODB_ENDPOINT_URL
in the env-vars file), so every request arriving on a port was made by that function. Requests
go on unchanged to DynamoDB Local (DynamoDB's JSON protocol) or moto (everything else), and each
one is appended to a JSON-lines file, cold start included: the IAM proof (iam_proof.py) then
checks every recorded call against the function's role.

    python tests/deployed/recorder.py --bind 172.17.0.1 --calls calls.jsonl \
        --dynamodb http://127.0.0.1:8000 --others http://127.0.0.1:4566 \
        UsersFunction=14001 ItemsFunction=14002 ...
"""
import argparse
import http.client
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers are the forwarder's own business, not the emulator's.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
# Set anew from the body actually forwarded (a copy beside it would be a duplicate header).
NOT_COPIED = HOP_BY_HOP | {"content-length"}
TEXT_TYPES = ("json", "x-www-form-urlencoded", "xml", "text")
MAX_RECORDED_BODY = 256 * 1024


class CallLog:
    """Appends one JSON line per call; shared by every port's server."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, record):
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()


def read_body(handler):
    """The request body, whether sent with Content-Length or chunked."""
    length = handler.headers.get("Content-Length")
    if length is not None:
        return handler.rfile.read(int(length))
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    return b""


def recorded_text(content_type, body):
    """The body as text when it is a protocol document, else None (images, binary)."""
    if not body or len(body) > MAX_RECORDED_BODY:
        return None
    if content_type and not any(kind in content_type for kind in TEXT_TYPES):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def error_code(status, body):
    """The AWS error code of a failed call: `__type` (JSON protocols) or `<Code>` (XML)."""
    if status < 400:
        return None
    text = body[:4096].decode("utf-8", "replace")
    try:
        kind = json.loads(text).get("__type")
        if kind:
            return kind.rsplit("#", 1)[-1]
    except (ValueError, AttributeError):
        pass
    match = re.search(r"<Code>([^<]+)</Code>", text)
    return match.group(1) if match else f"HTTP{status}"


def handler_for(function, log, dynamodb, others):
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_request(self):
            body = read_body(self)
            target = self.headers.get("X-Amz-Target")
            upstream = dynamodb if target and target.startswith("DynamoDB_") else others
            headers = {k: v for k, v in self.headers.items() if k.lower() not in NOT_COPIED}
            headers["Content-Length"] = str(len(body))
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                reply = connection.getresponse()
                payload = reply.read()
                status, reply_headers = reply.status, reply.getheaders()
            finally:
                connection.close()
            path, _, query = self.path.partition("?")
            content_type = self.headers.get("Content-Type", "")
            log.write({
                "function": function,
                "method": self.command,
                "path": path,
                "query": query,
                "target": target,
                "content_type": content_type,
                "body": recorded_text(content_type, body),
                "status": status,
                "error_code": error_code(status, payload),
            })
            self.send_response_only(status)
            for name, value in reply_headers:
                if name.lower() not in NOT_COPIED:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_request

        def log_message(self, *_):
            pass

    return Forward


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", required=True, help="address the function containers reach")
    parser.add_argument("--calls", required=True, help="JSON-lines file the calls are appended to")
    parser.add_argument("--dynamodb", required=True, help="DynamoDB emulator URL")
    parser.add_argument("--others", required=True, help="emulator URL for S3, SES, SNS and SSM")
    parser.add_argument("ports", nargs="+", metavar="Function=PORT")
    args = parser.parse_args()
    log = CallLog(args.calls)
    dynamodb, others = urllib.parse.urlsplit(args.dynamodb), urllib.parse.urlsplit(args.others)
    servers = []
    for assignment in args.ports:
        function, port = assignment.split("=")
        server = ThreadingHTTPServer((args.bind, int(port)), handler_for(function, log, dynamodb, others))
        server.daemon_threads = True
        servers.append(server)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"recorder: {len(servers)} functions on {args.bind}, calls to {args.calls}", flush=True)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()

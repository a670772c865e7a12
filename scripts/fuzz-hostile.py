"""Sends every operation of docs/openapi.yaml the inputs an attacker builds to cost: deeply
nested JSON, a field of 900 KB, a list of 100,000 entries, bytes that are not UTF-8, and path
parameters that do not decode. Each reply must be a client error or a refusal in the spec's
JSON (never 5xx, never text/plain), and must come back within the request timeout.

Usage: fuzz-hostile.py BASE_URL TOKEN   (scripts/fuzz.sh runs it after schemathesis)
"""
import json
import os
import sys
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_SECONDS = 10
NESTING = 100_000


def hostile_bodies(token, properties):
    """(label, content type, bytes) for one operation whose body declares `properties`."""
    fields = [name for name in properties if name != "token"] or ["data"]
    yield "deeply nested JSON", "application/json", (
        '{"token":"%s","%s":%s%s}' % (token, fields[0], "[" * NESTING, "]" * NESTING)
    ).encode()
    for field in fields:
        yield f"900 KB {field}", "application/json", json.dumps({"token": token, field: "长" * 300_000}).encode()
        yield f"100,000 entries in {field}", "application/json", json.dumps(
            {"token": token, field: list(range(100_000))}
        ).encode()
    yield "not UTF-8", "application/json", b'{"token":"' + token.encode() + b'","x":"\xff\xfe"}'
    yield "a form of 20,000 fields", "application/x-www-form-urlencoded", (
        "token=" + token + "".join(f"&f{i}={i}" for i in range(20_000))
    ).encode()


def send(method, url, content_type=None, body=None):
    headers = {"content-type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:
            return reply.status, reply.headers.get("content-type", ""), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8") as document:
        paths = yaml.safe_load(document)["paths"]
    problems, sent = [], 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in ("get", "post") or path == "/openapi.yaml":
                continue
            cases = []
            if "{" in path:
                for bad in ("%FF%FE", "9" * 10_000):
                    concrete = path.split("{")[0] + bad
                    cases.append((f"path parameter {bad[:8]}…", concrete, None, None))
            if method == "post":
                schema = (
                    operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                )
                for label, content_type, body in hostile_bodies(token, schema.get("properties", {})):
                    cases.append((label, path, content_type, body))
            for label, concrete, content_type, body in cases:
                sent += 1
                try:
                    status, kind, reply = send(method.upper(), base + concrete, content_type, body)
                except Exception as error:  # a timeout or a dropped connection
                    problems.append(f"{method.upper()} {path} ({label}): {error}")
                    continue
                json_reply = kind.startswith("application/json")
                # The one page of the API: what a mailed link opens.
                page = method == "get" and path == "/user/mail/verify/{token}" and kind.startswith("text/html")
                if status >= 500 or not (json_reply or page):
                    problems.append(f"{method.upper()} {path} ({label}): {status} {kind} {reply[:120]!r}")
    for problem in problems:
        print("fuzz-hostile:", problem)
    print(f"fuzz-hostile: {sent} hostile requests, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

"""bench-lambda: each function binary measured as Lambda runs and bills it.

    scripts/with-emulators.sh .venv/bin/python scripts/bench-lambda.py [--memory 128,1024] [--warm 50]

Run as root (it makes cgroups). It builds the release binaries it needs with cargo-lambda
(`cargo lambda build --release --lambda-dir target/bench-lambda`; --no-build uses what is there),
then for each memory size and endpoint starts AWS's Runtime Interface Emulator (from the SAM CLI
package in .venv) with the function's bootstrap in a cgroup v1 CPU group whose quota is the
share of a vCPU Lambda gives that memory size (one full vCPU at 1,769 MB), with the AWS
endpoints behind TLS (scripts/tls-terminator.py, a throwaway CA trusted only through the
function's SSL_CERT_FILE), and measures init (RIE's `INIT REPORT`), the first request after
init (`INVOKE RTDONE`), then warm p50/p99 and billed ms over --warm requests. It prints a
markdown table and the issue's targets, and writes both with the method to
docs/performance-lambda.md (--report PATH elsewhere, --report '' nowhere).

What the requests need (two users with tokens, items, a few chat messages, the JWT secret in
SSM) is made first through the functions themselves, under RIE without a CPU limit. Processes,
cgroups and the temporary directory are removed on exit, whatever happened (and empty groups a
killed run left behind, at the next start).

Options: --memory 128,256,512,1024 (default), --endpoints get-item,add-item,fetchnew,login,search
(default: all), --warm 50, --cold-starts 5 (init and first request: the median of that many
fresh containers), --gap-ms 100 (pause before each warm request: one CFS period, so each starts
on a fresh quota, as at a container that is not saturated), --period-us 100000,
--emulator-warmup 200 (requests of each kind sent first, without a CPU limit, so that DynamoDB
Local's JIT is warm before the first memory size is measured), --jobs N (cargo), --no-build,
--test-root-only (trust only the throwaway root: what loading the system's roots costs at init),
--report PATH. BENCH_LAMBDA_VERBOSE=1 prints RIE's and the functions' output.
"""
import argparse
import contextlib
import datetime
import glob
import http.client
import json
import math
import os
import platform
import queue
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import outbox  # noqa: E402  scripts/outbox.py: the SMS codes moto received

FULL_VCPU_MB = 1769  # Lambda's CPU share is linear in memory: one vCPU at 1,769 MB
CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
CGROUP_CPUACCT = Path("/sys/fs/cgroup/cpuacct")
PASSWORD = "7c4a8d09ca3762af61e59520943dc26494f8941b"  # what the client sends: SHA-1 hex of "123456"
JWT_PARAMETER = "/foof/jwt-secret"
SEARCH_QUERY = "walnut desk lamp"  # three terms, each in some of the seeded items
SEARCH_TITLES = ["walnut desk lamp", "walnut desk", "desk lamp", "walnut shelf", "reading lamp", "oak desk"]
FUNCTIONS = ("items", "users", "chats", "search")
TARGET_FIRST_MS, TARGET_INIT_MS = 30.0, 150.0  # issue 17, at the 128 MB share, GET item


def log(message):
    print(f"bench-lambda: {message}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


# ---------------------------------------------------------------------------- API Gateway events
def event(method, path, *, route=None, form=None, token=None, source_ip="203.0.113.10"):
    """An HTTP API (payload 2.0) event, as API Gateway hands it to the function."""
    now = datetime.datetime.now(datetime.timezone.utc)
    headers = {"host": "bench.execute-api.us-east-1.amazonaws.com", "user-agent": "bench-lambda",
               "x-forwarded-for": source_ip, "x-forwarded-port": "443", "x-forwarded-proto": "https",
               "accept": "*/*"}
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["content-type"] = "application/x-www-form-urlencoded"
        headers["content-length"] = str(len(body.encode()))
    if token:
        headers["authorization"] = f"Bearer {token}"
    route_key = f"{method} {route or path}"
    payload = {
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "", "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": headers["host"], "domainPrefix": "bench",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "bench-lambda"},
            "requestId": str(uuid.uuid4()), "routeKey": route_key, "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000)},
        "isBase64Encoded": False,
    }
    if body is not None:
        payload["body"] = body
    return payload


# ---------------------------------------------------------------------------- TLS
def make_certificates(directory, test_root_only=False):
    """A throwaway root CA, an intermediate and a server certificate for 127.0.0.1, all RSA 2048
    as AWS's endpoints present them (leaf + intermediate, chaining to a root in the bundle)."""
    d = Path(directory)

    def openssl(*args):
        run = subprocess.run(["openssl", *args], cwd=d, capture_output=True, text=True)
        if run.returncode != 0:
            raise Failed(f"openssl {' '.join(args)}: {run.stderr.strip()}")

    (d / "ca.ext").write_text("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                              "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
    (d / "server.ext").write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "2",
            "-subj", "/CN=foof bench-lambda throwaway root CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "intermediate.key", "-out", "intermediate.csr",
            "-subj", "/CN=foof bench-lambda throwaway intermediate CA")
    openssl("x509", "-req", "-in", "intermediate.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
            "-out", "intermediate.pem", "-days", "2", "-extfile", "ca.ext")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "intermediate.pem", "-CAkey", "intermediate.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    (d / "chain.pem").write_text((d / "server.pem").read_text() + (d / "intermediate.pem").read_text())
    # What the function trusts: the system's roots (so loading them costs what it costs on
    # Lambda, which reads its own bundle of about the same size) plus the throwaway root.
    system = next((Path(p) for p in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
                   if Path(p).is_file()), None)
    bundle = ("" if test_root_only or not system else system.read_text()) + (d / "root.pem").read_text()
    (d / "bundle.pem").write_text(bundle)
    return d / "chain.pem", d / "server.key", d / "bundle.pem"


# ---------------------------------------------------------------------------- processes
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"process {proc.args[0]} exited ({proc.returncode}) before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise Failed(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop_process(proc, grace=5.0):
    """Ends a process this script started, and its process group (RIE and its bootstrap)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left (a bootstrap RIE did not reap)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)


class CpuGroup:
    """A cgroup v1 CPU group with Lambda's share for `memory_mb`, and a cpuacct group beside it
    that counts the CPU its processes use."""

    def __init__(self, name, memory_mb, period_us):
        self.name = name
        self.quota_us = max(1000, round(period_us * memory_mb / FULL_VCPU_MB))
        self.cpu, self.acct = CGROUP_CPU / name, CGROUP_CPUACCT / name
        self.cpu.mkdir()
        try:
            (self.cpu / "cpu.cfs_period_us").write_text(str(period_us))
            (self.cpu / "cpu.cfs_quota_us").write_text(str(self.quota_us))
            self.acct.mkdir()
        except BaseException:
            self.remove()
            raise

    def procs_files(self):
        return [self.cpu / "cgroup.procs"] + ([self.acct / "cgroup.procs"] if self.acct.exists() else [])

    def cpu_ns(self):
        try:
            return int((self.acct / "cpuacct.usage").read_text())
        except OSError:
            return 0

    def throttled(self):
        stat = dict(line.split() for line in (self.cpu / "cpu.stat").read_text().splitlines() if line.strip())
        return int(stat.get("nr_throttled", 0)), int(stat.get("throttled_time", 0))

    def remove(self):
        for group in (self.cpu, self.acct):
            for _ in range(50):
                if not group.exists():
                    break
                with contextlib.suppress(OSError):
                    for pid in (group / "cgroup.procs").read_text().split():  # only ours can be in it
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                log(f"could not remove the cgroup {group}")


def remove_stale_groups():
    """Empty groups of earlier runs that were killed before they could remove them."""
    for parent in (CGROUP_CPU, CGROUP_CPUACCT):
        for group in parent.glob("foof-bench-lambda-*"):
            run = re.match(r"foof-bench-lambda-(\d+)-", group.name)
            if run and not Path(f"/proc/{run.group(1)}").exists():
                with contextlib.suppress(OSError):
                    group.rmdir()  # refused while processes are in it: those are left alone
                    log(f"removed the stale cgroup {group}")


# RIE's own log lines (level info). Its REPORT line is no use for init: its `Init Duration` is a
# placeholder (0.02 ms) and its first `Duration` spans init and the request. `INIT REPORT` is exec
# until the runtime's first poll for an event, `INVOKE RTDONE` the event handed over until the
# runtime posted the response: the phases Lambda reports (and bills).
INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([\d.]+)\)")
INVOKE_DONE = re.compile(r"INVOKE RTDONE\(status: (\w+).*duration: ([\d.]+)ms\)")
REPORT = re.compile(r"^REPORT RequestId: ")  # the last line of an invoke


@dataclass
class Report:
    init_ms: float | None  # INIT REPORT, on the invoke that started the runtime
    duration_ms: float  # INVOKE RTDONE


@dataclass
class Container:
    """RIE serving one function binary; its first invoke execs the bootstrap (init)."""
    function: str
    proc: subprocess.Popen
    port: int
    reports: queue.Queue
    lines: list = field(default_factory=list)
    conn: http.client.HTTPConnection | None = None

    def invoke(self, payload, timeout=120.0):
        """The function's API Gateway response and RIE's report of the invoke."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        body = json.dumps(payload).encode()
        self.conn.request("POST", "/2015-03-31/functions/function/invocations", body,
                          {"Content-Type": "application/json"})
        reply = self.conn.getresponse()
        data = reply.read()
        try:
            report = self.reports.get(timeout=10)
        except queue.Empty:
            raise Failed(f"{self.function}: RIE reported no successful invoke; its last output:\n" + "\n".join(self.lines[-20:])) from None
        try:
            response = json.loads(data)
        except ValueError:
            raise Failed(f"{self.function}: RIE answered HTTP {reply.status}: {data[:500]!r}") from None
        return response, report


class Containers:
    """Starts containers and stops every one of them at exit."""

    def __init__(self, rie, workdir, env):
        self.rie, self.workdir, self.env = rie, Path(workdir), env
        self.running = []

    def start(self, function, bootstrap, memory_mb, group=None, extra_env=None):
        command = bootstrap
        if group is not None:
            # The function's process alone in the CPU group (RIE, which Lambda does not bill, stays
            # out): the shell moves itself in, then becomes the bootstrap.
            wrapper = self.workdir / f"bootstrap-{function}-{memory_mb}.sh"
            moves = "".join(f"echo $$ > {shlex.quote(str(path))} || exit 97\n" for path in group.procs_files())
            wrapper.write_text(f"#!/bin/sh\n{moves}exec {shlex.quote(str(bootstrap))}\n")
            wrapper.chmod(0o755)
            command = wrapper
        port, runtime_port = free_port(), free_port()
        env = dict(self.env, AWS_LAMBDA_FUNCTION_NAME=function, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(memory_mb), **(extra_env or {}))
        proc = subprocess.Popen([self.rie, "--log-level", "info",
                                 "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
                                 "--runtime-api-address", f"127.0.0.1:{runtime_port}", str(command)],
                                cwd=Path(bootstrap).parent, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        container = Container(function, proc, port, queue.Queue())
        self.running.append(container)
        threading.Thread(target=self._read, args=(container,), daemon=True).start()
        wait_port(port, proc)
        return container

    @staticmethod
    def _read(container):
        init = done = None
        for raw in container.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            container.lines.append(line)
            del container.lines[:-200]
            if found := INIT_REPORT.search(line):
                init = float(found.group(1))
            elif found := INVOKE_DONE.search(line):
                done = float(found.group(2)) if found.group(1) == "success" else None
            elif REPORT.search(line):
                if done is not None:
                    container.reports.put(Report(init, done))
                init = done = None

    def stop(self, container):
        if os.environ.get("BENCH_LAMBDA_VERBOSE"):
            log(f"{container.function} output:\n" + "\n".join(container.lines))
        if container.conn is not None:
            container.conn.close()
        stop_process(container.proc)
        with contextlib.suppress(ValueError):
            self.running.remove(container)

    def stop_all(self):
        for container in list(self.running):
            self.stop(container)


# ---------------------------------------------------------------------------- the requests
def ok(response, what):
    """The JSON body of a 200 reply that is not a failure."""
    status = response.get("statusCode")
    try:
        body = json.loads(response.get("body") or "null")
    except ValueError:
        body = None
    if status != 200 or not isinstance(body, (dict, list)) or (isinstance(body, dict) and body.get("status") == "failure"):
        raise Failed(f"{what}: HTTP {status} {str(response.get('body'))[:300]}")
    return body


@dataclass
class Seed:
    seller_phone: str
    seller_token: str
    seller_id: int
    buyer_token: str
    item: int


def item_form(title, note):
    return {"title": title, "type": 1, "price": 35.5, "depreciatione": 90, "note": note, "sold": 1}


def seed(containers, binaries):
    """Two users, an item, items for the search, a JWT secret; through the functions, unlimited."""
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "jwt-secret.py"), "ensure", JWT_PARAMETER],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise Failed(f"jwt-secret.py: {run.stdout}{run.stderr}")
    moto = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    users = containers.start("users", binaries["users"], 1024)
    stamp = f"{int(time.time() * 100) % 10**8:08d}"
    accounts = []
    for n, who in enumerate(("seller", "buyer"), 1):
        phone = f"19{stamp}{n}"
        ip = f"203.0.113.{n}"
        before = len(outbox.sms_to(phone, moto))
        ok(users.invoke(event("POST", "/user/requirecode", form={"phonenumber": phone}, source_ip=ip))[0], f"{who} requirecode")
        for _ in range(100):
            texts = outbox.sms_to(phone, moto)
            if len(texts) > before:
                break
            time.sleep(0.05)
        else:
            raise Failed(f"no SMS to {phone} reached moto at {moto}")
        code = re.search(r"\d{6}", texts[-1]).group()
        ok(users.invoke(event("POST", "/user/register", form={"phonenumber": phone, "verifycode": code, "password": PASSWORD},
                              source_ip=ip))[0], f"{who} register")
        login = ok(users.invoke(event("POST", "/user/login", form={"phonenumber": phone, "password": PASSWORD}, source_ip=ip))[0],
                   f"{who} login")
        accounts.append((phone, login["token"], login["info"]["uuid"]))
    containers.stop(users)
    items = containers.start("items", binaries["items"], 1024)
    (seller_phone, seller_token, seller_id), (_, buyer_token, _) = accounts
    item = ok(items.invoke(event("POST", "/item/add", form=item_form("九成新 小米充电宝", "T,九龙湖 bench"), token=seller_token))[0],
              "item add")["data"]["itemid"]
    for n, title in enumerate(SEARCH_TITLES * 4):
        ok(items.invoke(event("POST", "/item/add", form=item_form(title, f"bench item {n}"), token=seller_token))[0], "search item add")
    containers.stop(items)
    log(f"seeded: seller {seller_id}, item {item}, {len(SEARCH_TITLES) * 4} items for `{SEARCH_QUERY}`")
    return Seed(seller_phone, seller_token, seller_id, buyer_token, item)


@dataclass
class Endpoint:
    key: str
    label: str
    function: str
    request: object  # Seed -> event
    before_start: object = None  # (Containers, Seed, binaries) -> None: state the first request should find


PUSHER = {}  # the chats container push_messages keeps (unlimited; stopped with the others at exit)


def push_messages(containers, seed_, binaries):
    """Two messages from the buyer, so that the first poll after init has something to fetch
    (later polls find nothing new, as most polls do)."""
    chats = PUSHER.get("chats")
    if chats is None or chats.proc.poll() is not None:
        # This sender pushes before every cold start of the run: more than the default 30 a minute.
        chats = PUSHER["chats"] = containers.start("chats", binaries["chats"], 1024, extra_env={"PUSHES_PER_MINUTE": "1000"})
    for n in range(2):
        ok(chats.invoke(event("POST", "/user/chat/push", form={"to": seed_.seller_id, "type": 1, "data": f"bench message {n}"},
                              token=seed_.buyer_token))[0], "chat push")


ENDPOINTS = [
    Endpoint("get-item", "GET /item/{id}", "items",
             lambda s: event("GET", f"/item/{s.item}", route="/item/{itemid}")),
    Endpoint("add-item", "POST /item/add", "items",
             lambda s: event("POST", "/item/add", form=item_form("九成新 小米充电宝", "T,九龙湖 bench"), token=s.seller_token)),
    Endpoint("fetchnew", "POST /user/chat/fetchnew", "chats",
             lambda s: event("POST", "/user/chat/fetchnew", form={}, token=s.seller_token), push_messages),
    Endpoint("login", "POST /user/login", "users",
             lambda s: event("POST", "/user/login", form={"phonenumber": s.seller_phone, "password": PASSWORD})),
    Endpoint("search", "POST /item/search (3 terms)", "search",
             lambda s: event("POST", "/item/search", form={"method": "good", "query": SEARCH_QUERY})),
]


def warm_emulators(containers, binaries, seed_, endpoints, requests):
    """Sends each endpoint's request `requests` times, without a CPU limit, before anything is
    measured: DynamoDB Local is a JVM, and until its JIT has compiled the paths these requests
    take it answers several times slower, which would weigh on the sizes measured first."""
    started = time.monotonic()
    running = {}
    for endpoint in endpoints:
        if endpoint.function not in running:
            running[endpoint.function] = containers.start(endpoint.function, binaries[endpoint.function], 1024)
        for _ in range(requests):
            ok(running[endpoint.function].invoke(endpoint.request(seed_))[0], f"{endpoint.label}, warming the emulators")
    for container in running.values():
        containers.stop(container)
    log(f"emulators warmed: {requests} of each request in {time.monotonic() - started:.0f} s")


# ---------------------------------------------------------------------------- measuring
def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    memory_mb: int
    endpoint: str
    quota_us: int
    period_us: int
    init_ms: list
    first_ms: list
    warm_ms: list
    billed_ms: list
    cold_billed_ms: list
    cold_cpu_ms: list  # CPU of init and the first request
    cpu_ms_per_request: float
    throttled_share: float  # warm requests that waited for the next CFS period at least once


def measure(containers, binaries, seed_, endpoint, memory_mb, args, run_id):
    init, first, cold_billed = [], [], []
    warm, billed, cold_cpu = [], [], []
    cpu_ms, throttled_requests, quota = 0.0, 0, 0
    for start in range(args.cold_starts):
        if endpoint.before_start:
            endpoint.before_start(containers, seed_, binaries)
        group = CpuGroup(f"foof-bench-lambda-{run_id}-{memory_mb}-{endpoint.key}-{start}", memory_mb, args.period_us)
        quota = group.quota_us
        try:
            container = containers.start(endpoint.function, binaries[endpoint.function], memory_mb, group)
            response, report = container.invoke(endpoint.request(seed_))  # execs the bootstrap: init, then this request
            ok(response, f"{endpoint.label} at {memory_mb} MB, first request")
            cold_cpu.append(group.cpu_ns() / 1e6)
            if report.init_ms is None:
                raise Failed(f"{endpoint.label}: RIE reported no INIT REPORT for the first invoke")
            init.append(report.init_ms)
            first.append(report.duration_ms)
            # Lambda bills an OS-only runtime's init with its first request.
            cold_billed.append(math.ceil(report.init_ms + report.duration_ms))
            log(f"  {memory_mb} MB {endpoint.label}, cold start {start + 1}: init {init[-1]:.1f} ms, "
                f"first request {first[-1]:.1f} ms, CPU {cold_cpu[-1]:.1f} ms, throttled {group.throttled()[0]} times")
            if start == args.cold_starts - 1:
                for _ in range(args.warm):
                    time.sleep(args.gap_ms / 1000)
                    cpu_before, (throttled_before, _) = group.cpu_ns(), group.throttled()
                    response, report = container.invoke(endpoint.request(seed_))
                    ok(response, f"{endpoint.label} at {memory_mb} MB, warm request")
                    cpu_ms += (group.cpu_ns() - cpu_before) / 1e6
                    throttled_requests += group.throttled()[0] > throttled_before
                    warm.append(report.duration_ms)
                    billed.append(math.ceil(report.duration_ms))
            containers.stop(container)
        finally:
            group.remove()
    return Row(memory_mb, endpoint.label, quota, args.period_us, init, first, warm, billed, cold_billed, cold_cpu,
               cpu_ms / max(1, len(warm)), throttled_requests / max(1, len(warm)))


# ---------------------------------------------------------------------------- report
def fmt(value):
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(rows):
    lines = ["| memory | CPU share | endpoint | init ms | first request ms | warm p50 ms | warm p99 ms "
             "| billed ms/request | cold billed ms | cold CPU ms | CPU ms/request | throttled |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.memory_mb} MB | {r.quota_us / 1000:.1f} ms/{r.period_us // 1000} ms | {r.endpoint} "
                     f"| {fmt(statistics.median(r.init_ms))} | {fmt(statistics.median(r.first_ms))} "
                     f"| {fmt(percentile(r.warm_ms, 50))} | {fmt(percentile(r.warm_ms, 99))} "
                     f"| {statistics.mean(r.billed_ms):.1f} | {statistics.median(r.cold_billed_ms):.0f} "
                     f"| {statistics.median(r.cold_cpu_ms):.1f} | {r.cpu_ms_per_request:.2f} | {r.throttled_share:.0%} |")
    return "\n".join(lines)


def targets(rows):
    row = next((r for r in rows if r.memory_mb == 128 and r.endpoint == "GET /item/{id}"), None)
    if row is None:
        return ["- not measured: the targets are for GET /item/{id} at 128 MB (run with --memory including 128)"]
    first, init = statistics.median(row.first_ms), statistics.median(row.init_ms)
    cold_cpu = statistics.median(row.cold_cpu_ms)
    return [f"- first request after init ≤ {TARGET_FIRST_MS:.0f} ms (GET /item/{{id}}, 128 MB): "
            f"**{'met' if first <= TARGET_FIRST_MS else 'missed'}**, {first:.1f} ms "
            f"(median of {len(row.first_ms)}; each: {', '.join(f'{v:.1f}' for v in row.first_ms)})",
            f"- init ≤ {TARGET_INIT_MS:.0f} ms including the TLS handshakes (items, 128 MB): "
            f"**{'met' if init <= TARGET_INIT_MS else 'missed'}**, {init:.1f} ms "
            f"(median of {len(row.init_ms)}; each: {', '.join(f'{v:.1f}' for v in row.init_ms)})",
            f"- margin: init and the first request took {cold_cpu:.1f} ms of CPU (median; each: "
            f"{', '.join(f'{v:.1f}' for v in row.cold_cpu_ms)}) against a quota of {row.quota_us / 1000:.1f} ms per "
            f"{row.period_us // 1000} ms period at 128 MB: a cold start that needs more than the period's quota waits "
            f"for the next period, and its first request is then tens of ms slower"]


def document(rows, args, started, elapsed, load):
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    period_ms = args.period_us / 1000
    return f"""# Lambda-shaped performance: init, first request, warm latency, billed time

Written by `scripts/bench-lambda.py` (issue 17) on {started:%Y-%m-%d %H:%M} UTC in {elapsed / 60:.0f} min; run it again with

    scripts/with-emulators.sh .venv/bin/python scripts/bench-lambda.py

(as root: it makes cgroups). `make bench` (docs/performance.md) measures the same code at full
speed on a Runtime API stub; this measures each function binary as Lambda runs and bills it.

## Method

- **Binaries**: `cargo lambda build --release` ({platform.machine()}, into target/bench-lambda/):
  the bootstraps Lambda would run.
- **Runtime API**: AWS's Runtime Interface Emulator (`aws-lambda-rie` from the SAM CLI package)
  execs the bootstrap on the first invoke, as Lambda does at a cold start. Figures are from its
  own log: `init` is `INIT REPORT` (from the start of init until the runtime first polls for an
  event: exec, config, the JWT secret's SSM read, the connections init opens), a request's
  duration is `INVOKE RTDONE` (from the event being handed over until the response is posted),
  the phases Lambda reports and bills. (RIE's `REPORT` line is of no use here: its
  `Init Duration` is a placeholder of a few hundredths of a ms, and its first `Duration` spans
  init and the request.)
- **CPU**: the bootstrap's process alone (RIE, which is not billed, stays out) runs in a cgroup v1
  CPU group whose CFS quota is Lambda's share of a vCPU for the memory size, linear with one
  full vCPU at {FULL_VCPU_MB} MB: `CPU share` is the quota per {period_ms:.0f} ms period (Linux's default
  period; Lambda does not publish its own). Init runs under the same limit; if Lambda gives
  init more (it is not documented either way), init here is the pessimistic case.
- **TLS**: every AWS call goes over HTTPS, as on AWS. `scripts/tls-terminator.py` puts TLS 1.3
  (RSA 2048 leaf and intermediate, the shape AWS's endpoints present) in front of DynamoDB
  Local and moto; the function's `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_DYNAMODB` point at it.
  The root is a throwaway CA made for the run in a temporary directory and trusted only by the
  functions, through `SSL_CERT_FILE`: the system's CA bundle plus that root, so loading the
  roots costs about what Lambda's own bundle costs. See "TLS trust" below.
- **Environment**: what template.yaml sets (`TABLE_PREFIX`, `IMAGES_BUCKET`,
  `JWT_SECRET_PARAMETER` read from SSM at init, `RUST_LOG=info`), AWS credentials and region,
  the memory size in `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; nothing of the caller's shell (no
  `HOME`, no `SSL_CERT_DIR`, no `JWT_SECRET`).
- **Requests**: API Gateway HTTP API (payload 2.0) events with form bodies, as the client sends:
  `GET /item/{{id}}` of an item; `POST /item/add` of the walkthrough's item (a new item each
  time); `POST /user/chat/fetchnew` as the seller (two messages are pushed before each cold
  start, so the first poll fetches and marks them; later polls find nothing new, as most polls
  do); `POST /user/login` (Argon2); `POST /item/search` for `{SEARCH_QUERY}` (three terms) over
  {len(SEARCH_TITLES) * 4} items that each have one to three of them. The users, items and
  secret are made first through the functions themselves, without a CPU limit, and then each
  request is sent {args.emulator_warmup} times (also without a limit) so that DynamoDB Local's JIT is warm
  before the first memory size is measured (cold, it answers several times slower).
- **Columns**, per memory size and endpoint: {args.cold_starts} fresh containers, each a cold
  start; `init`, `first request` (its duration, init excluded), `cold billed` (init plus the first
  request, rounded up to the ms: Lambda bills an OS-only runtime's init) and `cold CPU` (CPU time
  of init and the first request, from cpuacct) are their medians. The last container then serves
  {args.warm} warm requests, each after a {args.gap_ms:.0f} ms pause (one CFS period: each starts on a
  fresh quota, as at a container that is not saturated): `warm p50`/`p99` (nearest rank; of 50,
  p99 is the slowest) of their durations, `billed ms/request` their mean duration rounded up to the next 1 ms as Lambda bills,
  `CPU ms/request` the group's CPU per warm request, `throttled` the share of warm requests during
  which the group ran out of quota at least once (and so waited for the next period).
- **Caveats**: DynamoDB Local (Java) and moto (Python) stand in for DynamoDB and SSM; their
  latency is in every duration and does not shrink with the memory size, so at the larger sizes
  the figures are mostly theirs; compare `CPU ms/request`. The machine ({cpu}, {os.cpu_count()}
  cores) was shared: load average {load[0]:.2f} at the start, {load[1]:.2f} at the end. Now and
  then a cold start costs about 20 ms more CPU, in one block, at any memory size and whatever the
  function (this machine is a Firecracker VM with a balloon and DAMON: most likely the host
  faulting in guest memory the new process touches first), hence the medians; the progress lines
  on stderr show each cold start. RIE's timings
  are its own (Go, outside the CPU group), not Lambda's.

## Results

{table(rows)}

## Targets (issue 17)

{chr(10).join(targets(rows))}

## TLS trust

The functions' HTTPS client is aws-smithy-http-client with rustls and ring
(shared/aws/src/http_client.rs). Its default trust store (`TrustStore::default`: native roots
on, no custom certificates) is filled once per process from `rustls_native_certs::load_native_certs()`
(aws-smithy-http-client 1.5 `client/tls/rustls_provider.rs`, `NATIVE_ROOTS`), and
rustls-native-certs 0.8 reads only `SSL_CERT_FILE` and/or `SSL_CERT_DIR` when either is set,
instead of the platform's store. So a root can be trusted per process without any change to the
code, which is what this benchmark does. Checked both ways: with `SSL_CERT_FILE` set to the
system bundle alone, init's connections and the request fail with `TLS handshake failed: invalid
peer certificate: UnknownIssuer` (a 503), and with the throwaway root added they succeed. The
benchmark unsets `SSL_CERT_DIR`, which would otherwise be read as well. `--test-root-only` trusts
the throwaway root alone, to see what loading the system's roots adds to init's CPU.
"""


# ---------------------------------------------------------------------------- main
HAND_WRITTEN = "\n## Memory sizes"


def written_by_hand(report):
    """The report's sections from HAND_WRITTEN on (the memory-size choice, the profiles): kept
    as they are when the measured sections above them are written again."""
    path = Path(report)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    at = text.find(HAND_WRITTEN)
    return text[at:] if at >= 0 else ""


def find_rie():
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
    found = sorted(glob.glob(str(ROOT / f".venv/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-{arch}")))
    if not found:
        raise Failed("aws-lambda-rie is not in .venv (the SAM CLI package): run scripts/setup.sh")
    return found[-1], arch


def build(args, arch, lambda_dir):
    command = ["cargo", "lambda", "build", "--release", "--locked", "--lambda-dir", str(lambda_dir),
               "--arm64" if arch == "arm64" else "--x86-64"]
    for function in FUNCTIONS:
        command += ["--bin", function]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    log("building: " + " ".join(command))
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}")
    if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
        raise Failed("cargo lambda build failed")


def function_env(tls_moto, tls_ddb, bundle):
    """What Lambda gives a function (and template.yaml adds), nothing of this shell's: no HOME,
    no SSL_CERT_DIR, no JWT_SECRET."""
    region = os.environ.get("AWS_REGION", "us-east-1")
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": ":UTC",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_TIMEOUT": "29",
        "AWS_ENDPOINT_URL": f"https://127.0.0.1:{tls_moto}", "AWS_ENDPOINT_URL_DYNAMODB": f"https://127.0.0.1:{tls_ddb}",
        "SSL_CERT_FILE": str(bundle),
        "TABLE_PREFIX": os.environ.get("TABLE_PREFIX", "foof"), "IMAGES_BUCKET": os.environ.get("IMAGES_BUCKET", "foof-images"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@foof.local"), "JWT_SECRET_PARAMETER": JWT_PARAMETER,
        "RUST_LOG": "info",
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memory", default="128,256,512,1024", help="memory sizes in MB, comma-separated")
    parser.add_argument("--endpoints", default=",".join(e.key for e in ENDPOINTS))
    parser.add_argument("--warm", type=int, default=50, help="warm requests per memory size and endpoint")
    parser.add_argument("--cold-starts", type=int, default=5, help="fresh containers per memory size and endpoint")
    parser.add_argument("--emulator-warmup", type=int, default=200,
                        help="requests of each kind sent (without a CPU limit) before measuring, so DynamoDB Local's JIT is warm")
    parser.add_argument("--gap-ms", type=float, default=100.0, help="pause before each warm request")
    parser.add_argument("--period-us", type=int, default=100_000, help="CFS period of the CPU group")
    parser.add_argument("--jobs", type=int, default=0, help="cargo build jobs (default: cargo's)")
    parser.add_argument("--test-root-only", action="store_true",
                        help="trust only the throwaway root, not the system's bundle with it (to see what loading the roots costs)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries in target/bench-lambda as they are")
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance-lambda.md"), help="'' writes no file")
    args = parser.parse_args(argv)
    memory_sizes = [int(m) for m in args.memory.split(",") if m.strip()]
    wanted = [k.strip() for k in args.endpoints.split(",") if k.strip()]
    unknown = set(wanted) - {e.key for e in ENDPOINTS}
    if unknown or not wanted or not memory_sizes or args.warm < 1 or args.cold_starts < 1:
        parser.error(f"unknown endpoints {sorted(unknown)}" if unknown else "nothing to measure")
    endpoints = [e for e in ENDPOINTS if e.key in wanted]
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        if not os.environ.get(name, "").startswith("http://"):
            raise SystemExit(f"bench-lambda: {name} is not a plain-HTTP emulator: run under scripts/with-emulators.sh")
    if os.geteuid() != 0 or not os.access(CGROUP_CPU, os.W_OK):
        raise SystemExit(f"bench-lambda: needs root and a writable cgroup v1 CPU controller at {CGROUP_CPU}")

    rie, arch = find_rie()
    remove_stale_groups()
    lambda_dir = ROOT / "target" / "bench-lambda"
    if not args.no_build:
        build(args, arch, lambda_dir)
    binaries = {f: lambda_dir / f / "bootstrap" for f in FUNCTIONS}
    missing = [str(p) for p in binaries.values() if not p.is_file()]
    if missing:
        raise SystemExit(f"bench-lambda: missing {', '.join(missing)} (run without --no-build)")

    started, clock, load_before = datetime.datetime.now(datetime.timezone.utc), time.monotonic(), os.getloadavg()[0]
    run_id = os.getpid()
    rows = []
    with contextlib.ExitStack() as cleanup:
        workdir = tempfile.mkdtemp(prefix="foof-bench-lambda.")
        cleanup.callback(shutil.rmtree, workdir, True)
        chain, key, bundle = make_certificates(workdir, args.test_root_only)
        ddb_port = urllib.parse.urlsplit(os.environ["AWS_ENDPOINT_URL_DYNAMODB"]).port
        moto_port = urllib.parse.urlsplit(os.environ["AWS_ENDPOINT_URL"]).port
        terminator = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "tls-terminator.py"), "--cert", str(chain),
                                       "--key", str(key), str(ddb_port), str(moto_port)],
                                      stdout=subprocess.PIPE, text=True, start_new_session=True)
        cleanup.callback(stop_process, terminator)
        ready = terminator.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise Failed("tls-terminator.py did not start")
        routes = dict(pair.split("=") for pair in ready[1:])
        containers = Containers(rie, workdir, function_env(routes[str(moto_port)], routes[str(ddb_port)], bundle))
        cleanup.callback(containers.stop_all)
        log(f"TLS on 127.0.0.1:{routes[str(ddb_port)]} (DynamoDB Local) and :{routes[str(moto_port)]} (moto); RIE {rie}")

        seed_ = seed(containers, binaries)
        if args.emulator_warmup:
            warm_emulators(containers, binaries, seed_, endpoints, args.emulator_warmup)
        for memory_mb in memory_sizes:
            for endpoint in endpoints:
                row = measure(containers, binaries, seed_, endpoint, memory_mb, args, run_id)
                rows.append(row)
                log(f"{memory_mb} MB {endpoint.label}: init {statistics.median(row.init_ms):.1f} ms, "
                    f"first {statistics.median(row.first_ms):.1f} ms, p50 {percentile(row.warm_ms, 50):.1f} ms, "
                    f"p99 {percentile(row.warm_ms, 99):.1f} ms, CPU {row.cpu_ms_per_request:.2f} ms/request")

    print(table(rows))
    print()
    print("\n".join(targets(rows)))
    if args.report:
        Path(args.report).write_text(document(rows, args, started, time.monotonic() - clock,
                                                      (load_before, os.getloadavg()[0])) + written_by_hand(args.report),
                                     encoding="utf-8")
        log(f"wrote {args.report}")
    return 0


def terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, terminate)  # so that the cleanup runs on `kill` too
    try:
        sys.exit(main(sys.argv[1:]))
    except Failed as failure:
        log(f"failed: {failure}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        sys.exit(130)

"""Same requests, same replies: the dev server against `sam local` (the deployed shape).

The dev server serves every function's router in one process; `sam local start-api` runs each
function from template.yaml in its own container behind the template's HttpApi routes, as API
Gateway does. This tool sends one scenario of requests to both and proves:

  * every route of every function in template.yaml (its HttpApi events, `$default` included)
    is reached at least once, so no route is missing from the template or wired to the wrong
    function (the run fails if the template has a route this scenario does not reach);
  * each reply from the subject equals the reference's: the HTTP status, and the JSON body
    (or, for pictures, the content type, length and SHA-256 of the bytes) once the few values
    that legitimately differ between two runs are masked (MASKED_FIELDS below);
  * the reference gives the replies the scenario expects (login works, the trade goes through,
    errors carry the spec's strings), so the two cannot pass by failing the same way.

The scenario is the README's walkthrough from sign-up to sale, then every remaining route, and
failure paths per function (403 without a token, `invaild request`, `no such user`, a wrong
password, a non-owner's change, an unknown route, a body over 1 MiB).

    python tests/deployed/scenario.py --reference http://127.0.0.1:PORT_A \
        --subject http://127.0.0.1:PORT_B --outbox http://127.0.0.1:MOTO_PORT [--transcripts DIR]

The two servers must use separate, fresh emulator state (their own tables and bucket), so that
ids come out the same on both; they may share the emulator that `--outbox` names, which is read
for SMS codes and verification mail. The scenario pauses once, before /user/reset, which needs
a second code 60 s after the first: the reference runs up to the pause, then the subject, then
both run on to the end, so the sides share that wait and a run takes a little over a minute. `scripts/sam-local.sh test` (`make test-sam-local`) runs it against sam local.
Exit status: 0 when everything matched, 1 otherwise, 2 on bad arguments.
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

from iam_proof import load_template  # the same reading of template.yaml the IAM proof uses

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "shared" / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))
import outbox as emulator_outbox  # noqa: E402  scripts/outbox.py: e164() and sms_to()
from smoke import matches  # noqa: E402  scripts/smoke.py: one reading of an expected-reply pattern

# The password as the real client sends it: the SHA-1 hex of what was typed.
PASSWORD = hashlib.sha1(b"123456").hexdigest()
NEW_PASSWORD = hashlib.sha1(b"654321").hexdigest()
CODE_RESEND_SECONDS = 60  # the default CODE_RESEND_SECONDS of the functions
MISSING_ID = 999999  # no user, item or message has this id in a fresh state
REQUEST_TIMEOUT = (10, 120)  # a cold container under sam local can take a while


# ---------------------------------------------------------------------------- masking
# What legitimately differs between two runs of the same scenario on fresh state, and nothing
# else. Ids are NOT masked: both sides allocate them from 1 in the same order, so a differing id
# is a real difference. Each field is masked by its JSON path ("*" is any list element), and
# only when its value has the expected shape, so a missing or malformed value still differs.
#
#   token                 /user/login's JWT: it carries `exp` (login time + LOGIN_TOKEN_DAYS)
#                         and is signed with each server's own secret.
#   data[*].createdAt     chat messages (/user/chat/fetchnew, /user/chat/fetchall): the wall-clock
#   data[*].updatedAt     time of the push, and of being marked fetched (ISO-8601 UTC millis).
#                         Items, users and favourites carry no times (shared/src/domain).
#   took                  /item/search: the milliseconds the search took.
# Besides the bodies:
#   the path of GET /user/mail/verify/{token}: the mail token is a JWT with its own `exp`
#                         (send time + MAIL_TOKEN_MINUTES), followed from the mail each side sent.
#   GET /recommend/{uuid}: a random sample of live items, in random order; compared as sorted
#                         lists (with under 40 items the sample holds all of them).
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def is_jwt(value):
    return isinstance(value, str) and bool(JWT_SHAPE.match(value))


def is_time(value):
    return isinstance(value, str) and bool(TIME_SHAPE.match(value))


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


MASKED_FIELDS = [
    (("token",), "<jwt>", is_jwt),
    (("data", "*", "createdAt"), "<time>", is_time),
    (("data", "*", "updatedAt"), "<time>", is_time),
    (("took",), "<elapsed ms>", is_count),
]
MAIL_LINK_PATH = re.compile(r"^/user/mail/verify/([^/?]+)$")
UNORDERED_PATHS = re.compile(r"^/recommend/[^/]+$")


def _mask_at(value, path, placeholder, shape):
    if not path:
        return placeholder if shape(value) else value
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(value, list):
        return [_mask_at(v, rest, placeholder, shape) for v in value]
    if head != "*" and isinstance(value, dict) and head in value:
        return {**value, head: _mask_at(value[head], rest, placeholder, shape)}
    return value


def masked(step):
    """What is compared of a transcript step: method, path, status and body, masked."""
    path = step["path"]
    link = MAIL_LINK_PATH.match(path)
    if link and is_jwt(link.group(1)):
        path = "/user/mail/verify/<mail token>"
    body = step["body"]
    for field_path, placeholder, shape in MASKED_FIELDS:
        body = _mask_at(body, field_path, placeholder, shape)
    if UNORDERED_PATHS.match(step["path"]) and isinstance(body, list):
        body = sorted(body, key=lambda v: json.dumps(v, sort_keys=True))
    return {"method": step["method"], "path": path, "status": step["status"], "body": body}


# ---------------------------------------------------------------------------- comparing
@dataclass
class Verdict:
    index: int
    line: str
    ok: bool
    details: list = field(default_factory=list)


def _brief(value, limit=1500):
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def compare(reference, subject):
    """One verdict per step: equal after masking, and as the scenario expected on the reference."""
    verdicts = []
    for index in range(max(len(reference), len(subject))):
        ref = reference[index] if index < len(reference) else None
        sub = subject[index] if index < len(subject) else None
        shown = ref or sub
        line = f"{shown['method']:<4} {masked(shown)['path']}  {shown['status']}  ({shown['step']})"
        details = []
        if ref is None or sub is None:
            details.append(f"only the {'reference' if sub is None else 'subject'} has this step")
            verdicts.append(Verdict(index, "DIFF  " + line, False, details))
            continue
        same = masked(ref) == masked(sub) and ref["step"] == sub["step"]
        if not same:
            details.append("reference: " + _brief(masked(ref)))
            details.append("subject:   " + _brief(masked(sub)))
        for side, step in (("reference", ref), ("subject", sub)):
            if step.get("unexpected"):
                details.append(f"{side} is not what the scenario expects: {step['unexpected']}")
        label = "ok    " if same and not details else ("DIFF  " if not same else "UNEXP ")
        verdicts.append(Verdict(index, label + line, same and not details, details))
    return verdicts


# ---------------------------------------------------------------------------- expectations
class Check:
    """A predicate inside an expected-reply pattern, with words for the report."""

    def __init__(self, what, predicate):
        self.what, self.predicate = what, predicate

    def __call__(self, value):
        try:
            return bool(self.predicate(value))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return False

    def __repr__(self):
        return f"<{self.what}>"


SUCCESS = {"status": "success"}


def failure(info):
    return {"status": "failure", "info": info}


INVALID = failure("invaild request")
FORBIDDEN = failure("forbidden")
NOT_FOUND = failure("not found")
POSITIVE_ID = Check("a positive id", lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0)
JWT = Check("a JWT", is_jwt)
TIMESTAMP = Check("an ISO-8601 UTC timestamp with milliseconds", is_time)


def picture(content_type):
    return Check(f"{content_type} bytes", lambda b: b["content_type"].startswith(content_type) and b["length"] > 0)


def html_page():
    return Check("an HTML page", lambda b: b["content_type"].startswith("text/html") and b["length"] > 0)


def hit_ids(ids):
    return Check(f"search hits {ids}", lambda b: [h["_id"] for h in b["hits"]["hits"]] == ids and b["hits"]["total"] == len(ids))


def item_ids(ids):
    return Check(f"items {ids}", lambda b: [i["itemid"] for i in b] == ids)


def dig(value, *keys, default=None):
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return default
    return value


# ---------------------------------------------------------------------------- one side
@dataclass
class Step:
    step: str
    method: str
    path: str
    status: int
    body: Any
    unexpected: str = ""

    def record(self):
        record = asdict(self)
        if not self.unexpected:
            del record["unexpected"]
        return record


def reply_body(reply):
    """Parsed JSON, or for anything else what identifies the bytes."""
    content_type = reply.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            return reply.json()
        except ValueError:
            pass
    return {"content_type": content_type, "sha256": hashlib.sha256(reply.content).hexdigest(), "length": len(reply.content)}


class Outbox:
    """What the emulator sent: SMS (through scripts/outbox.py) and SES mail (as tests/src/outbox.rs)."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def texts_to(self, phone):
        return emulator_outbox.sms_to(phone, self.url)

    def mails_to(self, idcard):
        """Bodies of the mail sent to {idcard}@<any domain>, oldest first (moto, else LocalStack)."""
        moto = requests.get(self.url + "/moto-api/data.json", timeout=REQUEST_TIMEOUT)
        if moto.ok:
            sent = [(m.get("destinations", {}).get("ToAddresses", []), m.get("body", ""))
                    for m in moto.json().get("ses", {}).get("Message", [])]
        else:
            localstack = requests.get(self.url + "/_aws/ses", timeout=REQUEST_TIMEOUT).json()
            sent = [(m["Destination"]["ToAddresses"], m["Body"].get("text_part", "")) for m in localstack.get("messages", [])]
        return [body for to, body in sent if any(address.startswith(idcard + "@") for address in to)]


class Side:
    """One server under test: sends the scenario's requests and keeps the transcript."""

    def __init__(self, name, base_url, outbox, stack=None):
        self.name = name
        self.base = base_url.rstrip("/")
        self.outbox = outbox
        self.stack = stack  # the table prefix of this side's state, for the operator command
        self.http = requests.Session()
        self.steps = []
        self.problems = []  # what went wrong outside the replies (no SMS arrived, a crash)
        self.code_sent_at = {}

    # -- requests
    def send(self, step, method, path, *, form=None, json_body=None, files=None, data=None, token=None,
             token_in_body=False, status=200, expect=None):
        headers = {}
        if token is not None and not token_in_body:
            headers["Authorization"] = f"Bearer {token}"
        if token is not None and token_in_body:
            if json_body is not None:
                json_body = {**json_body, "token": token}
            else:
                form = {**(form or {}), "token": token}
        try:
            reply = self.http.request(method, self.base + path, data=form if data is None else data, json=json_body,
                                      files=files, headers=headers, timeout=REQUEST_TIMEOUT, allow_redirects=False)
            got_status, body = reply.status_code, reply_body(reply)
        except requests.RequestException as error:
            got_status, body = 0, {"error": type(error).__name__}
        record = Step(step, method, path, got_status, body)
        if got_status != status or (expect is not None and not matches(expect, body)):
            record.unexpected = f"expected HTTP {status} and {expect!r}, got HTTP {got_status} {_brief(body, 300)}"
        self.steps.append(record)
        return Reply(got_status, body)

    def get(self, step, path, **kw):
        return self.send(step, "GET", path, **kw)

    def post(self, step, path, token=None, **kw):
        """A POST with no body (the token, if any, in the header)."""
        return self.send(step, "POST", path, token=token, **kw)

    def form(self, step, path, fields, **kw):
        return self.send(step, "POST", path, form={k: str(v) for k, v in fields.items()}, **kw)

    def json(self, step, path, body, **kw):
        return self.send(step, "POST", path, json_body=body, **kw)

    def multipart(self, step, path, fields, files, **kw):
        form = {k: str(v) for k, v in fields.items()}
        return self.send(step, "POST", path, form=form, files=files, **kw)

    # -- what the emulator received
    def require_code(self, step, phone, as_json=False):
        """POST /user/requirecode, then the code the emulator got for this phone ("" if none)."""
        before = len(self.outbox.texts_to(phone))
        body = {"phonenumber": phone}
        sent_at = time.monotonic()
        (self.json if as_json else self.form)(step, "/user/requirecode", body, expect={"status": "success"})
        texts = self.outbox.texts_to(phone)
        code = re.search(r"\d{6}", texts[-1]) if len(texts) > before else None
        if code is None:
            self.problems.append(f"{step}: no new SMS with a code reached {emulator_outbox.e164(phone)}")
            return ""
        self.code_sent_at[phone] = sent_at
        return code.group()

    def wait_for_resend(self, phone):
        """Sleeps out the per-phone resend interval since this side's last code for `phone`."""
        left = self.code_sent_at.get(phone, 0) + CODE_RESEND_SECONDS + 1 - time.monotonic()
        if left > 0:
            print(f"  [{self.name}] waiting {left:.0f} s for the {CODE_RESEND_SECONDS} s code-resend interval", flush=True)
            time.sleep(left)

    def mail_link_path(self, idcard, sent_before):
        """The path of the verification link in the newest mail to `idcard` (its host may differ)."""
        mails = self.outbox.mails_to(idcard)
        link = re.search(r"https?://\S*?(/user/mail/verify/[A-Za-z0-9._~-]+)", mails[-1]) if len(mails) > sent_before else None
        if link is None:
            self.problems.append(f"no new verification mail with a link reached {idcard}@…")
            return "/user/mail/verify/no-mail-arrived"
        return link.group(1)

    def grant_moderator(self, uuid):
        """The operator command (scripts/moderator.py) on this side's tables: no endpoint can do it."""
        if not self.stack:
            self.problems.append("no table prefix for this side (--reference-stack/--subject-stack): cannot grant a moderator")
            return
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "moderator.py"), "grant", "--uuid", str(uuid),
                               "--stack", self.stack], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            self.problems.append(f"scripts/moderator.py grant --uuid {uuid} failed: {done.stderr.strip()}")

    def transcript(self):
        return [s.record() for s in self.steps]


@dataclass
class Reply:
    status: int
    body: Any

    def get(self, *keys, default=None):
        return dig(self.body, *keys, default=default)


@dataclass
class People:
    """Phone numbers new to both servers' state, the same on both sides."""

    seller: str
    buyer: str
    stranger: str  # never registered
    idcard: str  # the seller's campus id; mail goes to {idcard}@{MAIL_DOMAIN}

    @classmethod
    def fresh(cls):
        stamp = f"{int(time.time()) % 10**6:06d}{os.getpid() % 100:02d}"
        return cls(seller="19" + stamp + "1", buyer="19" + stamp + "2", stranger="19" + stamp + "3", idcard="213" + stamp)


def file_part(name, filename=None, content_type="application/octet-stream"):
    return ("file", (filename or name, (FIXTURES / name).read_bytes(), content_type))


# ---------------------------------------------------------------------------- the scenario
def scenario(s, p):
    """The whole conversation with one server, as named steps: 5 /user/requirecode requests (limit: 20 an hour)."""
    photo, png = file_part("photo.jpg", content_type="image/jpeg"), file_part("with-text.png", content_type="image/png")
    not_an_image = ("file", ("notes.jpg", b"this is not a picture", "image/jpeg"))

    # --- the README walkthrough: sign-up --------------------------------------------- users
    code = s.require_code("seller asks for a code", p.seller)
    s.form("seller asks again within the minute", "/user/requirecode", {"phonenumber": p.seller}, expect=failure("request too frequent"))
    s.form("a code for a malformed phone", "/user/requirecode", {"phonenumber": "138-0013-8000"}, expect=INVALID)
    wrong = f"{(int(code or 0) + 1) % 10**6:06d}"
    s.form("seller registers with a wrong code", "/user/register", {"phonenumber": p.seller, "verifycode": wrong, "password": PASSWORD}, expect=failure("bad verify code"))
    s.form("register without a password", "/user/register", {"phonenumber": p.seller, "verifycode": code}, expect=INVALID)
    s.form("seller registers", "/user/register", {"phonenumber": p.seller, "verifycode": code, "password": PASSWORD}, expect=SUCCESS)
    s.form("register again with the used code", "/user/register", {"phonenumber": p.seller, "verifycode": code, "password": PASSWORD}, expect=INVALID)
    code = s.require_code("buyer asks for a code (JSON)", p.buyer, as_json=True)
    s.json("buyer registers (JSON)", "/user/register", {"phonenumber": p.buyer, "verifycode": code, "password": PASSWORD}, expect=SUCCESS)

    s.form("login with an unknown phone", "/user/login", {"phonenumber": p.stranger, "password": PASSWORD}, expect=failure("user not found"))
    s.form("login with a malformed phone", "/user/login", {"phonenumber": "abc", "password": PASSWORD}, expect=INVALID)
    s.form("seller logs in with a wrong password", "/user/login", {"phonenumber": p.seller, "password": NEW_PASSWORD}, expect=failure("password incorrect"))
    login = s.form("seller logs in", "/user/login", {"phonenumber": p.seller, "password": PASSWORD},
                   expect={"status": "success", "token": JWT, "info": {"uuid": POSITIVE_ID, "phonenumber": p.seller}})
    seller, seller_id = login.get("token", default=""), login.get("info", "uuid", default=0)
    login = s.json("buyer logs in (JSON)", "/user/login", {"phonenumber": int(p.buyer), "password": PASSWORD},
                   expect={"status": "success", "token": JWT, "info": {"uuid": POSITIVE_ID}})
    buyer, buyer_id = login.get("token", default=""), login.get("info", "uuid", default=0)

    s.post("own profile without a token", "/user/me", status=403, expect=FORBIDDEN)
    s.post("own profile with a forged token", "/user/me", token="eyJhbGciOiJIUzI1NiJ9.eyJ1dWlkIjoxfQ.forged", status=403, expect=FORBIDDEN)
    s.post("seller reads own profile (Bearer)", "/user/me", token=seller,
           expect={"status": "success", "uuid": seller_id, "phonenumber": p.seller, "verified": 0})
    s.form("buyer reads own profile (token in the body)", "/user/me", {}, token=buyer, token_in_body=True,
           expect={"status": "success", "uuid": buyer_id})

    # --- avatar --------------------------------------------------------------------------
    s.multipart("seller uploads an avatar", "/user/avatar", {}, [photo], token=seller, expect=SUCCESS)
    s.multipart("an avatar of two files", "/user/avatar", {}, [photo, png], token=seller, expect=INVALID)
    s.multipart("an avatar that is not a picture", "/user/avatar", {}, [not_an_image], token=seller, expect=INVALID)
    s.multipart("an avatar without a token", "/user/avatar", {}, [photo], status=403, expect=FORBIDDEN)
    profile = s.get("seller's public profile", f"/user/{seller_id}",
                    expect={"status": "success", "uuid": seller_id, "avatarurl": f"image/avatar/{seller_id}.jpg"})
    avatar = profile.get("avatarurl")
    s.get("seller's avatar picture", "/" + (avatar if isinstance(avatar, str) else f"image/avatar/{seller_id}.jpg"), expect=picture("image/jpeg"))
    # A new kind of picture is a new name: the old object is deleted, not left behind.
    s.multipart("seller changes the avatar to a PNG", "/user/avatar", {}, [png], token=seller, expect=SUCCESS)
    s.get("the JPEG avatar is gone", f"/image/avatar/{seller_id}.jpg", status=404, expect=NOT_FOUND)
    s.multipart("seller goes back to a JPEG avatar", "/user/avatar", {}, [photo], token=seller, expect=SUCCESS)
    s.get("profile of an unknown uuid", f"/user/{MISSING_ID}", expect=failure("no such user"))
    s.get("profile of a non-numeric uuid", "/user/abc", expect=INVALID)

    # --- the seller posts an item with two photos ---------------------------------------- items
    added = s.form("seller posts an item", "/item/add",
                   {"title": "九成新 小米充电宝", "type": 1, "price": 35.5, "depreciatione": 90, "note": "T,九龙湖", "sold": 1}, token=seller,
                   expect={"status": "success", "data": {"itemid": POSITIVE_ID, "uuid": seller_id, "price": 35.5, "sold": 1, "to": 0,
                                                         "imgurl": "image/item/default.jpg"}})
    item = added.get("data", "itemid", default=0)
    s.form("an item without a title", "/item/add", {"type": 1, "price": 1, "depreciatione": 90, "note": "n", "sold": 1}, token=seller, expect=INVALID)
    s.form("an item posted as sold", "/item/add", {"title": "t", "type": 1, "price": 1, "depreciatione": 90, "note": "n", "sold": 2}, token=seller, expect=INVALID)
    s.form("an item without a token", "/item/add", {"title": "t", "type": 1, "price": 1, "depreciatione": 90, "note": "n", "sold": 1}, status=403, expect=FORBIDDEN)
    s.send("a body over 1 MiB", "POST", "/item/add", data={"note": "x" * (1024 * 1024 + 1024)}, token=seller, status=413,
           expect=failure("request entity too large"))
    names = [f"image/item/{seller_id}-{item}-0.jpg", f"image/item/{seller_id}-{item}-1.png"]
    photos = s.multipart("seller uploads two photos (token in the form)", "/item/image", {"itemid": item}, [photo, png],
                         token=seller, token_in_body=True, expect={"status": "success", "imgurl": names})
    s.get("the item shows both photos", f"/item/{item}", expect={"status": "success", "itemid": item, "imgurl": "".join(n + "++" for n in names)})
    stored = photos.get("imgurl", default=[])
    for n, kind in enumerate(["image/jpeg", "image/png"]):  # the names the server gave, else the expected ones
        path = stored[n] if isinstance(stored, list) and n < len(stored) and isinstance(stored[n], str) else names[n]
        s.get(f"item photo {n}", "/" + path, expect=picture(kind))
    # Replacing pictures writes new names first and deletes the old objects afterwards.
    replacement = f"image/item/{seller_id}-{item}-2.png"
    s.multipart("seller replaces both photos with one", "/item/image", {"itemid": item}, [png], token=seller,
                expect={"status": "success", "imgurl": [replacement]})
    s.get("the replaced photo is gone", "/" + names[0], status=404, expect=NOT_FOUND)
    s.get("the new photo", "/" + replacement, expect=picture("image/png"))
    s.multipart("photos by someone else", "/item/image", {"itemid": item}, [photo], token=buyer, expect=failure("Insufficient permissions"))
    s.multipart("photos that are not pictures", "/item/image", {"itemid": item}, [not_an_image], token=seller, expect=INVALID)
    s.json("modify by a non-owner", "/item/modify", {"itemid": item, "price": 1}, token=buyer, status=403, expect=failure("Insufficient permissions"))
    s.json("seller lowers the price (JSON, token in the body)", "/item/modify", {"itemid": str(item), "price": 30}, token=seller,
           token_in_body=True, expect=SUCCESS)
    s.get("the item has the new price", f"/item/{item}", expect={"status": "success", "price": 30, "title": "九成新 小米充电宝"})
    s.get("a missing item", f"/item/{MISSING_ID}", expect={"status": "none"})
    s.get("a non-numeric item id", "/item/abc", expect={"status": "none"})
    s.form("seller's published items", "/user/published", {"uuid": seller_id}, expect=item_ids([item]))

    # --- the buyer finds it, favourites it and asks to buy ----------------------------- search
    s.form("buyer searches goods", "/item/search", {"method": "good", "query": "充电宝"}, expect=hit_ids([str(item)]))
    s.get("recommendations for the buyer", f"/recommend/{buyer_id}", expect=[item])
    s.get("recommendations for the seller (own items left out)", f"/recommend/{seller_id}", expect=[])

    s.form("buyer favourites the item", "/fav/add", {"data": f"[{item}]"}, token=buyer, expect=SUCCESS)  # ---- favourites
    s.form("favourite it again, and an unknown item", "/fav/add", {"data": f"[{item}, {MISSING_ID}]"}, token=buyer, expect=SUCCESS)
    s.json("favourites with malformed data", "/fav/add", {"data": "5"}, token=buyer, expect=INVALID)
    s.post("favourites without a token", "/fav/query", status=403, expect=FORBIDDEN)
    s.post("buyer's favourites", "/fav/query", token=buyer,
           expect={"status": "success", "res": [{"id": POSITIVE_ID, "itemid": item, "uuid": buyer_id}]})

    s.form("buyer asks to buy (type 0)", "/user/chat/push", {"to": seller_id, "type": 0, "data": item}, token=buyer, expect=SUCCESS)  # ---- chats
    s.form("a message to an unknown user", "/user/chat/push", {"to": MISSING_ID, "type": 1, "data": "hi"}, token=buyer, expect=failure("no such user"))
    s.form("a message of type 5", "/user/chat/push", {"to": seller_id, "type": 5, "data": "hi"}, token=buyer, expect=INVALID)
    s.form("a message of 256 characters", "/user/chat/push", {"to": seller_id, "type": 1, "data": "长" * 256}, token=buyer, expect=INVALID)
    s.form("a message without a token", "/user/chat/push", {"to": seller_id, "type": 1, "data": "hi"}, status=403, expect=FORBIDDEN)
    s.post("seller fetches new messages", "/user/chat/fetchnew", token=seller,
           expect={"status": "success", "data": [{"id": POSITIVE_ID, "from": buyer_id, "to": seller_id, "type": 0, "data": str(item),
                                                  "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP}]})
    s.post("seller fetches again: nothing new", "/user/chat/fetchnew", token=seller, expect={"status": "success", "data": []})

    # --- the seller agrees, the buyer confirms ---------------------------------------- trades
    s.form("an order by someone else", "/item/order", {"to": buyer_id, "itemid": item}, token=buyer, expect=failure("Insufficient permissions"))
    s.form("seller agrees: order", "/item/order", {"to": buyer_id, "itemid": item}, token=seller, expect=SUCCESS)
    s.form("the same order again", "/item/order", {"to": buyer_id, "itemid": item}, token=seller, expect=failure("not for trade"))
    s.form("seller tells the buyer (type -2)", "/user/chat/push", {"to": buyer_id, "type": -2, "data": item}, token=seller, expect=SUCCESS)
    s.post("buyer's finished list shows the reservation", "/user/finished", token=buyer,
           expect=[{"itemid": item, "sold": 3, "to": buyer_id}])
    s.form("a trade by the seller", "/item/trade", {"itemid": item}, token=seller, expect=failure("Insufficient permissions"))
    s.form("a rating before the trade is done", "/item/rate", {"itemid": item, "stars": 5}, token=buyer, expect=failure("trade not finished"))
    s.form("buyer confirms: trade", "/item/trade", {"itemid": item}, token=buyer, expect=SUCCESS)
    s.get("the item is sold", f"/item/{item}", expect={"status": "success", "sold": 2, "to": buyer_id})
    s.form("the same trade again", "/item/trade", {"itemid": item}, token=buyer, expect=failure("item not availabe for trade"))
    s.json("buyer rates the seller (JSON)", "/item/rate", {"itemid": item, "stars": 5, "comment": "东西很好"}, token=buyer, expect=SUCCESS)
    s.form("buyer rates again", "/item/rate", {"itemid": item, "stars": 1}, token=buyer, expect=failure("already rated"))
    s.form("a rating of six stars", "/item/rate", {"itemid": item, "stars": 6}, token=seller, expect=INVALID)
    s.form("seller rates the buyer", "/item/rate", {"itemid": item, "stars": 4}, token=seller, expect=SUCCESS)
    s.get("the seller's profile counts the rating", f"/user/{seller_id}", expect={"status": "success", "score": 11, "ratings": 1})
    s.form("a delete by someone else", "/item/delete", {"itemid": item}, token=buyer, expect=failure("Insufficient permissions"))
    s.form("seller deletes the item", "/item/delete", {"itemid": item}, token=seller, expect=SUCCESS)
    s.get("the deleted item", f"/item/{item}", expect={"status": "success", "sold": 3, "deleted": True})
    s.post("the buyer's favourites no longer show it", "/fav/query", token=buyer, expect={"status": "success", "res": []})
    # --- end of the README walkthrough -----------------------------------------------------

    # --- a want post through order and reset ------------------------------------------ trades
    added = s.json("seller posts a want (JSON, numeric strings)", "/item/add",
                   {"title": "求购 高等数学 教材", "type": "6", "price": "20", "depreciatione": 80, "note": "九龙湖 自提", "sold": -1},
                   token=seller, expect={"status": "success", "data": {"itemid": POSITIVE_ID, "sold": -1, "price": 20, "type": 6}})
    want = added.get("data", "itemid", default=0)
    s.form("buyer offers it (type 0)", "/user/chat/push", {"to": seller_id, "type": 0, "data": want}, token=buyer, expect=SUCCESS)
    s.form("deleteall by someone else", "/user/want/deleteall", {"itemid": want}, token=buyer, expect=failure("Insufficient permissions"))
    s.form("deleteall for a missing item", "/user/want/deleteall", {"itemid": MISSING_ID}, token=seller, expect=failure("no such item"))
    s.form("seller clears the requests for the want", "/user/want/deleteall", {"itemid": want}, token=seller, expect={"status": "success", "info": 1})
    s.form("an order to an unknown buyer", "/item/order", {"to": MISSING_ID, "itemid": want}, token=seller, expect=failure("no such user"))
    s.form("an order to oneself", "/item/order", {"to": seller_id, "itemid": want}, token=seller, expect=INVALID)
    s.form("an order of a deleted item", "/item/order", {"to": buyer_id, "itemid": item}, token=seller, expect=failure("not for trade"))
    s.form("seller orders the want", "/item/order", {"to": buyer_id, "itemid": want}, token=seller, expect=SUCCESS)
    s.get("the want is being traded", f"/item/{want}", expect={"status": "success", "sold": -3, "to": buyer_id})
    s.form("a reset by someone else", "/item/reset", {"itemid": want}, token=buyer, expect=failure("Insufficient permissions"))
    s.form("seller resets the want", "/item/reset", {"itemid": want}, token=seller, expect=SUCCESS)
    s.get("the want is open again", f"/item/{want}", expect={"status": "success", "sold": -1, "to": 0})
    s.form("a reset with nothing ordered", "/item/reset", {"itemid": want}, token=seller, expect=INVALID)
    s.form("a reset of a deleted item", "/item/reset", {"itemid": item}, token=seller, expect=failure("no such item"))
    s.form("a trade of an item not ordered", "/item/trade", {"itemid": want}, token=buyer, expect=failure("item not availabe for trade"))
    s.form("an order without a token", "/item/order", {"to": buyer_id, "itemid": want}, status=403, expect=FORBIDDEN)
    s.json("modify of a deleted item", "/item/modify", {"itemid": item, "title": "x"}, token=seller, status=403, expect=failure("no such item"))
    s.form("delete of a missing item", "/item/delete", {"itemid": MISSING_ID}, token=seller, expect=failure("no such item"))
    s.form("delete without an itemid", "/item/delete", {}, token=seller, expect=INVALID)

    # --- messages: paging, fetchall, want/delete ------------------------------------------ chats
    s.form("buyer sends a chat text", "/user/chat/push", {"to": seller_id, "type": 1, "data": "还在吗？"}, token=buyer, expect=SUCCESS)
    s.json("seller pages new messages (after, limit)", "/user/chat/fetchnew", {"after": 0, "limit": 1}, token=seller,
           expect={"status": "success", "data": [{"type": 1, "data": "还在吗？", "from": buyer_id}]})
    s.form("fetchnew with limit 0", "/user/chat/fetchnew", {"limit": 0}, token=seller, expect=INVALID)
    s.post("seller fetches all messages", "/user/chat/fetchall", token=seller,
           expect={"status": "success", "data": [{"type": 0, "data": str(item)}, {"type": 1, "data": "还在吗？"}]})
    mine = s.form("buyer fetches all messages (token in the body)", "/user/chat/fetchall", {}, token=buyer, token_in_body=True,
                  expect={"status": "success", "data": [{"from": seller_id, "type": -2, "data": str(item), "fetched": False}]})
    agreed = mine.get("data", 0, "id", default=MISSING_ID)
    s.form("seller deletes the buyer's message", "/user/want/delete", {"id": agreed}, token=seller, expect=failure("Insufficient permissions"))
    s.form("buyer deletes the message", "/user/want/delete", {"id": agreed}, token=buyer, expect={"status": "success", "info": 1})
    s.form("deleting it again", "/user/want/delete", {"id": agreed}, token=buyer, expect=failure("no such message"))
    s.form("want/delete without an id", "/user/want/delete", {}, token=buyer, expect=INVALID)
    s.post("buyer's messages after the delete", "/user/chat/fetchall", token=buyer, expect={"status": "success", "data": []})

    # --- favourites: JSON array, delete -------------------------------------------- favourites
    s.json("buyer favourites the want (JSON array)", "/fav/add", {"data": [want]}, token=buyer, expect=SUCCESS)
    s.post("favourites show the want", "/fav/query", token=buyer, expect={"status": "success", "res": [{"itemid": want, "uuid": buyer_id}]})
    s.form("buyer removes the favourite", "/fav/delete", {"data": f"[{want}]"}, token=buyer, expect=SUCCESS)
    s.form("fav/delete with id 0", "/fav/delete", {"data": "[0]"}, token=buyer, expect=INVALID)
    s.post("fav/delete without a token", "/fav/delete", status=403, expect=FORBIDDEN)
    s.post("favourites are empty again", "/fav/query", token=buyer, expect={"status": "success", "res": []})

    # --- profile, search by user, recommend ---------------------------------- users, search
    s.form("seller edits the profile", "/user/modify",
           {"username": "九龙湖卖家", "idcard": p.idcard, "studentid": "71119101", "address": "九龙湖 梅园", "info": "出闲置"}, token=seller, expect=SUCCESS)
    s.form("a blank username", "/user/modify", {"username": "   "}, token=seller, expect=INVALID)
    s.json("modify ignores avatarurl and score (JSON, token in the body)", "/user/modify",
           {"avatarurl": "image/avatar/x.jpg", "score": 99, "info": "出闲置 九龙湖自提"}, token=seller, token_in_body=True, expect=SUCCESS)
    s.post("modify without a token", "/user/modify", status=403, expect=FORBIDDEN)
    s.get("the public profile shows the edits", f"/user/{seller_id}",
          expect={"status": "success", "username": "九龙湖卖家", "info": "出闲置 九龙湖自提", "avatarurl": f"image/avatar/{seller_id}.jpg"})
    # 卖家 is in the seller's name; 家 alone is in the buyer's default info (这家伙很懒…): both match, seller first.
    s.form("search users by name (trailing slash, as the client)", "/item/search/", {"method": "user", "query": "卖家"},
           expect=Check(f"users {seller_id} then {buyer_id}, public fields only",
                        lambda b: [h["_id"] for h in b["hits"]["hits"]] == [str(seller_id), str(buyer_id)]
                        and all(set(h["_source"]) == {"username", "info", "address", "score"} for h in b["hits"]["hits"])))
    s.json("search goods for the want (JSON, size)", "/item/search", {"method": "good", "query": "高等数学", "size": 10}, expect=hit_ids([str(want)]))
    long_query = "高等数学 " + " ".join(f"zq{i}" for i in range(17))  # over 16 terms: their counts are read first
    s.json("search goods with a long query", "/item/search", {"method": "good", "query": long_query, "size": 10}, expect=hit_ids([str(want)]))
    s.form("search goods for the deleted item", "/item/search", {"method": "good", "query": "充电宝"}, expect=hit_ids([]))
    s.form("search with an unknown method", "/item/search", {"method": "bogus", "query": "x"}, expect=INVALID)
    s.form("search with a negative size", "/item/search/", {"method": "good", "query": "x", "size": -1}, expect=INVALID)
    s.get("recommendations for the buyer now", f"/recommend/{buyer_id}", expect=[want])
    s.get("recommend for a non-numeric uuid", "/recommend/abc", expect=INVALID)
    s.form("published lists the want only", "/user/published", {"uuid": seller_id}, expect=item_ids([want]))
    s.json("published of a non-numeric uuid", "/user/published", {"uuid": "abc"}, expect=INVALID)
    s.post("finished without a token", "/user/finished", status=403, expect=FORBIDDEN)
    s.form("buyer's finished list leaves out the deleted item", "/user/finished", {}, token=buyer, token_in_body=True, expect=[])

    # --- mail verification ------------------------------------------------------------ users
    s.post("mail verification without an idcard", "/user/mail/verify", token=buyer, expect=INVALID)
    sent_before = len(s.outbox.mails_to(p.idcard))
    s.post("seller asks for mail verification", "/user/mail/verify", token=seller, expect=SUCCESS)  # to the stored idcard
    link = s.mail_link_path(p.idcard, sent_before)
    mail_token = link.rsplit("/", 1)[-1]
    s.post("the mail token is no login token", "/user/me", token=mail_token, status=403, expect=FORBIDDEN)
    s.get("seller opens the mail link: a page, nothing changes", link, expect=html_page())
    s.post("seller is not verified by opening it", "/user/me", token=seller, expect={"status": "success", "verified": 0})
    s.post("seller presses the page's button", link, expect=SUCCESS)
    s.post("seller is verified", "/user/me", token=seller, expect={"status": "success", "verified": 1, "idcard": p.idcard})
    s.post("the link works once", link, expect=INVALID)
    s.post("a forged mail link", "/user/mail/verify/not-a-token", expect=INVALID)
    s.post("a login token as a mail link", f"/user/mail/verify/{seller}", expect=INVALID)

    # --- pictures ------------------------------------------------------------------- images
    s.multipart("buyer uploads a PNG avatar (token in the form)", "/user/avatar", {}, [png], token=buyer, token_in_body=True, expect=SUCCESS)
    s.get("buyer's avatar picture", f"/image/avatar/{buyer_id}.png", expect=picture("image/png"))
    s.get("the shipped placeholder avatar", "/image/avatar/default.jpg", expect=picture("image/jpeg"))
    s.get("the shipped placeholder item picture", "/image/item/default.jpg", expect=picture("image/jpeg"))
    s.get("a missing picture", "/image/item/nothing-here.jpg", status=404, expect=NOT_FOUND)

    # --- routing ------------------------------------------------------------------- $default
    s.get("an unknown route", "/no/such/route", status=404, expect=NOT_FOUND)
    s.post("an unknown POST route", "/item/nothing", status=404, expect=NOT_FOUND)
    s.get("a POST route asked with GET", "/user/login", status=404, expect=NOT_FOUND)
    s.post("a GET route asked with POST", f"/item/{want}", status=404, expect=NOT_FOUND)

    # --- password reset: a second code for the seller, a minute after the first ------- users
    s.form("reset for an unknown phone", "/user/reset", {"phonenumber": p.stranger, "verifycode": "123456", "password": NEW_PASSWORD}, expect=INVALID)
    yield  # the other side runs up to here meanwhile, so the code-resend wait below is shared
    s.wait_for_resend(p.seller)
    code = s.require_code("seller asks for a reset code", p.seller)
    wrong = f"{(int(code or 0) + 1) % 10**6:06d}"
    s.form("reset with a wrong code", "/user/reset", {"phonenumber": p.seller, "verifycode": wrong, "password": NEW_PASSWORD}, expect=failure("bad verify code"))
    s.json("seller resets the password (JSON)", "/user/reset", {"phonenumber": p.seller, "verifycode": code, "password": NEW_PASSWORD}, expect=SUCCESS)
    s.form("the old password no longer works", "/user/login", {"phonenumber": p.seller, "password": PASSWORD}, expect=failure("password incorrect"))
    login = s.form("the new password works", "/user/login", {"phonenumber": p.seller, "password": NEW_PASSWORD},
                   expect={"status": "success", "token": JWT, "info": {"uuid": seller_id, "verified": 1}})
    seller = login.get("token", default="")

    # --- blocks ---------------------------------------------------------------------- safety
    s.json("buyer blocks the seller", "/safety/block", {"uuid": seller_id}, token=buyer, expect=SUCCESS)
    s.form("blocking oneself", "/safety/block", {"uuid": buyer_id}, token=buyer, expect=failure("cannot block yourself"))
    s.form("blocking an unknown user", "/safety/block", {"uuid": MISSING_ID}, token=buyer, expect=failure("no such user"))
    s.post("buyer's blocks", "/safety/blocks", token=buyer, expect={"status": "success", "data": [{"uuid": seller_id, "createdAt": TIMESTAMP}]})
    s.form("the seller's message to the buyer is refused", "/user/chat/push", {"to": buyer_id, "type": 1, "data": "在吗"}, token=seller,
           expect=failure("message refused"))
    s.form("the seller cannot order the want to the buyer", "/item/order", {"to": buyer_id, "itemid": want}, token=seller,
           expect=failure("not for trade"))
    s.json("buyer's search leaves out the blocked seller's want", "/item/search", {"method": "good", "query": "高等数学"}, token=buyer,
           expect=hit_ids([]))
    s.json("an anonymous search still finds it", "/item/search", {"method": "good", "query": "高等数学"}, expect=hit_ids([str(want)]))
    s.form("buyer unblocks the seller", "/safety/unblock", {"uuid": seller_id}, token=buyer, expect=SUCCESS)
    s.post("blocks without a token", "/safety/blocks", status=403, expect=FORBIDDEN)
    s.post("buyer's blocks are empty", "/safety/blocks", token=buyer, expect={"status": "success", "data": []})

    # --- reports and moderation ------------------------------------------------------ safety
    report = {"kind": "item", "target": want, "reason": "fraud", "note": "图片与实物不符"}
    filed = s.json("buyer reports the want", "/safety/report", report, token=buyer, expect={"status": "success", "data": {"id": POSITIVE_ID}})
    item_report = filed.get("data", "id", default=MISSING_ID)
    s.form("the same report again is the same report", "/safety/report", report, token=buyer,
           expect={"status": "success", "data": {"id": item_report}})
    s.form("seller reports their own want", "/safety/report", {**report, "note": ""}, token=seller, expect=failure("cannot report yourself"))
    s.form("a report for an unknown reason", "/safety/report", {**report, "reason": "ugly"}, token=buyer, expect=INVALID)
    s.form("a report of a missing item", "/safety/report", {**report, "target": MISSING_ID}, token=buyer, expect=failure("no such item"))
    s.form("a report of a message one never received", "/safety/report", {"kind": "message", "target": MISSING_ID, "reason": "spam"},
           token=buyer, expect=failure("no such message"))
    filed = s.form("buyer reports the seller", "/safety/report", {"kind": "user", "target": seller_id, "reason": "harassment"}, token=buyer,
                   expect={"status": "success", "data": {"id": POSITIVE_ID}})
    user_report = filed.get("data", "id", default=MISSING_ID)
    s.post("the queue for a plain user", "/safety/queue", token=buyer, expect=failure("Insufficient permissions"))
    s.form("a resolve by a plain user", "/safety/resolve", {"id": item_report, "action": "dismiss", "why": "x"}, token=buyer,
           expect=failure("Insufficient permissions"))
    s.grant_moderator(buyer_id)
    s.form("the moderation queue, oldest first", "/safety/queue", {"limit": 10}, token=buyer,
           expect={"status": "success", "data": [
               {"id": item_report, "kind": "item", "target": want, "subject": seller_id, "reporter": buyer_id, "reason": "fraud",
                "note": "图片与实物不符", "createdAt": TIMESTAMP},
               {"id": user_report, "kind": "user", "target": seller_id, "subject": seller_id, "reporter": buyer_id, "reason": "harassment",
                "note": ""}]})
    s.form("the queue after the first report", "/safety/queue", {"after": item_report}, token=buyer,
           expect={"status": "success", "data": [{"id": user_report}]})
    s.form("a queue page of 101", "/safety/queue", {"limit": 101}, token=buyer, expect=INVALID)
    s.form("hiding a report that is no listing", "/safety/resolve", {"id": user_report, "action": "hide", "why": "x"}, token=buyer, expect=INVALID)
    s.form("a suspension without days", "/safety/resolve", {"id": user_report, "action": "suspend", "why": "x"}, token=buyer, expect=INVALID)
    s.form("resolving a missing report", "/safety/resolve", {"id": MISSING_ID, "action": "dismiss", "why": "x"}, token=buyer,
           expect=failure("no such report"))
    s.json("the moderator hides the want", "/safety/resolve", {"id": item_report, "action": "hide", "why": "与实物不符"}, token=buyer, expect=SUCCESS)
    s.json("resolving it again", "/safety/resolve", {"id": item_report, "action": "dismiss", "why": "x"}, token=buyer,
           expect=failure("report already resolved"))
    s.get("the hidden want shows as deleted", f"/item/{want}", expect=Check("a deleted item without the reason",
                                                                            lambda b: b["deleted"] is True and "hidden" not in b))
    s.json("search no longer finds the hidden want", "/item/search", {"method": "good", "query": "高等数学"}, expect=hit_ids([]))
    s.post("the seller reads why the want is hidden", "/safety/hidden", token=seller,
           expect={"status": "success", "data": [{"itemid": want, "hidden": "与实物不符", "deleted": True}]})
    s.form("the moderator suspends the seller for 3 days", "/safety/resolve",
           {"id": user_report, "action": "suspend", "days": 3, "why": "骚扰买家"}, token=buyer, expect=SUCCESS)
    s.post("the suspended seller's token no longer works", "/fav/query", token=seller, status=403, expect=FORBIDDEN)
    s.form("the suspended seller cannot log in", "/user/login", {"phonenumber": p.seller, "password": NEW_PASSWORD},
           expect=failure("account suspended"))
    s.post("the queue is empty of this scenario's reports", "/safety/queue", token=buyer, expect={"status": "success", "data": []})

    # --- a listing left open for the expiry check (tests/deployed/expiry_check.py) ------- items
    s.form("buyer posts a listing that will expire", "/item/add",
           {"title": "旧台灯", "type": 5, "price": 8, "depreciatione": 60, "note": "梅园", "sold": 1}, token=buyer,
           expect={"status": "success", "data": {"itemid": POSITIVE_ID, "uuid": buyer_id}})
    s.form("renewing a listing of someone else", "/item/renew", {"itemid": want}, token=buyer, expect=failure("Insufficient permissions"))
    s.form("renewing a missing listing", "/item/renew", {"itemid": MISSING_ID}, token=buyer, expect=failure("no such item"))


# ---------------------------------------------------------------------------- route coverage
def template_routes(template_path):
    """(function, method, path) of every HttpApi event in the template."""
    template = load_template(pathlib.Path(template_path).read_text(encoding="utf-8"))
    routes = []
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                routes.append((name, event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return routes


def _route_pattern(path):
    pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern) + "$")


def route_of(routes, method, path):
    """The route API Gateway picks: an exact path, then the fewest parameters; else $default."""
    path = path.split("?")[0]
    candidates = [r for r in routes if r[2] != "$default" and r[1] in (method, "ANY") and _route_pattern(r[2]).match(path)]
    if candidates:
        return min(candidates, key=lambda r: ("+}" in r[2], r[2].count("{"), r[1] == "ANY"))
    return next((r for r in routes if r[2] == "$default"), None)


def uncovered_routes(routes, transcript):
    reached = {route_of(routes, step["method"], step["path"]) for step in transcript}
    return [r for r in routes if r not in reached]


# ---------------------------------------------------------------------------- main
def run_sides(urls, outbox_url, people, stacks=(None, None)):
    """Both sides up to the scenario's pause, then both to the end: one code-resend wait, not two."""
    sides = [Side(name, url, Outbox(outbox_url), stack) for (name, url), stack in zip(urls, stacks)]
    runs = [scenario(side, people) for side in sides]
    started = time.monotonic()
    for part in ("first part", "rest"):
        for side, run in zip(sides, runs):
            print(f"{side.name}: {part} on {side.base}", flush=True)
            try:
                next(run)
            except StopIteration:
                pass
            except Exception:  # a bug here or a reply of a shape nobody expected: report it, compare what was sent
                side.problems.append("the scenario stopped: " + traceback.format_exc().strip().splitlines()[-1])
                traceback.print_exc()
    print(f"{sum(len(side.steps) for side in sides)} requests in {time.monotonic() - started:.0f} s", flush=True)
    return sides


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", default=os.environ.get("BASE_URL"),
                        help="base URL of the reference (the dev server; default: $BASE_URL, as scripts/with-devserver.sh sets it)")
    parser.add_argument("--subject", required=True, help="base URL of the server under test (sam local)")
    parser.add_argument("--outbox", required=True, help="the AWS emulator that received SMS and mail (moto or LocalStack)")
    parser.add_argument("--transcripts", help="directory to write reference.json and subject.json to")
    parser.add_argument("--template", default=str(ROOT / "template.yaml"), help="template whose routes must all be reached")
    parser.add_argument("--reference-stack", default=os.environ.get("TABLE_PREFIX"),
                        help="table prefix of the reference's state (default: $TABLE_PREFIX, as the dev server's)")
    parser.add_argument("--subject-stack", help="table prefix of the subject's state")
    args = parser.parse_args(argv)
    if not args.reference:
        parser.error("--reference (or BASE_URL) is required")

    people = People.fresh()
    sides = run_sides((("reference", args.reference), ("subject", args.subject)), args.outbox, people,
                      (args.reference_stack, args.subject_stack))
    reference, subject = (side.transcript() for side in sides)
    if args.transcripts:
        out = pathlib.Path(args.transcripts)
        out.mkdir(parents=True, exist_ok=True)
        for side, transcript in zip(sides, (reference, subject)):
            (out / f"{side.name}.json").write_text(json.dumps(transcript, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    verdicts = compare(reference, subject)
    for verdict in verdicts:
        print(verdict.line)
        for detail in verdict.details:
            print("      " + detail)
    problems = [f"{side.name}: {problem}" for side in sides for problem in side.problems]
    routes = template_routes(args.template)
    missing = uncovered_routes(routes, reference)
    for problem in problems:
        print("PROBLEM " + problem)
    for function, method, path in missing:
        print(f"UNREACHED {method} {path} ({function})")
    failed = [v for v in verdicts if not v.ok]
    print(f"{len(verdicts) - len(failed)}/{len(verdicts)} steps matched; {len(routes) - len(missing)}/{len(routes)} template routes reached"
          + (f"; {len(problems)} problems" if problems else ""))
    return 1 if failed or problems or missing else 0


if __name__ == "__main__":
    sys.exit(main())

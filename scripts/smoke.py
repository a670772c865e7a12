"""Smoke test: the README's curl walkthrough ("Try it with curl") against any FOOF API.

    make smoke [BASE_URL=http://127.0.0.1:4000]
    .venv/bin/python scripts/smoke.py [BASE_URL] [--outbox URL | --code-command CMD] [--phones SELLER,BUYER]

A seller and a buyer sign up and log in, the seller uploads an avatar and posts an item with
two photos, the photos are served back under /image/, search finds the item, the buyer
favourites it and asks to buy (chat type 0), the seller sees the request (fetchnew), orders and
tells the buyer (type -2), the buyer confirms the trade, the item shows `"sold": 2`, the seller
deletes it, and the buyer's favourites no longer show it. Each reply is checked against what
README.md, docs/api.md and tests/ expect; one line per request (`ok   POST /user/login`), and
the first wrong reply is printed and ends the run (exit 1). BASE_URL defaults to
http://127.0.0.1:4000 (`make run`).

Phones: two new numbers on every run (19 + the time in hundredths of a second + 1 or 2), so it
can run again and again against the same server, as long as the codes can be read for any
number, from an emulator or a command:
  --outbox URL (default: AWS_ENDPOINT_URL; http://127.0.0.1:4566 when BASE_URL is on this
        machine) the AWS emulator the server texts, moto or LocalStack, read as
        scripts/outbox.py does;
  --code-command CMD (or FOOF_SMOKE_CODE_COMMAND=CMD) CMD is run by the shell, with the phone
        number as its last argument, once the code was requested; the first 6-digit number it
        prints is the code.
A deployed stack texts real phones, so give two of your own instead, --phones SELLER,BUYER (or
FOOF_SMOKE_PHONES), and type the codes in when asked (standard input must be a terminal). They
are registered on the first run (with the walkthrough's password) and only log in on later ones,
which then send no SMS; every SMS counts against /user/requirecode's limits (one per phone a
minute, 20 an hour per client address by default).
"""
import argparse
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time
import urllib.parse

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "shared" / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))
import outbox  # noqa: E402  scripts/outbox.py: e164() and sms_to()

# What the real client sends as the password: the SHA-1 hex of "123456".
PASSWORD = "7c4a8d09ca3762af61e59520943dc26494f8941b"
TIMEOUT = (10, 60)  # a cold Lambda container (SSM read included) answers within API Gateway's 30 s
SUCCESS = {"status": "success"}


class Failed(Exception):
    pass


# ---------------------------------------------------------------------------- expectations
def matches(expected, value):
    """`value` has everything `expected` names: dicts as subsets, lists element by element,
    a callable as a predicate, anything else by equality (booleans are not numbers)."""
    if callable(expected):
        try:
            return bool(expected(value))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            return False
    if isinstance(expected, dict):
        return isinstance(value, dict) and all(k in value and matches(e, value[k]) for k, e in expected.items())
    if isinstance(expected, list):
        return isinstance(value, list) and len(expected) == len(value) and all(map(matches, expected, value))
    if isinstance(expected, bool) or isinstance(value, bool):
        return type(expected) is type(value) and expected == value
    return expected == value


class Described:
    """A predicate with words, so that a failure says what was expected."""

    def __init__(self, words, predicate, raw=False):
        self.words, self.predicate = words, predicate
        self.raw = raw  # checks the whole reply (headers and bytes), not its JSON

    def __call__(self, value):
        return self.predicate(value)

    def __repr__(self):
        return f"<{self.words}>"


def is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


ID = Described("a positive id", is_id)
TOKEN = Described("a JWT", lambda v: isinstance(v, str) and v.count(".") == 2)


def picture(content_type, magic):
    return Described(f"{content_type} bytes", lambda r: r.headers.get("Content-Type", "").startswith(content_type)
                     and r.content.startswith(magic), raw=True)


def search_hit(item):
    return Described(f"item {item} among the search hits",
                     lambda b: str(item) in [h["_id"] for h in b["hits"]["hits"]] and b["hits"]["total"] >= 1)


# ---------------------------------------------------------------------------- requests
class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method, path, expect, *, token=None, note="", status=200, **kw):
        """One request; prints `ok   METHOD PATH`, or raises Failed with the reply."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        line = f"{method} {path}" + (f"  ({note})" if note else "")
        try:
            reply = self.http.request(method, self.base + path, headers=headers, timeout=TIMEOUT, allow_redirects=False, **kw)
        except requests.RequestException as error:
            raise Failed(f"FAIL {line}\n     no reply: {error}") from None
        if getattr(expect, "raw", False):
            body, ok = reply, expect(reply)
        else:
            try:
                body = reply.json()
            except ValueError:
                body = None
            ok = body is not None and matches(expect, body)
        if reply.status_code != status or not ok:
            shown = reply.text if len(reply.content) < 2000 and "image" not in reply.headers.get("Content-Type", "") \
                else f"{len(reply.content)} bytes of {reply.headers.get('Content-Type', '?')}"
            raise Failed(f"FAIL {line}\n     expected HTTP {status} and {expect!r}\n"
                         f"     got      HTTP {reply.status_code} {shown}")
        print(f"ok   {line}", flush=True)
        return body


# ---------------------------------------------------------------------------- SMS codes
class Codes:
    """The code the server texted to a phone: from a command, the emulator, or the person."""

    def __init__(self, command, outbox_url):
        self.command, self.outbox_url = command, outbox_url
        self.seen = {}

    def describe(self):
        if self.command:
            return f"codes from `{self.command} PHONE`"
        if self.outbox_url:
            return f"codes from the emulator at {self.outbox_url}"
        return "codes typed in"

    def before_request(self, phone):
        if self.outbox_url:
            self.seen[phone] = len(self._texts(phone))

    def _texts(self, phone):
        try:
            return outbox.sms_to(phone, self.outbox_url)
        except (OSError, ValueError, KeyError) as error:  # urllib's errors are OSErrors
            raise Failed(f"FAIL reading SMS to {outbox.e164(phone)} from the emulator at {self.outbox_url}: {error}\n"
                         "     (against a deployed stack: --phones of your own, on a terminal; see --help)") from None

    def code(self, phone):
        if self.command:
            run = subprocess.run(f"{self.command} {shlex.quote(phone)}", shell=True, capture_output=True, text=True, timeout=300)
            found = re.search(r"\b\d{6}\b", run.stdout)
            if run.returncode != 0 or not found:
                raise Failed(f"FAIL `{self.command} {phone}` gave no code (exit {run.returncode}): {run.stdout.strip()} {run.stderr.strip()}")
            return found.group()
        if self.outbox_url:
            for _ in range(50):  # the SMS is published before the reply; allow a slow emulator
                texts = self._texts(phone)
                if len(texts) > self.seen.get(phone, 0):
                    return re.search(r"\d{6}", texts[-1]).group()
                time.sleep(0.1)
            raise Failed(f"FAIL no new SMS to {outbox.e164(phone)} reached the emulator at {self.outbox_url}")
        if sys.stdin.isatty():
            return input(f"     the code texted to {phone}: ").strip()
        raise Failed("FAIL no way to read SMS codes: give --outbox URL, --code-command CMD, or run on a terminal")


def default_outbox(base_url):
    if os.environ.get("AWS_ENDPOINT_URL"):
        return os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    host = urllib.parse.urlsplit(base_url).hostname or ""
    return "http://127.0.0.1:4566" if host in ("127.0.0.1", "localhost", "::1") else ""


# ---------------------------------------------------------------------------- the walkthrough
def signup(api, codes, phone, who, maybe_registered):
    """requirecode, register, login: (token, uuid). A phone of one's own may be registered from
    an earlier run: then it logs in."""
    if maybe_registered:
        login = api.call("POST", "/user/login", Described("a login, or `user not found` (a first run)", lambda b: b["status"] == "success"
                                                          or b["info"] == "user not found"),
                         data={"phonenumber": phone, "password": PASSWORD}, note=f"{who} {phone}, registered before?")
        if login["status"] == "success":
            token, uuid = login["token"], login["info"]["uuid"]
            api.call("POST", "/user/me", {"status": "success", "uuid": uuid}, token=token, note=who)
            return token, uuid
    codes.before_request(phone)
    api.call("POST", "/user/requirecode", SUCCESS, data={"phonenumber": phone}, note=f"{who} {phone}")
    code = codes.code(phone)
    api.call("POST", "/user/register", SUCCESS, data={"phonenumber": phone, "verifycode": code, "password": PASSWORD}, note=who)
    login = api.call("POST", "/user/login", {"status": "success", "token": TOKEN, "info": {"uuid": ID, "phonenumber": phone}},
                     data={"phonenumber": phone, "password": PASSWORD}, note=who)
    token, uuid = login["token"], login["info"]["uuid"]
    api.call("POST", "/user/me", {"status": "success", "uuid": uuid, "phonenumber": phone}, token=token, note=who)
    return token, uuid


def contains(words, pattern):
    """A list with an element that matches `pattern` (other elements may be there from earlier runs)."""
    return Described(words, lambda items: any(matches(pattern, i) for i in items))


def walkthrough(api, codes, phones, stamp):
    (seller_phone, buyer_phone), own = phones or (f"19{stamp}1", f"19{stamp}2"), bool(phones)
    seller, seller_id = signup(api, codes, seller_phone, "seller", own)
    buyer, buyer_id = signup(api, codes, buyer_phone, "buyer", own)
    photo = ("photo.jpg", (FIXTURES / "photo.jpg").read_bytes(), "image/jpeg")
    png = ("with-text.png", (FIXTURES / "with-text.png").read_bytes(), "image/png")
    jpeg_bytes, png_bytes = picture("image/jpeg", b"\xff\xd8"), picture("image/png", b"\x89PNG")

    # profile picture (stored without its EXIF/GPS), served under /image/avatar/
    api.call("POST", "/user/avatar", SUCCESS, token=seller, files=[("file", photo)], note="seller")
    avatar = f"image/avatar/{seller_id}.jpg"
    api.call("GET", f"/user/{seller_id}", {"status": "success", "uuid": seller_id, "avatarurl": avatar})
    api.call("GET", "/" + avatar, jpeg_bytes)

    # the seller posts an item with two photos; the run's stamp makes it findable among others
    item = api.call("POST", "/item/add", {"status": "success", "data": {"itemid": ID, "uuid": seller_id, "price": 35.5, "sold": 1}},
                    token=seller, data={"title": "九成新 小米充电宝", "type": 1, "price": 35.5, "depreciatione": 90,
                                        "note": f"T,九龙湖 smoke{stamp}", "sold": 1}, note="seller")["data"]["itemid"]
    names = [f"image/item/{seller_id}-{item}-0.jpg", f"image/item/{seller_id}-{item}-1.png"]
    api.call("POST", "/item/image", {"status": "success", "imgurl": names}, token=seller, data={"itemid": item},
             files=[("file", photo), ("file", png)], note="seller, two photos")
    api.call("GET", f"/item/{item}", {"status": "success", "itemid": item, "imgurl": "".join(n + "++" for n in names)})
    api.call("GET", "/" + names[0], jpeg_bytes)
    api.call("GET", "/" + names[1], png_bytes)

    # the buyer finds it, favourites it and asks to buy; the seller agrees; the buyer confirms
    api.call("POST", "/item/search", search_hit(item), data={"method": "good", "query": f"充电宝 smoke{stamp}"})
    api.call("POST", "/fav/add", SUCCESS, token=buyer, data={"data": f"[{item}]"}, note="buyer")
    api.call("POST", "/fav/query", {"status": "success", "res": contains(f"item {item} among them", {"id": ID, "itemid": item, "uuid": buyer_id})},
             token=buyer, note="buyer")
    api.call("POST", "/user/chat/push", SUCCESS, token=buyer, data={"to": seller_id, "type": 0, "data": item}, note="buyer asks to buy, type 0")
    request = {"id": ID, "from": buyer_id, "to": seller_id, "type": 0, "data": str(item)}
    api.call("POST", "/user/chat/fetchnew", {"status": "success", "data": contains("the buyer's request among them", request)},
             token=seller, note="seller sees the request")
    api.call("POST", "/item/order", SUCCESS, token=seller, data={"to": buyer_id, "itemid": item}, note="seller")
    api.call("POST", "/user/chat/push", SUCCESS, token=seller, data={"to": buyer_id, "type": -2, "data": item}, note="seller agrees, type -2")
    api.call("POST", "/user/finished", contains(f"item {item}, reserved", {"itemid": item, "sold": 3, "to": buyer_id}), token=buyer, note="buyer")
    api.call("POST", "/item/trade", SUCCESS, token=buyer, data={"itemid": item}, note="buyer confirms")
    api.call("GET", f"/item/{item}", {"status": "success", "itemid": item, "sold": 2, "to": buyer_id}, note="sold")
    api.call("POST", "/item/delete", SUCCESS, token=seller, data={"itemid": item}, note="seller, soft delete")
    api.call("POST", "/fav/query", {"status": "success", "res": Described(f"no item {item}", lambda res: item not in [f["itemid"] for f in res])},
             token=buyer, note="gone from the buyer's favourites")
    return item


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:4000")
    parser.add_argument("--code-command", default=os.environ.get("FOOF_SMOKE_CODE_COMMAND", ""),
                        help="shell command printing the SMS code for the phone given as its last argument")
    parser.add_argument("--outbox", default=None, help="AWS emulator to read SMS codes from (default: AWS_ENDPOINT_URL)")
    parser.add_argument("--phones", default=os.environ.get("FOOF_SMOKE_PHONES", ""),
                        help="SELLER,BUYER: two phones of your own (a deployed stack), instead of new numbers")
    args = parser.parse_args(argv)
    base = args.base_url.rstrip("/")
    outbox_url = "" if args.code_command else (args.outbox if args.outbox is not None else default_outbox(base)).rstrip("/")
    codes = Codes(args.code_command, outbox_url)
    phones = tuple(p.strip() for p in args.phones.split(",")) if args.phones else ()
    if phones and (len(phones) != 2 or phones[0] == phones[1]):
        parser.error("--phones wants two different numbers: SELLER,BUYER")
    if not (args.code_command or outbox_url) and not (phones and sys.stdin.isatty()):
        parser.error("no emulator to read SMS codes from, nor a --code-command: against a deployed stack, give two "
                     "phones of your own with --phones SELLER,BUYER (or FOOF_SMOKE_PHONES) and type the codes in on a terminal")
    # New phones every 1/100 s: a number comes back only for a run in the same 1/100 s of an 11.6-day cycle.
    stamp = f"{int(time.time() * 100) % 10**8:08d}"
    shown = " and ".join(phones or (f"19{stamp}1", f"19{stamp}2"))
    print(f"smoke: {base}, phones {shown}, {codes.describe()}", flush=True)
    started = time.monotonic()
    try:
        item = walkthrough(Api(base), codes, phones, stamp)
    except Failed as failure:
        print(failure, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"smoke: passed in {time.monotonic() - started:.1f} s (item {item}, sold and deleted)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Registers a fresh account on a running FOOF server and prints its login token.

The SMS code is read back from the emulator (moto's /moto-api/data.json, or LocalStack's
/_aws/sns/sms-messages), never from the API.  Usage: fuzz-token.py BASE_URL EMULATOR_URL
"""
import json
import random
import re
import sys
import urllib.request

base, emulator = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")


def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


def sms_to(phone):
    try:
        with urllib.request.urlopen(emulator + "/moto-api/data.json") as reply:
            return [m["message"] for m in json.load(reply)["sns"]["SMS"] if m["phone_number"] == phone]
    except urllib.error.HTTPError:
        with urllib.request.urlopen(emulator + "/_aws/sns/sms-messages") as reply:
            return [m["Message"] for m in json.load(reply)["sms_messages"].get(phone, [])]


phone = "19" + str(random.randint(10**8, 10**9 - 1))
password = "%040x" % random.getrandbits(160)
assert post("/user/requirecode", {"phonenumber": phone})["status"] == "success"
code = re.search(r"\d{6}", sms_to("+86" + phone)[-1]).group()
assert post("/user/register", {"phonenumber": phone, "verifycode": code, "password": password})["status"] == "success"
print(post("/user/login", {"phonenumber": phone, "password": password})["token"])

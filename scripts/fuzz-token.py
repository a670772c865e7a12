"""Registers a fresh account on a running FOOF server and prints its login token.

The SMS code is read back from the emulator (moto's /moto-api/data.json, or LocalStack's
/_aws/sns/sms-messages), never from the API.  Usage: fuzz-token.py BASE_URL EMULATOR_URL
"""
import json
import os
import random
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from outbox import latest_code  # noqa: E402

base, emulator = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")


def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


phone = "19" + str(random.randint(10**8, 10**9 - 1))
password = "%040x" % random.getrandbits(160)
assert post("/user/requirecode", {"phonenumber": phone})["status"] == "success"
code = latest_code(phone, emulator)
assert post("/user/register", {"phonenumber": phone, "verifycode": code, "password": password})["status"] == "success"
print(post("/user/login", {"phonenumber": phone, "password": password})["token"])

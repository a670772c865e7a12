"""What the local AWS emulator received: the SMS codes sent to a phone.

    python3 scripts/outbox.py code 13800138000      # the latest code sent to that phone

Reads moto's /moto-api/data.json, or LocalStack's /_aws/sns/sms-messages, at AWS_ENDPOINT_URL
(default http://127.0.0.1:4566, where `make run` puts moto).
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EMULATOR = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566").rstrip("/")


def e164(phone):
    digits = phone.lstrip("+")
    if phone.startswith("+"):
        return phone
    return "+86" + digits if len(digits) == 11 and digits.startswith("1") else "+" + digits


def sms_to(phone, emulator=EMULATOR):
    """Texts sent to the phone, oldest first."""
    phone = e164(phone)
    try:
        with urllib.request.urlopen(emulator + "/moto-api/data.json") as reply:
            return [m["message"] for m in json.load(reply)["sns"]["SMS"] if m["phone_number"] == phone]
    except urllib.error.HTTPError:
        # LocalStack keeps SMS per region, and answers for us-east-1 unless told.
        query = urllib.parse.urlencode({"region": os.environ.get("AWS_REGION", "us-east-1"), "phoneNumber": phone})
        with urllib.request.urlopen(emulator + "/_aws/sns/sms-messages?" + query) as reply:
            return [m["Message"] for m in json.load(reply)["sms_messages"].get(phone, [])]


def latest_code(phone, emulator=EMULATOR, wait=10.0):
    # LocalStack records an SMS shortly after Publish has answered (moto before): wait for one.
    deadline = time.monotonic() + wait
    while not (texts := sms_to(phone, emulator)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not texts:
        raise SystemExit(f"no SMS to {e164(phone)} at {emulator}")
    return re.search(r"\d{6}", texts[-1]).group()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "code":
        sys.exit(__doc__)
    print(latest_code(sys.argv[2]))

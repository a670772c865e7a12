"""Makes a user a moderator, or one no longer: the only way the role is granted (no endpoint can).

    .venv/bin/python scripts/moderator.py grant  --phone 13800138000 [--stack foof]
    .venv/bin/python scripts/moderator.py revoke --uuid 42

`make moderator PHONE=… [REVOKE=1] [STACK=…]` runs it. The user is named by the phone it
registered with (11-digit mainland numbers as typed, others in E.164 with their +) or by its
uuid. It writes `role = "moderator"` on the user's row of `{stack}-users` (removes it to revoke),
only if that user exists. The stack defaults to TABLE_PREFIX, else "foof" (the local one).
Credentials, region and endpoint come from the usual AWS settings, AWS_ENDPOINT_URL(_DYNAMODB)
included, so the same command serves a deployed stack and the local emulators. A moderator's
next request sees the role: it is read on every moderation request, never cached.
"""
import argparse
import os
import re
import sys

import boto3

ROLE = "moderator"


def e164(phone):
    phone = phone.strip().replace(" ", "")
    if re.fullmatch(r"1\d{10}", phone):
        return "+86" + phone
    if re.fullmatch(r"\+\d{6,15}", phone):
        return phone
    sys.exit(f"moderator: {phone!r} is neither an 11-digit mainland mobile nor +E.164")


def user_id(dynamodb, stack, args):
    if args.uuid is not None:
        return args.uuid
    found = dynamodb.get_item(TableName=f"{stack}-phones", Key={"phone": {"S": e164(args.phone)}},
                              ConsistentRead=True).get("Item")
    if not found:
        sys.exit(f"moderator: no user registered with {args.phone} in stack {stack}")
    return int(found["uuid"]["N"])


def main():
    parser = argparse.ArgumentParser(description="Grant or revoke the moderator role.")
    parser.add_argument("action", choices=["grant", "revoke"])
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="the phone the user registered with")
    who.add_argument("--uuid", type=int, help="the user's uuid")
    parser.add_argument("--stack", default=os.environ.get("TABLE_PREFIX") or "foof",
                        help="table prefix: the stack name (default: TABLE_PREFIX, else foof)")
    args = parser.parse_args()
    dynamodb = boto3.client("dynamodb")
    uuid = user_id(dynamodb, args.stack, args)
    change = {"UpdateExpression": "SET #role = :role", "ExpressionAttributeValues": {":role": {"S": ROLE}}} \
        if args.action == "grant" else {"UpdateExpression": "REMOVE #role"}
    try:
        dynamodb.update_item(TableName=f"{args.stack}-users", Key={"uuid": {"N": str(uuid)}},
                             ConditionExpression="attribute_exists(#uuid)",
                             ExpressionAttributeNames={"#role": "role", "#uuid": "uuid"}, **change)
    except dynamodb.exceptions.ConditionalCheckFailedException:
        sys.exit(f"moderator: no user {uuid} in stack {args.stack}")
    print(f"moderator: user {uuid} {'is now' if args.action == 'grant' else 'is no longer'} a moderator "
          f"(stack {args.stack})")


if __name__ == "__main__":
    main()

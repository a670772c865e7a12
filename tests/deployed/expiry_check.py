"""The expiry sweep under `sam local invoke`, handed a scheduled event as EventBridge would hand
it on AWS, dated past the listing age so that it withdraws what the scenario left open.

It finds the open listings in the stack's items table (the scenario left at least one), checks
that search finds them, invokes ExpiryFunction with a scheduled event whose `time` is 91 days
ahead, and checks that each listing is now hidden as expired (GET /item/{id} shows it deleted,
without the reason) and that search no longer finds it.

    python tests/deployed/expiry_check.py --api http://127.0.0.1:3000 --table foofsam1-items \\
        --template .aws-sam/local/template.yaml --env-vars env.json --architecture x86_64 --event event.json
"""
import json
import sys
import time
import urllib.request

from compaction_check import check_arguments, dynamodb, sam_invoke, search

AHEAD_DAYS = 91  # the template's LISTING_MAX_AGE_DAYS is 90


def open_listings(client, table):
    """{itemid: title} of every listing on offer (not deleted, sold 1 or -1)."""
    found = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for row in page["Items"]:
            if not row["deleted"]["BOOL"] and row["sold"]["N"] in ("1", "-1"):
                found[int(row["itemid"]["N"])] = row["title"]["S"]
    return found


def item(api, itemid):
    with urllib.request.urlopen(f"{api}/item/{itemid}", timeout=60) as reply:
        return json.load(reply)


def hit_ids(answer):
    return {int(hit["_id"]) for hit in answer["hits"]["hits"]}


def scheduled_event(epoch_seconds):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))
    return {"version": "0", "id": "expiry-check", "detail-type": "Scheduled Event", "source": "aws.events",
            "time": stamp, "region": "us-east-1", "resources": [], "detail": {}}


def main():
    args = check_arguments(__doc__)
    client = dynamodb()
    listings = open_listings(client, args.table)
    if not listings:
        print("expiry: the scenario left no open listing to expire", file=sys.stderr)
        return 1
    problems = [f"{itemid}: search does not find it before the sweep" for itemid, title in listings.items()
                if itemid not in hit_ids(search(args.api, "g#" + title))]
    with open(args.event, "w", encoding="utf-8") as event:
        json.dump(scheduled_event(time.time() + AHEAD_DAYS * 86_400), event)
    reply, failure = sam_invoke("ExpiryFunction", args)
    if not reply or reply.get("expired") != len(listings):
        problems.append(failure)
    for itemid, title in listings.items():
        row = client.get_item(TableName=args.table, Key={"itemid": {"N": str(itemid)}}, ConsistentRead=True)["Item"]
        if row.get("hidden", {}).get("S") != "expired" or not row["deleted"]["BOOL"]:
            problems.append(f"{itemid}: not withdrawn as expired: {row.get('hidden')}, deleted {row['deleted']}")
        shown = item(args.api, itemid)
        if shown.get("deleted") is not True or "hidden" in shown:
            problems.append(f"{itemid}: GET /item shows {shown}")
        if itemid in hit_ids(search(args.api, "g#" + title)):
            problems.append(f"{itemid}: search still finds it")
    for problem in problems:
        print("expiry:", problem, file=sys.stderr)
    print(f"expiry: {len(listings)} open listings withdrawn under sam local invoke; {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

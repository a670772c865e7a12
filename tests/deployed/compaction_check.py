"""The compactor under `sam local invoke`, handed a stream event as the postings table's stream
would hand it on AWS.

It finds the goods terms with deltas in the stack's postings table (the scenario wrote them),
searches for some of them through the API, invokes CompactorFunction with a DynamoDB Streams
event naming their deltas, and checks that each term was packed (no delta left, and a block
unless all it had were tombstones) and that every search answers exactly as before.

    python tests/deployed/compaction_check.py --api http://127.0.0.1:3000 --table foofsam1-postings \\
        --template .aws-sam/local/template.yaml --env-vars env.json --architecture x86_64 --event event.json
"""
import argparse
import json
import os
import subprocess
import sys
import urllib.request

import boto3

TERMS = 12


def dynamodb():
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"]
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))


def deltas_by_term(client, table):
    """{term key: [doc, ...]} of every goods delta row, and the terms with a live posting among
    them (the others hold only tombstones, which fold into no block at all)."""
    found, live = {}, set()
    for page in client.get_paginator("scan").paginate(TableName=table):
        for row in page["Items"]:
            term, doc = row["term"]["S"], int(row["doc"]["N"])
            if term.startswith("g#") and doc > 0:
                found.setdefault(term, []).append(doc)
                if row["f"]["S"].split(",")[1:3] != ["0", "0"]:
                    live.add(term)
    return found, live


def rows(client, table, term, condition):
    reply = client.query(
        TableName=table,
        KeyConditionExpression=f"term = :t AND doc {condition} :zero",
        ExpressionAttributeValues={":t": {"S": term}, ":zero": {"N": "0"}},
        ConsistentRead=True,
    )
    return reply["Items"]


def search(api, term):
    body = json.dumps({"method": "good", "query": term[2:], "size": 200}).encode()
    request = urllib.request.Request(f"{api}/item/search", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        answer = json.load(reply)
    answer.pop("took", None)
    return answer


def stream_event(chosen):
    return {
        "Records": [
            {
                "eventID": f"{term}-{doc}",
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"Keys": {"term": {"S": term}, "doc": {"N": str(doc)}}, "StreamViewType": "KEYS_ONLY"},
            }
            for term, docs in chosen.items()
            for doc in docs
        ]
    }


def check_arguments(doc):
    """The arguments of a check that invokes a function under sam local (this one, expiry_check)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name in ("--api", "--table", "--template", "--env-vars", "--architecture", "--event"):
        parser.add_argument(name, required=True)
    return parser.parse_args()


def sam_invoke(function, args):
    """`sam local invoke` of `function` with the event file in `args.event`: its JSON reply
    (None if it failed), and what to report if that reply is not the one expected."""
    invoked = subprocess.run(
        ["sam", "local", "invoke", function, "--template", args.template, "--event", args.event,
         "--env-vars", args.env_vars, "--parameter-overrides", f"Architecture={args.architecture}",
         "--skip-pull-image"],
        capture_output=True, text=True, timeout=600,
    )
    lines = [line for line in invoked.stdout.splitlines() if line.strip()]
    reply = json.loads(lines[-1]) if invoked.returncode == 0 and lines else None
    return reply, f"invoke: exit {invoked.returncode}, reply {lines[-1:] if lines else None}\n{invoked.stderr[-2000:]}"


def main():
    args = check_arguments(__doc__)
    client = dynamodb()
    waiting, live = deltas_by_term(client, args.table)
    chosen = dict(sorted(waiting.items(), key=lambda entry: (-len(entry[1]), entry[0]))[:TERMS])
    if not chosen:
        print("compaction: the scenario left no deltas to fold", file=sys.stderr)
        return 1
    before = {term: search(args.api, term) for term in chosen}
    with open(args.event, "w", encoding="utf-8") as event:
        json.dump(stream_event(chosen), event)
    reply, failure = sam_invoke("CompactorFunction", args)
    problems = []
    if not reply or reply.get("packed") != len(chosen):
        problems.append(failure)
    for term in chosen:
        if rows(client, args.table, term, ">"):
            problems.append(f"{term}: deltas left after the fold")
        if term in live and not rows(client, args.table, term, "<"):
            problems.append(f"{term}: no block written")
        after = search(args.api, term)
        if after != before[term]:
            problems.append(f"{term}: the search answers differently after the fold")
    for problem in problems:
        print("compaction:", problem, file=sys.stderr)
    print(f"compaction: {len(chosen)} terms ({sum(map(len, chosen.values()))} deltas) folded under sam local invoke; "
          f"{len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Creates FOOF's AWS resources in a local emulator, from the definitions in template.yaml.

Idempotent: re-running it on a bootstrapped emulator changes nothing. It reaches the emulators
through the standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB variables, so the same script
serves moto + DynamoDB Local (scripts/emulators.sh) and LocalStack (localstack/init/ready.d).

Names follow the stack name "foof" (TABLE_PREFIX), as the functions' defaults do.
"""
import os
import pathlib
import sys
import time

import boto3

import cfn_yaml  # beside this file: template.yaml with its CloudFormation tags

ROOT = pathlib.Path(__file__).resolve().parent.parent
STACK = os.environ.get("TABLE_PREFIX", "foof")
BUCKET = os.environ.get("IMAGES_BUCKET", "foof-images")
MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@foof.local")


def resolve(value):
    """Resolves the few intrinsics the table definitions use."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return value["Fn::Sub"].replace("${AWS::StackName}", STACK)
    if isinstance(value, dict) and "Ref" in value and value["Ref"] == "AWS::StackName":
        return STACK
    return value


def load_template():
    return cfn_yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"))


def table_requests(template):
    """CreateTable (and UpdateTimeToLive) requests for every AWS::DynamoDB::Table."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        create = {
            "TableName": resolve(props["TableName"]),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in props:
            create["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            view = props["StreamSpecification"]["StreamViewType"]
            create["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        ttl = props.get("TimeToLiveSpecification")
        yield logical_id, create, ttl


def create_tables(dynamodb, template):
    existing = set(dynamodb.list_tables()["TableNames"])
    for logical_id, create, ttl in table_requests(template):
        name = create["TableName"]
        if name not in existing:
            dynamodb.create_table(**create)
            dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
        print(f"bootstrap: table {name} ({logical_id}) ready")


def create_bucket(s3):
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for path in sorted((ROOT / "assets").rglob("*")):
        if path.is_file():
            key = path.relative_to(ROOT / "assets").as_posix()
            s3.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes(), ContentType="image/jpeg")
    print(f"bootstrap: bucket {BUCKET} ready with the shipped placeholder images")


def main():
    region = os.environ.get("AWS_REGION", "us-east-1")
    template = load_template()
    for attempt in range(50):
        try:
            create_tables(boto3.client("dynamodb", region_name=region), template)
            break
        except Exception as error:  # the emulator may still be warming up
            if attempt == 49:
                raise
            print(f"bootstrap: waiting for DynamoDB ({error.__class__.__name__})", file=sys.stderr)
            time.sleep(0.2)
    s3 = boto3.client("s3", region_name=region)
    create_bucket(s3)
    boto3.client("ses", region_name=region).verify_email_identity(EmailAddress=MAIL_FROM)
    print(f"bootstrap: SES sender {MAIL_FROM} verified")


if __name__ == "__main__":
    main()

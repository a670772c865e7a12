"""The JWT signing secret in SSM Parameter Store, as the deployed functions read it.

    .venv/bin/python scripts/jwt-secret.py ensure /foof/jwt-secret

`ensure NAME` creates the SecureString parameter NAME with 32 random bytes in hex (what
`openssl rand -hex 32` prints) when it does not exist, and leaves an existing one alone:
replacing the secret logs every user out. `make deploy` runs it before `sam deploy`, with the
name it passes as the template's JwtSecretParameterName. Credentials and region come from the
usual AWS settings (AWS_PROFILE, AWS_DEFAULT_REGION, ...), as for SAM CLI.
"""
import secrets
import sys

import boto3
import botocore.exceptions


def ensure(name):
    if not name.startswith("/"):
        sys.exit(f"jwt-secret: {name!r}: the template wants a name starting with / (JwtSecretParameterName)")
    ssm = boto3.client("ssm")
    where = f"SSM in {ssm.meta.region_name}"
    try:
        found = ssm.get_parameter(Name=name)["Parameter"]  # not decrypted: only its existence matters
    except ssm.exceptions.ParameterNotFound:
        found = None
    if found is None:
        try:
            ssm.put_parameter(Name=name, Type="SecureString", Value=secrets.token_hex(32), Overwrite=False,
                              Description="FOOF: HS256 key of the login and mail-link tokens (scripts/jwt-secret.py)")
            print(f"jwt-secret: created the SecureString {name} in {where}")
            return
        except ssm.exceptions.ParameterAlreadyExists:  # created meanwhile by someone else: keep theirs
            found = ssm.get_parameter(Name=name)["Parameter"]
    print(f"jwt-secret: {name} exists in {where} (version {found.get('Version')}), kept")
    if found.get("Type") != "SecureString":
        print(f"jwt-secret: warning: {name} is a {found.get('Type')}, not a SecureString: it is readable without KMS; "
              "delete it and run this again to store a new secret encrypted", file=sys.stderr)


def main(argv):
    if len(argv) != 2 or argv[0] != "ensure":
        sys.exit(__doc__)
    try:
        ensure(argv[1])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:  # no credentials or region, denied, offline
        sys.exit(f"jwt-secret: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])

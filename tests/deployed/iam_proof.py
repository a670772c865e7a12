"""Proves that every AWS call each function made is allowed by its role, and every grant is used.

The roles are the ones CloudFormation would create: template.yaml goes through the SAM transform
(samtranslator), the intrinsics in each role's policies are resolved for a test account, and the
calls the recorder (recorder.py) logged are evaluated with IAM's rules: an explicit Deny wins,
else some Allow must match, else the implicit deny. Then, per function:

  * every recorded call must be allowed (a call the tool cannot map to IAM fails the proof);
  * every action an Allow statement grants must be used by some call, or be justified beside
    it in template.yaml by a line naming it with `# unused by the suite: <reason>`;
  * with --mutations, dropping any one used Allow statement must deny some recorded call, so
    no statement is redundant and the proof is not blind to it;
  * every function in --functions (default: all) must have made at least one call.

    python tests/deployed/iam_proof.py --template template.yaml --calls calls.jsonl \
        [--stack foof] [--bucket foof-images] [--parameter Name=Value ...] [--mutations] \
        [--functions UsersFunction,ItemsFunction,...]

Exit status: 0 proven, 1 the proof failed, 2 input the proof cannot judge (template, call log).
"""
import argparse
import copy
import email.utils
import json
import logging
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass

from samtranslator.translator.transform import transform

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "localstack"))
import cfn_yaml  # noqa: E402  localstack/cfn_yaml.py: template.yaml with its short-form tags

ACCOUNT, REGION, PARTITION, URL_SUFFIX = "123456789012", "us-east-1", "aws", "amazonaws.com"
LOGGING_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
# The AWS managed policies SAM attaches here, with what they allow (on every resource): logging
# for every function, and reading DynamoDB streams for a function a stream invokes.
MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": LOGGING_ACTIONS,
    "AWSLambdaDynamoDBExecutionRole": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                       "dynamodb:ListStreams", *LOGGING_ACTIONS],
}
MANAGED_POLICY_ARN = re.compile(r"arn:aws[\w-]*:iam::aws:policy/service-role/(\w+)")
# sam build uploads local code; the transform only needs an S3 URI to be there.
PLACEHOLDER_ARTIFACT = "s3://iam-proof-placeholder/artifact.zip"
ARTIFACT_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")
UNUSED_MARKER = re.compile(r"#\s*unused by the suite:\s*(\S.*?)\s*$")
ACTION_KEY = re.compile(r"^(\s*(?:-\s+)?)(?:Not)?Action:")
ACTION_NAME = re.compile(r"[\w*?-]+:[\w*?-]+")
NO_VALUE = object()  # Ref AWS::NoValue: the list element or property disappears


class ProofError(Exception):
    """Input the proof cannot judge (template, intrinsics, call log): exit 2, never a pass."""


class UnknownCall(Exception):
    """A recorded request the tool cannot map to IAM: a proof failure, never skipped."""


# ---------------------------------------------------------------- template


def load_template(text):
    template = cfn_yaml.load(text)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise ProofError("the template has no Resources")
    return template


def parameter_values(template, overrides):
    """Every parameter's value as CloudFormation would take it: the override, else the default."""
    declared = template.get("Parameters") or {}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ProofError(f"--parameter names no template parameter: {', '.join(unknown)}")
    values = {}
    for name, spec in declared.items():
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise ProofError(f"parameter {name} has no default: pass --parameter {name}=VALUE")
    return values


class _ManagedPolicies:
    """SAM's managed-policy loader without AWS: the managed policies SAM adds here."""

    def load(self):
        return {name: f"arn:aws:iam::aws:policy/service-role/{name}" for name in MANAGED_POLICIES}


def transformed_template(template, parameters):
    """The CloudFormation the SAM transform makes of the template: roles as IAM will see them."""
    template = copy.deepcopy(template)
    sections = [(template.get("Globals") or {}).get("Function") or {}]
    sections += [(resource.get("Properties") or {}) for resource in template.get("Resources", {}).values()]
    for properties in sections:
        for name in ARTIFACT_PROPERTIES:
            if isinstance(properties.get(name), str) and not properties[name].startswith("s3://"):
                properties[name] = PLACEHOLDER_ARTIFACT
    # samtranslator insists on a boto3 region; which one does not matter, the resolver has its own.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    logging.getLogger("samtranslator.metrics").setLevel(logging.ERROR)  # "unpublished metrics": SAM's own
    try:
        return transform(template, dict(parameters), _ManagedPolicies())
    except Exception as error:  # samtranslator raises many kinds; all mean "no proof"
        raise ProofError(f"SAM transform failed: {error}") from error


class Resolver:
    """Evaluates CloudFormation intrinsics as the stack would, in the test account and region."""

    def __init__(self, template, parameters, stack, bucket):
        self.resources = template.get("Resources", {})
        self.conditions = template.get("Conditions") or {}
        types = {name: spec.get("Type", "String") for name, spec in (template.get("Parameters") or {}).items()}
        self.parameters = {name: value.split(",") if _is_list_type(types.get(name, "")) else value
                           for name, value in parameters.items()}
        self.bucket = bucket
        self.pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION,
                       "AWS::StackName": stack, "AWS::URLSuffix": URL_SUFFIX, "AWS::NoValue": NO_VALUE}

    def resolve(self, value):
        if isinstance(value, list):
            return [item for item in map(self.resolve, value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key.startswith("Fn::"):
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _function(self, name, argument):
        handlers = {"Fn::GetAtt": self.get_att, "Fn::Sub": self._sub, "Fn::If": self._if,
                    "Fn::Select": self._select, "Fn::Split": self._split, "Fn::Join": self._join}
        if name not in handlers:
            raise ProofError(f"cannot resolve {name}: {json.dumps(argument, default=str)}")
        try:
            return handlers[name](argument)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError) as error:
            raise ProofError(f"cannot resolve {name}: {json.dumps(argument, default=str)} ({error!r})") from None

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        kind = self.resources.get(name, {}).get("Type")
        if kind == "AWS::DynamoDB::Table":
            table = self.resolve(self.resources[name].get("Properties", {}).get("TableName"))
            if not isinstance(table, str):
                raise ProofError(f"table {name} has no TableName: its generated name is unknown")
            return table
        if kind == "AWS::S3::Bucket":
            return self.bucket
        raise ProofError(f"cannot resolve Ref {name}" + (f" (a {kind})" if kind else ""))

    def get_att(self, argument):
        resource, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        kind = self.resources.get(resource, {}).get("Type")
        if attribute == "Arn" and kind == "AWS::DynamoDB::Table":
            return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{self.ref(resource)}"
        if attribute == "Arn" and kind == "AWS::S3::Bucket":
            return f"arn:{PARTITION}:s3:::{self.bucket}"
        raise ProofError(f"cannot resolve Fn::GetAtt {resource}.{attribute}")

    def _sub(self, argument):
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = self.resolve(variables)

        def replace(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and "::" not in name:
                value = self.get_att(name)
            else:
                value = self.ref(name)
            if not isinstance(value, str):
                raise ProofError(f"Fn::Sub ${{{name}}} in {text!r} is not a string")
            return value

        return re.sub(r"\$\{([^}]*)\}", replace, text)

    def _if(self, argument):
        condition, when_true, when_false = argument
        return self.resolve(when_true if self.condition(condition) else when_false)

    def _select(self, argument):
        index, items = int(self.resolve(argument[0])), self.resolve(argument[1])
        if not 0 <= index < len(items):
            raise ProofError(f"Fn::Select index {index} outside {items}")
        return items[index]

    def _split(self, argument):
        return self.resolve(argument[1]).split(argument[0])

    def _join(self, argument):
        return argument[0].join(self.resolve(argument[1]))

    def condition(self, name):
        if name not in self.conditions:
            raise ProofError(f"unknown condition {name}")
        return self._evaluate(self.conditions[name])

    def _evaluate(self, expression):
        """A condition's truth: Fn::Equals, Fn::Not, Fn::And, Fn::Or and named conditions."""
        if isinstance(expression, dict) and len(expression) == 1:
            (key, argument), = expression.items()
            if key == "Condition":
                return self.condition(argument)
            if key == "Fn::Equals":
                return str(self.resolve(argument[0])) == str(self.resolve(argument[1]))
            if key == "Fn::Not":
                return not self._evaluate(argument[0])
            if key == "Fn::And":
                return all(map(self._evaluate, argument))
            if key == "Fn::Or":
                return any(map(self._evaluate, argument))
        raise ProofError(f"cannot evaluate condition {json.dumps(expression, default=str)}")


def _is_list_type(kind):
    return kind == "CommaDelimitedList" or kind.startswith("List<")


def _as_list(value):
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- roles


@dataclass
class Statement:
    """One resolved IAM statement; `number` counts from 1 through the role's statements."""
    number: int
    effect: str
    actions: list
    not_action: bool
    resources: list
    not_resource: bool
    condition: dict
    managed: bool = False

    @property
    def conditional(self):
        return bool(self.condition)

    def label(self):
        names = ("NOT " if self.not_action else "") + ", ".join(self.actions)
        return names if len(names) <= 60 else names[:59] + "…"


def parse_statement(number, raw, managed=False):
    """A statement as IAM reads it; anything malformed is an error, not a silent grant."""
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise ProofError(f"statement #{number} has Effect {raw.get('Effect')!r}")
    if ("Action" in raw) == ("NotAction" in raw) or ("Resource" in raw) == ("NotResource" in raw):
        raise ProofError(f"statement #{number} needs exactly one of Action/NotAction and of Resource/NotResource")
    actions = _as_list(raw.get("Action", raw.get("NotAction")))
    resources = _as_list(raw.get("Resource", raw.get("NotResource")))
    if not all(isinstance(action, str) and (action == "*" or ":" in action) for action in actions):
        raise ProofError(f"statement #{number} has a malformed action in {actions}")
    if not all(isinstance(resource, str) and "${" not in resource for resource in resources):
        raise ProofError(f"statement #{number} has an unresolved resource or policy variable in {resources}")
    condition = raw.get("Condition") or {}
    if not isinstance(condition, dict) or not all(isinstance(keys, dict) for keys in condition.values()):
        raise ProofError(f"statement #{number} has a malformed Condition {condition!r}")
    return Statement(number, raw["Effect"], actions, "NotAction" in raw, resources, "NotResource" in raw,
                     condition, managed)


def _inline_statements(policies):
    try:
        raw = [statement for policy in policies for statement in _as_list(policy["PolicyDocument"]["Statement"])]
    except (KeyError, TypeError) as error:
        raise ProofError(f"a policy without PolicyDocument.Statement ({error!r})") from None
    return [parse_statement(number, statement) for number, statement in enumerate(raw, 1)]


def role_statements(template, resolver, function):
    """The role a function runs as, and every statement that applies to it, in order."""
    resources = template["Resources"]
    outside = sorted(name for name, resource in resources.items()
                     if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"))
    if outside:
        raise ProofError(f"policies outside roles are not modelled: {', '.join(outside)}")
    role_ref = resources[function].get("Properties", {}).get("Role")
    target = role_ref.get("Fn::GetAtt") if isinstance(role_ref, dict) else None
    role_id = (target.split(".")[0] if isinstance(target, str) else target[0]) if target else None
    role = resources.get(role_id) if isinstance(role_id, str) else None
    if not role or role.get("Type") != "AWS::IAM::Role":
        raise ProofError(f"{function}: role {json.dumps(role_ref)} is not an AWS::IAM::Role of the template")
    properties = role.get("Properties", {})
    if "PermissionsBoundary" in properties:
        raise ProofError(f"{role_id}: permissions boundaries are not modelled")
    try:
        statements = _inline_statements(resolver.resolve(properties.get("Policies", [])))
        managed = resolver.resolve(properties.get("ManagedPolicyArns", []))
    except ProofError as error:
        raise ProofError(f"{role_id}: {error}") from error
    names = [MANAGED_POLICY_ARN.fullmatch(str(arn)) for arn in managed]
    unknown = [str(arn) for arn, name in zip(managed, names) if not name or name[1] not in MANAGED_POLICIES]
    if unknown:
        raise ProofError(f"{role_id}: managed policies not modelled: {', '.join(unknown)}")
    for name in names:
        allowed = {"Effect": "Allow", "Action": MANAGED_POLICIES[name[1]], "Resource": "*"}
        statements.append(parse_statement(len(statements) + 1, allowed, managed=True))
    for statement in statements:
        if statement.conditional and condition_holds(statement.condition, {}) is None and not _modelled(statement):
            print(f"warning: {role_id} statement #{statement.number} ({statement.label()}) has a Condition the "
                  f"proof cannot evaluate: it allows nothing here and denies wherever it matches", file=sys.stderr)
    return role_id, statements


# ---------------------------------------------------------------- IAM evaluation


def _glob(pattern, within_segment):
    """A regex for an IAM wildcard pattern; within ARNs, a `*` ending a segment may cross colons."""
    parts = []
    for index, char in enumerate(pattern):
        ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
        if char == "*":
            parts.append(".*" if ends_segment or not within_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]" if within_segment else ".")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def action_matches(pattern, action):
    return re.fullmatch(_glob(pattern, within_segment=False), action, re.IGNORECASE) is not None


def resource_matches(pattern, resource):
    return re.fullmatch(_glob(pattern, within_segment=True), resource) is not None


def _action_hit(statement, action):
    return any(action_matches(pattern, action) for pattern in statement.actions) != statement.not_action


def _resource_hit(statement, resource):
    return any(resource_matches(pattern, resource) for pattern in statement.resources) != statement.not_resource


# Condition keys a recorded call supplies (lower case, as IAM compares them), and the operators
# evaluated on them. Any other condition cannot be decided from a recording: it is taken to
# allow nothing and to deny wherever it matches.
MODELLED_CONDITION_KEYS = {"ses:fromaddress"}
CONDITION_OPERATORS = {
    "StringEquals": lambda value, pattern: value == pattern,
    "StringLike": lambda value, pattern: re.fullmatch(_glob(pattern, within_segment=False), value) is not None,
}


def _modelled(statement):
    return all(operator in CONDITION_OPERATORS and all(key.lower() in MODELLED_CONDITION_KEYS for key in keys)
               for operator, keys in statement.condition.items())


def condition_holds(condition, context):
    """True or False when every test is on a key the call supplied; None when one cannot be decided."""
    verdict = True
    for operator, keys in condition.items():
        test = CONDITION_OPERATORS.get(operator)
        for key, patterns in keys.items():
            value = context.get(key.lower())
            if test is None or value is None:
                return None
            verdict = verdict and any(test(value, str(pattern)) for pattern in _as_list(patterns))
    return verdict


def decide(statements, action, resource, context=None):
    """IAM's order: an explicit Deny wins, then an Allow, else implicit deny. A Condition that
    cannot be decided counts as holding for a Deny and as failing for an Allow."""
    matching = [s for s in statements if _action_hit(s, action) and _resource_hit(s, resource)]
    verdicts = [(s, condition_holds(s.condition, context or {}) if s.conditional else True) for s in matching]
    if any(s.effect == "Deny" and verdict is not False for s, verdict in verdicts):
        return "explicit deny"
    if any(s.effect == "Allow" and verdict is True for s, verdict in verdicts):
        return "allowed"
    return "implicit deny"


@dataclass(frozen=True)
class Need:
    """A permission a call needs: `action` on any one of `resources` (alternatives, as SES identities)."""
    action: str
    resources: tuple
    context: tuple = ()  # (condition key, value) pairs the request supplies

    def decision(self, statements):
        decisions = [decide(statements, self.action, resource, dict(self.context)) for resource in self.resources]
        return "allowed" if "allowed" in decisions else decisions[0]


# ---------------------------------------------------------------- calls -> IAM

DYNAMODB_TABLE_OPERATIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable"}
DYNAMODB_TRANSACT_ACTIONS = {
    "TransactWriteItems": {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                           "ConditionCheck": "ConditionCheckItem"},
    "TransactGetItems": {"Get": "GetItem"},
}
S3_OBJECT_READ_QUERY = {"partNumber"}  # besides response-* overrides; versionId would be another action


def call_needs(call):
    """The IAM permissions one recorded request needed, in real IAM terms."""
    target = call.get("target")
    if target:
        service, _, operation = target.partition(".")
        if service.startswith("DynamoDB_"):
            return dynamodb_needs(operation, _json_body(call))
        if service == "AmazonSSM":
            return ssm_needs(operation, _json_body(call))
        raise UnknownCall(f"unknown X-Amz-Target {target}")
    if call["method"] == "POST" and call["path"] == "/" and "x-www-form-urlencoded" in (call.get("content_type") or ""):
        return query_protocol_needs(call.get("body") or "")
    return s3_needs(call)


def _json_body(call):
    try:
        body = json.loads(call.get("body") or "")
    except ValueError:
        raise UnknownCall(f"{call.get('target')} without a JSON body") from None
    if not isinstance(body, dict):
        raise UnknownCall(f"{call.get('target')} body is not a JSON object")
    return body


def table_arn(table, index=None):
    arn = table if table.startswith("arn:") else f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def dynamodb_needs(operation, body):
    try:
        if operation in DYNAMODB_TABLE_OPERATIONS:
            index = body.get("IndexName")
            if index and operation not in ("Query", "Scan"):
                raise UnknownCall(f"DynamoDB {operation} with IndexName")
            return [Need(f"dynamodb:{operation}", (table_arn(body["TableName"], index),))]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Need(f"dynamodb:{operation}", (table_arn(table),)) for table in body["RequestItems"]]
        if operation in DYNAMODB_TRANSACT_ACTIONS:
            return [_transact_need(operation, element) for element in body["TransactItems"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise UnknownCall(f"DynamoDB {operation} without {error}") from None
    raise UnknownCall(f"unknown DynamoDB operation {operation}")


def _transact_need(operation, element):
    """Transactions have no IAM action of their own: each element needs its item action."""
    (kind, request), = element.items()
    actions = DYNAMODB_TRANSACT_ACTIONS[operation]
    if kind not in actions:
        raise UnknownCall(f"{operation} element {kind}")
    return Need(f"dynamodb:{actions[kind]}", (table_arn(request["TableName"]),))


def ssm_needs(operation, body):
    if operation != "GetParameter" or not isinstance(body.get("Name"), str):
        raise UnknownCall(f"unknown SSM call {operation}")
    name = body["Name"]
    if name.startswith("arn:"):
        return [Need("ssm:GetParameter", (name,))]
    name = name if name.startswith("/") else "/" + name
    return [Need("ssm:GetParameter", (f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter{name}",))]


def query_protocol_needs(body):
    """SNS and SES (v1) share the query protocol; their Action names tell them apart."""
    form = {key: values[0] for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
    action = form.get("Action")
    if action == "Publish":
        topic = form.get("TopicArn") or form.get("TargetArn")
        if topic:
            return [Need("sns:Publish", (topic,))]
        if form.get("PhoneNumber"):
            return [Need("sns:Publish", ("*",))]  # a phone number has no ARN
        raise UnknownCall("SNS Publish without a destination")
    if action in ("SendEmail", "SendRawEmail"):
        sender = email.utils.parseaddr(form.get("Source", ""))[1]
        return [Need(f"ses:{action}", ses_identities(form), (("ses:fromaddress", sender),))]
    raise UnknownCall(f"unknown query-protocol Action {action}")


def ses_identities(form):
    """SES authorizes against the identity in use: the sender's address, or its verified domain."""
    if form.get("SourceArn"):
        return (form["SourceArn"],)
    address = email.utils.parseaddr(form.get("Source", ""))[1]
    if "@" not in address:
        raise UnknownCall(f"SES {form.get('Action')} without a Source address")
    prefix = f"arn:{PARTITION}:ses:{REGION}:{ACCOUNT}:identity/"
    return (prefix + address, prefix + address.rsplit("@", 1)[1])


def s3_needs(call):
    """S3's REST calls, path-style: /bucket/key, with the operation in the method and query."""
    bucket, _, key = call["path"].lstrip("/").partition("/")
    bucket, key = urllib.parse.unquote(bucket), urllib.parse.unquote(key)
    query = urllib.parse.parse_qs(call.get("query") or "", keep_blank_values=True)
    stated = query.pop("x-id", [None])[0]
    operation = _s3_operation(call["method"], bucket, key, query)
    if operation is None or stated not in (None, operation):
        raise UnknownCall(f"unknown S3 request {call['method']} {call['path']}?{call.get('query')}")
    bucket_arn = f"arn:{PARTITION}:s3:::{bucket}"
    if operation == "ListObjectsV2":
        return [Need("s3:ListBucket", (bucket_arn,))]
    if operation == "DeleteObjects":
        return [Need("s3:DeleteObject", (f"{bucket_arn}/{name}",)) for name in _deleted_keys(call.get("body"))]
    action = {"PutObject": "s3:PutObject", "DeleteObject": "s3:DeleteObject"}.get(operation, "s3:GetObject")
    needs = [Need(action, (f"{bucket_arn}/{key}",))]
    if action == "s3:GetObject" and call.get("status") == 404:
        # S3 tells "no such key" only to callers that may list the bucket; others get 403.
        needs.append(Need("s3:ListBucket", (bucket_arn,)))
    return needs


def _s3_operation(method, bucket, key, query):
    if not bucket:
        return None
    if not key:
        if method == "GET" and query.get("list-type") == ["2"]:
            return "ListObjectsV2"
        return "DeleteObjects" if method == "POST" and "delete" in query else None
    if method in ("GET", "HEAD"):
        plain = all(name in S3_OBJECT_READ_QUERY or name.startswith("response-") for name in query)
        return ("GetObject" if method == "GET" else "HeadObject") if plain else None
    if query:
        return None
    return {"PUT": "PutObject", "DELETE": "DeleteObject"}.get(method)


def _deleted_keys(body):
    try:
        root = ElementTree.fromstring(body or "")
    except ElementTree.ParseError:
        raise UnknownCall("S3 DeleteObjects without a readable XML body") from None
    keys = [element.text or "" for element in root.iter() if element.tag.rsplit("}", 1)[-1] == "Key"]
    if not keys:
        raise UnknownCall("S3 DeleteObjects naming no key")
    return keys


def load_calls(path):
    calls = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                call = json.loads(line)
            except ValueError as error:
                raise ProofError(f"{path}:{number}: not JSON: {error}") from None
            if not isinstance(call, dict) or not {"function", "method", "path"} <= call.keys():
                raise ProofError(f"{path}:{number}: not a recorded call (function, method, path, ...)")
            calls.append(call)
    return calls


# ---------------------------------------------------------------- the proof


def denied_calls(statements, mapped):
    """(call, need) for every need of every call the statements do not allow."""
    return [(call, need) for call, needs in mapped for need in needs if need.decision(statements) != "allowed"]


def _denied_count(statements, mapped):
    return len({id(call) for call, _ in denied_calls(statements, mapped)})


def used_grants(statements, needs):
    """(statement number, action as written) for every Allow action some recorded need matched."""
    used = set()
    for statement in statements:
        if statement.effect != "Allow":
            continue
        for need in needs:
            if not any(_resource_hit(statement, resource) for resource in need.resources):
                continue
            if statement.conditional and condition_holds(statement.condition, dict(need.context)) is not True:
                continue
            if statement.not_action:
                if _action_hit(statement, need.action):
                    used.update((statement.number, action) for action in statement.actions)
            else:
                used.update((statement.number, p) for p in statement.actions if action_matches(p, need.action))
    return used


def unused_grants(statements, needs):
    """Written Allow actions no recorded call used; the managed logging policy is Lambda's own."""
    used = used_grants(statements, needs)
    return [(statement, action) for statement in statements if statement.effect == "Allow" and not statement.managed
            for action in statement.actions if (statement.number, action) not in used]


def unreached_resources(statements, needs):
    """(statement, resource) of used Allow statements that no call reached: a note, not a failure."""
    found = []
    for statement in statements:
        if statement.effect != "Allow" or statement.managed or statement.not_resource:
            continue
        acting = [need for need in needs if _action_hit(statement, need.action)]
        unreached = [pattern for pattern in statement.resources
                     if not any(resource_matches(pattern, r) for need in acting for r in need.resources)]
        if len(unreached) < len(statement.resources):  # wholly unused statements are reported as unused grants
            found += [(statement, pattern) for pattern in unreached]
    return found


def mutations(statements, mapped):
    """(statement, calls newly denied) for each used Allow statement, dropped alone from the role."""
    used = {number for number, _ in used_grants(statements, {n for _, needs in mapped for n in needs})}
    baseline = _denied_count(statements, mapped)
    return [(statement, _denied_count([s for s in statements if s is not statement], mapped) - baseline)
            for statement in statements if statement.number in used and statement.effect == "Allow"]


def resource_block(text, logical_id):
    """The template lines of one resource: from `  Id:` to the next two-space-indented key."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(rf"  {re.escape(logical_id)}:\s*(#.*)?$", line)), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"(  )?[^\s#]", lines[i])), len(lines))
    return lines[start:end]


def justifications(lines):
    """Action (lower case) -> reason, from lines with `# unused by the suite: reason`.

    A marker justifies the actions on its own line; on an `Action:` line, also the list items below.
    """
    reasons, inherited = {}, None  # inherited: (column of the marked Action key, reason)
    for line in lines:
        marker = UNUSED_MARKER.search(line)
        code = line[:marker.start()] if marker else re.sub(r"(^|\s)#.*$", "", line)
        stripped = code.strip()
        if inherited and stripped and not (stripped.startswith("-") and len(code) - len(code.lstrip()) >= inherited[0]):
            inherited = None
        reason = marker.group(1) if marker else inherited and inherited[1]
        if reason:
            reasons.update((action.lower(), reason) for action in ACTION_NAME.findall(code))
        key = ACTION_KEY.match(line)
        if key and marker:
            inherited = (len(key.group(1)), marker.group(1))
    return reasons


@dataclass
class FunctionProof:
    """One function's role and its recorded calls, mapped to what IAM checks."""
    function: str
    role: str
    statements: list
    mapped: list   # [(call, [Need])]
    unknown: list  # [(call, reason)]


def prove_function(template, resolver, function, calls):
    role, statements = role_statements(template, resolver, function)
    mapped, unknown = [], []
    for call in calls:
        try:
            mapped.append((call, list(dict.fromkeys(call_needs(call)))))  # a table or key named twice counts once
        except UnknownCall as error:
            unknown.append((call, str(error)))
    return FunctionProof(function, role, statements, mapped, unknown)


def describe(call):
    text = f"{call.get('method')} {call.get('path')}" + (f"?{call['query']}" if call.get("query") else "")
    text += f" {call['target']}" if call.get("target") else ""
    body = call.get("body")
    return text + (f" {body[:200]}{'…' if len(body) > 200 else ''}" if body else "")


def _plural(count, noun):
    return f"{count} {noun}" + "s" * (count != 1)


def print_table(proof):
    counts = Counter(need for _, needs in proof.mapped for need in needs)
    print(f"\n{proof.function} (role {proof.role}, {len(proof.statements)} statements, "
          f"{_plural(len(proof.mapped) + len(proof.unknown), 'call')})")
    rows = [("action", "resource", "calls", "allowed?")]
    for need in sorted(counts, key=lambda n: (n.action, n.resources)):
        decision = need.decision(proof.statements)
        rows.append((need.action, " | ".join(need.resources), str(counts[need]),
                     "yes" if decision == "allowed" else f"NO ({decision})"))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")


def report(proof, template_text, with_mutations):
    """Prints one function's findings; returns how many proof failures they hold."""
    failures = 0
    print_table(proof)
    for call, reason in proof.unknown:
        failures += 1
        print(f"  UNKNOWN CALL ({reason}): {describe(call)}")
    denied = {}
    for call, need in denied_calls(proof.statements, proof.mapped):
        denied.setdefault(need, []).append(call)
    for need, calls in denied.items():
        failures += len(calls)
        print(f"  DENIED {proof.function}: {need.action} on {' | '.join(need.resources)} "
              f"({need.decision(proof.statements)}, {_plural(len(calls), 'call')}), e.g. {describe(calls[0])}")
    reasons = justifications(resource_block(template_text, proof.function) + resource_block(template_text, proof.role))
    needs = {need for _, needs in proof.mapped for need in needs}
    for statement, action in unused_grants(proof.statements, needs):
        reason = reasons.get(action.lower())
        if reason:
            print(f"  unused, justified: statement #{statement.number} {action} ({reason})")
        else:
            failures += 1
            print(f"  UNUSED GRANT: statement #{statement.number} {action} on {', '.join(statement.resources)} "
                  "(remove it or mark it `# unused by the suite: <reason>`)")
    for statement, resource in unreached_resources(proof.statements, needs):
        print(f"  note: statement #{statement.number} ({statement.label()}) on {resource}: no recorded call reached it")
    for statement in proof.statements:
        if statement.managed:
            print(f"  not checked: statement #{statement.number} (AWSLambdaBasicExecutionRole: the Lambda service's "
                  "log writes, not the function's calls)")
    if with_mutations:
        for statement, newly_denied in mutations(proof.statements, proof.mapped):
            failures += newly_denied == 0
            verdict = f"{_plural(newly_denied, 'call')} denied" if newly_denied else \
                "NOTHING denied: the statement is redundant or the proof blind to it"
            print(f"  {proof.function}: without statement #{statement.number} ({statement.label()}) → {verdict}")
    return failures


def selected_functions(template, names):
    functions = [name for name, resource in template.get("Resources", {}).items()
                 if resource.get("Type") == "AWS::Serverless::Function"]
    if not names:
        return functions
    chosen = [name.strip() for name in names.split(",") if name.strip()]
    missing = [name for name in chosen if name not in functions]
    if missing:
        raise ProofError(f"--functions names no AWS::Serverless::Function: {', '.join(missing)}")
    return chosen


def run(args):
    """The whole proof; returns the number of failures."""
    with open(args.template, encoding="utf-8") as file:
        text = file.read()
    template = load_template(text)
    parameters = parameter_values(template, dict(_assignment(item) for item in args.parameter))
    functions = selected_functions(template, args.functions)
    cloudformation = transformed_template(template, parameters)
    resolver = Resolver(cloudformation, parameters, args.stack, args.bucket)
    calls = load_calls(args.calls)
    strangers = sorted({str(call.get("function")) for call in calls}
                       - set(selected_functions(template, None)))
    if strangers:
        raise ProofError(f"{args.calls} has calls of functions the template lacks: {', '.join(strangers)}")
    failures = 0
    for function in functions:
        mine = [call for call in calls if call.get("function") == function]
        proof = prove_function(cloudformation, resolver, function, mine)
        failures += report(proof, text, args.mutations)
        if not mine:
            failures += 1
            print(f"  NO CALLS recorded for {function}: the recording is broken")
    ignored = sum(call.get("function") not in functions for call in calls)
    verdict = "PROVEN" if not failures else f"FAILED ({failures} failures)"
    print(f"\niam_proof: {verdict}: {_plural(len(calls) - ignored, 'call')} of {_plural(len(functions), 'function')}"
          + (f" ({_plural(ignored, 'call')} of unselected functions ignored)" if ignored else ""))
    return failures


def _assignment(text):
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise ProofError(f"--parameter wants Name=Value, not {text!r}")
    return name, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", required=True, help="the SAM template (template.yaml)")
    parser.add_argument("--calls", required=True, help="JSON-lines call log written by recorder.py")
    parser.add_argument("--stack", default="foof", help="stack name (AWS::StackName); default foof")
    parser.add_argument("--bucket", default="foof-images", help="the images bucket's name; default foof-images")
    parser.add_argument("--parameter", action="append", default=[], metavar="Name=Value",
                        help="template parameter value (repeatable); defaults come from the template")
    parser.add_argument("--mutations", action="store_true", help="drop each used Allow statement alone and "
                        "require that some recorded call is then denied")
    parser.add_argument("--functions", help="comma-separated functions to prove (default: every function); "
                        "each must have made a call")
    args = parser.parse_args(argv)
    try:
        return 1 if run(args) else 0
    except (ProofError, OSError, cfn_yaml.YAMLError) as error:
        print(f"iam_proof: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

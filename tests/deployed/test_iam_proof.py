"""iam_proof.py's matcher, call mapping, intrinsics (on the real template.yaml too) and verdicts.

    .venv/bin/python -m unittest discover -s tests/deployed -p 'test_*.py'
"""
import contextlib
import io
import json
import pathlib
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import iam_proof  # noqa: E402
from iam_proof import Need, ProofError, UnknownCall, call_needs, decide, parse_statement  # noqa: E402

TEMPLATE = pathlib.Path(__file__).resolve().parents[2] / "template.yaml"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/"
SES = "arn:aws:ses:us-east-1:123456789012:identity/"


def statements(*raw):
    return [parse_statement(number, statement) for number, statement in enumerate(raw, 1)]


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource):
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def dynamodb(operation, body, **extra):
    return {"function": "F", "method": "POST", "path": "/", "query": "", "target": f"DynamoDB_20120810.{operation}",
            "content_type": "application/x-amz-json-1.0", "body": json.dumps(body), "status": 200,
            "error_code": None, **extra}


def s3(method, path, query="", status=200, body=None):
    return {"function": "F", "method": method, "path": path, "query": query, "target": None,
            "content_type": "application/xml" if body else "", "body": body, "status": status, "error_code": None}


def form(body):
    return {"function": "F", "method": "POST", "path": "/", "query": "", "target": None,
            "content_type": "application/x-www-form-urlencoded", "body": body, "status": 200, "error_code": None}


class MatcherTest(unittest.TestCase):
    def test_action_wildcards_ignore_case(self):
        self.assertTrue(iam_proof.action_matches("dynamodb:Get*", "dynamodb:GetItem"))
        self.assertTrue(iam_proof.action_matches("DynamoDB:getitem", "dynamodb:GetItem"))
        self.assertTrue(iam_proof.action_matches("*", "ses:SendEmail"))
        self.assertTrue(iam_proof.action_matches("s3:?etObject", "s3:GetObject"))
        self.assertFalse(iam_proof.action_matches("dynamodb:Get*", "dynamodb:BatchGetItem"))
        self.assertFalse(iam_proof.action_matches("s3:?etObject", "s3:PutObjectAcl"))

    def test_resource_wildcards_are_case_sensitive_and_reach_indexes(self):
        self.assertTrue(iam_proof.resource_matches(TABLE + "t/*", TABLE + "t/index/by-owner"))
        self.assertTrue(iam_proof.resource_matches("arn:aws:s3:::b/image/*", "arn:aws:s3:::b/image/a/1.jpg"))
        self.assertFalse(iam_proof.resource_matches("arn:aws:s3:::b/image/*", "arn:aws:s3:::b/Image/1.jpg"))
        self.assertFalse(iam_proof.resource_matches(TABLE + "t", TABLE + "t/index/by-owner"))
        self.assertTrue(iam_proof.resource_matches("arn:aws:s3:::b/?.jpg", "arn:aws:s3:::b/1.jpg"))
        # A `*` inside a segment stays inside it; one ending a segment may run on.
        self.assertTrue(iam_proof.resource_matches("arn:aws:sns:*-1:123:t", "arn:aws:sns:us-east-1:123:t"))
        self.assertFalse(iam_proof.resource_matches("arn:aws:sns:*-1:123:t", "arn:aws:sns:us-east:1:x-1:123:t"))
        self.assertTrue(iam_proof.resource_matches("arn:aws:sns:*", "arn:aws:sns:us-east-1:1:t"))

    def test_allow_star_and_deny_topics_let_only_sms_through(self):
        role = statements(allow("sns:Publish", "*"), deny("sns:Publish", "arn:aws:sns:*:*:*"))
        self.assertEqual(decide(role, "sns:Publish", "*"), "allowed")
        self.assertEqual(decide(role, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:alerts"), "explicit deny")
        self.assertEqual(decide(role, "sns:Publish", "arn:aws:sns:eu-west-1:999999999999:x"), "explicit deny")

    def test_explicit_deny_beats_any_allow(self):
        role = statements(allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", TABLE + "users"))
        self.assertEqual(decide(role, "dynamodb:DeleteItem", TABLE + "users"), "explicit deny")
        self.assertEqual(decide(role, "dynamodb:DeleteItem", TABLE + "items"), "allowed")

    def test_nothing_matching_is_the_implicit_deny(self):
        role = statements(allow("dynamodb:GetItem", TABLE + "users"))
        self.assertEqual(decide(role, "dynamodb:PutItem", TABLE + "users"), "implicit deny")
        self.assertEqual(decide(role, "dynamodb:GetItem", TABLE + "items"), "implicit deny")

    def test_not_action_and_not_resource(self):
        role = statements({"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::secret/*"})
        self.assertEqual(decide(role, "s3:GetObject", "arn:aws:s3:::b/k"), "allowed")
        self.assertEqual(decide(role, "s3:DeleteObject", "arn:aws:s3:::b/k"), "implicit deny")
        self.assertEqual(decide(role, "s3:GetObject", "arn:aws:s3:::secret/k"), "implicit deny")

    def test_a_condition_never_allows_and_always_denies(self):
        condition = {"Bool": {"aws:SecureTransport": "true"}}
        role = statements(allow("s3:GetObject", "*", Condition=condition))
        self.assertEqual(decide(role, "s3:GetObject", "arn:aws:s3:::b/k"), "implicit deny")
        role = statements(allow("s3:GetObject", "*"), {**deny("s3:GetObject", "*"), "Condition": condition})
        self.assertEqual(decide(role, "s3:GetObject", "arn:aws:s3:::b/k"), "explicit deny")

    def test_malformed_statements_are_errors(self):
        with self.assertRaises(ProofError):
            parse_statement(1, {"Effect": "Allow", "Action": "s3:GetObject"})
        with self.assertRaises(ProofError):
            parse_statement(1, {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"})
        with self.assertRaises(ProofError):
            parse_statement(1, allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}"))


class UsageTest(unittest.TestCase):
    def test_unused_actions_and_unreached_resources(self):
        role = statements(allow(["dynamodb:Get*", "dynamodb:DeleteItem"], [TABLE + "a", TABLE + "b"]),
                          allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
                          deny("sns:Publish", "*"))
        needs = {Need("dynamodb:GetItem", (TABLE + "a",)), Need("s3:GetObject", ("arn:aws:s3:::b/k",))}
        self.assertEqual([(s.number, action) for s, action in iam_proof.unused_grants(role, needs)],
                         [(1, "dynamodb:DeleteItem"), (2, "s3:GetObject")])
        self.assertEqual([(s.number, r) for s, r in iam_proof.unreached_resources(role, needs)], [(1, TABLE + "b")])

    def test_a_mutation_counts_the_calls_it_denies(self):
        role = statements(allow("dynamodb:GetItem", TABLE + "a"), allow("dynamodb:GetItem", TABLE + "*"),
                          allow("s3:GetObject", "*"))
        calls = [({}, [Need("dynamodb:GetItem", (TABLE + "a",))]), ({}, [Need("s3:GetObject", ("arn:aws:s3:::b/k",))]),
                 ({}, [Need("s3:GetObject", ("arn:aws:s3:::b/l",))])]
        self.assertEqual([(s.number, denied) for s, denied in iam_proof.mutations(role, calls)],
                         [(1, 0), (2, 0), (3, 2)])


class CallMappingTest(unittest.TestCase):
    def test_single_table_operations_and_indexes(self):
        self.assertEqual(call_needs(dynamodb("GetItem", {"TableName": "foof-users", "Key": {}})),
                         [Need("dynamodb:GetItem", (TABLE + "foof-users",))])
        self.assertEqual(call_needs(dynamodb("Query", {"TableName": "foof-items", "IndexName": "by-owner"})),
                         [Need("dynamodb:Query", (TABLE + "foof-items/index/by-owner",))])

    def test_transact_write_items_needs_each_elements_action(self):
        body = {"TransactItems": [
            {"Put": {"TableName": "foof-items", "Item": {}}},
            {"Update": {"TableName": "foof-counters", "Key": {}}},
            {"Delete": {"TableName": "foof-postings", "Key": {}}},
            {"ConditionCheck": {"TableName": "foof-users", "Key": {}}},
        ]}
        self.assertEqual(call_needs(dynamodb("TransactWriteItems", body)), [
            Need("dynamodb:PutItem", (TABLE + "foof-items",)),
            Need("dynamodb:UpdateItem", (TABLE + "foof-counters",)),
            Need("dynamodb:DeleteItem", (TABLE + "foof-postings",)),
            Need("dynamodb:ConditionCheckItem", (TABLE + "foof-users",)),
        ])

    def test_transact_get_items_needs_get_item(self):
        body = {"TransactItems": [{"Get": {"TableName": "foof-users", "Key": {}}}]}
        self.assertEqual(call_needs(dynamodb("TransactGetItems", body)),
                         [Need("dynamodb:GetItem", (TABLE + "foof-users",))])
        with self.assertRaises(UnknownCall):
            call_needs(dynamodb("TransactGetItems", {"TransactItems": [{"Put": {"TableName": "t"}}]}))

    def test_batch_get_item_needs_every_table(self):
        body = {"RequestItems": {"foof-items": {"Keys": []}, "foof-users": {"Keys": []}}}
        self.assertEqual(call_needs(dynamodb("BatchGetItem", body)), [
            Need("dynamodb:BatchGetItem", (TABLE + "foof-items",)),
            Need("dynamodb:BatchGetItem", (TABLE + "foof-users",)),
        ])

    def test_s3_objects_with_percent_encoded_keys(self):
        self.assertEqual(call_needs(s3("PUT", "/foof-images/image/avatar/a%20b.jpg", "x-id=PutObject")),
                         [Need("s3:PutObject", ("arn:aws:s3:::foof-images/image/avatar/a b.jpg",))])
        self.assertEqual(call_needs(s3("DELETE", "/foof-images/image/item/1.jpg", "x-id=DeleteObject")),
                         [Need("s3:DeleteObject", ("arn:aws:s3:::foof-images/image/item/1.jpg",))])

    def test_reading_a_missing_key_also_needs_list_bucket(self):
        found = s3("GET", "/b/image/1.jpg", "x-id=GetObject")
        self.assertEqual(call_needs(found), [Need("s3:GetObject", ("arn:aws:s3:::b/image/1.jpg",))])
        for method in ("GET", "HEAD"):
            missing = s3(method, "/b/image/nope.jpg", status=404)
            self.assertEqual(call_needs(missing), [Need("s3:GetObject", ("arn:aws:s3:::b/image/nope.jpg",)),
                                                   Need("s3:ListBucket", ("arn:aws:s3:::b",))])

    def test_delete_objects_and_list_objects(self):
        body = ('<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>image/a.jpg</Key></Object>'
                '<Object><Key>image/b&amp;c.jpg</Key></Object></Delete>')
        self.assertEqual(call_needs(s3("POST", "/b", "delete", body=body)), [
            Need("s3:DeleteObject", ("arn:aws:s3:::b/image/a.jpg",)),
            Need("s3:DeleteObject", ("arn:aws:s3:::b/image/b&c.jpg",)),
        ])
        self.assertEqual(call_needs(s3("GET", "/b", "list-type=2&prefix=image%2F")),
                         [Need("s3:ListBucket", ("arn:aws:s3:::b",))])

    def test_sns_phone_numbers_have_no_arn(self):
        self.assertEqual(call_needs(form("Action=Publish&Version=2010-03-31&PhoneNumber=%2B8613800138000&Message=1")),
                         [Need("sns:Publish", ("*",))])
        topic = "arn:aws:sns:us-east-1:123456789012:alerts"
        self.assertEqual(call_needs(form(f"Action=Publish&TopicArn={topic}&Message=1")),
                         [Need("sns:Publish", (topic,))])

    def test_ses_may_send_as_the_address_or_its_domain(self):
        need, = call_needs(form("Action=SendEmail&Version=2010-12-01&Source=noreply%40foof.example.edu"))
        self.assertEqual(need, Need("ses:SendEmail", (SES + "noreply@foof.example.edu", SES + "foof.example.edu"),
                                    (("ses:fromaddress", "noreply@foof.example.edu"),)))
        domain_only = statements(allow("ses:SendEmail", SES + "foof.example.edu"))
        self.assertEqual(need.decision(domain_only), "allowed")
        other_domain = statements(allow("ses:SendEmail", SES + "example.edu"))
        self.assertEqual(need.decision(other_domain), "implicit deny")

    def test_the_sender_condition_is_evaluated_on_the_calls_source(self):
        only_noreply = {"StringEquals": {"ses:FromAddress": "noreply@foof.example.edu"}}
        role = statements(allow("ses:SendEmail", SES + "foof.example.edu", Condition=only_noreply))
        sent_as_noreply, = call_needs(form("Action=SendEmail&Source=FOOF+%3Cnoreply%40foof.example.edu%3E"))
        sent_as_dean, = call_needs(form("Action=SendEmail&Source=dean%40foof.example.edu"))
        self.assertEqual(sent_as_noreply.decision(role), "allowed")
        self.assertEqual(sent_as_dean.decision(role), "implicit deny")
        self.assertEqual(iam_proof.unused_grants(role, {sent_as_dean}), [(role[0], "ses:SendEmail")])
        self.assertEqual(iam_proof.unused_grants(role, {sent_as_noreply}), [])

    def test_ssm_parameter_arns(self):
        arn = "arn:aws:ssm:us-east-1:123456789012:parameter/foof/jwt-secret"
        for name in ("/foof/jwt-secret", "foof/jwt-secret"):
            call = {"method": "POST", "path": "/", "target": "AmazonSSM.GetParameter",
                    "body": json.dumps({"Name": name, "WithDecryption": True})}
            self.assertEqual(call_needs(call), [Need("ssm:GetParameter", (arn,))])

    def test_unknown_calls_fail_loudly(self):
        unknown = [
            dynamodb("ExecuteStatement", {"Statement": "SELECT * FROM t"}),
            dynamodb("GetItem", {"TableName": "t", "IndexName": "i"}),
            {"method": "POST", "path": "/", "target": "AmazonSSM.GetParametersByPath", "body": "{}"},
            {"method": "POST", "path": "/", "target": "AWSKMS.Decrypt", "body": "{}"},
            form("Action=CreateTopic&Name=x"),
            form("Action=SendRawEmail&RawMessage.Data=eA%3D%3D"),
            s3("GET", "/b/k", "versionId=3"),
            s3("PUT", "/b/k", "x-id=CopyObject"),
            s3("GET", "/"),
            s3("POST", "/b", "delete"),
        ]
        for call in unknown:
            with self.subTest(call=call), self.assertRaises(UnknownCall):
                call_needs(call)


def resolver_for(text, parameters=(), stack="st", bucket="bkt"):
    template = iam_proof.load_template(text)
    values = iam_proof.parameter_values(template, dict(parameters))
    cloudformation = iam_proof.transformed_template(template, values)
    return cloudformation, iam_proof.Resolver(cloudformation, values, stack, bucket)


INTRINSICS = textwrap.dedent("""\
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Mode: {Type: String, Default: quiet}
      Names: {Type: CommaDelimitedList, Default: "a,b"}
    Conditions:
      Loud: !Equals [!Ref Mode, loud]
      LoudOrAlpha: !Or [!Condition Loud, !Equals [!Select [0, !Ref Names], alpha]]
      Quiet: !And [!Not [!Condition Loud], !Equals [!Ref AWS::Region, us-east-1]]
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Properties: {TableName: !Join ["-", [!Ref AWS::StackName, table]]}
      Nameless: {Type: AWS::DynamoDB::Table}
      Bucket: {Type: AWS::S3::Bucket}
    """)


class IntrinsicsTest(unittest.TestCase):
    def test_refs_attributes_and_subs(self):
        _, resolver = resolver_for(INTRINSICS)
        self.assertEqual(resolver.resolve({"Ref": "Table"}), "st-table")
        self.assertEqual(resolver.resolve({"Fn::GetAtt": ["Table", "Arn"]}), TABLE + "st-table")
        self.assertEqual(resolver.resolve({"Fn::Sub": "${Bucket.Arn}/image/*"}), "arn:aws:s3:::bkt/image/*")
        self.assertEqual(resolver.resolve({"Fn::Sub": ["${X}:${AWS::Partition}:${!Literal}", {"X": {"Ref": "Mode"}}]}),
                         "quiet:aws:${Literal}")
        self.assertEqual(resolver.resolve({"Fn::Select": [1, {"Fn::Split": ["@", "me@mail.example"]}]}), "mail.example")
        self.assertEqual(resolver.resolve({"Fn::Select": [1, {"Ref": "Names"}]}), "b")

    def test_conditions_and_no_value(self):
        _, resolver = resolver_for(INTRINSICS)
        self.assertEqual([resolver.condition(name) for name in ("Loud", "LoudOrAlpha", "Quiet")], [False, False, True])
        chosen = [{"Fn::If": ["Loud", "x", {"Ref": "AWS::NoValue"}]}, {"Fn::If": ["Quiet", "y", "z"]}]
        self.assertEqual(resolver.resolve(chosen), ["y"])
        _, resolver = resolver_for(INTRINSICS, [("Mode", "loud")])
        self.assertEqual([resolver.condition(name) for name in ("Loud", "LoudOrAlpha", "Quiet")], [True, True, False])

    def test_what_cannot_be_resolved_is_an_error(self):
        _, resolver = resolver_for(INTRINSICS)
        for expression in ({"Ref": "Missing"}, {"Ref": "Nameless"}, {"Fn::GetAtt": ["Table", "StreamArn"]},
                           {"Fn::FindInMap": ["M", "a", "b"]}, {"Fn::If": ["NoSuchCondition", 1, 2]},
                           {"Fn::Select": [5, ["a"]]}):
            with self.subTest(expression=expression), self.assertRaises(ProofError):
                resolver.resolve(expression)
        with self.assertRaises(ProofError):
            iam_proof.parameter_values(iam_proof.load_template(INTRINSICS), {"Typo": "x"})


class RealTemplateTest(unittest.TestCase):
    """template.yaml as it is now, resolved for stack `st`, bucket `bkt` and overridden parameters."""

    @classmethod
    def setUpClass(cls):
        parameters = [("MailFrom", "sender@mail.example"), ("JwtSecretParameterName", "/test/secret")]
        cls.cloudformation, cls.resolver = resolver_for(TEMPLATE.read_text(encoding="utf-8"), parameters)
        functions = iam_proof.selected_functions(iam_proof.load_template(TEMPLATE.read_text(encoding="utf-8")), None)
        cls.roles = {name: iam_proof.role_statements(cls.cloudformation, cls.resolver, name)[1] for name in functions}

    def decide(self, function, action, resource):
        return decide(self.roles[function], action, resource)

    def test_every_function_has_a_fully_resolved_role(self):
        self.assertEqual(len(self.roles), 10)
        for function, role in self.roles.items():
            self.assertTrue(any(statement.managed for statement in role), function)

    def test_only_the_compactor_may_read_the_postings_stream(self):
        stream = TABLE + "st-postings/stream/2026-01-01T00:00:00.000"
        for function in self.roles:
            expected = "allowed" if function == "CompactorFunction" else "implicit deny"
            self.assertEqual(self.decide(function, "dynamodb:GetRecords", stream), expected, function)

    def test_only_the_safety_function_writes_blocks_and_reports(self):
        safety = TABLE + "st-safety"
        for function in self.roles:
            writes = "allowed" if function == "SafetyFunction" else "implicit deny"
            for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
                self.assertEqual(self.decide(function, action, safety), writes, (function, action))
            reads = "allowed" if function in ("SafetyFunction", "ChatsFunction", "TradesFunction") else "implicit deny"
            queries = "allowed" if function in ("SafetyFunction", "SearchFunction") else "implicit deny"
            self.assertEqual(self.decide(function, "dynamodb:Query", safety), queries, function)
            self.assertEqual(self.decide(function, "dynamodb:GetItem", safety), reads, function)

    def test_only_the_expiry_sweep_scans_the_items_table(self):
        for function in self.roles:
            expected = "allowed" if function == "ExpiryFunction" else "implicit deny"
            self.assertEqual(self.decide(function, "dynamodb:Scan", TABLE + "st-items"), expected, function)

    def test_tables_and_bucket_resolve_for_the_stack(self):
        self.assertEqual(self.resolver.resolve({"Fn::GetAtt": ["UsersTable", "Arn"]}), TABLE + "st-users")
        self.assertEqual(self.resolver.resolve({"Fn::GetAtt": ["ImagesBucket", "Arn"]}), "arn:aws:s3:::bkt")
        self.assertEqual(self.decide("UsersFunction", "dynamodb:GetItem", TABLE + "st-users"), "allowed")
        self.assertEqual(self.decide("UsersFunction", "dynamodb:GetItem", TABLE + "foof-users"), "implicit deny")

    def test_custom_domain_condition_follows_its_parameter(self):
        self.assertFalse(self.resolver.condition("HasCustomDomain"))
        _, resolver = resolver_for(TEMPLATE.read_text(encoding="utf-8"), [("CustomDomainName", "api.example.edu")])
        self.assertTrue(resolver.condition("HasCustomDomain"))

    def test_the_secret_parameter_is_granted_where_tokens_are_checked(self):
        secret = "arn:aws:ssm:us-east-1:123456789012:parameter/test/secret"
        readers = {f for f in self.roles if self.decide(f, "ssm:GetParameter", secret) == "allowed"}
        self.assertEqual(readers, {"UsersFunction", "ItemsFunction", "FavoritesFunction", "ChatsFunction",
                                   "TradesFunction", "SafetyFunction", "SearchFunction"})
        default = "arn:aws:ssm:us-east-1:123456789012:parameter/foof/jwt-secret"
        self.assertEqual(self.decide("UsersFunction", "ssm:GetParameter", default), "implicit deny")

    def test_users_sends_sms_and_mail_as_the_sender_only(self):
        self.assertEqual(self.decide("UsersFunction", "sns:Publish", "*"), "allowed")
        topic = "arn:aws:sns:us-east-1:123456789012:anything"
        self.assertEqual(self.decide("UsersFunction", "sns:Publish", topic), "explicit deny")
        mail, = call_needs(form("Action=SendEmail&Source=sender%40mail.example"))
        self.assertEqual(mail.decision(self.roles["UsersFunction"]), "allowed")
        stranger, = call_needs(form("Action=SendEmail&Source=boss%40elsewhere.example"))
        self.assertEqual(stranger.decision(self.roles["UsersFunction"]), "implicit deny")

    def test_images_may_list_its_bucket_to_tell_missing_keys(self):
        for need in call_needs(s3("GET", "/bkt/image/none.jpg", status=404)):
            self.assertEqual(need.decision(self.roles["ImagesFunction"]), "allowed", need)
        self.assertEqual(self.decide("ImagesFunction", "s3:PutObject", "arn:aws:s3:::bkt/image/a.jpg"), "implicit deny")


JUSTIFIED = textwrap.dedent("""\
    Resources:
      OneFunction:
        Type: AWS::Serverless::Function
        Properties:
          Policies:
            - Statement:
                - Effect: Allow
                  Action: [dynamodb:GetItem, dynamodb:DeleteItem]  # unused by the suite: the nightly purge
                  Resource: "*"
                - Effect: Allow
                  Action:  # unused by the suite: admin tooling only
                    - s3:PutObject
                    # a comment between items
                    - s3:DeleteObject
                  Resource: "*"
                - Effect: Allow
                  Action:
                    - sns:Publish  # unused by the suite:
                  Resource: "*"
      # a comment at resource level still belongs to OneFunction
      TwoFunction:
        Type: AWS::Serverless::Function
        Properties:
          Policies:
            - Statement:
                - Effect: Allow
                  Action: ssm:GetParameter  # unused by the suite: only on AWS
                  Resource: "*"
    Outputs:
      X: {Value: "ses:SendEmail  # unused by the suite: not a resource"}
    """)


class JustificationTest(unittest.TestCase):
    def test_markers_on_the_action_line_and_on_action_keys(self):
        reasons = iam_proof.justifications(iam_proof.resource_block(JUSTIFIED, "OneFunction"))
        self.assertEqual(reasons, {"dynamodb:getitem": "the nightly purge", "dynamodb:deleteitem": "the nightly purge",
                                   "s3:putobject": "admin tooling only", "s3:deleteobject": "admin tooling only"})

    def test_a_marker_in_another_block_does_not_count(self):
        block = iam_proof.resource_block(JUSTIFIED, "TwoFunction")
        self.assertEqual(iam_proof.justifications(block), {"ssm:getparameter": "only on AWS"})
        self.assertNotIn("Outputs:", "\n".join(block))
        self.assertEqual(iam_proof.resource_block(JUSTIFIED, "ThreeFunction"), [])


SMALL = textwrap.dedent("""\
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Sender: {Type: String, Default: a@mail.example}
    Globals:
      Function: {Runtime: provided.al2023, Handler: bootstrap, CodeUri: .}
    Resources:
      Table:
        Type: AWS::DynamoDB::Table
        Properties:
          TableName: !Sub "${AWS::StackName}-t"
          BillingMode: PAY_PER_REQUEST
          AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
          KeySchema: [{AttributeName: k, KeyType: HASH}]
      Bucket: {Type: AWS::S3::Bucket}
      ReaderFunction:
        Type: AWS::Serverless::Function
        Properties:
          Policies:
            - Statement:
                - Effect: Allow
                  Action: [dynamodb:GetItem, dynamodb:DeleteItem]%(justification)s
                  Resource: !GetAtt Table.Arn
                - Effect: Allow
                  Action: s3:GetObject
                  Resource: !Sub "${Bucket.Arn}/*"
      MailerFunction:
        Type: AWS::Serverless::Function
        Properties:
          Policies:
            - Statement:
                - Effect: Allow
                  Action: ses:SendEmail
                  Resource: !Sub "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Sender}"%(extra)s
    """)
JUSTIFICATION = "  # unused by the suite: the purge job"
REDUNDANT = """
            - Effect: Allow
              Action: ses:Send*
              Resource: "*\""""
GOOD_CALLS = [
    dynamodb("GetItem", {"TableName": "small-t", "Key": {}}, function="ReaderFunction"),
    {**s3("GET", "/small-images/a.jpg", "x-id=GetObject"), "function": "ReaderFunction"},
    {**form("Action=SendEmail&Source=a%40mail.example"), "function": "MailerFunction"},
]


class EndToEndTest(unittest.TestCase):
    """main() on a small SAM template and call log: the exit status and what it reports."""

    def run_proof(self, calls, justification=JUSTIFICATION, extra="", arguments=()):
        with tempfile.TemporaryDirectory() as directory:
            template = pathlib.Path(directory, "template.yaml")
            template.write_text(SMALL % {"justification": justification, "extra": extra}, encoding="utf-8")
            log = pathlib.Path(directory, "calls.jsonl")
            log.write_text("".join(json.dumps(call) + "\n" for call in calls), encoding="utf-8")
            output = io.StringIO()
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
                status = iam_proof.main(["--template", str(template), "--calls", str(log), "--stack", "small",
                                         "--bucket", "small-images", "--mutations", *arguments])
        return status, output.getvalue()

    def test_allowed_calls_and_justified_grants_prove(self):
        status, output = self.run_proof(GOOD_CALLS)
        self.assertEqual(status, 0, output)
        self.assertIn("unused, justified: statement #1 dynamodb:DeleteItem (the purge job)", output)
        self.assertIn("ReaderFunction: without statement #2 (s3:GetObject) → 1 call denied", output)

    def test_a_denied_call_fails(self):
        put = {**s3("PUT", "/small-images/a.jpg", "x-id=PutObject"), "function": "ReaderFunction"}
        status, output = self.run_proof(GOOD_CALLS + [put])
        self.assertEqual(status, 1)
        self.assertIn("DENIED ReaderFunction: s3:PutObject on arn:aws:s3:::small-images/a.jpg", output)

    def test_an_unjustified_unused_grant_fails(self):
        status, output = self.run_proof(GOOD_CALLS, justification="")
        self.assertEqual(status, 1)
        self.assertIn("UNUSED GRANT: statement #1 dynamodb:DeleteItem", output)

    def test_a_redundant_statement_fails_its_mutation(self):
        status, output = self.run_proof(GOOD_CALLS, extra=REDUNDANT)
        self.assertEqual(status, 1)
        self.assertIn("MailerFunction: without statement #1 (ses:SendEmail) → NOTHING denied", output)

    def test_a_function_without_calls_and_an_unknown_call_fail(self):
        status, output = self.run_proof(GOOD_CALLS[:2], arguments=["--functions", "ReaderFunction,MailerFunction"])
        self.assertEqual(status, 1)
        self.assertIn("NO CALLS recorded for MailerFunction", output)
        unknown = dynamodb("Scan", {"TableName": "small-t"}, target="DynamoDB_20120810.ExecuteStatement",
                           function="ReaderFunction")
        status, output = self.run_proof(GOOD_CALLS + [unknown], arguments=["--functions", "ReaderFunction"])
        self.assertEqual(status, 1)
        self.assertIn("UNKNOWN CALL (unknown DynamoDB operation ExecuteStatement)", output)

    def test_calls_of_a_function_the_template_lacks_are_an_input_error(self):
        status, _ = self.run_proof(GOOD_CALLS + [dynamodb("GetItem", {"TableName": "small-t"}, function="Ghost")])
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()

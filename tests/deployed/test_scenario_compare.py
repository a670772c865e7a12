"""The masking and comparing of scenario.py, on small hand-made transcripts.

    .venv/bin/python -m unittest discover -s tests/deployed -p 'test_*.py'
"""
import copy
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import scenario  # noqa: E402

JWT_A = "eyJhbGciOiJIUzI1NiJ9.eyJ1dWlkIjoxLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlQQ"
JWT_B = "eyJhbGciOiJIUzI1NiJ9.eyJ1dWlkIjoxLCJleHAiOjE3MDAwMDAwMDV9.c2lnbmF0dXJlQg"


def transcript():
    return [
        {"step": "seller logs in", "method": "POST", "path": "/user/login", "status": 200,
         "body": {"status": "success", "info": {"uuid": 1, "username": "新手咸鱼人员"}, "token": JWT_A}},
        {"step": "seller fetches new messages", "method": "POST", "path": "/user/chat/fetchnew", "status": 200,
         "body": {"status": "success", "data": [
             {"id": 1, "from": 2, "to": 1, "type": 0, "data": "1", "fetched": False,
              "createdAt": "2024-05-01T10:00:00.000Z", "updatedAt": "2024-05-01T10:00:00.000Z"}]}},
        {"step": "buyer searches goods", "method": "POST", "path": "/item/search", "status": 200,
         "body": {"took": 3, "timed_out": False, "hits": {"total": 1, "max_score": 1.5, "hits": [{"_id": "1", "_score": 1.5}]}}},
        {"step": "seller follows the mail link", "method": "GET", "path": f"/user/mail/verify/{JWT_A}", "status": 200,
         "body": {"status": "success"}},
        {"step": "recommendations for the buyer", "method": "GET", "path": "/recommend/2", "status": 200, "body": [3, 1, 2]},
        {"step": "seller's avatar picture", "method": "GET", "path": "/image/avatar/1.jpg", "status": 200,
         "body": {"content_type": "image/jpeg", "sha256": "ab" * 32, "length": 1234}},
    ]


def failed(reference, subject):
    return [v for v in scenario.compare(reference, subject) if not v.ok]


class CompareTest(unittest.TestCase):
    def test_identical_transcripts_pass(self):
        self.assertEqual(failed(transcript(), transcript()), [])

    def test_a_differing_status_fails(self):
        subject = transcript()
        subject[0]["status"] = 503
        self.assertEqual([v.index for v in failed(transcript(), subject)], [0])

    def test_a_differing_field_fails(self):
        subject = transcript()
        subject[0]["body"]["info"]["uuid"] = 2
        self.assertEqual([v.index for v in failed(transcript(), subject)], [0])

    def test_a_differing_id_is_not_masked(self):
        subject = transcript()
        subject[1]["body"]["data"][0]["id"] = 7
        self.assertEqual([v.index for v in failed(transcript(), subject)], [1])

    def test_a_missing_or_extra_field_fails(self):
        subject = transcript()
        del subject[2]["body"]["timed_out"]
        subject[5]["body"]["length"] = 1235
        self.assertEqual([v.index for v in failed(transcript(), subject)], [2, 5])

    def test_a_differing_token_passes(self):
        subject = transcript()
        subject[0]["body"]["token"] = JWT_B
        self.assertEqual(failed(transcript(), subject), [])

    def test_a_token_that_is_not_a_jwt_fails(self):
        for bad in ["", None, "not-a-jwt"]:
            subject = transcript()
            subject[0]["body"]["token"] = bad
            self.assertEqual([v.index for v in failed(transcript(), subject)], [0], bad)
        subject = transcript()
        del subject[0]["body"]["token"]
        self.assertEqual([v.index for v in failed(transcript(), subject)], [0])

    def test_differing_timestamps_and_elapsed_time_pass(self):
        subject = transcript()
        subject[1]["body"]["data"][0]["createdAt"] = "2024-05-01T10:00:07.123Z"
        subject[1]["body"]["data"][0]["updatedAt"] = "2024-05-01T10:00:09.456Z"
        subject[2]["body"]["took"] = 41
        self.assertEqual(failed(transcript(), subject), [])

    def test_a_malformed_timestamp_fails(self):
        subject = transcript()
        subject[1]["body"]["data"][0]["createdAt"] = 1714557600000
        self.assertEqual([v.index for v in failed(transcript(), subject)], [1])

    def test_only_the_named_paths_are_masked(self):
        reference, subject = transcript(), transcript()
        reference[0]["body"]["info"]["createdAt"] = "2024-05-01T10:00:00.000Z"
        subject[0]["body"]["info"]["createdAt"] = "2024-05-01T10:00:01.000Z"
        self.assertEqual([v.index for v in failed(reference, subject)], [0])

    def test_a_differing_mail_token_in_the_path_passes(self):
        subject = transcript()
        subject[3]["path"] = f"/user/mail/verify/{JWT_B}"
        self.assertEqual(failed(transcript(), subject), [])
        subject[3]["path"] = "/user/mail/verify/not-a-token"
        self.assertEqual([v.index for v in failed(transcript(), subject)], [3])

    def test_recommendations_are_compared_as_sets(self):
        subject = transcript()
        subject[4]["body"] = [1, 2, 3]
        self.assertEqual(failed(transcript(), subject), [])
        subject[4]["body"] = [1, 2]
        self.assertEqual([v.index for v in failed(transcript(), subject)], [4])

    def test_order_elsewhere_matters(self):
        reference, subject = transcript(), transcript()
        for side in (reference, subject):
            side[1]["body"]["data"].append({**side[1]["body"]["data"][0], "id": 2})
        subject[1]["body"]["data"].reverse()
        self.assertEqual([v.index for v in failed(reference, subject)], [1])

    def test_a_step_only_one_side_has_fails(self):
        self.assertEqual([v.index for v in failed(transcript(), transcript()[:-1])], [5])
        self.assertEqual([v.index for v in failed(transcript()[:-1], transcript())], [5])

    def test_an_unexpected_reference_reply_fails_even_when_both_agree(self):
        reference, subject = transcript(), transcript()
        for side in (reference, subject):
            side[0]["status"] = 503
        reference[0]["unexpected"] = "expected HTTP 200, got HTTP 503"
        verdicts = failed(reference, subject)
        self.assertEqual([v.index for v in verdicts], [0])
        self.assertTrue(verdicts[0].line.startswith("UNEXP"))

    def test_masking_leaves_the_transcript_alone(self):
        reference = transcript()
        kept = copy.deepcopy(reference)
        scenario.compare(reference, transcript())
        self.assertEqual(reference, kept)

    def test_diff_lines_show_both_replies(self):
        subject = transcript()
        subject[0]["body"]["status"] = "failure"
        [verdict] = failed(transcript(), subject)
        self.assertTrue(verdict.line.startswith("DIFF  POST /user/login  200"))
        self.assertIn('"status": "success"', verdict.details[0])
        self.assertIn('"status": "failure"', verdict.details[1])
        self.assertIn('"token": "<jwt>"', verdict.details[0])


class ExpectationTest(unittest.TestCase):
    def test_patterns_are_subsets(self):
        body = {"status": "success", "data": {"itemid": 3, "sold": 1}, "extra": True}
        self.assertTrue(scenario.matches({"status": "success", "data": {"itemid": scenario.POSITIVE_ID}}, body))
        self.assertFalse(scenario.matches({"data": {"sold": 2}}, body))
        self.assertFalse(scenario.matches({"missing": 1}, body))

    def test_lists_match_element_by_element(self):
        self.assertTrue(scenario.matches([{"itemid": 1}], [{"itemid": 1, "sold": 3}]))
        self.assertFalse(scenario.matches([{"itemid": 1}], [{"itemid": 1}, {"itemid": 2}]))
        self.assertFalse(scenario.matches([], [1]))

    def test_booleans_are_not_numbers(self):
        self.assertFalse(scenario.matches({"deleted": True}, {"deleted": 1}))
        self.assertFalse(scenario.matches({"verified": 1}, {"verified": True}))
        self.assertTrue(scenario.matches({"price": 20}, {"price": 20.0}))

    def test_checks_that_raise_do_not_match(self):
        self.assertFalse(scenario.matches(scenario.hit_ids(["1"]), {"status": "failure"}))


class RouteTest(unittest.TestCase):
    ROUTES = [
        ("Users", "GET", "/user/{uuid}"), ("Users", "POST", "/user/me"),
        ("Users", "GET", "/user/mail/verify/{token}"), ("Images", "GET", "/image/{proxy+}"),
        ("Search", "ANY", "$default"),
    ]

    def test_requests_map_to_the_route_api_gateway_picks(self):
        route = lambda method, path: scenario.route_of(self.ROUTES, method, path)[2]  # noqa: E731
        self.assertEqual(route("GET", "/user/7"), "/user/{uuid}")
        self.assertEqual(route("POST", "/user/me"), "/user/me")
        self.assertEqual(route("GET", "/user/me"), "/user/{uuid}")
        self.assertEqual(route("GET", "/user/mail/verify/abc"), "/user/mail/verify/{token}")
        self.assertEqual(route("GET", "/image/item/1-2-0.jpg"), "/image/{proxy+}")
        self.assertEqual(route("POST", "/user/7"), "$default")
        self.assertEqual(route("GET", "/image"), "$default")

    def test_the_template_routes_are_read(self):
        routes = scenario.template_routes(scenario.ROOT / "template.yaml")
        self.assertIn(("UsersFunction", "POST", "/user/login"), routes)
        self.assertEqual(scenario.uncovered_routes(routes, []), routes)


if __name__ == "__main__":
    unittest.main()

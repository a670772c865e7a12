//! The moderation queue and decisions (/safety/queue, /safety/resolve) over HTTP: the role an
//! operator grants with scripts/moderator.py, dismissals, hidden listings and suspensions.

use crate::helpers::{
    grant_moderator, hidden, item, moderator, moderator_script, open_reports, published, report, report_id, resolve,
    search_goods, text_to,
};
use foof_domain::clock::SystemClock;
use foof_domain::search::{Corpus, query_candidates};
use foof_shared::app::Adapters;
use foof_shared::config::Config;
use foof_tests::{OTHER_PASSWORD, TestApp, TestUser, unique_word};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const PENDING_REVIEW: &str = "reported by several users, pending review";
const DAY: Duration = Duration::from_secs(86_400);

/// `/safety/queue` as `user` with `extra` fields: the reply.
async fn queue(app: &TestApp, user: &TestUser, extra: Value) -> foof_tests::Reply {
    let mut body = json!({"token": user.token});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    app.post("/safety/queue", body).await
}

/// The ids of a queue page, which must succeed.
fn page_ids(reply: &foof_tests::Reply) -> Vec<i64> {
    assert_eq!(reply.body["status"], "success", "{reply:?}");
    reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

/// The ids of the open reports of `target` (of `kind`).
async fn open_ids(app: &TestApp, moderator: &TestUser, kind: &str, target: i64) -> Vec<i64> {
    open_reports(app, moderator, kind, target)
        .await
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_operator_script_grants_and_revokes_the_moderator_role() {
    let app = TestApp::spawn().await;
    let (user, reporter) = (app.register().await, app.register().await);
    let id = report_id(&app, &reporter, "user", user.uuid).await;
    let refused = |who: &TestUser| {
        let who = who.clone();
        let app = &app;
        async move {
            queue(app, &who, json!({}))
                .await
                .assert_failure("Insufficient permissions");
            resolve(app, &who, id, "dismiss", json!({}))
                .await
                .assert_failure("Insufficient permissions");
        }
    };
    refused(&user).await;
    refused(&reporter).await;

    grant_moderator(&user).await;
    assert_eq!(
        open_ids(&app, &user, "user", user.uuid).await,
        [id],
        "refusals closed nothing"
    );
    refused(&reporter).await;
    let revoke = moderator_script("revoke", user.uuid).await;
    assert!(revoke.status.success(), "{revoke:?}");
    refused(&user).await;

    for action in ["grant", "revoke"] {
        let unknown = moderator_script(action, 999_999_999).await;
        assert!(!unknown.status.success(), "{action} of an unknown user: {unknown:?}");
        assert!(
            String::from_utf8_lossy(&unknown.stderr).contains("no user 999999999"),
            "{unknown:?}"
        );
    }
    app.post("/safety/queue", json!({})).await.assert_forbidden();
    app.post("/safety/resolve", json!({"id": id, "action": "dismiss", "why": "x"}))
        .await
        .assert_forbidden();

    grant_moderator(&user).await;
    resolve(&app, &user, id, "dismiss", json!({})).await.assert_success();
    assert!(open_ids(&app, &user, "user", user.uuid).await.is_empty());
}

#[tokio::test]
async fn the_queue_pages_oldest_first_and_refuses_bad_pages() {
    // One reporter files more than a day's reports here.
    let app = TestApp::spawn_with(|config| config.reports_per_day.max = 100).await;
    let (seller, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let mut mine = Vec::new();
    for _ in 0..21 {
        let itemid = app.add_item(&seller, json!({})).await;
        mine.push(report_id(&app, &reporter, "item", itemid).await);
    }
    assert!(mine.windows(2).all(|w| w[0] < w[1]));
    let before_first = json!({"after": mine[0] - 1});

    let first = queue(&app, &moderator, json!({"after": mine[0] - 1, "limit": 1})).await;
    assert_eq!(page_ids(&first), [mine[0]]);
    let report = &first.body["data"][0];
    assert_eq!(
        (&report["reporter"], &report["subject"]),
        (&json!(reporter.uuid), &json!(seller.uuid))
    );
    let default = page_ids(&queue(&app, &moderator, before_first.clone()).await);
    assert_eq!(default.len(), 20, "the default page");
    assert_eq!(default[0], mine[0]);
    assert!(default.windows(2).all(|w| w[0] < w[1]), "oldest first: {default:?}");

    // Pages of 2 with `after` walk every one of mine, in order, each once.
    let (mut after, mut seen) = (mine[0] - 1, Vec::new());
    while seen.last() != mine.last() {
        let page = page_ids(&queue(&app, &moderator, json!({"after": after, "limit": "2"})).await);
        assert!(!page.is_empty() && page.len() <= 2 && page[0] > after, "{page:?}");
        after = *page.last().unwrap();
        seen.extend(page.into_iter().filter(|id| mine.contains(id)));
    }
    assert_eq!(seen, mine);
    let last = page_ids(&queue(&app, &moderator, json!({"after": mine[20], "limit": 100})).await);
    assert!(last.iter().all(|id| *id > mine[20]));
    let hundred = page_ids(&queue(&app, &moderator, json!({"after": mine[0] - 1, "limit": 100})).await);
    assert!(hundred.len() >= 21 && hundred.len() <= 100);
    assert_eq!(hundred.iter().filter(|id| mine.contains(id)).count(), 21);

    for bad in [
        json!({"limit": 0}),
        json!({"limit": 101}),
        json!({"limit": -1}),
        json!({"after": -1}),
        json!({"limit": "x"}),
        json!({"after": "x"}),
    ] {
        queue(&app, &moderator, bad).await.assert_failure("invaild request");
    }
}

#[tokio::test]
async fn resolve_refusals_leave_the_report_open() {
    let app = TestApp::spawn().await;
    let (subject, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let message = text_to(&app, &subject, &reporter, "spam spam").await;
    let on_user = report_id(&app, &reporter, "user", subject.uuid).await;
    let on_message = report_id(&app, &reporter, "message", message).await;

    resolve(&app, &moderator, 999_999_999, "dismiss", json!({}))
        .await
        .assert_failure("no such report");
    for id in [on_user, on_message] {
        resolve(&app, &moderator, id, "hide", json!({}))
            .await
            .assert_failure("invaild request");
    }
    let long = "字".repeat(201);
    for extra in [
        json!({"why": null}),
        json!({"why": ""}),
        json!({"why": "   "}),
        json!({"why": long}),
        json!({"days": 3}),
        json!({"action": "hide", "days": 3}),
        json!({"action": "suspend"}),
        json!({"action": "suspend", "days": 0}),
        json!({"action": "suspend", "days": -1}),
        json!({"action": "suspend", "days": 366}),
        json!({"action": "suspend", "days": "x"}),
        json!({"action": "delete"}),
        json!({"action": null}),
        json!({"id": 0}),
        json!({"id": "x"}),
    ] {
        resolve(&app, &moderator, on_user, "dismiss", extra.clone())
            .await
            .assert_failure("invaild request");
    }
    assert_eq!(open_ids(&app, &moderator, "user", subject.uuid).await, [on_user]);
    assert_eq!(open_ids(&app, &moderator, "message", message).await, [on_message]);
    app.login(&subject.phone, &subject.password).await;

    // Once resolved, a report is out of the queue and cannot be resolved again.
    let why_200 = "查".repeat(200);
    resolve(&app, &moderator, on_user, "dismiss", json!({"why": why_200}))
        .await
        .assert_success();
    for action in [json!({}), json!({"action": "suspend", "days": 1})] {
        resolve(&app, &moderator, on_user, "dismiss", action)
            .await
            .assert_failure("report already resolved");
    }
    assert!(open_ids(&app, &moderator, "user", subject.uuid).await.is_empty());
    app.login(&subject.phone, &subject.password).await;
}

#[tokio::test]
async fn a_resolved_report_leaves_the_queue_and_may_be_filed_again() {
    let app = TestApp::spawn().await;
    let (subject, reporter, other) = (app.register().await, app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let first = report_id(&app, &reporter, "user", subject.uuid).await;
    let others = report_id(&app, &other, "user", subject.uuid).await;
    resolve(&app, &moderator, first, "dismiss", json!({"why": "证据不足"}))
        .await
        .assert_success();
    assert_eq!(open_ids(&app, &moderator, "user", subject.uuid).await, [others]);
    let again = report_id(&app, &reporter, "user", subject.uuid).await;
    assert!(again > others, "a new report: {again} after {others}");
    assert_eq!(report_id(&app, &reporter, "user", subject.uuid).await, again);
    assert_eq!(open_ids(&app, &moderator, "user", subject.uuid).await, [others, again]);
}

#[tokio::test]
async fn hiding_a_listing_takes_it_out_of_sight_but_its_owner_reads_why() {
    let app = TestApp::spawn().await;
    let (owner, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let t = unique_word();
    let itemid = app.add_item(&owner, json!({"title": format!("{t} 仿冒球鞋")})).await;
    let kept = app.add_item(&owner, json!({"title": format!("{t} 正品")})).await;
    let id = report_id(&app, &reporter, "item", itemid).await;
    let mut found = search_goods(&app, &t).await;
    found.sort_unstable();
    assert_eq!(found, [itemid, kept]);

    resolve(&app, &moderator, id, "hide", json!({"why": "疑似假货，已下架"}))
        .await
        .assert_success();
    let gone = item(&app, itemid).await;
    assert_eq!(
        (&gone["status"], &gone["deleted"], &gone["sold"], &gone["title"]),
        (
            &json!("success"),
            &json!(true),
            &json!(3),
            &json!(format!("{t} 仿冒球鞋"))
        )
    );
    assert!(gone.get("hidden").is_none(), "{gone}");
    assert_eq!(search_goods(&app, &t).await, [kept]);
    assert_eq!(published(&app, &owner).await, [kept]);
    let modify = app
        .post(
            "/item/modify",
            json!({"token": owner.token, "itemid": itemid, "price": 1}),
        )
        .await;
    assert_eq!(
        (modify.status, &modify.body),
        (403, &json!({"status": "failure", "info": "no such item"}))
    );
    let mut expected = gone.clone();
    expected.as_object_mut().unwrap().remove("status");
    expected["hidden"] = json!("疑似假货，已下架");
    assert_eq!(hidden(&app, &owner).await, [expected]);
    assert!(open_ids(&app, &moderator, "item", itemid).await.is_empty());
    resolve(&app, &moderator, id, "hide", json!({}))
        .await
        .assert_failure("report already resolved");
    report(&app, &reporter, "item", itemid, "fraud")
        .await
        .assert_failure("no such item");

    // The owner may still delete it: then it is only deleted, and no longer listed as hidden.
    app.post("/item/delete", json!({"token": owner.token, "itemid": itemid}))
        .await
        .assert_success();
    assert!(hidden(&app, &owner).await.is_empty());

    // Hiding a listing its owner deleted meanwhile closes the report and hides nothing.
    let deleted = app.add_item(&owner, json!({})).await;
    let late = report_id(&app, &reporter, "item", deleted).await;
    app.post("/item/delete", json!({"token": owner.token, "itemid": deleted}))
        .await
        .assert_success();
    resolve(&app, &moderator, late, "hide", json!({}))
        .await
        .assert_success();
    assert!(hidden(&app, &owner).await.is_empty());
    assert!(open_ids(&app, &moderator, "item", deleted).await.is_empty());
}

/// Two servers over the same tables, as two deployments with different `REPORTS_TO_HIDE`: three
/// open reports are above the stricter one's threshold of 2, so one dismissal leaves it hidden.
#[tokio::test]
async fn dismissals_bring_back_a_listing_hidden_by_reports_but_not_one_a_moderator_hid() {
    let app = TestApp::spawn_with(|config| config.reports_to_hide = 2).await;
    let lenient = TestApp::spawn_with(|config| config.reports_to_hide = 3).await;
    let owner = app.register().await;
    let reporters = [app.register().await, app.register().await, app.register().await];
    let moderator = moderator(&app).await;
    let t = unique_word();
    let itemid = app.add_item(&owner, json!({"title": format!("{t} 二手手机")})).await;
    let shown = item(&app, itemid).await;
    let a = report_id(&lenient, &reporters[0], "item", itemid).await;
    let b = report_id(&lenient, &reporters[1], "item", itemid).await;
    assert_eq!(item(&app, itemid).await, shown);
    let c = report_id(&app, &reporters[2], "item", itemid).await;
    assert_eq!(item(&app, itemid).await["deleted"], true);

    resolve(&app, &moderator, a, "dismiss", json!({}))
        .await
        .assert_success();
    assert_eq!(
        item(&app, itemid).await["deleted"],
        true,
        "two open reports still hide it"
    );
    assert!(search_goods(&app, &t).await.is_empty());
    resolve(&app, &moderator, b, "dismiss", json!({}))
        .await
        .assert_success();
    assert_eq!(item(&app, itemid).await, shown, "back as it was");
    assert_eq!(search_goods(&app, &t).await, [itemid]);
    assert_eq!(published(&app, &owner).await, [itemid]);
    assert!(hidden(&app, &owner).await.is_empty());
    assert_eq!(open_ids(&app, &moderator, "item", itemid).await, [c]);

    // The first reporter may report it again: a new report, and two open ones hide it again.
    let again = report_id(&app, &reporters[0], "item", itemid).await;
    assert!(again > c);
    assert_eq!(open_ids(&app, &moderator, "item", itemid).await, [c, again]);
    assert_eq!(hidden(&app, &owner).await[0]["hidden"], PENDING_REVIEW);
    assert!(search_goods(&app, &t).await.is_empty());

    // A moderator's hiding stands whatever becomes of the other reports.
    resolve(&app, &moderator, c, "hide", json!({"why": "违禁品"}))
        .await
        .assert_success();
    resolve(&app, &moderator, again, "dismiss", json!({}))
        .await
        .assert_success();
    assert_eq!(item(&app, itemid).await["deleted"], true);
    assert!(search_goods(&app, &t).await.is_empty());
    let hidden = hidden(&app, &owner).await;
    assert_eq!(
        (hidden.len(), &hidden[0]["itemid"], &hidden[0]["hidden"]),
        (1, &json!(itemid), &json!("违禁品"))
    );
    assert!(open_ids(&app, &moderator, "item", itemid).await.is_empty());
}

/// The owner's edit and the moderator's hiding, sent at once with the edit a little later each
/// round (the hiding has more to read first): whichever lands first, the listing ends hidden,
/// found by neither title.
#[tokio::test]
async fn a_hide_racing_the_owners_edit_leaves_the_listing_hidden_under_either_title() {
    let app = TestApp::spawn().await;
    let (owner, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    // The index itself, to see that no posting of either title outlived the hiding (a search
    // leaves out deleted listings whatever the postings say).
    let index = Adapters::from_config(Config::from_env().unwrap(), Arc::new(SystemClock))
        .await
        .unwrap()
        .search_index();
    let mut edits_won = 0;
    const ROUNDS: u64 = 10;
    for round in 0..ROUNDS {
        let (old, new) = (unique_word(), unique_word());
        let itemid = app.add_item(&owner, json!({"title": format!("{old} 自行车")})).await;
        let id = report_id(&app, &reporter, "item", itemid).await;
        let indexed = index.postings(Corpus::Goods, std::slice::from_ref(&old)).await.unwrap();
        assert_eq!(indexed[&old][0].doc, itemid, "indexed under its title before");
        let why = format!("第{round}轮下架");
        let edit = async {
            tokio::time::sleep(Duration::from_millis(round * 3)).await;
            app.post(
                "/item/modify",
                json!({"token": owner.token, "itemid": itemid, "title": format!("{new} 自行车")}),
            )
            .await
        };
        let hide = resolve(&app, &moderator, id, "hide", json!({"why": why}));
        let (edit, hide) = tokio::join!(edit, hide);
        hide.assert_success();
        let edited = edit.body["status"] == "success";
        if edited {
            edits_won += 1;
            edit.assert_success();
        } else {
            assert_eq!(
                (edit.status, &edit.body),
                (403, &json!({"status": "failure", "info": "no such item"})),
                "round {round}"
            );
        }
        let now = item(&app, itemid).await;
        let title = format!("{} 自行车", if edited { &new } else { &old });
        assert_eq!(
            (&now["deleted"], &now["title"]),
            (&json!(true), &json!(title)),
            "round {round}"
        );
        for word in [&old, &new] {
            assert!(
                search_goods(&app, word).await.is_empty(),
                "round {round}: {word} still finds it"
            );
        }
        let terms = query_candidates(&format!("{old} {new} 自行车 {}", now["note"].as_str().unwrap()));
        let postings = index.postings(Corpus::Goods, &terms).await.unwrap();
        for (term, list) in &postings {
            assert!(
                list.iter().all(|posting| posting.doc != itemid),
                "round {round}: the index still lists it under {term}"
            );
        }
        let hidden = hidden(&app, &owner).await;
        let mine = hidden.iter().find(|h| h["itemid"] == itemid).expect("listed as hidden");
        assert_eq!((&mine["hidden"], &mine["title"]), (&json!(why), &json!(title)));
    }
    eprintln!("the edit landed first in {edits_won} of {ROUNDS} rounds");
}

/// A moderator suspends a message's sender for two days.
#[tokio::test]
async fn a_suspension_ends_tokens_and_refuses_logins_until_it_lapses() {
    let app = TestApp::spawn().await;
    let (subject, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let token = json!({"token": subject.token});
    // The functions have seen the token (and may remember it for the recheck interval).
    for path in ["/safety/blocks", "/fav/query"] {
        assert_eq!(app.post(path, token.clone()).await.status, 200, "{path}");
    }
    let message = text_to(&app, &subject, &reporter, "加我微信").await;
    let id = report_id(&app, &reporter, "message", message).await;
    resolve(&app, &moderator, id, "suspend", json!({"days": 2, "why": "骚扰"}))
        .await
        .assert_success();

    app.post("/safety/blocks", token.clone()).await.assert_forbidden();
    app.post("/user/me", token.clone()).await.assert_forbidden();
    app.clock.advance(Duration::from_secs(61));
    for path in ["/fav/query", "/user/chat/fetchnew", "/item/add", "/safety/report"] {
        app.post(path, token.clone()).await.assert_forbidden();
    }
    let login = |password: &str| {
        app.post(
            "/user/login",
            json!({"phonenumber": subject.phone, "password": password}),
        )
    };
    login(&subject.password).await.assert_failure("account suspended");
    login(OTHER_PASSWORD).await.assert_failure("password incorrect");
    assert_eq!(
        app.post("/safety/blocks", json!({"token": reporter.token}))
            .await
            .status,
        200,
        "the reporter is not suspended"
    );
    assert!(open_ids(&app, &moderator, "message", message).await.is_empty());

    app.clock.advance(DAY);
    login(&subject.password).await.assert_failure("account suspended");
    app.clock.advance(DAY);
    let back = app.login(&subject.phone, &subject.password).await;
    assert_eq!(app.me(&back).await["uuid"], subject.uuid);
    assert_eq!(
        app.post("/safety/blocks", json!({"token": back.token})).await.status,
        200
    );
    app.post("/user/me", token).await.assert_forbidden();
}

#[tokio::test]
async fn a_shorter_suspension_does_not_cut_a_longer_one_short() {
    let app = TestApp::spawn().await;
    let (subject, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let long = report_id(&app, &reporter, "user", subject.uuid).await;
    resolve(&app, &moderator, long, "suspend", json!({"days": 10}))
        .await
        .assert_success();
    let short = report_id(&app, &reporter, "user", subject.uuid).await;
    resolve(&app, &moderator, short, "suspend", json!({"days": 1}))
        .await
        .assert_success();
    app.clock.advance(DAY * 2);
    app.post(
        "/user/login",
        json!({"phonenumber": subject.phone, "password": subject.password}),
    )
    .await
    .assert_failure("account suspended");
    app.clock.advance(DAY * 9);
    app.login(&subject.phone, &subject.password).await;
}

#[tokio::test]
async fn a_moderator_cannot_hide_for_a_reason_the_system_undoes() {
    let app = TestApp::spawn().await;
    let (seller, reporter) = (app.register().await, app.register().await);
    let moderator = moderator(&app).await;
    let itemid = app.add_item(&seller, json!({})).await;
    let id = report_id(&app, &reporter, "item", itemid).await;
    for why in ["expired", "reported by several users, pending review"] {
        resolve(&app, &moderator, id, "hide", json!({"why": why}))
            .await
            .assert_failure("invaild request");
    }
    assert!(item(&app, itemid).await.get("deleted").is_none(), "nothing hidden");
    resolve(&app, &moderator, id, "hide", json!({"why": "假货"}))
        .await
        .assert_success();
}

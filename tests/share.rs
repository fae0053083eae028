//! Share links: random tokens stored only as hashes, read-only server-rendered pages with the
//! right headers and only public fields, revocation at once, and no writes by token.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, app_with, signed_up, test_config, Client};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

#[sqlx::test]
async fn a_share_link_shows_the_tree_read_only_until_revoked(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, _) = signed_up(&app, "owner-share@example.com").await;
    let tree = owner.create_tree("Retention bets").await;
    let add = |parent: Option<String>, kind: &str, title: &str| json!({ "tree_id": tree, "parent_id": parent, "node": { "node_type": kind, "title": title } });
    let root = owner
        .add_node(add(None, "objective", "Grow <script>alert(1)</script> retention"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let outcome = owner
        .add_node(add(Some(root.clone()), "outcome", "Weekly \"actives\" & more"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Badges come from the template fields the page reads one by one (no baseline).
    owner
        .add_node(
            json!({ "tree_id": tree, "parent_id": outcome, "node": { "node_type": "metric", "title": "WAU",
                          "template_data": { "current": 900, "target": 1100.5, "unit": "k", "baseline": 700 } } }),
        )
        .await;

    let created = owner.create_share_link(tree).await;
    let token = created["token"].as_str().unwrap().to_string();
    let link_id = created["link"]["id"].as_str().unwrap().to_string();
    // 32 random bytes as hex, not a UUID; a second link gets another token.
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let second = owner.create_share_link(tree).await;
    assert_ne!(second["token"], json!(token));
    assert_eq!(created["path"], json!(format!("/s/{token}")));

    // Only the hash is kept.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM share_links ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.contains(&Sha256::digest(token.as_bytes()).to_vec()));
    let anywhere: i64 = sqlx::query_scalar("SELECT count(*) FROM share_links s WHERE s::text LIKE '%' || $1 || '%'")
        .bind(&token)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(anywhere, 0);

    // Someone without an account reads it, with private-page headers and public fields only.
    let mut visitor = Client::new(app.clone());
    let page = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Retention bets"));
    assert!(
        page.body.contains("Weekly &quot;actives&quot; &amp; more")
            || page.body.contains("Weekly \"actives\" &amp; more")
    );
    assert!(page
        .body
        .contains("Grow &lt;script&gt;alert(1)&lt;/script&gt; retention"));
    assert!(!page.body.contains("<script>alert(1)"), "user text is escaped");
    assert!(page.body.contains("og:title"), "link previews get a title");
    assert!(!page.body.contains("owner-share@example.com"), "no owner email");
    assert!(!page.body.contains("Test Person"), "no owner name");
    assert!(!page.body.contains("Added objective"), "no activity");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.headers["x-robots-tag"].to_str().unwrap().contains("noindex"));
    // The page names nodes by position: it carries no database ids.
    assert!(!page.body.contains(&root), "a node id on the share page");
    let data = page_outline(&page.body);
    assert_eq!(data["nodes"][1]["p"], json!(0));
    assert_eq!(
        data["nodes"][2]["b"],
        json!({ "unit": "k", "current": 900.0, "target": 1100.5 })
    );
    assert!(page.body.contains("900k → 1100.5k"), "metric badge");
    let whole = visitor.call("shared_tree", &[("token", &token)]).await;
    assert_eq!(whole.json()["nodes"].as_array().unwrap().len(), 3);

    // The token opens nothing else: no write takes it, and the visitor is not logged in.
    let write = visitor
        .call_json(
            "update_node",
            json!({ "tree_id": tree, "node_id": root, "version": 1, "node": { "node_type": "objective", "title": "Mine" } }),
        )
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    let read = visitor.call("get_tree", &[("tree_id", &tree.to_string())]).await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED);

    // Unknown, malformed and revoked tokens are all a 404 page.
    let unknown = visitor.get(&format!("/s/{}", "0".repeat(64))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = visitor.get("/s/not-a-token").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    let revoked = owner
        .call(
            "revoke_share_link",
            &[("tree_id", &tree.to_string()), ("link_id", &link_id)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let gone = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(!gone.body.contains("Retention bets"));
    let api = visitor.call("shared_tree", &[("token", &token)]).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);

    let listed = owner
        .call("list_share_links", &[("tree_id", &tree.to_string())])
        .await
        .json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|l| l["revoked_at"].is_null()).count(), 1);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT activity_type FROM user_activities WHERE activity_type LIKE 'share_link%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        ["share_link_created", "share_link_created", "share_link_revoked"]
    );
}

fn is_hit(answer: &common::Answer) -> bool {
    matches!(
        answer.headers["x-share-cache"].to_str().unwrap(),
        "hit" | "hit-compressing"
    )
}

/// A GET with `accept_encoding`: the cache's outcome (empty when the cache was not asked), the
/// content encoding and the page decoded.
async fn get_encoded(visitor: &Client, path: &str, accept_encoding: &str) -> (String, String, String) {
    let request = visitor
        .request("GET", path)
        .header("accept", "text/html")
        .header("accept-encoding", accept_encoding)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = common::send(&visitor.app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (outcome, encoding) = (header("x-share-cache"), header("content-encoding"));
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(!encoding.is_empty(), "the page went out uncompressed");
    let html = common::decoded(&encoding, &bytes);
    (outcome, encoding, String::from_utf8(html).unwrap())
}

/// The nonce the page's CSP allows and the nonces its scripts carry.
fn nonces(answer: &common::Answer) -> (String, Vec<String>) {
    let allowed = common::csp_nonce(answer.headers["content-security-policy"].to_str().unwrap());
    let carried = answer
        .body
        .split("nonce=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    (allowed, carried)
}

#[sqlx::test]
async fn a_cached_share_page_shows_every_edit_on_the_next_request(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, _) = signed_up(&app, "cache-owner@example.com").await;
    let created = owner.call("create_tree", &[("name", "Cached bets")]).await.json();
    let tree = created["id"].as_i64().unwrap();
    let t = tree.to_string();
    let add = |parent: Option<String>, kind: &str, title: &str| json!({ "tree_id": tree, "parent_id": parent, "node": { "node_type": kind, "title": title } });
    let root = owner.add_node(add(None, "objective", "Grow retention")).await;
    let root_id = root["id"].as_str().unwrap().to_string();
    let token = owner.create_share_link(tree).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/s/{token}");
    let mut visitor = Client::new(app.clone());

    let first = visitor.get(&path).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.headers["x-share-cache"], "miss");
    let again = visitor.get(&path).await;
    assert!(is_hit(&again), "{:?}", again.headers);
    assert_eq!(again.body, first.body);
    // Private-page headers and a policy that lets the page's own scripts run, also on a hit.
    assert_eq!(again.headers["cache-control"], "no-store");
    assert_eq!(again.headers["referrer-policy"], "no-referrer");
    let (allowed, carried) = nonces(&again);
    assert!(
        !carried.is_empty() && carried.iter().all(|n| *n == allowed),
        "{allowed} {carried:?}"
    );

    // Each kind of change is on the next request: node edit, new node, link, tree details,
    // and the saved orientation.
    let edited = owner
        .call_json(
            "update_node",
            json!({ "tree_id": tree, "node_id": root_id, "version": root["version"], "node": { "node_type": "objective", "title": "Grow weekly retention" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let page = visitor.get(&path).await;
    assert_eq!(page.headers["x-share-cache"], "miss");
    assert!(page.body.contains("Grow weekly retention"));
    assert!(is_hit(&visitor.get(&path).await));

    let child = owner
        .add_node(add(Some(root_id.clone()), "outcome", "Weekly actives"))
        .await;
    assert!(visitor.get(&path).await.body.contains("Weekly actives"));
    let metric = owner.add_node(add(Some(root_id.clone()), "metric", "Churn")).await;
    assert!(!visitor.get(&path).await.body.contains("class=\"cross-link\""));
    let linked = owner
        .call_json(
            "add_connection",
            json!({ "tree_id": tree, "from_node_id": child["id"], "to_node_id": metric["id"] }),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    assert!(visitor.get(&path).await.body.contains("class=\"cross-link\""));

    let renamed = owner
        .call(
            "update_tree",
            &[
                ("tree_id", &t),
                ("version", &created["version"].to_string()),
                ("name", "Cached bets, renamed"),
                ("discovery_phase", created["discovery_phase"].as_str().unwrap()),
                ("is_template", "false"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert!(visitor.get(&path).await.body.contains("Cached bets, renamed"));

    let turned = owner
        .call_json(
            "save_canvas_state",
            json!({ "tree_id": tree, "state": { "zoom": 1.0, "pan": { "x": 0, "y": 0 }, "orientation": "horizontal" } }),
        )
        .await;
    assert_eq!(turned.status, StatusCode::OK, "{}", turned.body);
    // The first visitor after a change is served as soon as the page is rendered, compressed
    // per request (zstd for Chromium); the kept copies are made after.
    let (miss, encoding, html) = get_encoded(&visitor, &path, "gzip, deflate, br, zstd").await;
    assert_eq!((miss.as_str(), encoding.as_str()), ("miss", "zstd"));
    assert!(html.contains("data-orientation=\"horizontal\""));

    // Then the kept brotli and gzip copies, the same page.
    let mut waited = 0;
    loop {
        let (outcome, encoding, from_br) = get_encoded(&visitor, &path, "gzip, deflate, br").await;
        assert_eq!(from_br, html);
        assert_eq!(encoding, "br");
        if outcome == "hit" {
            break;
        }
        assert_eq!(outcome, "hit-compressing");
        waited += 1;
        assert!(waited < 200, "the kept copies were not made in 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (outcome, encoding, from_gzip) = get_encoded(&visitor, &path, "gzip").await;
    assert_eq!(
        (outcome.as_str(), encoding.as_str(), from_gzip.as_str()),
        ("hit", "gzip", html.as_str())
    );
    let page = visitor.get(&path).await;
    assert_eq!(page.body, html);

    // The owner, logged in, gets a page rendered for them (their name in the header).
    let own = owner.get(&path).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.headers.get("x-share-cache").is_none());
    // A page made per request goes out as zstd to browsers that take it (Chromium's header),
    // else brotli; both are the whole page.
    for (accept, encoding) in [("gzip, deflate, br, zstd", "zstd"), ("gzip, deflate, br", "br")] {
        let (outcome, got, html) = get_encoded(&owner, &path, accept).await;
        assert_eq!((outcome.as_str(), got.as_str()), ("", encoding));
        // Whole: the shell, then the hydration data streamed after the body.
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("</body>"));
        assert!(html.trim_end().ends_with("__INCOMPLETE_CHUNKS=[];</script>"));
        assert!(html.contains("Cached bets, renamed"));
    }

    // Revoked: the next request is a 404, cached page or not.
    let link_id = owner.call("list_share_links", &[("tree_id", &t)]).await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    owner
        .call("revoke_share_link", &[("tree_id", &t), ("link_id", &link_id)])
        .await;
    assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND);
}

/// A new tree of `name` with one objective, "Grow retention", and a share link to it: the
/// owner, the tree's id, the node as added, and the link's path.
async fn shared_objective(app: &axum::Router, email: &str, name: &str) -> (Client, i64, serde_json::Value, String) {
    let (mut owner, _) = signed_up(app, email).await;
    let tree = owner.create_tree(name).await;
    let root = owner
        .add_node(json!({ "tree_id": tree, "node": { "node_type": "objective", "title": "Grow retention" } }))
        .await;
    let token = owner.create_share_link(tree).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    (owner, tree, root, format!("/s/{token}"))
}

/// Revokes the tree's first share link, as its owner.
async fn revoke_first_link(owner: &mut Client, tree: i64) {
    let links = owner
        .call("list_share_links", &[("tree_id", &tree.to_string())])
        .await
        .json();
    let link_id = links[0]["id"].as_str().unwrap().to_string();
    let revoked = owner
        .call(
            "revoke_share_link",
            &[("tree_id", &tree.to_string()), ("link_id", &link_id)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
}

/// A link passed around picks up tracking parameters; its visitors still get the kept page,
/// the same bytes, and an edit is still on the next request whatever the query.
#[sqlx::test]
async fn a_share_link_with_tracking_parameters_is_served_from_the_cache(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, tree, root, path) = shared_objective(&app, "utm-owner@example.com", "Tracked bets").await;
    let mut visitor = Client::new(app.clone());

    let first = visitor
        .get(&format!("{path}?utm_source=newsletter&utm_medium=email"))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.headers["x-share-cache"], "miss");
    assert!(!first.body.contains("newsletter"), "the query went into the kept page");
    for query in ["", "?fbclid=IwAR0abc", "?utm_source=newsletter&utm_medium=email"] {
        let again = visitor.get(&format!("{path}{query}")).await;
        assert!(is_hit(&again), "{query}: {:?}", again.headers);
        assert_eq!(again.body, first.body, "{query}");
    }

    let edited = owner
        .call_json(
            "update_node",
            json!({ "tree_id": tree, "node_id": root["id"], "version": root["version"], "node": { "node_type": "objective", "title": "Grow weekly retention" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let page = visitor.get(&format!("{path}?fbclid=IwAR0abc")).await;
    assert_eq!(page.headers["x-share-cache"], "miss");
    assert!(page.body.contains("Grow weekly retention"));
}

/// A visitor's export reads the whole tree through `shared_tree`, kept per tree version: asking
/// again does not read the tree again, every kind of write is in the next answer, and a revoked
/// link is NotFound at once.
#[sqlx::test]
async fn the_shared_tree_is_kept_per_version_and_shows_every_write(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, tree, root, path) = shared_objective(&app, "kept-owner@example.com", "Kept bets").await;
    let token = path.trim_start_matches("/s/").to_string();
    let mut visitor = Client::new(app.clone());
    let whole = || {
        let token = token.clone();
        let mut visitor = Client::new(app.clone());
        async move {
            let answer = visitor.call("shared_tree", &[("token", &token)]).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.json()
        }
    };
    let first = whole().await;
    assert_eq!(first["nodes"][0]["title"], "Grow retention");

    // A change behind the application's back moves no version: the kept answer is given.
    sqlx::query("UPDATE tree_nodes SET title = 'Behind its back' WHERE tree_id = $1")
        .bind(tree as i32)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(whole().await, first, "the tree was read again");

    let edited = owner
        .call_json(
            "update_node",
            json!({ "tree_id": tree, "node_id": root["id"], "version": root["version"], "node": { "node_type": "objective", "title": "Grow weekly retention" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(whole().await["nodes"][0]["title"], "Grow weekly retention");

    let child = owner
        .add_node(json!({ "tree_id": tree, "parent_id": root["id"], "node": { "node_type": "outcome", "title": "Weekly actives" } }))
        .await;
    assert_eq!(whole().await["nodes"].as_array().unwrap().len(), 2);
    let linked = owner
        .call_json(
            "add_connection",
            json!({ "tree_id": tree, "from_node_id": root["id"], "to_node_id": child["id"] }),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    assert_eq!(whole().await["connections"].as_array().unwrap().len(), 1);

    let state = json!({ "zoom": 0.5, "pan": { "x": 10.0, "y": 20.0 }, "orientation": "horizontal" });
    let saved = owner
        .call_json("save_canvas_state", json!({ "tree_id": tree, "state": state }))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(whole().await["canvas_state"], state);

    revoke_first_link(&mut owner, tree).await;
    let gone = visitor.call("shared_tree", &[("token", &token)]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

/// With the cache switched off (`http.share_page_cache = false`) every visitor's page is
/// rendered for them, and shows the tree as it is.
#[sqlx::test]
async fn with_the_share_page_cache_off_every_page_is_rendered(pool: PgPool) {
    let mut config = test_config();
    config.http.share_page_cache = false;
    let app = app_with(pool.clone(), config);
    let (mut owner, tree, root, path) = shared_objective(&app, "nocache-owner@example.com", "Fresh bets").await;
    let mut visitor = Client::new(app.clone());
    for _ in 0..2 {
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.headers.get("x-share-cache").is_none(), "{:?}", page.headers);
        assert!(page.body.contains("Grow retention"));
    }
    owner
        .call_json(
            "update_node",
            json!({ "tree_id": tree, "node_id": root["id"], "version": root["version"], "node": { "node_type": "objective", "title": "Grow weekly retention" } }),
        )
        .await;
    assert!(visitor.get(&path).await.body.contains("Grow weekly retention"));
}

/// With every cache at 0 MB (`[caches]`) nothing is kept: a change made behind the
/// application's back, which moves no version, is on every next answer and page.
#[sqlx::test]
async fn with_every_cache_at_zero_megabytes_every_answer_is_read_afresh(pool: PgPool) {
    let mut config = test_config();
    config.caches.tree_answers_bytes = 0;
    config.caches.editor_pages_bytes = 0;
    config.caches.shared_answers_bytes = 0;
    config.caches.share_pages_bytes = 0;
    let app = app_with(pool.clone(), config);
    let (mut owner, tree, _, path) = shared_objective(&app, "zero-owner@example.com", "Unkept bets").await;
    let token = path.trim_start_matches("/s/").to_string();
    let mut visitor = Client::new(app.clone());
    for title in ["First behind its back", "Second behind its back"] {
        sqlx::query("UPDATE tree_nodes SET title = $2 WHERE tree_id = $1")
            .bind(tree as i32)
            .bind(title)
            .execute(&pool)
            .await
            .unwrap();
        let read = owner.call("get_tree", &[("tree_id", &tree.to_string())]).await;
        assert_eq!(read.json()["nodes"][0]["title"], title);
        let editor = owner.get(&format!("/trees/{tree}")).await;
        assert!(editor.body.contains(title), "the editor page kept its tree");
        let shared = visitor.call("shared_tree", &[("token", &token)]).await;
        assert_eq!(shared.json()["nodes"][0]["title"], title);
        let page = visitor.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(title), "the share page was kept");
        assert!(page.headers.get("x-share-cache").is_none(), "{:?}", page.headers);
    }
}

/// A crowd opening a link right after an edit costs one render: the first visitor renders and
/// the others are given that page, the same bytes.
#[sqlx::test]
async fn visitors_who_miss_together_are_served_one_render(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, tree, root, path) = shared_objective(&app, "crowd-owner@example.com", "Crowded bets").await;
    let mut crowd: Vec<Client> = (0..6).map(|_| Client::new(app.clone())).collect();

    for (edit_first, title) in [(false, "Grow retention"), (true, "Grow weekly retention")] {
        if edit_first {
            let edited = owner
                .call_json(
                    "update_node",
                    json!({ "tree_id": tree, "node_id": root["id"], "version": root["version"], "node": { "node_type": "objective", "title": title } }),
                )
                .await;
            assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        }
        let answers = futures::future::join_all(crowd.iter_mut().map(|visitor| visitor.get(&path))).await;
        // Each answer's status beside its outcome, and the bodies of answers with none (not
        // the cache's: an error or a timeout on the way), so a failure says what happened.
        let outcomes: Vec<(StatusCode, &str)> = answers
            .iter()
            .map(|a| {
                let outcome = a.headers.get("x-share-cache").map_or("none", |v| v.to_str().unwrap());
                (a.status, outcome)
            })
            .collect();
        let unserved: Vec<&str> = answers
            .iter()
            .filter(|a| !a.headers.contains_key("x-share-cache"))
            .map(|a| a.body.as_str())
            .collect();
        assert!(unserved.is_empty(), "{outcomes:?}: {unserved:?}");
        assert_eq!(
            outcomes.iter().filter(|&&(_, o)| o == "miss").count(),
            1,
            "{outcomes:?}"
        );
        assert!(answers
            .iter()
            .all(|a| a.status == StatusCode::OK && a.body == answers[0].body));
        assert!(answers[0].body.contains(title));
    }
}

/// The page's outline (two statements: the tree with its links, and the nodes) says what the
/// whole tree says: every node in outline order with its parent, type, text, fold state and
/// badges, and every cross-link; and a tree without nodes is an empty outline, not an error.
#[sqlx::test]
async fn the_share_outline_reads_the_same_tree_as_the_whole_tree_read(pool: PgPool) {
    use impact_tree::model::editor::TreeIndex;
    use impact_tree::model::template_data::BadgeFields;
    use impact_tree::server::repo;

    let (tree, user) = seeded_tree(&pool, 400, 11).await;
    // Fold a few nodes, so the fold state is read too.
    sqlx::query(
        "UPDATE tree_nodes SET is_collapsed = true WHERE tree_id = $1 AND sort_order = 1 AND parent_id IS NOT NULL",
    )
    .bind(tree)
    .execute(&pool)
    .await
    .unwrap();
    let link = |token: &'static str, tree: i32| insert_share_link(&pool, tree, &user, token);
    link("whole", tree).await.unwrap();

    let (_, whole) = repo::share::shared_tree(&pool, "whole").await.unwrap();
    let outline = repo::share::shared_outline(&pool, "whole").await.unwrap();
    assert_eq!(outline.name, whole.name);
    assert_eq!(outline.description, whole.description);
    assert_eq!(outline.canvas_state, whole.canvas_state);
    let order = TreeIndex::new(&whole.nodes).outline();
    assert_eq!(outline.nodes.len(), whole.nodes.len());
    assert!(whole.nodes.len() == 400 && whole.nodes.iter().any(|n| n.is_collapsed));
    let position: std::collections::HashMap<&str, u32> = order
        .iter()
        .enumerate()
        .map(|(at, &(i, _))| (whole.nodes[i].id.as_str(), at as u32))
        .collect();
    let mut with_badges = 0;
    for (at, &(i, _)) in order.iter().enumerate() {
        let (node, read) = (&whole.nodes[i], &outline.nodes[at]);
        assert_eq!(read.parent, node.parent_id.as_deref().map(|p| position[p]), "node {at}");
        assert_eq!(
            (read.node_type, &read.title, &read.description, read.is_collapsed),
            (node.node_type, &node.title, &node.description, node.is_collapsed),
            "node {at}"
        );
        let badges: BadgeFields = serde_json::from_value(node.template_data.clone()).unwrap_or_default();
        assert_eq!(read.badges, badges, "node {at}");
        with_badges += usize::from(badges != BadgeFields::default());
    }
    assert!(
        with_badges > 0,
        "the seed has metrics and assumptions with badge fields"
    );
    let links: Vec<(u32, u32)> = whole
        .connections
        .iter()
        .map(|c| (position[c.from_node_id.as_str()], position[c.to_node_id.as_str()]))
        .collect();
    assert!(!links.is_empty(), "the seed makes cross-links");
    assert_eq!(outline.links, links);

    let empty =
        sqlx::query_scalar::<_, i32>("INSERT INTO impact_trees (user_id, name) VALUES ($1, 'Empty') RETURNING id")
            .bind(user.clone())
            .fetch_one(&pool)
            .await
            .unwrap();
    link("empty", empty).await.unwrap();
    let outline = repo::share::shared_outline(&pool, "empty").await.unwrap();
    assert_eq!(
        (outline.name.as_str(), outline.nodes.len(), outline.links.len()),
        ("Empty", 0, 0)
    );
    assert!(matches!(
        repo::share::shared_outline(&pool, "unknown").await,
        Err(impact_tree::error::AppError::NotFound)
    ));
}

/// The share page reads its node rows unchecked, value by value, once their columns are checked:
/// a column of another type (or a missing one) is an error, not values read as the wrong type.
#[sqlx::test]
async fn the_share_outline_checks_its_columns_before_reading_them(pool: PgPool) {
    use impact_tree::server::repo::share::check_outline_columns;
    let row = |sql: &'static str| sqlx::query(sql).fetch_one(&pool);
    let good = row(
        "SELECT 'n1'::text, NULL::text, 'goal'::text, 'Title', NULL::text, false, 1, \
                    NULL::text, NULL::text, NULL::text, 'high'::text",
    )
    .await
    .unwrap();
    assert!(check_outline_columns(&good).is_ok());
    let retyped = row(
        "SELECT 'n1'::text, NULL::text, 'goal'::text, 'Title', NULL::text, false, 1::int8, \
                       NULL::text, NULL::text, NULL::text, 'high'::text",
    )
    .await
    .unwrap();
    assert!(matches!(
        check_outline_columns(&retyped),
        Err(sqlx::Error::ColumnDecode { .. })
    ));
    let short = row("SELECT 'n1'::text, NULL::text").await.unwrap();
    assert!(check_outline_columns(&short).is_err());
}

/// The outline a share page carries for hydration (its `shared-outline` data block).
fn page_outline(body: &str) -> serde_json::Value {
    // Its boxes, edges and block are put in after rendering (server::page_blocks).
    assert!(!body.contains("page-part-"), "a part left out of the page");
    let block = body.find(r#"id="shared-outline""#).expect("the page's data block");
    let start = block + body[block..].find('>').unwrap() + 1;
    let end = start + body[start..].find("</script>").unwrap();
    serde_json::from_str(&body[start..end]).expect("the data block is JSON")
}

/// A visitor's export asked for as a browser does: its kept answer goes out as the compressed
/// copy made once per version (server::kept_answer), and a revoked link is NotFound all the same.
#[sqlx::test]
async fn the_shared_tree_goes_out_as_its_kept_brotli_copy(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, tree, root, path) = shared_objective(&app, "copy-owner@example.com", "Copied bets").await;
    let token = path.trim_start_matches("/s/").to_string();
    for i in 0..20 {
        let node = json!({ "tree_id": tree, "parent_id": root["id"], "node": { "node_type": "outcome", "title": format!("Outcome {i}") } });
        owner.add_node(node).await;
    }
    let mut visitor = Client::new(app.clone());
    let plain = visitor.call("shared_tree", &[("token", &token)]).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.body);
    let ask = |visitor: &Client| {
        let request = visitor
            .request("POST", "/api/shared_tree")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("accept-encoding", "gzip, deflate, br")
            .body(axum::body::Body::from(format!("token={token}")))
            .unwrap();
        let app = visitor.app.clone();
        async move { common::send(&app, request).await }
    };
    let mut tries = 0;
    loop {
        let response = ask(&visitor).await;
        assert_eq!(response.status(), StatusCode::OK);
        let encoding = response.headers().get("content-encoding").cloned();
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let sent_as = encoding
            .as_ref()
            .map(|e| e.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8(common::decoded(&sent_as, &bytes)).unwrap(),
            plain.body
        );
        // The kept copy (brotli 5), not the layers' per-request brotli 4.
        if encoding.as_ref().is_some_and(|e| e == "br")
            && bytes
                == impact_tree::server::encoding::compress(
                    plain.body.as_bytes(),
                    impact_tree::server::encoding::Encoding::Brotli,
                    5,
                )
                .unwrap()
        {
            break;
        }
        tries += 1;
        assert!(tries < 200, "no kept copy");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    revoke_first_link(&mut owner, tree).await;
    assert_eq!(ask(&visitor).await.status(), StatusCode::NOT_FOUND);
}

/// A big page made per request goes out to a browser that takes zstd as frames compressed on
/// every core, its big parts while the rest of it was made: the frames decode to the same page
/// another browser gets whole.
#[sqlx::test]
async fn a_big_page_goes_out_as_zstd_frames_that_make_the_whole_page(pool: PgPool) {
    let mut config = test_config();
    config.http.share_page_cache = false;
    let app = app_with(pool.clone(), config);
    let (tree, user) = seeded_tree(&pool, 600, 5).await;
    let token = "5a".repeat(32);
    insert_share_link(&pool, tree, &user, &token).await.unwrap();
    let path = format!("/s/{token}");
    let visitor = Client::new(app.clone());

    let get = |accept: &'static str| {
        let request = visitor
            .request("GET", &path)
            .header("accept", "text/html")
            .header("accept-encoding", accept)
            .body(axum::body::Body::empty())
            .unwrap();
        common::send(&visitor.app, request)
    };
    // Each page has its own CSP nonce: the same page but for that.
    let page = |response: axum::http::Response<axum::body::Body>| async move {
        assert_eq!(response.status(), StatusCode::OK);
        let nonce = common::csp_nonce(response.headers()["content-security-policy"].to_str().unwrap());
        let encoding = response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let vary = response.headers().get("vary").map(|v| v.to_str().unwrap().to_string());
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let html = String::from_utf8(common::decoded(&encoding, &bytes)).unwrap();
        (encoding, vary, bytes, html.replace(&nonce, "NONCE"))
    };

    let (encoding, _, _, whole) = page(get("identity").await).await;
    assert_eq!(encoding, "");
    assert!(whole.len() > 200_000, "{} bytes", whole.len());
    assert_eq!(whole.matches("class=\"node-title\"").count(), 600);
    let (encoding, vary, bytes, from_frames) = page(get("gzip, deflate, br, zstd").await).await;
    assert_eq!(encoding, "zstd");
    assert!(vary.is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    assert_eq!(from_frames, whole);
    assert!(bytes.len() < whole.len() / 5, "{} bytes compressed", bytes.len());
    let whole_len = common::decoded(&encoding, &bytes).len();

    // Each frame whole. The big parts (the outline, the edges, the boxes) are frames of their
    // own, made while the rest of the page was; the boxes on every core.
    let mut sizes = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let size = zstd::zstd_safe::find_frame_compressed_size(rest).expect("a whole frame");
        sizes.push(zstd::zstd_safe::get_frame_content_size(&rest[..size]).unwrap().unwrap());
        rest = &rest[size..];
    }
    assert!(sizes.len() >= 5, "frames of {sizes:?} bytes");
    assert_eq!(sizes.iter().sum::<u64>(), whole_len as u64);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let largest = *sizes.iter().max().unwrap();
    assert!(
        cores == 1 || largest < whole_len as u64 / 2,
        "frames of {sizes:?} bytes, {cores} cores"
    );
}

/// One seeded user's one tree of `nodes` nodes (`seed-demo`): the tree's id and its owner's.
async fn seeded_tree(pool: &PgPool, nodes: usize, seed: u64) -> (i32, String) {
    use impact_tree::server::admin;
    let options = admin::SeedOptions {
        users: 1,
        trees: 1,
        nodes,
        seed,
        email_prefix: format!("seeded-{seed}"),
    };
    admin::seed_demo(pool, &Default::default(), &options, |_| {})
        .await
        .unwrap();
    sqlx::query_as("SELECT id, user_id FROM impact_trees")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A share link to `tree` with `token`, written straight to the table.
async fn insert_share_link(pool: &PgPool, tree: i32, user: &str, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO share_links (tree_id, token_hash, created_by) VALUES ($1, $2, $3)")
        .bind(tree)
        .bind(impact_tree::server::repo::share::token_hash(token))
        .bind(user)
        .execute(pool)
        .await
        .map(|_| ())
}

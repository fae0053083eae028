//! Share links: random tokens stored only as hashes, read-only server-rendered pages with the
//! right headers and only public fields, revocation at once, and no writes by token.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, signed_up, Client};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

#[sqlx::test]
async fn a_share_link_shows_the_tree_read_only_until_revoked(pool: PgPool) {
    let app = app(pool.clone());
    let (mut owner, _) = signed_up(&app, "owner-share@example.com").await;
    let tree = owner.call("create_tree", &[("name", "Retention bets")]).await.json()["id"]
        .as_i64()
        .unwrap();
    let add = |parent: Option<String>, kind: &str, title: &str| json!({ "tree_id": tree, "parent_id": parent, "node": { "node_type": kind, "title": title } });
    let root = owner
        .call_json(
            "add_node",
            add(None, "objective", "Grow <script>alert(1)</script> retention"),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    owner
        .call_json(
            "add_node",
            add(Some(root.clone()), "outcome", "Weekly \"actives\" & more"),
        )
        .await;

    let created = owner.call("create_share_link", &[("tree_id", &tree.to_string())]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let token = created.json()["token"].as_str().unwrap().to_string();
    let link_id = created.json()["link"]["id"].as_str().unwrap().to_string();
    // 32 random bytes as hex, not a UUID; a second link gets another token.
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let second = owner
        .call("create_share_link", &[("tree_id", &tree.to_string())])
        .await
        .json();
    assert_ne!(second["token"], json!(token));
    assert_eq!(created.json()["path"], json!(format!("/s/{token}")));

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

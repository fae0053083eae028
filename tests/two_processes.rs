//! Two server processes on different ports against one database behave as one app: both
//! migrate at start without doubling anything, a session made on one is valid on the other,
//! and an edit through one is seen through the other.
#![cfg(all(feature = "ssr", unix))]

mod common;

use common::process::{database_url, free_port, post, wait_until_answers, Reply, Server};
use sqlx::PgPool;

const ORIGIN: &str = "http://trees.example.test";

/// One process as it would run behind a load balancer: the same public origin for both.
fn start(pool: &PgPool, port: u16) -> Server {
    Server::start_production(&database_url(pool), port, ORIGIN, &[])
}

async fn http(port: u16, path: &str, content_type: &str, body: &str, cookie: Option<&str>) -> Reply {
    post(port, ORIGIN, path, content_type, body, cookie)
        .await
        .expect("the server answers")
}

#[sqlx::test(migrations = false)]
async fn two_processes_share_migrations_sessions_and_edits(pool: PgPool) {
    // Both start at once on an empty database: each runs the migrations, one at a time.
    let (pa, pb) = (free_port(), free_port());
    let _a = start(&pool, pa);
    let _b = start(&pool, pb);
    wait_until_answers(pa, "/readyz").await;
    wait_until_answers(pb, "/readyz").await;
    let applied: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT version, count(*), bool_and(success) FROM _sqlx_migrations GROUP BY version ORDER BY version",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(applied.len() >= 4, "{applied:?}");
    assert!(applied.iter().all(|&(_, n, ok)| n == 1 && ok), "{applied:?}");

    // A session made on A is valid on B.
    let form = "email=two%40example.com&display_name=Two&password=tidy-impact-tree-42";
    let signed = http(pa, "/api/sign_up", "application/x-www-form-urlencoded", form, None).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let cookie = signed.cookie.expect("a session cookie");
    let me = http(
        pb,
        "/api/current_user",
        "application/x-www-form-urlencoded",
        "",
        Some(&cookie),
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains("two@example.com"), "{}", me.body);

    // A tree made through B gets a node through A, and B sees it at once.
    let made = http(
        pb,
        "/api/create_tree",
        "application/x-www-form-urlencoded",
        "name=Shared",
        Some(&cookie),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let tree: serde_json::Value = serde_json::from_str(&made.body).unwrap();
    let tree = tree["id"].as_i64().unwrap();
    let node = serde_json::json!({ "tree_id": tree, "node": { "node_type": "objective", "title": "Seen on both" } });
    let added = http(
        pa,
        "/api/add_node",
        "application/json",
        &node.to_string(),
        Some(&cookie),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let seen = http(
        pb,
        "/api/get_tree",
        "application/x-www-form-urlencoded",
        &format!("tree_id={tree}"),
        Some(&cookie),
    )
    .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("Seen on both"), "{}", seen.body);

    // Logging out on B ends the session on A too.
    let out = http(
        pb,
        "/api/log_out",
        "application/x-www-form-urlencoded",
        "",
        Some(&cookie),
    )
    .await;
    assert!(out.status < 400, "{}", out.body);
    let after = http(
        pa,
        "/api/get_tree",
        "application/x-www-form-urlencoded",
        &format!("tree_id={tree}"),
        Some(&cookie),
    )
    .await;
    assert_eq!(after.status, 401, "{}", after.body);
}

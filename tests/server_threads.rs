//! Pages served by the real server, whose runtime has several worker threads: a page's reactive
//! owner is made on one thread and may be dropped on another once its body has streamed, so
//! anything a page keeps must be thread-safe. A value kept in Leptos's thread-local storage
//! panicked there when dropped, which cut ~7 % of share pages short (found by the benchmark).
#![cfg(all(feature = "ssr", unix))]

mod common;

use common::process::{database_url, free_port, get, get_as, post, wait_until_answers, Reply, Server};
use sqlx::PgPool;

const ORIGIN: &str = "http://trees.example.test";

async fn call(port: u16, path: &str, content_type: &str, body: &str, cookie: Option<&str>) -> Reply {
    let reply = post(port, ORIGIN, path, content_type, body, cookie)
        .await
        .expect("the server answers");
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply
}

#[sqlx::test]
async fn pages_come_whole_whichever_thread_ends_them(pool: PgPool) {
    let port = free_port();
    // Without the share page cache, so that every share page below is rendered.
    let _server = Server::start_production(
        &database_url(&pool),
        port,
        ORIGIN,
        &[("IMPACT_TREE_SHARE_PAGE_CACHE", "false")],
    );
    wait_until_answers(port, "/readyz").await;

    let form = "email=threads%40example.com&display_name=Threads&password=tidy-impact-tree-42";
    let signed = call(port, "/api/sign_up", "application/x-www-form-urlencoded", form, None).await;
    let cookie = signed.cookie.expect("a session cookie");
    let form = "application/x-www-form-urlencoded";
    let made = call(port, "/api/create_tree", form, "name=Threads", Some(&cookie)).await;
    let tree = made.json()["id"].as_i64().unwrap();
    let mut parent = serde_json::Value::Null;
    for (node_type, title) in [
        ("objective", "Grow"),
        ("outcome", "Retention"),
        ("opportunity", "Slow setup"),
    ] {
        let node = serde_json::json!({
            "tree_id": tree,
            "parent_id": parent,
            "node": { "node_type": node_type, "title": title },
        });
        let added = call(
            port,
            "/api/add_node",
            "application/json",
            &node.to_string(),
            Some(&cookie),
        )
        .await;
        parent = added.json()["id"].clone();
    }
    let link = call(
        port,
        "/api/create_share_link",
        form,
        &format!("tree_id={tree}"),
        Some(&cookie),
    )
    .await;
    let path = link.json()["path"].as_str().unwrap().to_string();

    // Rendered every time, on whichever worker takes the connection.
    for i in 0..60 {
        let page = get(port, &path)
            .await
            .unwrap_or_else(|err| panic!("request {i} was cut short: {err}"));
        assert_eq!(page.status, 200, "request {i}: {}", page.body);
        assert!(page.body.contains("Slow setup"), "request {i}: {}", page.body);
    }
    // The editor and the dashboard, signed in.
    for path in [format!("/trees/{tree}"), "/".to_string()] {
        for i in 0..30 {
            let page = get_as(port, &path, &cookie)
                .await
                .unwrap_or_else(|err| panic!("{path}, request {i}, was cut short: {err}"));
            assert_eq!(page.status, 200, "{path}, request {i}: {}", page.body);
            assert!(page.body.contains("Threads"), "{path}, request {i}: {}", page.body);
        }
    }
}

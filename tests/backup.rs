//! Backup and restore: `pg_dump -Fc` of a database in use restores into a fresh one, every
//! tree exports to the identical document, and a logged-in session still works there.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, signed_up};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, PgPool};

fn url_for(database: &str) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    let (server, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    format!("{server}/{database}")
}

#[sqlx::test]
async fn a_dump_restores_to_identical_trees(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "backup@example.com").await;
    let mut trees = Vec::new();
    for (name, starter) in [
        ("Starter copy", "builtin:impact-tree"),
        ("Second", "builtin:opportunity-solution"),
    ] {
        let t = pm
            .call("create_tree", &[("name", name), ("template_id", starter)])
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        trees.push(t);
    }
    // Text that must survive byte for byte, and a cross-link.
    let detail = pm.call("get_tree", &[("tree_id", &trees[0].to_string())]).await.json();
    let nodes = detail["nodes"].as_array().unwrap();
    let first = nodes[0]["id"].as_str().unwrap().to_string();
    let added = pm
        .call_json(
            "add_node",
            json!({ "tree_id": trees[0], "parent_id": first, "node": { "node_type": "outcome",
                    "title": "Ünïcödé «quotes» \"and\" <tags> & emoji 🌳", "description": "two\nlines" } }),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let linked = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": trees[0], "from_node_id": added.json()["id"], "to_node_id": nodes[1]["id"] }),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    let mut before: Vec<Value> = Vec::new();
    for t in &trees {
        before.push(pm.call("export_tree", &[("tree_id", &t.to_string())]).await.json());
    }

    let source: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let restored = format!("{source}_restored");
    let dump = std::env::temp_dir().join(format!("{source}.dump"));
    let status = std::process::Command::new("pg_dump")
        .args(["-Fc", "--no-owner", "-f"])
        .arg(&dump)
        .arg(url_for(&source))
        .status()
        .expect("pg_dump runs (PostgreSQL client tools are installed)");
    assert!(status.success(), "pg_dump failed");

    let mut admin = PgConnection::connect(&url_for("postgres")).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{restored}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{restored}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let status = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "-d"])
        .arg(url_for(&restored))
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(status.success(), "pg_restore failed");
    let _ = std::fs::remove_file(&dump);

    // The same session cookie works against the restored database: sessions are in it too.
    let restored_pool = PgPool::connect(&url_for(&restored)).await.unwrap();
    let mut again = common::Client::new(common::app(restored_pool.clone()));
    again.cookie = pm.cookie.clone();
    for (t, expected) in trees.iter().zip(&before) {
        let answer = again.call("export_tree", &[("tree_id", &t.to_string())]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(&answer.json(), expected, "tree {t} is identical after restore");
    }
    restored_pool.close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{restored}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
}

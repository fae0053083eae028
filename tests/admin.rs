//! The admin commands (the seed's DataMigration) on a database the original app made.
#![cfg(feature = "ssr")]

use impact_tree::model::Limits;
use impact_tree::server::{admin, db::MIGRATOR};
use sqlx::PgPool;

async fn original_database(pool: &PgPool) {
    sqlx::raw_sql(include_str!("fixtures/original_app.sql"))
        .execute(pool)
        .await
        .unwrap();
    // Trees the original app stored only as JSONB.
    sqlx::raw_sql(
        r#"INSERT INTO impact_trees (user_id, name, nodes, connections, canvas_state) VALUES
             ('user_123', 'Legacy JSON tree',
              '[{"id":"root","type":"objective","title":"Win","position":{"x":0,"y":0}},
                {"id":"s","type":"solution","title":"Skip the rules","position":{"x":5,"y":90},"parentId":"root",
                 "templateData":{"status":"idea"}},
                {"id":"m","type":"metric","title":"Score","position":{"x":9,"y":90},"parentId":"root"}]',
              '[{"id":"c1","fromNodeId":"s","toNodeId":"m"}]',
              '{"zoom": 2, "pan": {"x": 5, "y": 1}}'),
             ('user_123', 'Unreadable legacy tree', '[{"id":"x","type":"objective"}]', '[]',
              '{"zoom": 1, "pan": {"x": 0, "y": 0}, "orientation": "vertical"}')"#,
    )
    .execute(pool)
    .await
    .unwrap();
    MIGRATOR.run(pool).await.unwrap();
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn migrate_nodes_moves_legacy_json_into_rows_once(pool: PgPool) {
    original_database(&pool).await;
    let limits = Limits::default();

    let dry = admin::migrate_nodes(&pool, &limits, true).await.unwrap();
    assert_eq!(dry.changed, 1, "{:?}", dry.lines);
    assert!(
        dry.lines
            .iter()
            .any(|l| l.contains("would migrate 3 nodes and 1 connections")),
        "{:?}",
        dry.lines
    );
    assert!(
        dry.lines
            .iter()
            .any(|l| l.contains("Unreadable legacy tree") && l.contains("skipped")),
        "{:?}",
        dry.lines
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tree_nodes WHERE tree_id = 2").await,
        0,
        "a dry run writes nothing"
    );

    let done = admin::migrate_nodes(&pool, &limits, false).await.unwrap();
    assert_eq!(done.changed, 1);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tree_nodes WHERE tree_id = 2").await,
        3
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM node_connections WHERE tree_id = 2").await,
        1
    );
    // Fresh UUIDs, the structure kept, the original app's free-form types kept.
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM tree_nodes WHERE tree_id = 2 AND id ~ '^[0-9a-f-]{36}$'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM tree_nodes c JOIN tree_nodes p ON p.id = c.parent_id
             WHERE c.tree_id = 2 AND p.title = 'Win' AND c.node_type = 'solution'"
        )
        .await,
        1
    );
    // The tree that already had rows was left alone; a second run changes nothing.
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tree_nodes WHERE tree_id = 1").await,
        4
    );
    let again = admin::migrate_nodes(&pool, &limits, false).await.unwrap();
    assert_eq!(again.changed, 0, "{:?}", again.lines);
}

#[sqlx::test(migrations = false)]
async fn cleanup_orphans_brings_stranded_nodes_back_as_roots(pool: PgPool) {
    original_database(&pool).await;
    // A cycle (x -> y -> x) with a child z under y: none reachable from a root.
    sqlx::raw_sql(
        "INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, sort_order) VALUES
           ('x', 1, NULL, 'outcome', 'X', 5), ('y', 1, 'x', 'outcome', 'Y', 0), ('z', 1, 'y', 'outcome', 'Z', 0);
         UPDATE tree_nodes SET parent_id = 'y', sort_order = 1 WHERE id = 'x';",
    )
    .execute(&pool)
    .await
    .unwrap();
    let reachable = "WITH RECURSIVE r AS (SELECT id FROM tree_nodes WHERE parent_id IS NULL
                       UNION ALL SELECT n.id FROM tree_nodes n JOIN r ON n.parent_id = r.id) SELECT count(*) FROM r";
    assert_eq!(count(&pool, reachable).await, 4);

    let dry = admin::cleanup_orphans(&pool, true).await.unwrap();
    assert!(
        dry.changed >= 1 && dry.lines.iter().any(|l| l.contains("would become a root")),
        "{:?}",
        dry.lines
    );
    assert_eq!(count(&pool, reachable).await, 4, "a dry run writes nothing");

    let done = admin::cleanup_orphans(&pool, false).await.unwrap();
    assert_eq!(done.changed, 1, "one node breaks the cycle: {:?}", done.lines);
    assert_eq!(count(&pool, reachable).await, 7, "every node is reachable again");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM tree_nodes c WHERE c.id = 'z' AND c.parent_id = 'y'"
        )
        .await,
        1
    );
    assert_eq!(admin::cleanup_orphans(&pool, false).await.unwrap().changed, 0);
}

#[sqlx::test(migrations = false)]
async fn upgrade_canvas_state_adds_the_orientation(pool: PgPool) {
    original_database(&pool).await;
    let dry = admin::upgrade_canvas_state(&pool, true).await.unwrap();
    assert_eq!(dry.changed, 1, "{:?}", dry.lines);
    let done = admin::upgrade_canvas_state(&pool, false).await.unwrap();
    assert_eq!(done.changed, 1);
    let state: serde_json::Value = sqlx::query_scalar("SELECT canvas_state FROM impact_trees WHERE id = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        state,
        serde_json::json!({ "zoom": 2.0, "pan": { "x": 5.0, "y": 1.0 }, "orientation": "vertical" })
    );
    assert_eq!(admin::upgrade_canvas_state(&pool, false).await.unwrap().changed, 0);
}

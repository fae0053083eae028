//! The admin commands (the seed's DataMigration) on a database the original app made.
#![cfg(feature = "ssr")]

use impact_tree::model::document::{outline_order, TreeDocument};
use impact_tree::model::{demo_data, type_rules, Limits};
use impact_tree::server::{admin, auth::password, db::MIGRATOR, repo};
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

#[sqlx::test]
async fn seed_demo_makes_accounts_with_valid_trees_once(pool: PgPool) {
    let limits = Limits::default();
    let options = admin::SeedOptions {
        users: 2,
        trees: 3,
        nodes: 250,
        seed: 7,
        email_prefix: "bench-test".into(),
    };
    let mut printed = Vec::new();
    let report = admin::seed_demo(&pool, &limits, &options, |line| printed.push(line.to_string()))
        .await
        .unwrap();
    assert_eq!(report.changed, 6, "{:?}", report.lines);
    assert_eq!(printed, report.lines, "every line is shown as it comes");
    assert!(
        report.lines.iter().any(|l| l.contains("trees 1-3 of 3: created 3")),
        "{:?}",
        report.lines
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM users WHERE email LIKE 'bench-test-%@impact-tree.test'"
        )
        .await,
        2
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM impact_trees").await, 6);
    assert_eq!(count(&pool, "SELECT count(*) FROM tree_nodes").await, 6 * 250);

    let mut seen_titles = Vec::new();
    for user in 1..=2 {
        let account = repo::users::find_by_email(&pool, &options.email(user))
            .await
            .unwrap()
            .expect("the account exists");
        assert!(
            password::verify(admin::SEED_PASSWORD.into(), account.password_hash.clone())
                .await
                .unwrap(),
            "the known password logs in"
        );
        let trees: Vec<(i32, String)> =
            sqlx::query_as("SELECT id, name FROM impact_trees WHERE user_id = $1 ORDER BY id")
                .bind(&account.id)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(trees.len(), 3);
        for (k, (tree_id, name)) in trees.iter().enumerate() {
            assert_eq!(name, &options.tree_name(user, k + 1));
            let detail = repo::trees::get_detail(&pool, &account.id, *tree_id).await.unwrap();
            assert_eq!(detail.nodes.len(), 250);
            assert!(!detail.connections.is_empty());
            // The stored tree passes every check an import makes, type rules included.
            let checked = TreeDocument::from_detail(&detail)
                .check(&limits)
                .unwrap_or_else(|p| panic!("{p:?}"));
            assert_eq!(checked.nodes.len(), 250);
            assert_eq!(checked.connections.len(), detail.connections.len());
            for node in &checked.nodes {
                let parent = node.parent.map(|p| checked.nodes[p].node_type);
                assert!(type_rules::is_allowed(parent, node.node_type));
            }
            let depth = outline_order(&detail).iter().map(|&(_, d)| d + 1).max().unwrap();
            assert!(
                (demo_data::MIN_DEPTH..=demo_data::MAX_DEPTH).contains(&depth),
                "{depth}"
            );
            // Siblings numbered 0..n-1 under every parent.
            let mut orders = std::collections::HashMap::<Option<String>, Vec<i32>>::new();
            for node in &detail.nodes {
                orders.entry(node.parent_id.clone()).or_default().push(node.sort_order);
            }
            for list in orders.values_mut() {
                list.sort_unstable();
                assert!(list.iter().copied().eq(0..list.len() as i32), "{list:?}");
            }
            // What is stored is what the generator makes for this seed.
            let generated = demo_data::generate(options.tree_seed(user, k + 1), 250, "");
            let mut stored: Vec<_> = detail
                .nodes
                .iter()
                .map(|n| (n.node_type, n.title.clone(), n.sort_order))
                .collect();
            let mut expected: Vec<_> = generated
                .document
                .nodes
                .iter()
                .map(|n| (n.node_type, n.title.clone(), n.sort_order))
                .collect();
            stored.sort_by(|a, b| (a.0.as_str(), &a.1, a.2).cmp(&(b.0.as_str(), &b.1, b.2)));
            expected.sort_by(|a, b| (a.0.as_str(), &a.1, a.2).cmp(&(b.0.as_str(), &b.1, b.2)));
            assert_eq!(stored, expected);
            seen_titles.push(name.clone());
        }
    }
    seen_titles.sort();
    seen_titles.dedup();
    assert_eq!(seen_titles.len(), 6, "every tree has a name of its own");

    // Running it again finds the accounts and the trees and adds nothing.
    let again = admin::seed_demo(&pool, &limits, &options, |_| {}).await.unwrap();
    assert_eq!(again.changed, 0, "{:?}", again.lines);
    assert!(
        again.lines.iter().any(|l| l.contains("already there")),
        "{:?}",
        again.lines
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM users WHERE email LIKE 'bench-test-%'").await,
        2
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM tree_nodes").await, 6 * 250);

    // One more tree per account with a larger budget only adds the new ones.
    let more = admin::SeedOptions { trees: 4, ..options };
    let report = admin::seed_demo(&pool, &limits, &more, |_| {}).await.unwrap();
    assert_eq!(report.changed, 2, "{:?}", report.lines);
    assert_eq!(count(&pool, "SELECT count(*) FROM tree_nodes").await, 8 * 250);
}

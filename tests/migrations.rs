//! The migrations create the seed's schema exactly, add ours, and upgrade a database that the
//! original app made.
#![cfg(feature = "ssr")]

use sqlx::PgPool;

/// (table, column, data_type, nullable, default contains)
const SEED_COLUMNS: &[(&str, &str, &str, bool, Option<&str>)] = &[
    ("impact_trees", "id", "integer", false, Some("nextval")),
    ("impact_trees", "user_id", "character varying", false, None),
    ("impact_trees", "name", "text", false, None),
    ("impact_trees", "description", "text", true, None),
    ("impact_trees", "nodes", "jsonb", false, Some("'[]'::jsonb")),
    ("impact_trees", "connections", "jsonb", false, Some("'[]'::jsonb")),
    (
        "impact_trees",
        "canvas_state",
        "jsonb",
        false,
        Some(r#"'{"pan": {"x": 0, "y": 0}, "zoom": 1, "orientation": "vertical"}'::jsonb"#),
    ),
    (
        "impact_trees",
        "discovery_phase",
        "text",
        true,
        Some("'strategy'::text"),
    ),
    ("impact_trees", "is_template", "boolean", true, Some("false")),
    (
        "impact_trees",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "impact_trees",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    ("tree_nodes", "id", "text", false, None),
    ("tree_nodes", "tree_id", "integer", false, None),
    ("tree_nodes", "parent_id", "text", true, None),
    ("tree_nodes", "node_type", "text", false, None),
    ("tree_nodes", "title", "text", false, None),
    ("tree_nodes", "description", "text", true, None),
    (
        "tree_nodes",
        "position",
        "jsonb",
        false,
        Some(r#"'{"x": 0, "y": 0}'::jsonb"#),
    ),
    ("tree_nodes", "is_collapsed", "boolean", true, Some("false")),
    ("tree_nodes", "template_data", "jsonb", true, Some("'{}'::jsonb")),
    ("tree_nodes", "metadata", "jsonb", true, Some("'{}'::jsonb")),
    (
        "tree_nodes",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    (
        "tree_nodes",
        "updated_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
    ("user_activities", "id", "integer", false, Some("nextval")),
    ("user_activities", "user_id", "character varying", false, None),
    ("user_activities", "tree_id", "integer", true, None),
    ("user_activities", "activity_type", "text", false, None),
    ("user_activities", "description", "text", true, None),
    ("user_activities", "session_id", "text", true, None),
    ("user_activities", "activity_data", "jsonb", true, Some("'{}'::jsonb")),
    ("user_activities", "user_agent", "text", true, None),
    ("user_activities", "ip_address", "text", true, None),
    (
        "user_activities",
        "created_at",
        "timestamp without time zone",
        false,
        Some("now()"),
    ),
];

/// (index, table, fragments its definition must contain)
const SEED_INDEXES: &[(&str, &str, &[&str])] = &[
    ("idx_trees_user", "impact_trees", &["(user_id)"]),
    ("idx_trees_name", "impact_trees", &["(name)"]),
    ("idx_trees_updated", "impact_trees", &["(updated_at DESC)"]),
    (
        "idx_trees_user_updated",
        "impact_trees",
        &["(user_id, updated_at DESC)"],
    ),
    ("idx_trees_user_name", "impact_trees", &["(user_id, name)"]),
    (
        "idx_trees_templates",
        "impact_trees",
        &["(user_id) WHERE (is_template = true)"],
    ),
    ("idx_trees_nodes", "impact_trees", &["USING gin (nodes)"]),
    ("idx_trees_connections", "impact_trees", &["USING gin (connections)"]),
    ("idx_trees_canvas_state", "impact_trees", &["USING gin (canvas_state)"]),
    ("idx_trees_node_count", "impact_trees", &["(jsonb_array_length(nodes))"]),
    ("idx_tree_nodes_tree_id", "tree_nodes", &["(tree_id)"]),
    ("idx_tree_nodes_parent_id", "tree_nodes", &["(parent_id)"]),
    ("idx_tree_nodes_type", "tree_nodes", &["(node_type)"]),
    (
        "idx_tree_nodes_template_data",
        "tree_nodes",
        &["USING gin (template_data)"],
    ),
    ("idx_tree_nodes_position", "tree_nodes", &["USING gin (\"position\")"]),
    ("idx_activities_user", "user_activities", &["(user_id)"]),
    ("idx_activities_tree", "user_activities", &["(tree_id)"]),
    ("idx_activities_type", "user_activities", &["(activity_type)"]),
    ("idx_activities_session", "user_activities", &["(session_id)"]),
    ("idx_activities_created", "user_activities", &["(created_at DESC)"]),
];

/// Foreign keys that must cascade on delete: (constraint, table).
const CASCADING_FKS: &[(&str, &str)] = &[
    ("tree_nodes_tree_id_impact_trees_id_fk", "tree_nodes"),
    ("tree_nodes_parent_id_tree_nodes_id_fk", "tree_nodes"),
    ("user_activities_tree_id_impact_trees_id_fk", "user_activities"),
    ("impact_trees_user_id_users_id_fk", "impact_trees"),
    ("node_connections_from_fk", "node_connections"),
    ("node_connections_to_fk", "node_connections"),
    ("tree_nodes_parent_same_tree_fk", "tree_nodes"),
];

async fn assert_seed_schema(pool: &PgPool) {
    for (table, column, data_type, nullable, default) in SEED_COLUMNS {
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT data_type, is_nullable, column_default FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_optional(pool)
        .await
        .unwrap();
        let (actual_type, is_nullable, actual_default) =
            row.unwrap_or_else(|| panic!("column {table}.{column} is missing"));
        assert_eq!(&actual_type, data_type, "type of {table}.{column}");
        assert_eq!(is_nullable == "YES", *nullable, "nullability of {table}.{column}");
        if let Some(expected) = default {
            let actual = actual_default.unwrap_or_default();
            assert!(
                actual.contains(expected),
                "default of {table}.{column}: {actual} lacks {expected}"
            );
        }
    }
    let varchar_len: i32 = sqlx::query_scalar(
        "SELECT character_maximum_length FROM information_schema.columns
         WHERE table_name = 'impact_trees' AND column_name = 'user_id'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(varchar_len, 255);

    for (index, table, fragments) in SEED_INDEXES {
        let def: Option<(String, String)> = sqlx::query_as(
            "SELECT tablename::text, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1",
        )
        .bind(index)
        .fetch_optional(pool)
        .await
        .unwrap();
        let (actual_table, def) = def.unwrap_or_else(|| panic!("index {index} is missing"));
        assert_eq!(&actual_table, table, "table of {index}");
        for fragment in *fragments {
            assert!(def.contains(fragment), "index {index}: {def} lacks {fragment}");
        }
    }

    for (constraint, table) in CASCADING_FKS {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT conrelid::regclass::text, confdeltype::text FROM pg_constraint WHERE conname = $1 AND contype = 'f'",
        )
        .bind(constraint)
        .fetch_optional(pool)
        .await
        .unwrap();
        let (actual_table, on_delete) = row.unwrap_or_else(|| panic!("foreign key {constraint} is missing"));
        assert_eq!(&actual_table, table);
        assert_eq!(on_delete, "c", "{constraint} must cascade");
    }
}

#[sqlx::test]
async fn migrations_create_every_seed_table_column_and_index(pool: PgPool) {
    assert_seed_schema(&pool).await;
}

#[sqlx::test]
async fn migrations_add_what_the_product_needs(pool: PgPool) {
    for (table, column) in [
        ("impact_trees", "version"),
        ("tree_nodes", "version"),
        ("tree_nodes", "sort_order"),
        ("users", "email"),
        ("users", "password_hash"),
        ("node_connections", "from_node_id"),
        ("share_links", "token_hash"),
        ("share_links", "revoked_at"),
    ] {
        let found: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
        )
        .bind(table)
        .bind(column)
        .fetch_optional(&pool)
        .await
        .unwrap();
        assert!(found.is_some(), "{table}.{column} is missing");
    }
    let sessions: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'tower_sessions' AND table_name = 'session'",
    )
    .fetch_optional(&pool)
    .await
    .unwrap();
    assert!(sessions.is_some(), "session storage is missing");
}

async fn insert_user(pool: &PgPool, email: &str) -> String {
    sqlx::query_scalar("INSERT INTO users (email, display_name) VALUES ($1, 'Test') RETURNING id")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn insert_tree(pool: &PgPool, user: &str) -> i32 {
    sqlx::query_scalar("INSERT INTO impact_trees (user_id, name) VALUES ($1, 'T') RETURNING id")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn insert_node(pool: &PgPool, tree: i32, id: &str, parent: Option<&str>, order: i32) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, sort_order) VALUES ($1, $2, $3, 'outcome', $1, $4)")
        .bind(id)
        .bind(tree)
        .bind(parent)
        .bind(order)
        .execute(pool)
        .await
        .map(|_| ())
}

fn constraint_of(err: sqlx::Error) -> String {
    err.as_database_error()
        .and_then(|e| e.constraint())
        .unwrap_or("")
        .to_string()
}

#[sqlx::test]
async fn the_schema_guards_the_tree_structure(pool: PgPool) {
    let user = insert_user(&pool, "a@example.com").await;
    let tree = insert_tree(&pool, &user).await;
    let other_tree = insert_tree(&pool, &user).await;
    insert_node(&pool, tree, "root", None, 0).await.unwrap();
    insert_node(&pool, tree, "child", Some("root"), 0).await.unwrap();

    // A parent in another tree is refused.
    let err = insert_node(&pool, other_tree, "stray", Some("root"), 0)
        .await
        .unwrap_err();
    assert_eq!(constraint_of(err), "tree_nodes_parent_same_tree_fk");
    // Two siblings cannot share a position (checked at commit: the constraint is deferred).
    let err = insert_node(&pool, tree, "twin", Some("root"), 0).await.unwrap_err();
    assert_eq!(constraint_of(err), "tree_nodes_sibling_order_key");
    // Emails are unique whatever their case.
    let err = sqlx::query("INSERT INTO users (email, display_name) VALUES ('A@Example.com', 'X')")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(constraint_of(err), "users_email_key");

    // Connections: no self-links, no duplicates, gone with their nodes.
    let link = "INSERT INTO node_connections (tree_id, from_node_id, to_node_id) VALUES ($1, $2, $3)";
    let err = sqlx::query(link)
        .bind(tree)
        .bind("root")
        .bind("root")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(constraint_of(err), "node_connections_no_self_link");
    sqlx::query(link)
        .bind(tree)
        .bind("root")
        .bind("child")
        .execute(&pool)
        .await
        .unwrap();
    let err = sqlx::query(link)
        .bind(tree)
        .bind("root")
        .bind("child")
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(constraint_of(err), "node_connections_unique");
    sqlx::query("DELETE FROM tree_nodes WHERE id = 'child'")
        .execute(&pool)
        .await
        .unwrap();
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM node_connections")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(links, 0);

    // Deleting the user takes their trees, nodes and share links along.
    sqlx::query("INSERT INTO share_links (tree_id, token_hash, created_by) VALUES ($1, sha256('t'), $2)")
        .bind(tree)
        .bind(&user)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(&user)
        .execute(&pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM impact_trees) + (SELECT count(*) FROM tree_nodes) + (SELECT count(*) FROM share_links)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test]
async fn updated_at_follows_edits_but_not_viewport_saves(pool: PgPool) {
    let user = insert_user(&pool, "b@example.com").await;
    let tree = insert_tree(&pool, &user).await;
    sqlx::query("UPDATE impact_trees SET updated_at = '2020-01-01' WHERE id = $1")
        .bind(tree)
        .execute(&pool)
        .await
        .unwrap();

    sqlx::query(r#"UPDATE impact_trees SET canvas_state = '{"zoom": 2, "pan": {"x": 5, "y": 5}, "orientation": "horizontal"}' WHERE id = $1"#)
        .bind(tree)
        .execute(&pool)
        .await
        .unwrap();
    let year: f64 = sqlx::query_scalar("SELECT extract(year FROM updated_at)::float8 FROM impact_trees WHERE id = $1")
        .bind(tree)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(year, 2020.0, "a viewport save must not count as an edit");

    sqlx::query("UPDATE impact_trees SET name = 'Renamed' WHERE id = $1")
        .bind(tree)
        .execute(&pool)
        .await
        .unwrap();
    let recent: bool = sqlx::query_scalar(
        "SELECT updated_at > now()::timestamp - interval '1 minute' FROM impact_trees WHERE id = $1",
    )
    .bind(tree)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(recent, "a rename must bump updated_at");
}

/// The badge columns a share page reads follow the node's type and template data on every
/// write: only the fields of its own type, as text.
#[sqlx::test]
async fn badge_columns_follow_the_nodes_template_data(pool: PgPool) {
    let user = insert_user(&pool, "badges@example.com").await;
    let tree = insert_tree(&pool, &user).await;
    insert_node(&pool, tree, "n1", None, 0).await.unwrap();
    let badges = || async {
        sqlx::query_as::<_, (Option<String>, Option<String>, Option<String>, Option<String>)>(
            "SELECT badge_unit, badge_current, badge_target, badge FROM tree_nodes WHERE id = 'n1'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert_eq!(badges().await, (None, None, None, None));
    let set = |node_type: &'static str, data: &'static str| {
        sqlx::query("UPDATE tree_nodes SET node_type = $1, template_data = $2::jsonb WHERE id = 'n1'")
            .bind(node_type)
            .bind(data)
            .execute(&pool)
    };
    set(
        "metric",
        r#"{"unit": "%", "current": 2.5, "target": 5, "status": "done"}"#,
    )
    .await
    .unwrap();
    let text = |s: &str| Some(s.to_string());
    assert_eq!(badges().await, (text("%"), text("2.5"), text("5"), None));
    set("opportunity", r#"{"unit": "%", "evidence_count": 4}"#)
        .await
        .unwrap();
    assert_eq!(badges().await, (None, None, None, text("4")));
    set("solution", r#"{"status": "in_progress"}"#).await.unwrap();
    assert_eq!(badges().await, (None, None, None, text("in_progress")));
    set("assumption", r#"{"risk": "high", "status": "x"}"#).await.unwrap();
    assert_eq!(badges().await, (None, None, None, text("high")));
    set("research", r#"{"risk": "high"}"#).await.unwrap();
    assert_eq!(badges().await, (None, None, None, None));
}

#[sqlx::test(migrations = false)]
async fn a_database_made_by_the_original_app_upgrades_cleanly(pool: PgPool) {
    sqlx::raw_sql(include_str!("fixtures/original_app.sql"))
        .execute(&pool)
        .await
        .unwrap();

    impact_tree::server::db::MIGRATOR
        .run(&pool)
        .await
        .expect("migrations apply over the original schema");
    assert_seed_schema(&pool).await;

    // Data is intact, the legacy user ids became accounts that cannot log in.
    let (name, nodes): (String, i64) =
        sqlx::query_as("SELECT name, jsonb_array_length(nodes)::int8 FROM impact_trees WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), nodes), ("Grow retention", 1));
    let users: Vec<(String, Option<String>)> = sqlx::query_as("SELECT id, password_hash FROM users ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        users,
        vec![("current_user_id".to_string(), None), ("user_123".to_string(), None)]
    );

    // Existing nodes got their sibling order from creation time, and version 1.
    let order: Vec<(String, i32, i64)> = sqlx::query_as("SELECT id, sort_order, version FROM tree_nodes ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        order,
        vec![
            ("n1".to_string(), 0, 1),
            ("n2".to_string(), 0, 1),
            ("n3".to_string(), 1, 1),
            ("n4".to_string(), 0, 1),
        ]
    );

    // Running them again changes nothing and fails nothing.
    impact_tree::server::db::MIGRATOR.run(&pool).await.unwrap();
}

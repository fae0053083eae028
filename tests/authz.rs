//! The authorization matrix. It lists every server function; the test fails when one is
//! added without a decision here, and for every function that takes ids it calls it as
//! user B with user A's ids and expects NotFound with A's data unchanged.
#![cfg(feature = "ssr")]

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{app, signed_up, Client};
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Access {
    /// Open to anyone; touches no stored user data, or only the caller's own session.
    Public,
    /// Needs a logged-in user and acts on that user's own data only; takes no ids.
    OwnData,
}

const MATRIX: &[(&str, Access)] = &[
    ("/api/db_status", Access::Public),
    ("/api/current_user", Access::Public),
    ("/api/take_flash", Access::Public),
    ("/api/sign_up", Access::Public),
    ("/api/log_in", Access::Public),
    ("/api/log_out", Access::Public),
    ("/api/change_password", Access::OwnData),
    ("/api/list_trees", Access::OwnData),
];

/// Ids in other users' hands: each case is (path, form fields with A's ids). Empty while no
/// server function takes an id.
fn id_cases(_tree_of_a: i32) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    Vec::new()
}

fn registered_paths() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _method)| path.to_string())
        .collect()
}

/// Finds the argument names of a server function by posting an empty form and filling in
/// each field the decoder reports missing, so the check needs no list kept by hand.
async fn argument_names(client: &mut Client, path: &str) -> Vec<String> {
    let endpoint = path.trim_start_matches("/api/");
    let mut fields: Vec<(String, String)> = Vec::new();
    for _ in 0..12 {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = client.call(endpoint, &pairs).await;
        let Some(missing) = answer
            .body
            .split("missing field `")
            .nth(1)
            .and_then(|s| s.split('`').next())
        else {
            break;
        };
        fields.push((missing.to_string(), "1".to_string()));
    }
    fields.into_iter().map(|(k, _)| k).collect()
}

fn is_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || name.ends_with("_ids") || name == "ids"
}

#[sqlx::test]
async fn every_server_function_has_a_decision(pool: PgPool) {
    let registered = registered_paths();
    let listed: BTreeSet<String> = MATRIX.iter().map(|(p, _)| p.to_string()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "server functions without an entry in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "matrix entries for server functions that no longer exist: {stale:?}"
    );

    // Every function that takes an id has cases.
    let app = app(pool);
    let (mut client, _) = signed_up(&app, "probe@example.com").await;
    let with_cases: BTreeSet<&str> = id_cases(0).iter().map(|(p, _)| *p).collect();
    for path in &registered {
        let args = argument_names(&mut client, path).await;
        if args.iter().any(|a| is_id(a)) {
            assert!(
                with_cases.contains(path.as_str()),
                "{path} takes ids {args:?} but has no cross-user case"
            );
        }
    }
}

#[sqlx::test]
async fn own_data_functions_refuse_anonymous_callers(pool: PgPool) {
    let app = app(pool);
    let mut anonymous = Client::new(app);
    for (path, access) in MATRIX {
        if *access == Access::OwnData {
            let args = argument_names(&mut anonymous, path).await;
            let fields: Vec<(&str, &str)> = args.iter().map(|a| (a.as_str(), "1")).collect();
            let answer = anonymous.call(path.trim_start_matches("/api/"), &fields).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}: {}", answer.body);
            assert_eq!(answer.json()["kind"], "unauthorized");
        }
    }
}

#[sqlx::test]
async fn user_b_cannot_reach_user_a_data(pool: PgPool) {
    let app = app(pool.clone());
    let (_a, a_id) = signed_up(&app, "a@example.com").await;
    let (mut b, _) = signed_up(&app, "b@example.com").await;
    let tree: i32 =
        sqlx::query_scalar("INSERT INTO impact_trees (user_id, name) VALUES ($1, 'A''s secret plan') RETURNING id")
            .bind(&a_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let snapshot = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT coalesce(string_agg(t::text, '|' ORDER BY t.id), '') FROM impact_trees t WHERE user_id = $1",
        )
        .bind(&a_id)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = snapshot().await;

    let listed = b.call("list_trees", &[]).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains("secret plan"), "{}", listed.body);

    for (path, fields) in id_cases(tree) {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = b.call(path.trim_start_matches("/api/"), &pairs).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}: {}", answer.body);
        assert_eq!(answer.json()["kind"], "not_found", "{path}");
    }
    assert_eq!(snapshot().await, before, "user A's data is unchanged");
}

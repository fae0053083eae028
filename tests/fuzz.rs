//! Bad input through the whole router: random bodies, encodings and content types at every
//! server function, logged in and not, must never panic or answer 5xx; deep JSON and wrong
//! content types get clean 4xx answers.
#![cfg(feature = "ssr")]

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{app, signed_up, Client};
use sqlx::PgPool;

/// splitmix64: small, seedable, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &[
    "tree_id",
    "node_id",
    "version",
    "name",
    "title",
    "node",
    "parent_id",
    "position",
    "changes",
    "document",
    "token",
    "link_id",
    "template_id",
    "state",
    "email",
    "password",
    "text",
    "subtree",
    "connection_id",
    "from_node_id",
    "to_node_id",
    "description",
    "discovery_phase",
    "is_template",
    "before",
    "limit",
];

fn value(rng: &mut Rng, depth: usize) -> serde_json::Value {
    use serde_json::{json, Value};
    match rng.below(if depth > 3 { 7 } else { 10 }) {
        0 => Value::Null,
        1 => json!(rng.next() as i64),
        2 => json!(-1),
        3 => json!(1.5e300),
        4 => json!(*rng.pick(&[
            "",
            "0",
            "-1",
            "00000000-0000-0000-0000-000000000000",
            "<script>",
            "’ü\u{0}",
            "9999999999999999999"
        ])),
        5 => json!(true),
        6 => json!("x".repeat(rng.below(3000))),
        7 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => {
            let mut map = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                map.insert(rng.pick(NAMES).to_string(), value(rng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

/// Every argument name with a plausible value, one of them replaced by noise: gets past the
/// decoder into the functions.
fn plausible(rng: &mut Rng) -> serde_json::Value {
    use serde_json::json;
    let mut doc = json!({
        "tree_id": rng.below(4), "node_id": "00000000-0000-4000-8000-000000000001", "version": 1,
        "name": "Fuzzed", "title": "t", "parent_id": null, "position": rng.below(3),
        "node": { "node_type": *rng.pick(&["objective", "outcome", "metric", "bogus"]), "title": "Fuzzed node" },
        "changes": [], "document": { "name": "Fuzzed", "nodes": [] }, "token": "0".repeat(64),
        "link_id": "00000000-0000-4000-8000-000000000002", "template_id": null,
        "state": { "zoom": 1, "pan": { "x": 0, "y": 0 }, "orientation": "vertical" },
        "text": "# Fuzzed\n- **Objective:** A", "subtree": { "nodes": [], "connections": [] },
        "connection_id": "00000000-0000-4000-8000-000000000003", "from_node_id": "a", "to_node_id": "b",
        "description": null, "discovery_phase": "strategy", "is_template": false, "before": null, "limit": 5,
        "current_password": "x", "new_password": "y", "email": "fuzz@example.com", "password": "p", "display_name": "F"
    });
    let key = rng.pick(NAMES).to_string();
    doc[key] = value(rng, 2);
    doc
}

/// Functions that take JSON bodies; the rest take forms.
const JSON_FNS: &[&str] = &[
    "/api/add_node",
    "/api/update_node",
    "/api/move_node",
    "/api/delete_node",
    "/api/restore_nodes",
    "/api/add_connection",
    "/api/remove_connection",
    "/api/bulk_update_nodes",
    "/api/save_canvas_state",
    "/api/import_tree",
];

fn body(rng: &mut Rng, path: &str) -> (Option<&'static str>, Vec<u8>) {
    let json_fn = JSON_FNS.contains(&path);
    match rng.below(9) {
        6..=8 if json_fn => (Some("application/json"), serde_json::to_vec(&plausible(rng)).unwrap()),
        6..=8 => {
            // The same as a form: only the plain values (most functions take forms).
            let doc = plausible(rng);
            let pairs: Vec<String> = doc
                .as_object()
                .unwrap()
                .iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some(format!("{k}={}", urlencode(s))),
                    serde_json::Value::Number(n) => Some(format!("{k}={n}")),
                    serde_json::Value::Bool(b) => Some(format!("{k}={b}")),
                    _ => None,
                })
                .collect();
            (Some("application/x-www-form-urlencoded"), pairs.join("&").into_bytes())
        }
        0 => (Some("application/json"), serde_json::to_vec(&value(rng, 0)).unwrap()),
        1 => {
            let pairs: Vec<String> = (0..rng.below(6))
                .map(|_| {
                    let v = value(rng, 3).to_string();
                    format!("{}={}", rng.pick(NAMES), urlencode(v.trim_matches('"')))
                })
                .collect();
            (Some("application/x-www-form-urlencoded"), pairs.join("&").into_bytes())
        }
        2 => (
            Some(*rng.pick(&[
                "text/plain",
                "application/xml",
                "multipart/form-data",
                "application/cbor",
                "foo/bar; x=1",
            ])),
            b"tree_id=1&{\"a\":1}".to_vec(),
        ),
        3 => (None, (0..rng.below(200)).map(|_| rng.next() as u8).collect()),
        4 => (Some("application/json"), b"{\"tree_id\": 1, ".to_vec()),
        _ => (
            Some("application/x-www-form-urlencoded"),
            vec![0xff, 0xfe, b'=', 0x80, b'&', b'%', b'Z'],
        ),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[sqlx::test]
async fn random_bodies_never_panic_or_answer_5xx(pool: PgPool) {
    let app = app(pool);
    let (mut logged_in, _) = signed_up(&app, "fuzz@example.com").await;
    logged_in.call("create_tree", &[("name", "Fuzz target")]).await;
    let mut anonymous = Client::new(app.clone());
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        // Signing up and logging in are rate limited per address; they are covered below too,
        // but a flood of them would only measure the limiter.
        .collect();
    let mut rng = Rng(0x1234_5678);
    let started = Instant::now();
    let mut cases = 0;
    let mut seen = std::collections::BTreeMap::<u16, usize>::new();
    while cases < 3000 && started.elapsed() < Duration::from_secs(40) {
        let path = rng.pick(&paths).clone();
        let (content_type, bytes) = body(&mut rng, &path);
        let client = if rng.below(2) == 0 {
            &mut logged_in
        } else {
            &mut anonymous
        };
        let mut request = client.request("POST", &path);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        if rng.below(4) == 0 {
            request = request.header("accept", "text/html");
        }
        let sent = String::from_utf8_lossy(&bytes).chars().take(200).collect::<String>();
        let answer = client.send(request.body(Body::from(bytes)).unwrap()).await;
        assert!(
            !answer.status.is_server_error(),
            "{path} with {content_type:?} {sent:?} answered {}: {}",
            answer.status,
            answer.body
        );
        *seen.entry(answer.status.as_u16()).or_default() += 1;
        cases += 1;
    }
    assert!(cases >= 500, "only {cases} cases ran");
    // The cases reach past the door: some are decoded and answered by the functions themselves.
    let handled: usize = [200, 401, 404, 409, 422, 429].iter().filter_map(|s| seen.get(s)).sum();
    assert!(handled > cases / 5, "too few cases reached a function: {seen:?}");
    eprintln!("statuses of {cases} cases: {seen:?}");
}

#[sqlx::test]
async fn deep_json_and_wrong_content_types_are_client_errors(pool: PgPool) {
    let app = app(pool);
    let (mut client, _) = signed_up(&app, "deep@example.com").await;
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let body = format!("{{\"document\": {{\"name\": \"x\", \"nodes\": {deep}}}}}");
    let request = client
        .request("POST", "/api/import_tree")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let answer = client.send(request).await;
    assert!(answer.status.is_client_error(), "{}: {}", answer.status, answer.body);

    let request: Request<Body> = client
        .request("POST", "/api/add_node")
        .header("content-type", "text/plain")
        .body(Body::from("tree_id=1"))
        .unwrap();
    let answer = client.send(request).await;
    assert!(
        matches!(
            answer.status,
            StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE
        ),
        "{}: {}",
        answer.status,
        answer.body
    );
}

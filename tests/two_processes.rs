//! Two server processes on different ports against one database behave as one app: both
//! migrate at start without doubling anything, a session made on one is valid on the other,
//! and an edit through one is seen through the other.
#![cfg(all(feature = "ssr", unix))]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{database_url, free_port, wait_until_answers};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ORIGIN: &str = "http://trees.example.test";

/// One process as it would run behind a load balancer: the same public origin for both.
fn start(pool: &PgPool, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_impact-tree"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", database_url(pool))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_ENV", "production")
        .env("IMPACT_TREE_PUBLIC_ORIGIN", ORIGIN)
        .env("IMPACT_TREE_COOKIE_SECURE", "false")
        .env("IMPACT_TREE_DB_MIN_CONNECTIONS", "1")
        .env("IMPACT_TREE_DB_MAX_CONNECTIONS", "4")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary starts")
}

/// Stops the server when the test ends, also when an assertion fails first.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: String,
}

/// A minimal HTTP/1.1 exchange (Connection: close), enough for server-function calls.
async fn http(port: u16, path: &str, content_type: &str, body: &str, cookie: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\nContent-Type: {content_type}\r\n\
         Accept: application/json\r\n{cookie}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let lower = head.to_ascii_lowercase();
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .map(|l| {
            l.split_once(':')
                .unwrap()
                .1
                .trim()
                .split(';')
                .next()
                .unwrap()
                .to_string()
        });
    let body = if lower.contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    Reply { status, cookie, body }
}

#[sqlx::test(migrations = false)]
async fn two_processes_share_migrations_sessions_and_edits(pool: PgPool) {
    // Both start at once on an empty database: each runs the migrations, one at a time.
    let (pa, pb) = (free_port(), free_port());
    let _a = Server(start(&pool, pa));
    let _b = Server(start(&pool, pb));
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

//! The server binary shuts down gracefully: an in-flight request completes after SIGTERM, the
//! process exits 0 and closes its pool.
#![cfg(all(feature = "ssr", unix))]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{database_url, free_port, wait_until_answers};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn start_server(pool: &PgPool, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_impact-tree"))
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", database_url(pool))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("IMPACT_TREE_DB_MIN_CONNECTIONS", "1")
        .env("IMPACT_TREE_DB_MAX_CONNECTIONS", "4")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server binary starts")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

async fn in_flight_request_survives(signal_name: &str, pool: &PgPool) {
    let port = free_port();
    let mut child = start_server(pool, port);
    wait_until_answers(port, "/healthz").await;

    // Start a server-function call whose body is still arriving when the signal comes.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/db_status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    signal(&child, signal_name);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The server stopped accepting, but this request is served to the end.
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "in-flight request after {signal_name}: {answer}"
    );
    assert!(answer.contains("schema_version"), "{answer}");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server did not exit within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status after {signal_name}: {status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut logs).unwrap();
    assert!(logs.contains("database pool closed"), "{logs}");
}

#[sqlx::test]
async fn sigterm_lets_in_flight_requests_finish(pool: PgPool) {
    in_flight_request_survives("TERM", &pool).await;
}

#[sqlx::test]
async fn sigint_lets_in_flight_requests_finish(pool: PgPool) {
    in_flight_request_survives("INT", &pool).await;
}

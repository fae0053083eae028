//! Helpers for tests that run the real server binary and talk to it over loopback.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The URL of the test's own database (sqlx::test makes one per test).
pub fn database_url(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let db = pool
        .connect_options()
        .get_database()
        .expect("test database name")
        .to_string();
    let (server, _) = base.rsplit_once('/').expect("a database URL");
    format!("{server}/{db}")
}

/// The server binary under test: cargo's debug build, or the one named by
/// `IMPACT_TREE_SERVER_BIN` (scripts/reliability.sh points it at the release build so the
/// figures it records are the deployed binary's).
pub fn server_binary() -> String {
    std::env::var("IMPACT_TREE_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_impact-tree").to_string())
}

/// A running `impact-tree serve`, stopped with SIGTERM when dropped (also when an assertion
/// failed first).
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Starts the server on `port` against `database_url`, with extra environment settings.
    pub fn start(database_url: &str, port: u16, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(server_binary());
        command
            .arg("serve")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("IMPACT_TREE_DB_MIN_CONNECTIONS", "1")
            .env("IMPACT_TREE_DB_MAX_CONNECTIONS", "4")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the server binary starts");
        Server { child, port }
    }

    /// Starts the server as deployed (production settings) behind `origin`, over plain http
    /// on loopback (so cookies without Secure), with extra environment settings.
    pub fn start_production(database_url: &str, port: u16, origin: &str, env: &[(&str, &str)]) -> Server {
        let mut all = vec![
            ("LEPTOS_ENV", "production"),
            ("IMPACT_TREE_PUBLIC_ORIGIN", origin),
            ("IMPACT_TREE_COOKIE_SECURE", "false"),
        ];
        all.extend_from_slice(env);
        Server::start(database_url, port, &all)
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Still running (not crashed, not exited)?
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process's resident memory (Linux), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// Waits for the process to exit, at most `limit`; its exit status, or None on time-out.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.is_running() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `GET path` on the port answers 200.
pub async fn wait_until_answers(port: u16, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(reply) = get(port, path).await {
            if reply.status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer {path} on port {port}");
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
}

/// `GET path` with `Connection: close`.
pub async fn get(port: u16, path: &str) -> std::io::Result<Reply> {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// `GET path` as a signed-in browser asks for a page: with the session `cookie`.
pub async fn get_as(port: u16, path: &str, cookie: &str) -> std::io::Result<Reply> {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// A server-function call as the hydrated app makes it: POST with our `origin`, the session
/// `cookie`, `Connection: close`. An `Err` is a connection that failed (refused, reset).
pub async fn post(
    port: u16,
    origin: &str,
    path: &str,
    content_type: &str,
    body: &str,
    cookie: Option<&str>,
) -> std::io::Result<Reply> {
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\nContent-Type: {content_type}\r\n\
         Accept: application/json\r\n{cookie}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    exchange(port, &request).await
}

async fn exchange(port: u16, request: &str) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_reply(&raw)
}

/// Parses a whole HTTP/1.1 response (the connection closed after it).
pub fn parse_reply(raw: &[u8]) -> std::io::Result<Reply> {
    let broken = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let raw = String::from_utf8_lossy(raw).to_string();
    let (head, rest) = raw.split_once("\r\n\r\n").ok_or_else(|| broken("no response head"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken("no status"))?;
    let lower = head.to_ascii_lowercase();
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().split(';').next().unwrap_or_default().to_string());
    let body = if lower.contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = rest;
        loop {
            // A body that stops before its last (empty) chunk was cut short.
            let (size, tail) = rest.split_once("\r\n").ok_or_else(|| broken("no last chunk"))?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(|_| broken("bad chunk size"))?;
            if n == 0 {
                break;
            }
            if tail.len() < n + 2 {
                return Err(broken("truncated chunk"));
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        rest.to_string()
    };
    Ok(Reply { status, cookie, body })
}

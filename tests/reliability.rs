//! Reliability of the real server binary under load and faults, over loopback: database
//! connections killed and the database made unreachable while reads and writes run, SIGTERM
//! during in-flight requests, oversized bodies, and the lost-update and opposite-move races
//! under load. After each: the server still runs, every acknowledged write is in the database,
//! and every tree is sound.
//!
//! Each scenario also writes its figures to `target/tmp/reliability/`, from which
//! `scripts/reliability.sh` rewrites the table in RELIABILITY.md. The PostgreSQL restart
//! scenario is `#[ignore]`d here: it stops the whole server, so that script runs it alone.
#![cfg(all(feature = "ssr", target_os = "linux"))]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::{database_url, free_port, get, post, wait_until_answers, Reply, Server};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ORIGIN: &str = "http://reliability.test";
/// Requests slower than this count as failed (the pool's acquire timeout is 3 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The bar: requests succeed again within 5 s of the database returning.
const RECOVERY_LIMIT: Duration = Duration::from_secs(5);

fn start_server(pool: &PgPool) -> Server {
    let port = free_port();
    Server::start_production(
        &database_url(pool),
        port,
        ORIGIN,
        // The seed's pool shape, smaller: the load must queue for connections.
        &[
            ("IMPACT_TREE_DB_MIN_CONNECTIONS", "2"),
            ("IMPACT_TREE_DB_MAX_CONNECTIONS", "8"),
        ],
    )
}

/// A logged-in caller of the server's functions.
#[derive(Clone)]
struct Caller {
    port: u16,
    cookie: String,
}

impl Caller {
    async fn sign_up(port: u16, email: &str) -> Caller {
        let form = format!(
            "email={}&display_name=Load&password=tidy-impact-tree-42",
            email.replace('@', "%40")
        );
        let reply = post(port, ORIGIN, "/api/sign_up", FORM, &form, None).await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        Caller {
            port,
            cookie: reply.cookie.expect("a session cookie"),
        }
    }

    async fn send(&self, endpoint: &str, content_type: &str, body: &str) -> Result<Reply, String> {
        let path = format!("/api/{endpoint}");
        let call = post(self.port, ORIGIN, &path, content_type, body, Some(&self.cookie));
        match tokio::time::timeout(REQUEST_TIMEOUT, call).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(err)) => Err(format!("{endpoint}: {err}")),
            Err(_) => Err(format!("{endpoint}: no answer within {REQUEST_TIMEOUT:?}")),
        }
    }

    async fn json(&self, endpoint: &str, body: Value) -> Result<Reply, String> {
        self.send(endpoint, "application/json", &body.to_string()).await
    }

    async fn form(&self, endpoint: &str, body: &str) -> Result<Reply, String> {
        self.send(endpoint, FORM, body).await
    }

    async fn create_tree(&self, name: &str) -> i64 {
        let reply = self.form("create_tree", &format!("name={name}")).await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["id"].as_i64().unwrap()
    }

    async fn add(&self, tree: i64, parent: Option<&str>, kind: &str, title: &str) -> Result<Reply, String> {
        self.json(
            "add_node",
            json!({ "tree_id": tree, "parent_id": parent, "node": { "node_type": kind, "title": title } }),
        )
        .await
    }

    async fn add_ok(&self, tree: i64, parent: Option<&str>, kind: &str, title: &str) -> Value {
        let reply = self.add(tree, parent, kind, title).await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    async fn rename(&self, tree: i64, node: &str, version: i64, kind: &str, title: &str) -> Result<Reply, String> {
        self.json(
            "update_node",
            json!({ "tree_id": tree, "node_id": node, "version": version,
                    "node": { "node_type": kind, "title": title } }),
        )
        .await
    }

    async fn move_under(&self, tree: i64, node: &Value, parent: &str) -> Result<Reply, String> {
        self.json(
            "move_node",
            json!({ "tree_id": tree, "node_id": node["id"], "version": node["version"], "new_parent_id": parent }),
        )
        .await
    }

    async fn tree(&self, tree: i64) -> Result<Reply, String> {
        self.form("get_tree", &format!("tree_id={tree}")).await
    }

    async fn tree_ok(&self, tree: i64) -> Value {
        let reply = self.tree(tree).await.unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

fn node_in(detail: &Value, title: &str) -> Value {
    detail["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == title)
        .unwrap_or_else(|| panic!("no node {title}"))
        .clone()
}

// --- The load ---------------------------------------------------------------------------

/// One request's outcome, as the load saw it.
#[derive(Clone, Copy, Debug)]
struct Event {
    at: Duration,
    worker: usize,
    write: bool,
    /// A 2xx answer.
    ok: bool,
    /// A 5xx answer (a refused or reset connection is neither ok nor 5xx).
    server_error: bool,
}

/// What the server acknowledged (answered 200 to): these must all be in the database.
#[derive(Default)]
struct Ledger {
    /// Added nodes: id → tree.
    added: HashMap<String, i64>,
    /// The last acknowledged content write of each node: (version, title).
    written: HashMap<String, (i64, String)>,
}

struct Load {
    started: Instant,
    stop: Arc<AtomicBool>,
    events: Arc<Mutex<Vec<Event>>>,
    ledger: Arc<Mutex<Ledger>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    trees: Vec<i64>,
}

/// Starts `workers` clients, each on a tree of its own, looping without pause over: add a
/// node, add a node, rename one of its nodes (version-checked), load the whole tree.
async fn start_load(caller: &Caller, workers: usize) -> Load {
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let events = Arc::new(Mutex::new(Vec::new()));
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut trees = Vec::new();
    let mut handles = Vec::new();
    for w in 0..workers {
        let tree = caller.create_tree(&format!("Load {w}")).await;
        let root = caller.add_ok(tree, None, "objective", &format!("Objective {w}")).await;
        ledger
            .lock()
            .unwrap()
            .added
            .insert(root["id"].as_str().unwrap().to_string(), tree);
        trees.push(tree);
        let (caller, stop, events, ledger) = (caller.clone(), stop.clone(), events.clone(), ledger.clone());
        let root = root["id"].as_str().unwrap().to_string();
        handles.push(tokio::spawn(async move {
            worker(caller, w, tree, root, started, stop, events, ledger).await
        }));
    }
    Load {
        started,
        stop,
        events,
        ledger,
        workers: handles,
        trees,
    }
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    caller: Caller,
    w: usize,
    tree: i64,
    root: String,
    started: Instant,
    stop: Arc<AtomicBool>,
    events: Arc<Mutex<Vec<Event>>>,
    ledger: Arc<Mutex<Ledger>>,
) {
    // This worker's acknowledged nodes with the version it last saw (None: unknown after a
    // write whose outcome it could not learn).
    let mut mine: Vec<(String, Option<i64>)> = Vec::new();
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let (write, answer) = match i % 4 {
            0 | 1 => {
                let title = format!("w{w} node {i}");
                let answer = caller.add(tree, Some(&root), "outcome", &title).await;
                if let Ok(reply) = &answer {
                    if reply.status == 200 {
                        let node = reply.json();
                        let id = node["id"].as_str().unwrap().to_string();
                        let version = node["version"].as_i64().unwrap();
                        let mut ledger = ledger.lock().unwrap();
                        ledger.added.insert(id.clone(), tree);
                        ledger.written.insert(id.clone(), (version, title));
                        mine.push((id, Some(version)));
                    }
                }
                (true, answer)
            }
            2 if !mine.is_empty() => {
                let pick = (i as usize / 4) % mine.len();
                if mine[pick].1.is_none() {
                    // Learn the current version first; the load goes on if the read fails.
                    if let Ok(reply) = caller.tree(tree).await {
                        if reply.status == 200 {
                            let detail = reply.json();
                            for (id, version) in mine.iter_mut() {
                                let found = detail["nodes"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .find(|n| n["id"] == id.as_str());
                                *version = found.and_then(|n| n["version"].as_i64());
                            }
                        }
                    }
                }
                let (id, version) = mine[pick].clone();
                let Some(version) = version else { continue };
                let title = format!("w{w} node {i} renamed");
                let answer = caller.rename(tree, &id, version, "outcome", &title).await;
                match &answer {
                    Ok(reply) if reply.status == 200 => {
                        let version = reply.json()["version"].as_i64().unwrap();
                        ledger.lock().unwrap().written.insert(id.clone(), (version, title));
                        mine[pick].1 = Some(version);
                    }
                    // A refused write (409 after an unacknowledged one that did land), a 5xx or
                    // a lost connection: whether it landed is unknown.
                    _ => mine[pick].1 = None,
                }
                (true, answer)
            }
            _ => (false, caller.tree(tree).await),
        };
        let (ok, server_error) = match &answer {
            Ok(reply) => ((200..300).contains(&reply.status), reply.status >= 500),
            Err(_) => (false, false),
        };
        if let Ok(reply) = &answer {
            // Anything but success or "unavailable" would be a bug, not a fault.
            assert!(
                ok || reply.status == 503 || (reply.status == 409 && write),
                "worker {w}: unexpected {}: {}",
                reply.status,
                reply.body
            );
        }
        events.lock().unwrap().push(Event {
            at: started.elapsed(),
            worker: w,
            write,
            ok,
            server_error,
        });
        if !ok {
            // A client backs off a little when the server is in trouble.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Load {
    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    async fn stop(self) -> (Vec<Event>, Ledger, Vec<i64>) {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            worker.await.expect("a load worker panicked");
        }
        let events = std::mem::take(&mut *self.events.lock().unwrap());
        let ledger = std::mem::take(&mut *self.ledger.lock().unwrap());
        (events, ledger, self.trees)
    }
}

/// Polls `/readyz` every 50 ms: (time, status; 0 when the connection failed).
struct ReadyProbe {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<(Duration, u16)>>,
}

fn probe_readiness(port: u16, started: Instant) -> ReadyProbe {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        while !flag.load(Ordering::Relaxed) {
            let status = match tokio::time::timeout(Duration::from_secs(3), get(port, "/readyz")).await {
                Ok(Ok(reply)) => reply.status,
                _ => 0,
            };
            seen.push((started.elapsed(), status));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seen
    });
    ReadyProbe { stop, task }
}

impl ReadyProbe {
    async fn stop(self) -> Vec<(Duration, u16)> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap()
    }
}

// --- Checks -------------------------------------------------------------------------------

/// Every acknowledged write is in the database; returns (acknowledged writes, lost writes).
async fn acknowledged_writes_survived(pool: &PgPool, ledger: &Ledger, trees: &[i64]) -> (usize, Vec<String>) {
    let trees32: Vec<i32> = trees.iter().map(|&t| t as i32).collect();
    let rows: Vec<(String, i32, i64, String)> =
        sqlx::query_as("SELECT id, tree_id, version, title FROM tree_nodes WHERE tree_id = ANY($1)")
            .bind(&trees32)
            .fetch_all(pool)
            .await
            .unwrap();
    let stored: HashMap<String, (i64, i64, String)> = rows
        .into_iter()
        .map(|(id, tree, version, title)| (id, (tree as i64, version, title)))
        .collect();
    let mut lost = Vec::new();
    for (id, tree) in &ledger.added {
        match stored.get(id) {
            Some((t, _, _)) if t == tree => {}
            _ => lost.push(format!("added node {id} of tree {tree} is missing")),
        }
    }
    for (id, (version, title)) in &ledger.written {
        match stored.get(id) {
            // A later write whose answer was lost may have landed on top: a higher version.
            Some((_, v, t)) if v > version || (v == version && t == title) => {}
            Some((_, v, t)) => lost.push(format!(
                "node {id}: acknowledged v{version} {title:?}, stored v{v} {t:?}"
            )),
            None => lost.push(format!("written node {id} is missing")),
        }
    }
    (ledger.added.len() + ledger.written.len(), lost)
}

/// No cycles, parents in the same tree, sibling order 0..n-1, and every node's creation in the
/// activity log (written in the same transaction as the node).
async fn tree_is_sound(pool: &PgPool, tree: i64) {
    let tree = tree as i32;
    let (total, reachable, foreign, bad_order, unlogged): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM tree_nodes WHERE tree_id = $1),
           (WITH RECURSIVE r AS (SELECT id FROM tree_nodes WHERE tree_id = $1 AND parent_id IS NULL
              UNION ALL SELECT n.id FROM tree_nodes n JOIN r ON n.parent_id = r.id) SELECT count(*) FROM r),
           (SELECT count(*) FROM tree_nodes c JOIN tree_nodes p ON p.id = c.parent_id
             WHERE c.tree_id = $1 AND p.tree_id <> c.tree_id),
           (SELECT count(*) FROM (SELECT count(*) AS n, count(DISTINCT sort_order) AS d,
                   min(sort_order) AS lo, max(sort_order) AS hi
              FROM tree_nodes WHERE tree_id = $1 GROUP BY parent_id) g
             WHERE d <> n OR lo <> 0 OR hi <> n - 1),
           (SELECT count(*) FROM tree_nodes n WHERE n.tree_id = $1 AND NOT EXISTS (
              SELECT 1 FROM user_activities a WHERE a.tree_id = n.tree_id
                AND a.activity_type = 'node_added' AND a.activity_data->>'nodeId' = n.id))",
    )
    .bind(tree)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(reachable, total, "tree {tree}: nodes cut off from the roots (a cycle)");
    assert_eq!(foreign, 0, "tree {tree}: a parent in another tree");
    assert_eq!(bad_order, 0, "tree {tree}: sibling order is not 0..n-1");
    assert_eq!(
        unlogged, 0,
        "tree {tree}: nodes without their activity row (half-written)"
    );
}

// --- Faults -----------------------------------------------------------------------------

/// A connection to the server's `postgres` database, outside the test's own database.
async fn admin_pool() -> PgPool {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (server, _) = base.rsplit_once('/').unwrap();
    PgPool::connect(&format!("{server}/postgres")).await.unwrap()
}

async fn terminate_backends(admin: &PgPool, database: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid()) t",
    )
    .bind(database)
    .fetch_one(admin)
    .await
    .unwrap()
}

async fn allow_connections(admin: &PgPool, database: &str, allow: bool) {
    // Identifiers can't be bound; the name is sqlx::test's own (letters, digits, underscores).
    assert!(database.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    sqlx::query(&format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS {allow}"))
        .execute(admin)
        .await
        .unwrap();
}

fn database_name(pool: &PgPool) -> String {
    pool.connect_options().get_database().unwrap().to_string()
}

// --- Figures ------------------------------------------------------------------------------

struct Figures {
    scenario: &'static str,
    workers: usize,
    seconds: f64,
    requests: usize,
    faults: String,
    failed_during_fault: usize,
    recovery: Option<Duration>,
    acknowledged: usize,
    lost: usize,
}

/// One row of RELIABILITY.md's table, kept where scripts/reliability.sh collects it.
fn record(f: &Figures) {
    let binary = if std::env::var("IMPACT_TREE_SERVER_BIN").is_ok() {
        "release"
    } else {
        "debug"
    };
    let recovery = f
        .recovery
        .map(|d| format!("{} ms", d.as_millis()))
        .unwrap_or_else(|| "–".into());
    let row = format!(
        "| {} | {} workers, {:.0} req/s for {:.0} s ({binary}) | {} | {} | {} | {} | {} |\n",
        f.scenario,
        f.workers,
        f.requests as f64 / f.seconds,
        f.seconds,
        f.faults,
        f.failed_during_fault,
        recovery,
        f.acknowledged,
        f.lost
    );
    println!("{row}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reliability");
    std::fs::create_dir_all(&dir).unwrap();
    let file = f.scenario.to_lowercase().replace([' ', ','], "-");
    std::fs::write(dir.join(format!("{file}.md")), row).unwrap();
}

/// Failed requests between `from` and `to`.
fn failed_between(events: &[Event], from: Duration, to: Duration) -> usize {
    events.iter().filter(|e| !e.ok && e.at >= from && e.at <= to).count()
}

/// How long after `from` until every worker had a successful write again.
fn writes_recovered_after(events: &[Event], workers: usize, from: Duration) -> Option<Duration> {
    (0..workers)
        .map(|w| {
            events
                .iter()
                .filter(|e| e.worker == w && e.write && e.ok && e.at >= from)
                .map(|e| e.at)
                .min()
        })
        .collect::<Option<Vec<_>>>()
        .and_then(|firsts| firsts.into_iter().max())
        .map(|last| last - from)
}

async fn finish(pool: &PgPool, server: &mut Server, load: Load) -> (Vec<Event>, usize, Vec<String>) {
    let (events, ledger, trees) = load.stop().await;
    assert!(server.is_running(), "the server process died");
    let ready = get(server.port, "/readyz").await.unwrap();
    assert_eq!(ready.status, 200, "{}", ready.body);
    let (acknowledged, lost) = acknowledged_writes_survived(pool, &ledger, &trees).await;
    for tree in &trees {
        tree_is_sound(pool, *tree).await;
    }
    (events, acknowledged, lost)
}

// --- Scenarios ----------------------------------------------------------------------------

const WORKERS: usize = 6;

#[sqlx::test]
async fn killed_database_connections_under_load_lose_nothing(pool: PgPool) {
    let mut server = start_server(&pool);
    wait_until_answers(server.port, "/readyz").await;
    let caller = Caller::sign_up(server.port, "kill@example.com").await;
    let admin = admin_pool().await;
    let database = database_name(&pool);

    let load = start_load(&caller, WORKERS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let first_fault = load.now();
    let mut killed = 0;
    for _ in 0..3 {
        killed += terminate_backends(&admin, &database).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    killed += terminate_backends(&admin, &database).await;
    let last_fault = load.now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seconds = load.now().as_secs_f64();
    let (events, acknowledged, lost) = finish(&pool, &mut server, load).await;

    let recovery = writes_recovered_after(&events, WORKERS, last_fault).expect("every worker writes again");
    assert!(recovery <= RECOVERY_LIMIT, "writes came back after {recovery:?}");
    assert!(
        events.iter().filter(|e| e.write && e.ok && e.at < first_fault).count() >= 10,
        "the load ran before the fault"
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    record(&Figures {
        scenario: "Connections killed",
        workers: WORKERS,
        seconds,
        requests: events.len(),
        faults: format!("4× pg_terminate_backend, {killed} connections"),
        failed_during_fault: failed_between(&events, first_fault, last_fault + recovery),
        recovery: Some(recovery),
        acknowledged,
        lost: lost.len(),
    });
}

/// Takes the database away for `down` while the load runs (`fault` makes it unreachable and
/// returns a description; `heal` brings it back), then checks readiness went 503 and came
/// back, and nothing acknowledged was lost.
async fn outage_under_load<F, H>(pool: &PgPool, scenario: &'static str, down: Duration, fault: F, heal: H)
where
    F: std::future::Future<Output = String>,
    H: std::future::Future<Output = ()>,
{
    let mut server = start_server(pool);
    wait_until_answers(server.port, "/readyz").await;
    let caller = Caller::sign_up(server.port, "outage@example.com").await;

    let load = start_load(&caller, WORKERS).await;
    let probe = probe_readiness(server.port, load.started);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let went_down = load.now();
    let faults = fault.await;
    tokio::time::sleep(down).await;
    // Readiness must say "down" until healing starts; recovery counts from when it is done
    // (starting PostgreSQL returns once it accepts connections).
    let healing = load.now();
    heal.await;
    let came_back = load.now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let readiness = probe.stop().await;
    let seconds = load.now().as_secs_f64();
    let (events, acknowledged, lost) = finish(pool, &mut server, load).await;

    // While down (after the first second, readyz's own budget), readiness says so.
    let settled = went_down + Duration::from_millis(1500);
    let during: Vec<u16> = readiness
        .iter()
        .filter(|(at, _)| *at >= settled && *at < healing)
        .map(|(_, s)| *s)
        .collect();
    assert!(!during.is_empty(), "readiness was probed during the outage");
    assert!(during.iter().all(|&s| s == 503), "readyz while down: {during:?}");
    let ready_again = readiness
        .iter()
        .find(|(at, s)| *at >= came_back && *s == 200)
        .map(|(at, _)| *at - came_back)
        .expect("readyz answers 200 again");
    assert!(ready_again <= RECOVERY_LIMIT, "readyz came back after {ready_again:?}");
    let recovery = writes_recovered_after(&events, WORKERS, came_back).expect("every worker writes again");
    assert!(recovery <= RECOVERY_LIMIT, "writes came back after {recovery:?}");
    assert!(
        events.iter().any(|e| e.at >= settled && e.at < healing && !e.ok),
        "the outage was felt by the load"
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    record(&Figures {
        scenario,
        workers: WORKERS,
        seconds,
        requests: events.len(),
        faults,
        failed_during_fault: failed_between(&events, went_down, came_back + recovery),
        recovery: Some(recovery),
        acknowledged,
        lost: lost.len(),
    });
}

#[sqlx::test]
async fn an_unreachable_database_under_load_is_503_then_recovers_losing_nothing(pool: PgPool) {
    let admin = admin_pool().await;
    let database = database_name(&pool);
    let fault = async {
        allow_connections(&admin, &database, false).await;
        let killed = terminate_backends(&admin, &database).await;
        format!("database refused connections for 3 s, {killed} connections killed")
    };
    let heal = async { allow_connections(&admin, &database, true).await };
    outage_under_load(&pool, "Database unreachable", Duration::from_secs(3), fault, heal).await;
}

/// Stops and starts the PostgreSQL server itself. Run by scripts/reliability.sh, which sets
/// IMPACT_TREE_PG_STOP / IMPACT_TREE_PG_START to shell commands for the local cluster; every
/// other test's connections die with it, so it runs alone.
#[sqlx::test]
#[ignore = "restarts PostgreSQL: run alone by scripts/reliability.sh"]
async fn a_postgresql_restart_under_load_is_503_then_recovers_losing_nothing(pool: PgPool) {
    let command = |var: &str| {
        let command = std::env::var(var).unwrap_or_else(|_| panic!("{var} must name a shell command"));
        move || {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .status()
                .unwrap();
            assert!(status.success(), "{command}: {status}");
        }
    };
    let (stop, start) = (command("IMPACT_TREE_PG_STOP"), command("IMPACT_TREE_PG_START"));
    let fault = async {
        tokio::task::spawn_blocking(stop).await.unwrap();
        "PostgreSQL stopped (fast shutdown) for 3 s, then started".to_string()
    };
    let heal = async { tokio::task::spawn_blocking(start).await.unwrap() };
    outage_under_load(&pool, "PostgreSQL restarted", Duration::from_secs(3), fault, heal).await;
}

#[sqlx::test]
async fn sigterm_under_load_finishes_in_flight_requests_and_exits_0(pool: PgPool) {
    let mut server = start_server(&pool);
    wait_until_answers(server.port, "/readyz").await;
    let caller = Caller::sign_up(server.port, "term@example.com").await;
    let load = start_load(&caller, WORKERS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Requests whose bodies are still arriving when the signal comes.
    let port = server.port;
    let mut in_flight = Vec::new();
    for _ in 0..8 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let head = format!(
            "POST /api/db_status HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n\
             Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        in_flight.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = load.now();
    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut answers = Vec::new();
    for mut stream in in_flight {
        stream.write_all(b"0\r\n\r\n").await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        answers.push(common::process::parse_reply(&raw).unwrap().status);
    }
    assert!(
        answers.iter().all(|&s| s == 200),
        "in-flight requests after SIGTERM: {answers:?}"
    );

    let status = server
        .wait_exit(Duration::from_secs(10))
        .await
        .expect("exited within 10 s of SIGTERM");
    let exited = load.now();
    assert!(status.success(), "exit status {status}");
    let seconds = load.now().as_secs_f64();
    let (events, ledger, trees) = load.stop().await;
    // Requests either completed or found the port closed; none got a 5xx.
    assert!(!events.iter().any(|e| e.server_error), "5xx during shutdown");
    let (acknowledged, lost) = acknowledged_writes_survived(&pool, &ledger, &trees).await;
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    for tree in &trees {
        tree_is_sound(&pool, *tree).await;
    }
    record(&Figures {
        scenario: "SIGTERM under load",
        workers: WORKERS,
        seconds,
        requests: events.len(),
        faults: format!(
            "SIGTERM with 8 requests in flight; all 8 answered 200, exit 0 after {} ms",
            (exited - signalled).as_millis()
        ),
        failed_during_fault: events.iter().filter(|e| e.at >= signalled && e.server_error).count(),
        recovery: None,
        acknowledged,
        lost: lost.len(),
    });
}

#[sqlx::test]
async fn lost_updates_and_opposite_moves_stay_impossible_under_load(pool: PgPool) {
    let mut server = start_server(&pool);
    wait_until_answers(server.port, "/readyz").await;
    let caller = Caller::sign_up(server.port, "races@example.com").await;
    let t = caller.create_tree("Races").await;
    let objective = caller.add_ok(t, None, "objective", "Objective").await;
    let outcome = caller.add_ok(t, objective["id"].as_str(), "outcome", "Outcome").await;
    let root = outcome["id"].as_str().unwrap().to_string();
    caller.add_ok(t, Some(&root), "opportunity", "A").await;
    caller.add_ok(t, Some(&root), "opportunity", "B").await;

    let load = start_load(&caller, WORKERS - 2).await;
    let rounds = 30;
    let mut conflicts = 0;
    for round in 0..rounds {
        // Lost update: two people save the same node from the same version at once.
        let detail = caller.tree_ok(t).await;
        let a = node_in(&detail, "A");
        let version = a["version"].as_i64().unwrap();
        let id = a["id"].as_str().unwrap().to_string();
        let (one, two) = (caller.clone(), caller.clone());
        let (i1, i2) = (id.clone(), id.clone());
        let first = tokio::spawn(async move { one.rename(t, &i1, version, "opportunity", "A").await });
        let second = tokio::spawn(async move { two.rename(t, &i2, version, "opportunity", "A").await });
        let s1 = first.await.unwrap().unwrap().status;
        let s2 = second.await.unwrap().unwrap().status;
        let mut statuses = [s1, s2];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: one save wins, the other is told");
        let stored: i64 = sqlx::query_scalar("SELECT version FROM tree_nodes WHERE id = $1")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored, version + 1, "round {round}: exactly one write landed");
        conflicts += 1;

        // Opposite moves: A under B and B under A at once must never both land.
        let detail = caller.tree_ok(t).await;
        let (a, b) = (node_in(&detail, "A"), node_in(&detail, "B"));
        let (one, two) = (caller.clone(), caller.clone());
        let (a_id, b_id) = (
            a["id"].as_str().unwrap().to_string(),
            b["id"].as_str().unwrap().to_string(),
        );
        let first = tokio::spawn(async move { one.move_under(t, &a, &b_id).await });
        let second = tokio::spawn(async move { two.move_under(t, &b, &a_id).await });
        let m1 = first.await.unwrap().unwrap();
        let m2 = second.await.unwrap().unwrap();
        for m in [&m1, &m2] {
            assert!(
                [200, 409, 422].contains(&m.status),
                "round {round}: {} {}",
                m.status,
                m.body
            );
        }
        assert!(
            !(m1.status == 200 && m2.status == 200),
            "round {round}: both moves landed"
        );
        tree_is_sound(&pool, t).await;

        // Both back under the outcome for the next round.
        let detail = caller.tree_ok(t).await;
        for title in ["A", "B"] {
            let node = node_in(&detail, title);
            if node["parent_id"].as_str() != Some(&root) {
                let back = caller.move_under(t, &node, &root).await.unwrap();
                assert_eq!(back.status, 200, "{}", back.body);
            }
        }
    }
    let seconds = load.now().as_secs_f64();
    let (events, acknowledged, lost) = finish(&pool, &mut server, load).await;
    // Nothing failed: without a fault, load and races never see an error.
    let failed = events.iter().filter(|e| !e.ok).count();
    assert_eq!(failed, 0, "requests failed under load without a fault");
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:#?}");
    record(&Figures {
        scenario: "Races under load",
        workers: WORKERS - 2,
        seconds,
        requests: events.len(),
        faults: format!(
            "{rounds} lost-update races ({conflicts} refused with 409, 0 lost), {rounds} opposite-move races (0 cycles)"
        ),
        failed_during_fault: failed,
        recovery: None,
        acknowledged,
        lost: lost.len(),
    });
}

/// One round of oversized requests, all at once: 8 bodies of 64 MiB streamed without a length
/// (counted as they arrive) and 8 declaring 1 GiB up front. The status each got, if its
/// answer could be read.
async fn oversized_round(port: u16) -> Vec<Option<u16>> {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let head = format!(
                "POST /api/db_status HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n\
                 Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
            for _ in 0..1024 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw).await;
            common::process::parse_reply(&raw).map(|r| r.status).ok()
        }));
    }
    for _ in 0..8 {
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let head = format!(
                "POST /api/db_status HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n\
                 Content-Type: {FORM}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                1u64 << 30
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw).await;
            common::process::parse_reply(&raw).map(|r| r.status).ok()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

/// Rounds of oversized requests in `oversized_bodies_get_413_and_memory_stays_flat`: enough
/// that memory which grew with what is offered (5 GiB streamed, 80 GiB declared) would show.
const ROUNDS: usize = 10;
/// How far the server's resident memory may grow over those rounds. What it costs is set by
/// how many bodies arrive at once (8), not by their size: each is read up to the body limit
/// (2 MiB) before it is refused, in frames that keep hyper's read buffers whole, and the
/// allocator keeps freed pages for reuse. Measured (debug build, this test): ~40 MiB after 10
/// rounds, plateauing there; 120 rounds back to back peaked once at 80 MiB. Bodies buffered
/// whole would take 512 MiB in the first round.
const MEMORY_BUDGET_KIB: u64 = 64 * 1024;

#[sqlx::test]
async fn oversized_bodies_get_413_and_memory_stays_flat(pool: PgPool) {
    let mut server = start_server(&pool);
    wait_until_answers(server.port, "/readyz").await;
    let port = server.port;
    for _ in 0..20 {
        get(port, "/readyz").await.unwrap();
    }
    let before = server.rss_kib();

    let mut statuses = Vec::new();
    let mut rss = Vec::new();
    for round in 0..ROUNDS {
        statuses.extend(oversized_round(port).await.into_iter().map(|s| (round, s)));
        rss.push(server.rss_kib());
    }
    let peak = *rss.iter().max().unwrap();
    let last = *rss.last().unwrap();
    // A reset can swallow the answer of a streamed body; whatever arrived must be a 413.
    let answered: Vec<u16> = statuses.iter().filter_map(|(_, s)| *s).collect();
    assert!(answered.len() >= 8 * ROUNDS, "answers: {statuses:?}");
    assert!(answered.iter().all(|&s| s == 413), "answers: {statuses:?}");
    assert!(
        peak.saturating_sub(before) < MEMORY_BUDGET_KIB,
        "resident memory grew {} KiB, over the budget of {MEMORY_BUDGET_KIB}: {before} KiB before, \
         then after each round {rss:?}",
        peak.saturating_sub(before)
    );
    assert!(server.is_running());
    let summary = format!(
        "{} oversized requests in {ROUNDS} rounds (each: 8 streamed × 64 MiB and 8 declaring 1 GiB, at once): \
         {} answers read, all 413; server RSS {before} KiB before, at most {peak} KiB after a round, \
         {last} KiB after the last",
        16 * ROUNDS,
        answered.len()
    );
    println!("{summary}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reliability");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("oversized-bodies.txt"), format!("{summary}\n")).unwrap();
}

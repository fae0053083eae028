//! The Impact Tree server: `impact-tree [--config Leptos.toml] [serve|migrate|check-config|...]`; see `--help`.

// Rendering a page allocates and frees many short strings and a few large buffers; glibc's
// allocator spent ~25 % of a share page render in malloc/free (perf), mimalloc far less.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    // Rendering a big page nests deeply; unoptimised builds need more than tokio's 2 MiB.
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime.block_on(cli::run()),
        Err(err) => {
            eprintln!("error: could not start the runtime: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is only built with `--features ssr`; the browser bundle is the library.
}

#[cfg(feature = "ssr")]
mod cli {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use std::time::Duration;

    use impact_tree::server::{
        admin, auth::session, config::redact_url, db, demo, repo, router, shutdown::Shutdown, telemetry, AppState,
        Config,
    };
    use tower_sessions::ExpiredDeletion;

    const USAGE: &str = "\
usage: impact-tree [--config PATH] [COMMAND]

commands:
  serve          run the web server (default)
  migrate        apply pending database migrations and exit
  check-config   load and validate the configuration, print it, and exit
  migrate-nodes          legacy JSONB nodes of the original app into rows   [--dry-run]
  cleanup-orphans        re-root nodes that no root reaches                   [--dry-run]
  upgrade-canvas-state   bring stored viewports to the current format         [--dry-run]
  seed-demo              demo accounts with generated trees, for benchmarks   [--users U] [--trees N]
                         [--nodes M] [--seed S] [--email-prefix P] (defaults 1, 1, 1000, 1, bench):
                         U accounts P-<i>@impact-tree.test, password bench-impact-tree, each with
                         N trees of exactly M nodes; the same seed gives the same trees, and a
                         second run keeps what is there

The configuration is read from PATH (default: Leptos.toml in the working directory);
environment variables such as DATABASE_URL and LEPTOS_SITE_ADDR override it.";

    pub async fn run() -> ExitCode {
        let mut config_path = PathBuf::from("Leptos.toml");
        let mut command = None;
        let mut dry_run = false;
        let mut seed = admin::SeedOptions::default();
        let mut seed_flag = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--config" => match args.next() {
                    Some(path) => config_path = PathBuf::from(path),
                    None => return usage_error("--config needs a path"),
                },
                "--dry-run" => dry_run = true,
                "--users" | "--trees" | "--nodes" | "--seed" | "--email-prefix" => {
                    let Some(value) = args.next() else {
                        return usage_error(&format!("{arg} needs a value"));
                    };
                    let parsed = match arg.as_str() {
                        "--users" => value.parse().map(|n| seed.users = n).is_ok(),
                        "--trees" => value.parse().map(|n| seed.trees = n).is_ok(),
                        "--nodes" => value.parse().map(|n| seed.nodes = n).is_ok(),
                        "--seed" => value.parse().map(|n| seed.seed = n).is_ok(),
                        _ => {
                            seed.email_prefix = value.clone();
                            true
                        }
                    };
                    if !parsed {
                        return usage_error(&format!("{arg} needs a whole number, not {value:?}"));
                    }
                    seed_flag = Some(arg);
                }
                "-h" | "--help" | "help" => {
                    println!("{USAGE}");
                    return ExitCode::SUCCESS;
                }
                other if command.is_none() && !other.starts_with('-') => command = Some(other.to_string()),
                other => return usage_error(&format!("unexpected argument {other:?}")),
            }
        }

        let seeding = command.as_deref() == Some("seed-demo");
        if let (false, Some(flag)) = (seeding, &seed_flag) {
            return usage_error(&format!("{flag} goes with seed-demo only"));
        }
        if seeding && dry_run {
            return usage_error("seed-demo has no --dry-run");
        }

        let config = match Config::load(&config_path) {
            Ok(config) => config,
            Err(err) => {
                eprintln!("impact-tree: {err}");
                return ExitCode::from(2);
            }
        };
        telemetry::init(config.is_production());

        match command.as_deref().unwrap_or("serve") {
            "serve" => serve(config).await,
            "migrate" => migrate_only(config).await,
            "check-config" => {
                println!("configuration from {} is valid:", config_path.display());
                println!("  site.addr            {}", config.site.addr);
                println!("  site.environment     {:?}", config.site.environment);
                println!("  site.public_origin   {}", config.site.public_origin);
                println!("  database.url         {}", redact_url(&config.database.url));
                println!(
                    "  database.pool        min {} max {}",
                    config.database.min_connections, config.database.max_connections
                );
                println!("  http.body_limit      {} bytes", config.http.body_limit_bytes);
                println!("  cookies.secure       {}", config.cookies.secure);
                ExitCode::SUCCESS
            }
            "migrate-nodes" | "cleanup-orphans" | "upgrade-canvas-state" => {
                admin(command.as_deref().unwrap_or_default(), config, dry_run).await
            }
            "seed-demo" => seed_demo(config, seed).await,
            other => usage_error(&format!("unknown command {other:?}")),
        }
    }

    fn usage_error(message: &str) -> ExitCode {
        eprintln!("impact-tree: {message}\n\n{USAGE}");
        ExitCode::from(2)
    }

    async fn connect_and_migrate(config: &Config) -> Result<sqlx::PgPool, ExitCode> {
        let pool = db::connect(&config.database).await.map_err(|err| {
            tracing::error!(error = %err, database = %config.redacted_database_url(), "cannot connect to the database");
            ExitCode::FAILURE
        })?;
        if let Err(err) = db::migrate(&pool).await {
            tracing::error!(error = %err, "database migration failed");
            return Err(ExitCode::FAILURE);
        }
        Ok(pool)
    }

    async fn admin(command: &str, config: Config, dry_run: bool) -> ExitCode {
        let pool = match connect_and_migrate(&config).await {
            Ok(pool) => pool,
            Err(code) => return code,
        };
        let report = match command {
            "migrate-nodes" => admin::migrate_nodes(&pool, &config.limits, dry_run).await,
            "cleanup-orphans" => admin::cleanup_orphans(&pool, dry_run).await,
            _ => admin::upgrade_canvas_state(&pool, dry_run).await,
        };
        pool.close().await;
        match report {
            Ok(report) => {
                for line in &report.lines {
                    println!("{line}");
                }
                let verb = if dry_run { "would change" } else { "changed" };
                println!("{command}: {verb} {}", report.changed);
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("{command} failed: {err}");
                ExitCode::FAILURE
            }
        }
    }

    async fn seed_demo(config: Config, options: admin::SeedOptions) -> ExitCode {
        if let Err(message) = options.check(&config.limits) {
            return usage_error(&message);
        }
        let pool = match connect_and_migrate(&config).await {
            Ok(pool) => pool,
            Err(code) => return code,
        };
        let result = admin::seed_demo(&pool, &config.limits, &options, |line| println!("{line}")).await;
        pool.close().await;
        match result {
            Ok(_) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("seed-demo failed: {err}");
                ExitCode::FAILURE
            }
        }
    }

    async fn migrate_only(config: Config) -> ExitCode {
        match connect_and_migrate(&config).await {
            Ok(pool) => {
                pool.close().await;
                tracing::info!("migrations applied");
                ExitCode::SUCCESS
            }
            Err(code) => code,
        }
    }

    /// Deletes expired sessions and old rate-limit counters every few minutes. Safe to run
    /// in every server process at once.
    fn spawn_housekeeping(pool: sqlx::PgPool) {
        let store = session::store(pool.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(300));
            loop {
                tick.tick().await;
                if let Err(err) = store.delete_expired().await {
                    tracing::warn!(error = %err, "could not delete expired sessions");
                }
                if let Err(err) = repo::throttle::purge_older_than(&pool, Duration::from_secs(86_400)).await {
                    tracing::warn!(error = %err, "could not purge rate-limit counters");
                }
            }
        });
    }

    async fn serve(config: Config) -> ExitCode {
        let pool = match connect_and_migrate(&config).await {
            Ok(pool) => pool,
            Err(code) => return code,
        };
        if !config.is_production() {
            match demo::ensure_demo_account(&pool).await {
                Ok(line) => tracing::info!("{line}"),
                Err(err) => tracing::warn!(error = %err, "could not create the demo account"),
            }
        }
        spawn_housekeeping(pool.clone());
        let addr = config.site.addr;
        let grace = config.http.shutdown_grace;
        let state = AppState::new(pool.clone(), config);
        let app = router::build(state);

        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::error!(error = %err, %addr, "cannot listen");
                return ExitCode::FAILURE;
            }
        };
        // Pages go out in several writes; with Nagle's algorithm on, a small last one could wait
        // for the client's delayed ACK: the uncompressed 1,000-node share page at 1 connection
        // (wrk) took p50 10.5 / p90 37.6 ms with it, 6.5 / 7.7 ms without.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "could not set TCP_NODELAY");
            }
        });
        tracing::info!("listening on http://{addr}");

        let shutdown = Shutdown::on_signal();
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().wait());

        // In-flight requests finish; ones still running after the grace period are dropped.
        let outcome = tokio::select! {
            result = server => result.map_err(|err| err.to_string()),
            _ = shutdown.deadline(grace) => Err(format!("requests still running after {grace:?}, stopping anyway")),
        };
        pool.close().await;
        match outcome {
            Ok(()) => {
                tracing::info!("server stopped, database pool closed");
                ExitCode::SUCCESS
            }
            Err(err) => {
                tracing::error!(error = %err, "server stopped with an error");
                ExitCode::FAILURE
            }
        }
    }
}

//! The shipped Leptos.toml loads, and environment variables override it.
#![cfg(feature = "ssr")]

use std::collections::HashMap;
use std::time::Duration;

use impact_tree::server::config::{Config, Environment, ENV_VARS};

fn shipped() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml")).expect("Leptos.toml in the repo")
}

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn shipped_file_loads_with_the_seed_pool_settings() {
    let config = Config::from_parts("Leptos.toml", Some(&shipped()), &HashMap::new()).unwrap();
    assert_eq!(config.site.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(config.site.environment, Environment::Development);
    assert_eq!(config.database.url, "postgres://postgres@127.0.0.1:5432/impact_tree");
    assert_eq!(config.database.max_connections, 20);
    assert_eq!(config.database.min_connections, 5);
    assert_eq!(config.database.idle_timeout, Duration::from_secs(30));
    assert!(config.database.acquire_timeout <= Duration::from_secs(10));
    assert_eq!(config.http.body_limit_bytes, 2 * 1024 * 1024);
    assert!(config.http.share_page_cache);
    assert!(!config.cookies.secure);

    let leptos = config.leptos_options();
    assert_eq!(&*leptos.output_name, "impact-tree");
    assert_eq!(&*leptos.site_root, "target/site");
}

#[test]
fn environment_variables_override_the_file() {
    let env = vars(&[
        (
            "DATABASE_URL",
            "postgres://app:pw@db.internal:6432/trees?sslmode=require",
        ),
        ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
        ("LEPTOS_ENV", "PROD"),
        ("LEPTOS_SITE_ROOT", "/srv/site"),
        ("IMPACT_TREE_DB_MAX_CONNECTIONS", "50"),
        ("IMPACT_TREE_BODY_LIMIT_BYTES", "1048576"),
        ("IMPACT_TREE_PUBLIC_ORIGIN", "https://trees.example.com"),
    ]);
    let config = Config::from_parts("Leptos.toml", Some(&shipped()), &env).unwrap();
    assert_eq!(
        config.database.url,
        "postgres://app:pw@db.internal:6432/trees?sslmode=require"
    );
    assert_eq!(
        config.redacted_database_url(),
        "postgres://app:***@db.internal:6432/trees?sslmode=require"
    );
    assert_eq!(config.site.addr.to_string(), "0.0.0.0:8080");
    assert_eq!(config.site.environment, Environment::Production);
    assert_eq!(config.site.root, "/srv/site");
    assert_eq!(config.database.max_connections, 50);
    assert_eq!(config.http.body_limit_bytes, 1024 * 1024);
    assert_eq!(config.site.public_origin, "https://trees.example.com");
    // Production defaults to secure cookies.
    assert!(config.cookies.secure);
}

#[test]
fn every_key_of_the_shipped_file_has_a_documented_variable() {
    let text = shipped();
    for (key, var) in ENV_VARS {
        let field = key.split('.').nth(1).unwrap();
        assert!(text.contains(&format!("{field} =")), "Leptos.toml lacks {key}");
        assert!(text.contains(var), "Leptos.toml does not mention {var} for {key}");
    }
}

#[test]
fn the_share_page_cache_can_be_switched_off() {
    let load = |value: &str| {
        Config::from_parts(
            "Leptos.toml",
            Some(&shipped()),
            &vars(&[("IMPACT_TREE_SHARE_PAGE_CACHE", value)]),
        )
    };
    assert!(!load("false").unwrap().http.share_page_cache);
    assert!(load("on").unwrap().http.share_page_cache);
    let err = load("sometimes").unwrap_err().to_string();
    assert!(
        err.contains("http.share_page_cache") && err.contains("IMPACT_TREE_SHARE_PAGE_CACHE"),
        "{err}"
    );
    let file = shipped().replace("share_page_cache = true", "share_page_cache = false");
    assert!(
        !Config::from_parts("Leptos.toml", Some(&file), &HashMap::new())
            .unwrap()
            .http
            .share_page_cache
    );
}

#[test]
fn invalid_values_name_the_key() {
    let broken = shipped().replace("max_connections = 20", "max_connections = \"many\"");
    let err = Config::from_parts("Leptos.toml", Some(&broken), &HashMap::new()).unwrap_err();
    assert!(err.to_string().contains("max_connections"), "{err}");

    let err = Config::from_parts(
        "Leptos.toml",
        Some(&shipped()),
        &vars(&[("LEPTOS_SITE_ADDR", "localhost")]),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("site.addr") && err.to_string().contains("LEPTOS_SITE_ADDR"),
        "{err}"
    );

    let err = Config::from_parts(
        "Leptos.toml",
        Some(&shipped()),
        &vars(&[("DATABASE_URL", "mysql://x/y")]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("database.url"), "{err}");
}

#[test]
fn the_binary_refuses_a_bad_config_naming_the_key() {
    let dir = std::env::temp_dir().join(format!("impact-tree-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Leptos.toml");
    std::fs::write(&path, "[http]\nbody_limit_bytes = 0\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_impact-tree"))
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env_remove("IMPACT_TREE_BODY_LIMIT_BYTES")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("http.body_limit_bytes"), "{stderr}");

    std::fs::write(&path, "[site]\nenvironment = \"production\"\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_impact-tree"))
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env_remove("LEPTOS_ENV")
        .env_remove("IMPACT_TREE_COOKIE_SECURE")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Production") && stdout.contains("cookies.secure       true"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

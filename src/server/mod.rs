//! Server-only code: configuration, state, the database, HTTP layers and all SQL.

pub mod admin;
pub mod auth;
pub mod body_limit;
pub mod config;
pub mod csrf;
pub mod db;
pub mod demo;
pub mod encoding;
pub mod error_status;
pub mod guard;
pub mod health;
pub mod kept_answer;
pub mod outage;
pub mod page_blocks;
pub mod page_zstd;
pub mod repo;
pub mod request_context;
pub mod router;
pub mod security_headers;
pub mod share_cache;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod tree_cache;

pub use config::Config;
pub use state::AppState;

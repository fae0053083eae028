//! Server-only code: configuration, state, the database, HTTP layers and all SQL.

pub mod body_limit;
pub mod config;
pub mod db;
pub mod health;
pub mod repo;
pub mod respond;
pub mod router;
pub mod shutdown;
pub mod state;
pub mod telemetry;

pub use config::Config;
pub use state::AppState;

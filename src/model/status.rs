use serde::{Deserialize, Serialize};

/// What the status line shows: proof that the browser reached the server and the server
/// reached the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStatus {
    /// Version of the newest applied migration.
    pub schema_version: i64,
    /// `SHOW server_version`.
    pub server_version: String,
    /// The database's clock, RFC 3339 in UTC.
    pub database_time: String,
}

use serde::{Deserialize, Serialize};

/// One line of "my trees".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSummary {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: String,
    pub is_template: bool,
    pub node_count: i64,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user's numbers for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    pub total_trees: i64,
    pub total_nodes: i64,
    /// 0 when there are no trees.
    pub avg_nodes_per_tree: f64,
    /// RFC 3339, or None without any activity.
    pub last_activity: Option<String>,
    pub node_types: BTreeMap<String, i64>,
    pub phases: BTreeMap<String, i64>,
    /// Activity rows per UTC day over the last 30 days, oldest first, days without any included.
    pub activity_per_day: Vec<(String, i64)>,
}

/// Filters of "my trees"; all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TreeFilter {
    pub name_contains: Option<String>,
    pub min_nodes: Option<i64>,
    pub phase: Option<super::DiscoveryPhase>,
    #[serde(default)]
    pub templates_only: bool,
}

/// One line of the outline: a node with its depth and path from the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub node_type: String,
    pub title: String,
    pub depth: i32,
    pub path: String,
}

use serde::{Deserialize, Serialize};

/// One line of an activity feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: i32,
    pub tree_id: Option<i32>,
    pub activity_type: String,
    pub description: Option<String>,
    pub data: serde_json::Value,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A page of a feed, newest first; pass `next_before` back to get the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    pub next_before: Option<i32>,
}

pub const ACTIVITY_PAGE_MAX: i64 = 100;

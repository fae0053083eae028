//! `get_tree`'s answers kept serialized per tree version. A big tree's answer is megabytes of
//! JSON (1.9 MB for 5,000 nodes) whose building costs far more than the query that proves who
//! may read it; the editor reloads a tree after every conflict, and several tabs or people read
//! the same one. Each request still runs the ownership-and-version query, so another user's
//! tree stays NotFound and an edit is visible on the very next request: only the reading of
//! the rows and their serialization is reused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;

use crate::model::{CanvasState, TreeDetail};

/// Bytes kept at most over all trees; the least recently filled goes first.
const CAPACITY_BYTES: usize = 256 * 1024 * 1024;

/// What one serialized answer is valid for. Every write to a tree's nodes or connections
/// moves `updated_at` in its transaction (`repo::trees::touch`), edits of the tree's own fields
/// move `version` (and `updated_at`), and saving the view changes `canvas_state` only.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeVersion {
    pub tree_id: i32,
    pub version: i64,
    pub updated_at: String,
    pub canvas_state: CanvasState,
}

impl TreeVersion {
    pub fn of(tree: &TreeDetail) -> Self {
        TreeVersion {
            tree_id: tree.id,
            version: tree.version,
            updated_at: tree.updated_at.clone(),
            canvas_state: tree.canvas_state,
        }
    }
}

struct Entry {
    version: TreeVersion,
    json: Arc<RawValue>,
    filled: u64,
}

#[derive(Default)]
struct Entries {
    by_tree: HashMap<i32, Entry>,
    bytes: usize,
    fills: u64,
}

#[derive(Clone, Default)]
pub struct TreeCache {
    entries: Arc<Mutex<Entries>>,
}

impl TreeCache {
    pub fn get(&self, version: &TreeVersion) -> Option<Arc<RawValue>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .by_tree
            .get(&version.tree_id)
            .filter(|e| &e.version == version)
            .map(|e| e.json.clone())
    }

    /// Serializes `tree` and keeps it (unless it alone is over the capacity).
    pub fn fill(&self, tree: &TreeDetail) -> Result<Arc<RawValue>, serde_json::Error> {
        let json: Arc<RawValue> = RawValue::from_string(serde_json::to_string(tree)?)?.into();
        let size = json.get().len();
        if size > CAPACITY_BYTES / 4 {
            return Ok(json);
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = entries.by_tree.remove(&tree.id) {
            entries.bytes -= old.json.get().len();
        }
        while entries.bytes + size > CAPACITY_BYTES {
            let Some(oldest) = entries.by_tree.iter().min_by_key(|(_, e)| e.filled).map(|(k, _)| *k) else {
                break;
            };
            if let Some(old) = entries.by_tree.remove(&oldest) {
                entries.bytes -= old.json.get().len();
            }
        }
        entries.fills += 1;
        let filled = entries.fills;
        entries.bytes += size;
        entries.by_tree.insert(
            tree.id,
            Entry {
                version: TreeVersion::of(tree),
                json: json.clone(),
                filled,
            },
        );
        Ok(json)
    }
}

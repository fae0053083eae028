//! Whole-tree answers (`get_tree`'s, and `shared_tree`'s for visitors of a share link) kept
//! serialized per tree version. A big tree's answer is megabytes of JSON (1.9 MB for 5,000
//! nodes) whose building costs far more than the query that proves who may read it; the editor
//! reloads a tree after every conflict, several tabs or people read the same one, and anyone
//! holding a share link could otherwise make the server read a whole tree at will. Each request
//! still runs the access-and-version query (ownership, or a live token), so another user's tree
//! stays NotFound, a revoked link is NotFound at once, and an edit is visible on the very next
//! request: only the reading of the rows and their serialization is reused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;

use crate::model::{CanvasState, TreeDetail};

/// Bytes the editor's answers may keep, over all trees; the least recently filled goes first.
pub const TREES_CAPACITY_BYTES: usize = 256 * 1024 * 1024;

/// Bytes the share links' answers may keep: exports by visitors are rare, and a link's tree is
/// usually in the editor's cache as well.
pub const SHARED_CAPACITY_BYTES: usize = 64 * 1024 * 1024;

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
    pub fn new(
        tree_id: i32,
        version: i64,
        updated_at: time::PrimitiveDateTime,
        canvas_state: serde_json::Value,
    ) -> Self {
        TreeVersion {
            tree_id,
            version,
            updated_at: crate::server::repo::trees::rfc3339(updated_at),
            canvas_state: crate::server::repo::trees::read_canvas_state(canvas_state),
        }
    }

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

#[derive(Clone)]
pub struct TreeCache {
    entries: Arc<Mutex<Entries>>,
    capacity: usize,
}

impl TreeCache {
    pub fn new(capacity_bytes: usize) -> Self {
        TreeCache {
            entries: Default::default(),
            capacity: capacity_bytes,
        }
    }

    pub fn get(&self, version: &TreeVersion) -> Option<Arc<RawValue>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .by_tree
            .get(&version.tree_id)
            .filter(|e| &e.version == version)
            .map(|e| e.json.clone())
    }

    /// Serializes `answer`, read at `version`, and keeps it (unless it alone is over a quarter
    /// of the capacity).
    pub fn fill(
        &self,
        version: TreeVersion,
        answer: &impl serde::Serialize,
    ) -> Result<Arc<RawValue>, serde_json::Error> {
        let json: Arc<RawValue> = RawValue::from_string(serde_json::to_string(answer)?)?.into();
        let size = json.get().len();
        if size > self.capacity / 4 {
            return Ok(json);
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = entries.by_tree.remove(&version.tree_id) {
            entries.bytes -= old.json.get().len();
        }
        while entries.bytes + size > self.capacity {
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
            version.tree_id,
            Entry {
                version,
                json: json.clone(),
                filled,
            },
        );
        Ok(json)
    }
}

//! Share links: read-only views of a tree for anyone holding the link.

use serde::{Deserialize, Serialize};

use super::{CanvasState, Connection, DiscoveryPhase, TreeNode};

/// A share link as its owner sees it (the token is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLink {
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new link: the only time its token is seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedShareLink {
    pub link: ShareLink,
    pub token: String,
    /// `/s/{token}`, relative to the site.
    pub path: String,
}

/// What a share page shows: the tree's public fields only (no owner, no activity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedView {
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: DiscoveryPhase,
    pub canvas_state: CanvasState,
    pub nodes: Vec<TreeNode>,
    pub connections: Vec<Connection>,
}

/// Tokens are 32 random bytes as 64 hex digits; anything else cannot be one.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

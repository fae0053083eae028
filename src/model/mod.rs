//! Shared types and pure logic: no I/O, compiled for both the server and the browser.

pub mod account;
pub mod activity;
pub mod analytics;
pub mod canvas;
pub mod demo_data;
pub mod document;
pub mod editor;
pub mod escape;
pub mod layout;
pub mod limits;
pub mod node_type;
pub mod page_tree;
pub mod share;
pub mod starter;
pub mod status;
pub mod template_data;
pub mod tree;
pub mod type_rules;

pub use account::CurrentUser;
pub use activity::{ActivityEntry, ActivityPage};
pub use canvas::{CanvasState, Orientation, Pan};
pub use limits::Limits;
pub use node_type::NodeType;
pub use status::DbStatus;
pub use tree::{
    CachedJson, Connection, DiscoveryPhase, Position, Subtree, TreeDetail, TreeJson, TreeMeta, TreeNode, TreeSummary,
};

//! Shared types and pure logic: no I/O, compiled for both the server and the browser.

pub mod account;
pub mod canvas;
pub mod node_type;
pub mod status;
pub mod tree;

pub use account::CurrentUser;
pub use canvas::{CanvasState, Orientation, Pan};
pub use node_type::NodeType;
pub use status::DbStatus;
pub use tree::TreeSummary;

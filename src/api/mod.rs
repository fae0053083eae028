//! Server functions: the app's HTTP API. Each one is thin: authenticate, authorize, validate,
//! then call `server::repo`.

pub mod activity;
pub mod auth;
pub mod documents;
pub mod nodes;
pub mod share;
pub mod status;
pub mod trees;

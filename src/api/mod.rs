//! Server functions: the app's HTTP API. Each one is thin: authenticate, authorize, validate,
//! then call `server::repo`.

pub mod auth;
pub mod status;
pub mod trees;

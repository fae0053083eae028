//! Components and pages.

pub mod auth;
pub mod charts;
pub mod home;
pub mod layout;
pub mod status;
pub mod tree_view;

//! Components and pages.

pub mod home;
pub mod layout;
pub mod status;

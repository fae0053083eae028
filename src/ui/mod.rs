//! Components and pages.

pub mod auth;
pub mod charts;
pub mod editor;
pub mod export;
pub mod home;
pub mod layout;
pub mod share;
pub mod share_markup;
pub mod status;

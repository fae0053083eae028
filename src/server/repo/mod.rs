//! All SQL of the app. Functions take an executor so they compose into transactions and can be
//! tested without Leptos.

pub mod activity;
pub mod analytics;
pub mod connections;
pub mod nodes;
pub mod share;
pub mod status;
pub mod throttle;
pub mod trees;
pub mod users;

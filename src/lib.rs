//! Impact Tree: impact trees for product managers.
//!
//! One crate: with `ssr` it is the server (see `main.rs`), with `hydrate` the browser bundle.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod error;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the browser bundle: attaches the app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Browser tests wait for this instead of sleeping.
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

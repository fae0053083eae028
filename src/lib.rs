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
    // Asynchronous: the editor and the share page are lazy routes (their code is a WebAssembly
    // chunk of its own), which are loaded before the page they drew on the server hydrates.
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
        return;
    };
    // Not leptos's spawn_local: its executor is set up by hydrate_from_async itself.
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // Browser tests wait for this instead of sleeping.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

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

/// Entry point of the browser bundle. The pages are the server's (islands mode): only the
/// islands on them (`ui::islands`) are hydrated, each by the function Leptos's loader calls
/// for it once this has run.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // With no router in the browser, a server function's redirect (to a tree just created or
    // imported) is a page load.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        let _ = leptos::prelude::window().location().set_href(to);
    });
    // The editor's page has no island: its client (`ui::editor::plain`) takes over the page
    // the server rendered, and counts as one more part to hydrate.
    let plain_editor = leptos::prelude::document()
        .get_element_by_id("editor-tree")
        .and_then(|el| el.get_attribute("data-tree-id"))
        .and_then(|id| id.parse::<i32>().ok());
    ui::islands::expect_islands(u32::from(plain_editor.is_some()));
    if let Some(id) = plain_editor {
        wasm_bindgen_futures::spawn_local(ui::editor::plain::start_plain_editor(id));
    }
}

//! What the islands share. The app runs in Leptos's islands mode: a page is rendered on the
//! server only, and the browser hydrates just its islands, the editor, the shared canvas, the
//! dashboard's import form and the status line. Each is an `#[island(lazy)]`, a WebAssembly chunk of its own
//! loaded by the pages it is on, so the module every page loads carries no page's code
//! (BENCHMARKS.md, eighteenth session).
//!
//! An island's props are written into the page as JSON, and it cannot see the contexts of the
//! components around it in the browser. A tree is therefore never a prop (it would be a second
//! copy of the page's data block), only its id: the server hands the island its tree through a
//! context, and the browser reads it from the block.

// Browser tests wait for `data-hydrated` on the body instead of sleeping. A page is hydrated
// once each of its islands is: `expect_islands` counts them as the bundle
// starts, and each island reports in with `island_hydrated`.
#[cfg(feature = "hydrate")]
thread_local! {
    static PENDING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// `others`: parts that are not islands and report in the same way (the editor's plain
/// client).
#[cfg(feature = "hydrate")]
pub fn expect_islands(others: u32) {
    let islands = leptos::prelude::document()
        .get_elements_by_tag_name("leptos-island")
        .length()
        + others;
    PENDING.set(islands);
    if islands == 0 {
        mark_hydrated();
    }
}

/// Called by each island from an effect, which runs once the island has hydrated.
#[cfg(feature = "hydrate")]
pub fn island_hydrated() {
    let left = PENDING.get().saturating_sub(1);
    PENDING.set(left);
    if left == 0 {
        mark_hydrated();
    }
}

#[cfg(feature = "hydrate")]
fn mark_hydrated() {
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

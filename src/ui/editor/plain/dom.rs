//! The few browser calls the plain client is built from: listeners, timers and frames that
//! live as long as the page, and finding the server's elements.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::convert::FromWasmAbi;
use wasm_bindgen::JsCast;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

pub fn document() -> web_sys::Document {
    window().document().expect("a document")
}

/// The element the server rendered with this `data-testid` or id, inside `root`.
pub fn find(root: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    root.query_selector(selector).ok().flatten()
}

/// Listens for `event` on `target` for the page's life (the editor is the page).
pub fn listen<E: FromWasmAbi + 'static>(target: &web_sys::EventTarget, event: &str, f: impl FnMut(E) + 'static) {
    let f: Closure<dyn FnMut(E)> = Closure::new(f);
    let _ = target.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// As [`listen`], not passive: the handler may call `prevent_default` (wheel, touch).
pub fn listen_active<E: FromWasmAbi + 'static>(target: &web_sys::EventTarget, event: &str, f: impl FnMut(E) + 'static) {
    let f: Closure<dyn FnMut(E)> = Closure::new(f);
    let options = web_sys::AddEventListenerOptions::new();
    options.set_passive(false);
    let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
        event,
        f.as_ref().unchecked_ref(),
        &options,
    );
    f.forget();
}

/// Runs `f` once after `ms` milliseconds; the handle cancels it ([`cancel`]).
pub fn after(ms: i32, f: impl FnOnce() + 'static) -> i32 {
    let f = Closure::once_into_js(f);
    window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms)
        .unwrap_or(0)
}

pub fn cancel(handle: i32) {
    window().clear_timeout_with_handle(handle);
}

/// Runs `f` before the next frame is painted.
pub fn next_frame(f: impl FnOnce() + 'static) {
    let f = Closure::once_into_js(f);
    let _ = window().request_animation_frame(f.unchecked_ref());
}

/// The element an event happened on, if it is one.
pub fn target_element(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
}

/// The nearest element around `el` (itself included) that matches `selector`.
pub fn closest(el: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    el.closest(selector).ok().flatten()
}

pub fn set_text(el: &web_sys::Element, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

/// `<p class="{class}" role="alert">text</p>`, the text escaped: how the editor's errors are
/// shown, beside a field or above a form's buttons.
pub fn alert_markup(class: &str, text: &str) -> String {
    let mut html = format!("<p class=\"{class}\" role=\"alert\">");
    crate::ui::share_markup::escape_into(&mut html, text);
    html.push_str("</p>");
    html
}

//! Kept tree answers go out as compressed copies made once per tree version. `get_tree` and
//! `shared_tree` answer from [`TreeCache`]; the layers in `router` would still compress that
//! JSON again for every request (34.5 MB for 100,000 nodes). Here a request that takes brotli
//! or gzip carries a [`Slot`]; the server function, having checked who may read the tree, puts
//! the kept answer's compressed copy in it ([`answer`]) and the response goes out as that copy.
//! Until the copy is made (right after an edit) the answer goes out as before, compressed by
//! the layers, while the copy is made off the request path. What a caller may read and every
//! error stay the server function's.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::value::RawValue;

use super::encoding::Encoding;
use super::tree_cache::TreeCache;
use crate::model::tree::KeptJson;

/// What a request takes, and the kept copy its server function answered with, if it did.
#[derive(Clone)]
pub struct Slot {
    encoding: Encoding,
    copy: Arc<Mutex<Option<Bytes>>>,
}

/// What a server function returns for `json`, its tree's answer kept in `cache`: `json`
/// itself, or, when the request takes a compressed copy and it is made, a `null` stand-in the
/// layer replaces with the copy (writing out the whole answer only for it to be dropped was
/// ~10 ms of copying for 100,000 nodes). A copy not made yet is begun. Call only once the
/// caller may read the tree.
pub fn answer(cache: &TreeCache, tree_id: i32, json: KeptJson) -> KeptJson {
    if offer(cache, tree_id, &json) {
        KeptJson::new(RawValue::from_string("null".to_string()).expect("null is JSON"))
    } else {
        json
    }
}

/// Puts the copy of `json` this request takes in its slot, if the copy is made.
fn offer(cache: &TreeCache, tree_id: i32, json: &KeptJson) -> bool {
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return false;
    };
    let Some(slot) = parts.extensions.get::<Slot>() else {
        return false;
    };
    let Some(copy) = cache.kept_copy(tree_id, json, slot.encoding) else {
        return false;
    };
    *slot.copy.lock().unwrap_or_else(|p| p.into_inner()) = Some(copy);
    true
}

/// The server functions that answer with [`answer`].
const KEPT_ANSWERS: [&str; 2] = ["/api/get_tree", "/api/shared_tree"];

/// The layer: a call of one of [`KEPT_ANSWERS`] that takes brotli or gzip gets a [`Slot`]; a
/// successful answer whose server function filled it goes out as the kept copy.
pub async fn serve(mut request: Request, next: Next) -> Response {
    // Only the server functions that offer a kept answer (a slot is the request's, so another
    // server function calling one of them in its own request would be answered with its copy),
    // and not a plain form post, which Leptos answers with a redirect.
    let answers_kept = request.method() == Method::POST
        && KEPT_ANSWERS.contains(&request.uri().path())
        && !request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    let encoding = Encoding::accepted(request.headers());
    let (true, Some(content_encoding)) = (answers_kept, encoding.header_value()) else {
        return next.run(request).await;
    };
    let slot = Slot {
        encoding,
        copy: Default::default(),
    };
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let copy = slot.copy.lock().unwrap_or_else(|p| p.into_inner()).take();
    let Some(copy) = copy.filter(|_| response.status().is_success()) else {
        return response;
    };
    let (mut parts, _stand_in) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static(content_encoding));
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    Response::from_parts(parts, Body::from(copy))
}

//! Kept tree answers go out as the kept bytes themselves. `get_tree` and `shared_tree` answer
//! from [`TreeCache`]; written out through the server function, each answer was serialized
//! again into a body of its own (34.5 MB for 100,000 nodes, per request) and then compressed
//! again by the layers in `router`. Here a request for one of them carries a [`Slot`]; the
//! server function, having checked who may read the tree, puts the answer in it ([`answer`])
//! and the response goes out as the kept compressed copy, made once per tree version, when the
//! request takes it and it is made, else as the kept JSON without a copy, which the layers
//! compress as any answer when the request takes a compression (a brotli or gzip copy not made
//! yet is begun off the request path). What a caller may read and every error stay the server
//! function's.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::value::RawValue;

use super::encoding::Encoding;
use super::tree_cache::{bytes_of, TreeCache};
use crate::model::tree::KeptJson;

/// What a request takes, and the kept answer its server function put in for it, if it did.
#[derive(Clone)]
pub struct Slot {
    encoding: Encoding,
    answer: Arc<Mutex<Option<Kept>>>,
}

/// What goes out instead of the server function's stand-in.
enum Kept {
    /// The kept copy in the request's encoding (`Content-Encoding`).
    Copy(Bytes, &'static str),
    /// The kept JSON itself, for the layers to compress as they would any answer.
    Json(KeptJson),
}

/// What a server function returns for `json`, its tree's answer kept in `cache`: a `null`
/// stand-in the layer replaces with the kept bytes when the request has a slot (writing out
/// the whole answer only for it to be dropped was ~10 ms of copying for 100,000 nodes, and as
/// much memory as the answer per request), else `json` itself. A brotli or gzip copy the
/// request takes and that is not made yet is begun. Call only once the caller may read the
/// tree, as the server function's last step: the stand-in must not go out with an error.
pub fn answer(cache: &TreeCache, tree_id: i32, json: KeptJson) -> KeptJson {
    let Some(slot) = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Slot>().cloned())
    else {
        return json;
    };
    let kept = match (
        cache.kept_copy(tree_id, &json, slot.encoding),
        slot.encoding.header_value(),
    ) {
        (Some(copy), Some(content_encoding)) => Kept::Copy(copy, content_encoding),
        _ => Kept::Json(json),
    };
    *slot.answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(kept);
    KeptJson::new(RawValue::from_string("null".to_string()).expect("null is JSON"))
}

/// The server functions that answer with [`answer`].
const KEPT_ANSWERS: [&str; 2] = ["/api/get_tree", "/api/shared_tree"];

/// The layer: a call of one of [`KEPT_ANSWERS`] gets a [`Slot`]; a successful answer whose
/// server function filled it goes out as what it put there.
pub async fn serve(mut request: Request, next: Next) -> Response {
    // Only the server functions that offer a kept answer (a slot is the request's: another
    // server function that called one of them in-process would have its own response replaced
    // by the tree), and not a plain form post, which Leptos may answer with a redirect.
    let answers_kept = request.method() == Method::POST
        && KEPT_ANSWERS.contains(&request.uri().path())
        && !request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if !answers_kept {
        return next.run(request).await;
    }
    let slot = Slot {
        encoding: Encoding::accepted(request.headers()),
        answer: Default::default(),
    };
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let kept = slot.answer.lock().unwrap_or_else(|p| p.into_inner()).take();
    // Not over a redirect or an error: only a success carries the stand-in.
    let Some(kept) = kept.filter(|_| response.status().is_success()) else {
        return response;
    };
    let (mut parts, _stand_in) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match kept {
        Kept::Copy(copy, content_encoding) => {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(content_encoding));
            parts
                .headers
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
            Body::from(copy)
        }
        Kept::Json(json) => Body::from(bytes_of(json)),
    };
    Response::from_parts(parts, body)
}

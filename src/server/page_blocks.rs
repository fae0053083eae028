//! The big parts of a page (the editor's tree block, a share page's boxes and edges) go into
//! the response after Leptos has rendered the rest. Handed to Leptos as text, a part is copied
//! into its stream's buffer, which grows by doubling, and again when the stream is collected
//! into the body: for the editor page of a 100,000-node tree (21.5 MB of JSON) that was
//! ~86 MB of buffers while the page was made (heaptrack), and each copy is CPU on every page.
//! Here the view renders a marker in the part's place ([`place`]) and the layer ([`splice`])
//! sends the page around the part's own bytes, which for a kept tree block are the cache's
//! (no copy at all).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A part held back, and the marker standing for it in the page.
type Part = (String, Bytes);

/// The parts a request's page holds back; `None` once the layer has taken them.
#[derive(Clone)]
struct Held(Arc<Mutex<Option<Vec<Part>>>>);

/// What a view renders for `part`, markup that goes into the page as is: only ever as an
/// element's inner HTML (`inner_html`), since the part replaces the marker unescaped. A marker
/// the layer replaces with `part`, or `part` itself on a request the layer does not see or
/// once the page has gone out (a route rendered as a stream would get here late).
pub fn place(part: Bytes) -> String {
    let held =
        leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<Held>().cloned())
            .flatten();
    let inline = |part: Bytes| String::from_utf8_lossy(&part).into_owned();
    let Some(Held(held)) = held else {
        return inline(part);
    };
    // Random: nothing a user wrote can be taken for it (and their text is escaped anyway).
    let mut nonce = [0u8; 16];
    if getrandom::fill(&mut nonce).is_err() {
        return inline(part);
    }
    let marker = format!("page-part-{}", hex::encode(nonce));
    match held.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        Some(parts) => parts.push((marker.clone(), part)),
        None => {
            tracing::error!("a page part placed after its page was sent");
            return inline(part);
        }
    }
    marker
}

/// A JSON data block for a `<script type="application/json">`, made from a kept answer
/// without copying it unless it holds a `<` (see `ui::json_for_script`).
pub fn script_json(json: crate::model::tree::KeptJson) -> Bytes {
    if json.get().contains('<') {
        Bytes::from(crate::ui::json_for_script(json.get().to_string()))
    } else {
        super::tree_cache::bytes_of(json)
    }
}

/// The layer, around the pages: a page whose view placed parts goes out with them in their
/// markers' places.
pub async fn splice(mut request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let zstd = super::page_zstd::accepted(request.headers());
    let held = Held(Arc::new(Mutex::new(Some(Vec::new()))));
    request.extensions_mut().insert(held.clone());
    let response = next.run(request).await;
    let parts = held
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .unwrap_or_default();
    if parts.is_empty() {
        return response;
    }
    let (mut head, body) = response.into_parts();
    // What Leptos sent, without the parts: the page is rendered whole before its first byte.
    let page = match to_bytes(body, usize::MAX).await {
        Ok(page) => page,
        Err(err) => {
            tracing::error!(error = %err, "page body unreadable");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    head.headers.remove(header::CONTENT_LENGTH);
    let mut pieces = pieces(page, parts);
    // For a browser that takes zstd the page is compressed here, a big one on every core at
    // once (`page_zstd`; the layers outside leave an encoded response alone). Other encodings
    // are the outer layers' as the page goes out.
    if zstd && !head.headers.contains_key(header::CONTENT_ENCODING) {
        match super::page_zstd::compress(pieces.clone(), super::page_zstd::LEVEL).await {
            Ok(frames) => {
                pieces = frames;
                head.headers
                    .insert(header::CONTENT_ENCODING, header::HeaderValue::from_static("zstd"));
                head.headers
                    .append(header::VARY, header::HeaderValue::from_static("accept-encoding"));
            }
            Err(err) => tracing::error!(error = %err, "page not compressed"),
        }
    }
    Response::from_parts(
        head,
        Body::from_stream(futures::stream::iter(pieces.into_iter().map(Ok::<_, Infallible>))),
    )
}

/// `page` cut at its markers with each part between: slices of the same buffers, no copies.
/// A part whose marker is not in the page (its view was not rendered after all) is dropped.
fn pieces(page: Bytes, parts: Vec<Part>) -> Vec<Bytes> {
    let mut found: Vec<(usize, usize, Bytes)> = parts
        .into_iter()
        .filter_map(|(marker, part)| {
            let at = memchr::memmem::find(&page, marker.as_bytes())?;
            Some((at, at + marker.len(), part))
        })
        .collect();
    found.sort_by_key(|&(at, _, _)| at);
    let mut pieces = Vec::with_capacity(found.len() * 2 + 1);
    let mut from = 0;
    for (at, end, part) in found {
        pieces.push(page.slice(from..at));
        pieces.push(part);
        from = end;
    }
    pieces.push(page.slice(from..));
    pieces.retain(|piece| !piece.is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(pieces: Vec<Bytes>) -> String {
        String::from_utf8(pieces.concat()).unwrap()
    }

    #[test]
    fn parts_go_in_their_markers_places_whatever_order_they_were_placed_in() {
        let page = Bytes::from_static(b"<div>page-part-b</div><script>page-part-a</script>");
        let parts = vec![
            ("page-part-a".to_string(), Bytes::from_static(b"{\"tree\":1}")),
            ("page-part-b".to_string(), Bytes::from_static(b"<span>boxes</span>")),
        ];
        assert_eq!(
            joined(pieces(page, parts)),
            "<div><span>boxes</span></div><script>{\"tree\":1}</script>"
        );
    }

    #[test]
    fn a_part_whose_marker_is_not_in_the_page_is_dropped() {
        let page = Bytes::from_static(b"<p>not found</p>");
        let parts = vec![("page-part-x".to_string(), Bytes::from_static(b"secret"))];
        assert_eq!(joined(pieces(page, parts)), "<p>not found</p>");
    }

    #[test]
    fn the_parts_are_not_copied() {
        let part = Bytes::from(vec![b'x'; 4096]);
        let page = Bytes::from_static(b"<a>page-part-1</a>");
        let pieces = pieces(page, vec![("page-part-1".to_string(), part.clone())]);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[1].as_ptr(), part.as_ptr());
    }
}

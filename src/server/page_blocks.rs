//! The big parts of a page (the editor's tree block, a share page's boxes and edges) go into
//! the response after Leptos has rendered the rest. Handed to Leptos as text, a part is copied
//! into its stream's buffer, which grows by doubling, and again when the stream is collected
//! into the body: for the editor page of a 100,000-node tree (21.5 MB of JSON) that was
//! ~86 MB of buffers while the page was made (heaptrack), and each copy is CPU on every page.
//! Here the view renders a marker in the part's place ([`place`]) and the layer ([`splice`])
//! sends the page around the part's own bytes, which for a kept tree block are the cache's
//! (no copy at all). For a browser that takes zstd, a big part starts being compressed as soon
//! as it is placed, while the rest of the page is made (`page_zstd`).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::page_zstd::{self, Piece};

/// A part held back (with its frames if they are being made), and the marker standing for it
/// in the page.
struct Part {
    marker: String,
    piece: Piece,
}

/// The parts a request's page holds back (`None` once the layer has taken them), and whether
/// the page goes out compressed by the layer (zstd).
#[derive(Clone)]
struct Held {
    parts: Arc<Mutex<Option<Vec<Part>>>>,
    zstd: bool,
}

/// What a view renders for `part`, markup that goes into the page as is: only ever as an
/// element's inner HTML (`inner_html`), since the part replaces the marker unescaped. A marker
/// the layer replaces with `part`, or `part` itself on a request the layer does not see or
/// once the page has gone out (a route rendered as a stream would get here late).
pub fn place(part: Bytes) -> String {
    let held =
        leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<Held>().cloned())
            .flatten();
    let inline = |part: Bytes| String::from_utf8_lossy(&part).into_owned();
    let Some(held) = held else {
        return inline(part);
    };
    // Random: nothing a user wrote can be taken for it (and their text is escaped anyway).
    let mut nonce = [0u8; 16];
    if getrandom::fill(&mut nonce).is_err() {
        return inline(part);
    }
    let marker = format!("page-part-{}", hex::encode(nonce));
    let started = held.zstd.then(|| page_zstd::start(&part, page_zstd::LEVEL)).flatten();
    let mut parts = held.parts.lock().unwrap_or_else(|p| p.into_inner());
    match parts.as_mut() {
        Some(parts) => parts.push(Part {
            marker: marker.clone(),
            piece: Piece { text: part, started },
        }),
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
    let held = Held {
        parts: Arc::new(Mutex::new(Some(Vec::new()))),
        zstd: page_zstd::accepted(request.headers()),
    };
    request.extensions_mut().insert(held.clone());
    let response = next.run(request).await;
    let parts = held
        .parts
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
    let pieces = pieces(page, parts);
    let mut body: Vec<Bytes> = pieces.iter().map(|p| p.text.clone()).collect();
    // For a browser that takes zstd the page is compressed here, its big parts already under
    // way (`page_zstd`; the layers outside leave an encoded response alone). Other encodings
    // are the outer layers' as the page goes out.
    if held.zstd && !head.headers.contains_key(header::CONTENT_ENCODING) {
        match page_zstd::compress(pieces, page_zstd::LEVEL).await {
            Ok(frames) => {
                body = frames;
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
        Body::from_stream(futures::stream::iter(body.into_iter().map(Ok::<_, Infallible>))),
    )
}

/// `page` cut at its markers with each part between: slices of the same buffers, no copies.
/// A part whose marker is not in the page (its view was not rendered after all) is dropped.
fn pieces(page: Bytes, parts: Vec<Part>) -> Vec<Piece> {
    let mut found: Vec<(usize, usize, Part)> = parts
        .into_iter()
        .filter_map(|part| {
            let at = memchr::memmem::find(&page, part.marker.as_bytes())?;
            Some((at, at + part.marker.len(), part))
        })
        .collect();
    found.sort_by_key(|&(at, _, _)| at);
    let text = |text: Bytes| Piece { text, started: None };
    let mut pieces = Vec::with_capacity(found.len() * 2 + 1);
    let mut from = 0;
    for (at, end, part) in found {
        pieces.push(text(page.slice(from..at)));
        pieces.push(part.piece);
        from = end;
    }
    pieces.push(text(page.slice(from..)));
    pieces.retain(|piece| !piece.text.is_empty());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(marker: &str, text: Bytes) -> Part {
        Part {
            marker: marker.to_string(),
            piece: Piece { text, started: None },
        }
    }

    fn joined(pieces: Vec<Piece>) -> String {
        String::from_utf8(pieces.into_iter().map(|p| p.text).collect::<Vec<_>>().concat()).unwrap()
    }

    #[test]
    fn parts_go_in_their_markers_places_whatever_order_they_were_placed_in() {
        let page = Bytes::from_static(b"<div>page-part-b</div><script>page-part-a</script>");
        let parts = vec![
            part("page-part-a", Bytes::from_static(b"{\"tree\":1}")),
            part("page-part-b", Bytes::from_static(b"<span>boxes</span>")),
        ];
        assert_eq!(
            joined(pieces(page, parts)),
            "<div><span>boxes</span></div><script>{\"tree\":1}</script>"
        );
    }

    #[test]
    fn a_part_whose_marker_is_not_in_the_page_is_dropped() {
        let page = Bytes::from_static(b"<p>not found</p>");
        let parts = vec![part("page-part-x", Bytes::from_static(b"secret"))];
        assert_eq!(joined(pieces(page, parts)), "<p>not found</p>");
    }

    #[test]
    fn the_parts_are_not_copied() {
        let text = Bytes::from(vec![b'x'; 4096]);
        let page = Bytes::from_static(b"<a>page-part-1</a>");
        let pieces = pieces(page, vec![part("page-part-1", text.clone())]);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[1].text.as_ptr(), text.as_ptr());
    }

    /// A part started early keeps its frames under way as it goes into its place.
    #[tokio::test]
    async fn a_started_part_keeps_its_frames() {
        let text = Bytes::from(vec![b'x'; 64 * 1024]);
        let page = Bytes::from_static(b"<a>page-part-1</a>");
        let mut started = part("page-part-1", text.clone());
        started.piece.started = page_zstd::start(&text, page_zstd::LEVEL);
        let pieces = pieces(page, vec![started]);
        assert!(pieces[0].started.is_none() && pieces[1].started.is_some() && pieces[2].started.is_none());
        let frames = page_zstd::compress(pieces, page_zstd::LEVEL).await.unwrap();
        let body = zstd::stream::decode_all(&frames.concat()[..]).unwrap();
        assert_eq!(body, [&b"<a>"[..], &[b'x'; 64 * 1024], b"</a>"].concat());
    }
}

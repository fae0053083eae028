//! Share pages kept rendered and compressed for visitors without a session: a shared link can
//! be opened by many people at once, and a 1,000-node page costs milliseconds to render and
//! more to compress. Each request still asks the database whether the link is live and which
//! version of the tree it shows (one indexed row), so a revoked link is a 404 and an edit is
//! visible on the very next request; only the rendering is reused.
//!
//! The first visitor after an edit is not kept waiting for the cache: the page goes out as soon
//! as it is rendered (compressed per request by the layers outside, as any page), and its
//! brotli and gzip copies are made off the request path. Making them first had that visitor
//! wait ~17 ms for a 1,000-node page instead of ~7.
//!
//! Visitors who miss together (a link opened by a crowd right after an edit) wait for the one
//! who asked first instead of each rendering the same page; if that visitor's render fails or
//! goes away, each renders their own.
//!
//! The page keeps the CSP nonce it was rendered with for as long as it is cached. A nonce must
//! be unknown to whoever can put markup into the page; here the page's content (the tree) is
//! the cache key, so text written after a page was cached makes a new page with a new nonce,
//! and nothing from the request (query, headers) reaches a cached page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;
use time::PrimitiveDateTime;
use tokio::sync::watch;

use super::encoding::{self, Encoding};
use super::repo::share::token_hash;
use crate::model::share::is_token_shaped;

/// Pages kept at most, whatever their size; the least recently filled goes first.
const MAX_PAGES: usize = 256;
/// Larger pages (tens of thousands of nodes) are rendered for every request instead, as is a
/// page over a quarter of the cache's bytes.
const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;
/// Compression of the kept copies: brotli 5 and gzip 6 take ~10 ms for a 1,000-node page (on a
/// blocking thread, after it has been served) and shrink it ~10x; paid once per tree version.
const BROTLI_QUALITY: u32 = 5;
const GZIP_LEVEL: u32 = 6;

/// What a cached page is valid for: the tree's content and its saved view (orientation).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    tree_id: i32,
    version: i64,
    updated_at: PrimitiveDateTime,
    canvas_state: String,
}

struct Page {
    version: Version,
    filled: u64,
    csp: HeaderValue,
    raw: Bytes,
    /// Brotli and gzip, once made.
    compressed: OnceLock<(Bytes, Bytes)>,
}

/// A kept page and the bytes it holds (the raw page, then its copies too once made).
struct Kept {
    page: Arc<Page>,
    bytes: usize,
}

struct Pages {
    by_token: HashMap<Vec<u8>, Kept>,
    /// What the kept pages hold, copies included; at most `capacity_bytes`.
    bytes: usize,
    capacity_bytes: usize,
    fills: u64,
    /// Pages being rendered, by token: followers wait until the sender is dropped.
    rendering: HashMap<Vec<u8>, (Version, watch::Receiver<()>)>,
}

impl Pages {
    fn new(capacity_bytes: usize) -> Self {
        Pages {
            by_token: HashMap::new(),
            bytes: 0,
            capacity_bytes,
            fills: 0,
            rendering: HashMap::new(),
        }
    }

    fn kept(&self, hash: &[u8], version: &Version) -> Option<Arc<Page>> {
        self.by_token
            .get(hash)
            .filter(|k| k.page.version == *version)
            .map(|k| k.page.clone())
    }

    /// Keeps `page` for `hash` in place of any older one, unless it is too big to keep (then
    /// its body is given back, to be served once, and the older one goes all the same: it
    /// will not be served again).
    fn keep(&mut self, hash: Vec<u8>, mut page: Page) -> Result<Arc<Page>, Bytes> {
        self.remove(&hash);
        let bytes = page.raw.len();
        if bytes > MAX_PAGE_BYTES.min(self.capacity_bytes / 4) {
            return Err(page.raw);
        }
        self.fills += 1;
        page.filled = self.fills;
        self.make_room(bytes, 1);
        let page = Arc::new(page);
        self.bytes += bytes;
        self.by_token.insert(
            hash,
            Kept {
                page: page.clone(),
                bytes,
            },
        );
        Ok(page)
    }

    /// Adds a page's compressed copies to what it holds, if it is still kept.
    fn count_copies(&mut self, hash: &[u8], page: &Arc<Page>, bytes: usize) {
        let Some(kept) = self.by_token.get_mut(hash).filter(|k| Arc::ptr_eq(&k.page, page)) else {
            return;
        };
        kept.bytes += bytes;
        self.bytes += bytes;
        self.make_room(0, 0);
    }

    fn remove(&mut self, hash: &[u8]) {
        if let Some(old) = self.by_token.remove(hash) {
            self.bytes -= old.bytes;
        }
    }

    /// Drops the least recently filled pages until `bytes` and `pages` more fit.
    fn make_room(&mut self, bytes: usize, pages: usize) {
        while self.bytes + bytes > self.capacity_bytes || self.by_token.len() + pages > MAX_PAGES {
            let Some(oldest) = self
                .by_token
                .iter()
                .min_by_key(|(_, k)| k.page.filled)
                .map(|(hash, _)| hash.clone())
            else {
                return;
            };
            self.remove(&oldest);
        }
    }
}

/// How a request gets its page: kept, rendered by this request, or by one already under way.
enum Fill {
    Kept(Arc<Page>),
    Lead(Lead),
    Follow(watch::Receiver<()>),
    /// Another version of the page is being rendered (an edit came between): this request
    /// renders its own, neither waiting nor leading.
    Alone,
}

/// The render a request leads; dropping it (the page kept, or not) wakes the followers.
struct Lead {
    pages: Arc<Mutex<Pages>>,
    hash: Vec<u8>,
    _done: watch::Sender<()>,
}

impl Drop for Lead {
    fn drop(&mut self) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        pages.rendering.remove(&self.hash);
    }
}

#[derive(Clone)]
pub struct ShareCache {
    pool: PgPool,
    session_cookie: &'static str,
    pages: Arc<Mutex<Pages>>,
}

impl ShareCache {
    /// Keeps pages (and their compressed copies) up to `capacity_bytes` in all.
    pub fn new(pool: PgPool, session_cookie: &'static str, capacity_bytes: usize) -> Self {
        ShareCache {
            pool,
            session_cookie,
            pages: Arc::new(Mutex::new(Pages::new(capacity_bytes))),
        }
    }

    fn pages(&self) -> std::sync::MutexGuard<'_, Pages> {
        self.pages.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, hash: &[u8], version: &Version) -> Option<Arc<Page>> {
        self.pages().kept(hash, version)
    }

    /// One look under the lock at what is kept and what is under way, so a render that ends
    /// between the two is not started again.
    fn fill(&self, hash: &[u8], version: &Version) -> Fill {
        let mut pages = self.pages();
        if let Some(page) = pages.kept(hash, version) {
            return Fill::Kept(page);
        }
        match pages.rendering.get(hash) {
            Some((under_way, done)) if under_way == version => Fill::Follow(done.clone()),
            Some(_) => Fill::Alone,
            None => {
                let (done, waiting) = watch::channel(());
                pages.rendering.insert(hash.to_vec(), (version.clone(), waiting));
                Fill::Lead(Lead {
                    pages: self.pages.clone(),
                    hash: hash.to_vec(),
                    _done: done,
                })
            }
        }
    }
}

/// The token of a share page request that may be served from the cache. The query is not
/// part of the key: the page reads none, and links passed around pick up tracking parameters
/// (`?utm_source=…`, `?fbclid=…`) that would otherwise have every visitor's page rendered.
fn cacheable_token<'a>(request: &'a Request, session_cookie: &str) -> Option<&'a str> {
    if request.method() != Method::GET {
        return None;
    }
    let token = request.uri().path().strip_prefix("/s/")?;
    if !is_token_shaped(token) {
        return None;
    }
    // A logged-in visitor's page carries their name in the header: rendered for them.
    let has_session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim().starts_with(&format!("{session_cookie}=")));
    (!has_session).then_some(token)
}

pub async fn serve(State(cache): State<ShareCache>, mut request: Request, next: Next) -> Response {
    let Some(token) = cacheable_token(&request, cache.session_cookie) else {
        return next.run(request).await;
    };
    let hash = token_hash(token);
    let version = match super::repo::share::live_version(&cache.pool, &hash).await {
        Ok(Some(row)) => Version {
            tree_id: row.tree_id,
            version: row.version,
            updated_at: row.updated_at,
            canvas_state: row.canvas_state,
        },
        // Unknown or revoked (the page says 404), or the database is away (it says 503).
        Ok(None) | Err(_) => return next.run(request).await,
    };
    let encoding = Encoding::accepted(request.headers());
    let lead = match cache.fill(&hash, &version) {
        Fill::Kept(page) => return respond(&page, encoding, "hit"),
        Fill::Lead(lead) => Some(lead),
        Fill::Follow(mut done) => {
            // Ends when the leader's render is over, kept or not (the request timeout
            // outside bounds the wait).
            let _ = done.changed().await;
            if let Some(page) = cache.cached(&hash, &version) {
                return respond(&page, encoding, "hit");
            }
            None
        }
        Fill::Alone => None,
    };

    // The page is kept as rendered, before any compression: the splice layer inside would
    // otherwise send it as zstd to a browser that takes zstd.
    request.headers_mut().remove(header::ACCEPT_ENCODING);
    let response = next.run(request).await;
    let is_page = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    let Some(csp) = response.headers().get(header::CONTENT_SECURITY_POLICY).cloned() else {
        return response;
    };
    if !is_page {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Async rendering holds the whole page in memory before the first byte anyway.
    let raw = match to_bytes(body, usize::MAX).await {
        Ok(raw) => raw,
        Err(err) => {
            tracing::error!(error = %err, "share page body unreadable");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let kept = cache.pages().keep(
        hash.clone(),
        Page {
            version,
            filled: 0,
            csp,
            raw,
            compressed: OnceLock::new(),
        },
    );
    let page = match kept {
        Ok(page) => page,
        Err(raw) => return Response::from_parts(parts, Body::from(raw)),
    };
    drop(lead);
    // Answered before the copies are begun: a small page's copies can be made before this
    // task runs again, and the visitor who rendered the page is not to wait for them either way.
    let response = respond(&page, encoding, "miss");
    let filling = page.clone();
    tokio::task::spawn_blocking(move || match compress(&filling.raw) {
        Ok(copies) => {
            // Counted before they are handed out, so the cache's size never trails its copies.
            cache
                .pages()
                .count_copies(&hash, &filling, copies.0.len() + copies.1.len());
            let _ = filling.compressed.set(copies);
        }
        // The raw page stays kept and goes out compressed per request.
        Err(err) => tracing::error!(error = %err, "share page copies not made"),
    });
    response
}

fn compress(raw: &[u8]) -> std::io::Result<(Bytes, Bytes)> {
    Ok((
        encoding::compress(raw, Encoding::Brotli, BROTLI_QUALITY)?,
        encoding::compress(raw, Encoding::Gzip, GZIP_LEVEL)?,
    ))
}

/// `outcome` goes out in `x-share-cache`; a hit whose compressed copies are still being made
/// says `hit-compressing`.
fn respond(page: &Page, encoding: Encoding, mut outcome: &'static str) -> Response {
    let (body, content_encoding) = match (encoding, page.compressed.get()) {
        (Encoding::Brotli, Some((br, _))) => (br.clone(), Some("br")),
        (Encoding::Gzip, Some((_, gzip))) => (gzip.clone(), Some("gzip")),
        (Encoding::Identity, _) => (page.raw.clone(), None),
        // Not made yet: the compression layers outside compress this one as they would any
        // page (zstd or brotli 4, a fraction of what the kept copies cost).
        (_, None) => {
            if outcome == "hit" {
                outcome = "hit-compressing";
            }
            (page.raw.clone(), None)
        }
    };
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, page.csp.clone());
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = content_encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert("x-share-cache", HeaderValue::from_static(outcome));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(tree_id: i32, version: i64, bytes: usize) -> Page {
        Page {
            version: Version {
                tree_id,
                version,
                updated_at: PrimitiveDateTime::MIN,
                canvas_state: String::new(),
            },
            filled: 0,
            csp: HeaderValue::from_static("default-src 'self'"),
            raw: Bytes::from(vec![b'x'; bytes]),
            compressed: OnceLock::new(),
        }
    }

    fn tokens(pages: &Pages) -> Vec<u8> {
        let mut kept: Vec<u8> = pages.by_token.keys().map(|hash| hash[0]).collect();
        kept.sort();
        kept
    }

    #[test]
    fn kept_pages_and_their_copies_stay_within_the_bytes_given() {
        let mut pages = Pages::new(1_000);
        for token in 1..=4u8 {
            assert!(pages.keep(vec![token], page(token.into(), 1, 200)).is_ok());
        }
        assert_eq!((tokens(&pages), pages.bytes), (vec![1, 2, 3, 4], 800));

        // The fifth page does not fit beside the four: the first one filled goes.
        pages.keep(vec![5], page(5, 1, 250)).unwrap();
        assert_eq!((tokens(&pages), pages.bytes), (vec![2, 3, 4, 5], 850));

        // Copies count too, and push out the oldest page once made.
        let fifth = pages.by_token[&vec![5]].page.clone();
        pages.count_copies(&[5], &fifth, 200);
        assert_eq!((tokens(&pages), pages.bytes), (vec![3, 4, 5], 850));
        // Copies of a page no longer kept (a newer version replaced it) count for nothing.
        pages.keep(vec![5], page(5, 2, 100)).unwrap();
        pages.count_copies(&[5], &fifth, 200);
        assert_eq!((tokens(&pages), pages.bytes), (vec![3, 4, 5], 500));
        assert!(pages.kept(&[5], &page(5, 1, 0).version).is_none());
        assert!(pages.kept(&[5], &page(5, 2, 0).version).is_some());

        // A page over a quarter of the bytes is served but not kept.
        let big = pages.keep(vec![6], page(6, 1, 251));
        assert!(matches!(big, Err(raw) if raw.len() == 251));
        assert_eq!((tokens(&pages), pages.bytes), (vec![3, 4, 5], 500));
        // ... and a kept page whose next version is that big goes.
        assert!(pages.keep(vec![4], page(4, 2, 251)).is_err());
        assert_eq!((tokens(&pages), pages.bytes), (vec![3, 5], 300));
        assert!(Pages::new(0).keep(vec![1], page(1, 1, 1)).is_err());
    }

    #[test]
    fn at_most_max_pages_are_kept_however_small() {
        let mut pages = Pages::new(usize::MAX);
        for token in 0..=MAX_PAGES as u32 {
            pages
                .keep(token.to_le_bytes().to_vec(), page(token as i32, 1, 1))
                .unwrap();
        }
        assert_eq!(pages.by_token.len(), MAX_PAGES);
        assert!(!pages.by_token.contains_key(&0u32.to_le_bytes()[..]));
        assert_eq!(pages.bytes, MAX_PAGES);
    }

    #[test]
    fn compressed_copies_decompress_to_the_page() {
        let page =
            "<html><body>".to_string() + &"<div class=\"node\">Grow retention</div>".repeat(500) + "</body></html>";
        let (br, gzip) = compress(page.as_bytes()).unwrap();
        assert!(br.len() < page.len() / 10 && gzip.len() < page.len() / 10);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, page.as_bytes());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut out).unwrap();
        assert_eq!(out, page);
    }
}

//! Cross-site request forgery protection.
//!
//! Leptos server functions have no CSRF protection of their own and accept form and text
//! bodies that any site can make a browser send. Browsers tell us where a request comes from
//! (`Origin`, `Sec-Fetch-Site`), so every state-changing request, and every server function
//! call whatever its method, must come from our own origin.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use leptos::server_fn::error::FromServerFnError;

#[derive(Clone)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

impl AllowedOrigins {
    pub fn new(public_origin: &str) -> Self {
        AllowedOrigins(Arc::new(vec![public_origin.to_string()]))
    }

    fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

pub const API_PREFIX: &str = "/api/";

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Why a request is refused, or None when it may go on.
pub fn verdict(method: &Method, path: &str, headers: &HeaderMap, allowed: &AllowedOrigins) -> Option<&'static str> {
    let guarded = !is_safe_method(method) || path.starts_with(API_PREFIX);
    if !guarded {
        return None;
    }
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site {
        // "none" is a user-initiated navigation (typed address, bookmark).
        if !(site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none")) {
            return Some("cross-site request");
        }
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("")) {
        Some(origin) if allowed.allows(origin) => None,
        Some(_) => Some("foreign origin"),
        None => {
            // Same-origin GET requests carry no Origin; a browser's fetch metadata vouches.
            if is_safe_method(method) && fetch_site.is_some() {
                return None;
            }
            // Browsers that send no Origin still send a Referer on same-origin posts.
            let referer_origin = headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of);
            match referer_origin {
                Some(origin) if allowed.allows(&origin) => None,
                _ => Some("missing origin"),
            }
        }
    }
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

pub async fn reject_cross_site(State(allowed): State<AllowedOrigins>, request: Request, next: Next) -> Response {
    if let Some(reason) = verdict(request.method(), request.uri().path(), request.headers(), &allowed) {
        tracing::warn!(
            reason,
            method = %request.method(),
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "refused a request that did not come from our origin"
        );
        let body = AppError::Forbidden.ser();
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn decides_by_origin_and_fetch_metadata() {
        let ours = AllowedOrigins::new("https://trees.example.com");
        let post = Method::POST;
        assert_eq!(
            verdict(
                &post,
                "/api/x",
                &headers(&[("origin", "https://trees.example.com")]),
                &ours
            ),
            None
        );
        assert!(verdict(&post, "/api/x", &headers(&[("origin", "https://evil.example")]), &ours).is_some());
        assert!(verdict(&post, "/api/x", &headers(&[("origin", "null")]), &ours).is_some());
        assert!(verdict(&post, "/api/x", &headers(&[]), &ours).is_some());
        assert!(verdict(
            &post,
            "/api/x",
            &headers(&[
                ("origin", "https://trees.example.com"),
                ("sec-fetch-site", "cross-site")
            ]),
            &ours
        )
        .is_some());
        assert_eq!(
            verdict(
                &post,
                "/api/x",
                &headers(&[("referer", "https://trees.example.com/login")]),
                &ours
            ),
            None
        );
        // Plain page loads pass; server functions are guarded even on GET.
        assert_eq!(
            verdict(
                &Method::GET,
                "/trees/1",
                &headers(&[("sec-fetch-site", "cross-site")]),
                &ours
            ),
            None
        );
        assert!(verdict(
            &Method::GET,
            "/api/x",
            &headers(&[("sec-fetch-site", "cross-site")]),
            &ours
        )
        .is_some());
        assert_eq!(
            verdict(
                &Method::GET,
                "/api/x",
                &headers(&[("sec-fetch-site", "same-origin")]),
                &ours
            ),
            None
        );
    }
}

//! Facts about the current request that server functions need: the caller's address, user
//! agent and session, for rate limits and the activity log.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::header;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::server::repo::activity::Actor;

/// The client address: the peer, or the last `X-Forwarded-For` hop when a trusted proxy sits
/// in front (the last hop is the one our proxy added; earlier ones are the client's word).
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        if let Some(ip) = forwarded {
            return Some(ip.chars().take(64).collect());
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

pub fn user_agent(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect())
}

/// A stable, non-secret name for a session: the session id is a bearer credential and must
/// not be written to the activity log.
pub fn session_tag(session_id: &str) -> String {
    let digest = Sha256::digest(session_id.as_bytes());
    hex::encode(&digest[..12])
}

pub fn actor(parts: &Parts, user_id: &str, session_id: Option<String>, trust_forwarded_for: bool) -> Actor {
    Actor {
        user_id: user_id.to_string(),
        session_id: session_id.as_deref().map(session_tag),
        user_agent: user_agent(parts),
        ip_address: client_ip(parts, trust_forwarded_for),
    }
}

/// A plain HTML form post (no JavaScript): the answer must be a redirect the browser follows.
pub fn is_form_navigation(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The path and query of the page a form was posted from (same origin: the CSRF layer has
/// checked), for sending the browser back to it. Leptos's own error parameters are dropped.
pub fn referer_path(parts: &Parts) -> String {
    let Some(referer) = parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else {
        return "/".into();
    };
    let after_scheme = referer.split_once("://").map(|(_, rest)| rest).unwrap_or(referer);
    let path = match after_scheme.find('/') {
        Some(at) => &after_scheme[at..],
        None => "/",
    };
    let path = path.split('#').next().unwrap_or("/");
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("__err=") && !p.starts_with("__path="))
        .collect();
    let target = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    if target.starts_with('/') && !target.starts_with("//") && target.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        target
    } else {
        "/".into()
    }
}

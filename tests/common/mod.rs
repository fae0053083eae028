//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod process;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use http_body_util::BodyExt;
use impact_tree::server::{router, AppState, Config};
use sqlx::PgPool;
use tower::ServiceExt;

pub fn test_config() -> Config {
    Config::from_parts("test", None, &HashMap::new()).expect("defaults are valid")
}

pub fn app(pool: PgPool) -> Router {
    app_with(pool, test_config())
}

pub fn app_with(pool: PgPool, config: Config) -> Router {
    router::build(AppState::new(pool, config))
}

pub async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    app.clone().oneshot(request).await.expect("the router never fails")
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A response body decoded as its `content-encoding` says (none: as it is).
pub fn decoded(content_encoding: &str, bytes: &[u8]) -> Vec<u8> {
    match content_encoding {
        "" | "identity" => bytes.to_vec(),
        "zstd" => zstd::decode_all(bytes).expect("zstd"),
        "br" => {
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("brotli");
            out
        }
        "gzip" => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).expect("gzip");
            out
        }
        other => panic!("unexpected content encoding {other:?}"),
    }
}

/// The nonce a `Content-Security-Policy` header allows scripts by.
pub fn csp_nonce(csp: &str) -> String {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce in the CSP")
        .to_string()
}

pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// A browser stand-in: keeps the session cookie, sends our Origin and a client address.
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub ip: std::net::IpAddr,
}

pub struct Answer {
    pub status: axum::http::StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(axum::http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                k,
                impact_tree::model::account::encode_query_value(v).replace('/', "%2F")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Client {
    pub fn new(app: Router) -> Self {
        Client {
            app,
            cookie: None,
            ip: "203.0.113.7".parse().unwrap(),
        }
    }

    pub fn with_ip(app: Router, ip: &str) -> Self {
        Client {
            app,
            cookie: None,
            ip: ip.parse().unwrap(),
        }
    }

    pub fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path).header("origin", ORIGIN);
        if let Some(cookie) = &self.cookie {
            builder = builder.header("cookie", cookie);
        }
        builder
    }

    pub async fn send(&mut self, request: Request<Body>) -> Answer {
        let mut request = request;
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(self.ip, 40000)));
        let response = send(&self.app, request).await;
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap().to_string();
            let expired = set.contains("Max-Age=0") || set.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
            self.cookie = if expired { None } else { Some(pair) };
        }
        Answer {
            status,
            headers,
            body: body_text(response).await,
        }
    }

    /// Calls a server function the way the hydrated app does.
    pub async fn call(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> Answer {
        let request = self
            .request("POST", &format!("/api/{endpoint}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Body::from(form(fields)))
            .unwrap();
        self.send(request).await
    }

    /// Calls a server function that takes JSON.
    pub async fn call_json(&mut self, endpoint: &str, body: serde_json::Value) -> Answer {
        let request = self
            .request("POST", &format!("/api/{endpoint}"))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(&mut self, endpoint: &str, fields: &[(&str, &str)], referer: &str) -> Answer {
        let request = self
            .request("POST", &format!("/api/{endpoint}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{ORIGIN}{referer}"))
            .body(Body::from(form(fields)))
            .unwrap();
        self.send(request).await
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self
            .request("GET", path)
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn current_user(&mut self) -> serde_json::Value {
        let answer = self.call("current_user", &[]).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    /// Creates an empty tree of this user's, returning its id.
    pub async fn create_tree(&mut self, name: &str) -> i64 {
        let answer = self.call("create_tree", &[("name", name)]).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{}", answer.body);
        answer.json()["id"].as_i64().unwrap()
    }

    /// Adds a node (`add_node`'s JSON arguments), returning the node as the server answered.
    pub async fn add_node(&mut self, arguments: serde_json::Value) -> serde_json::Value {
        let answer = self.call_json("add_node", arguments).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    /// A new share link to one of this user's trees, as the server answered it (`token`, `link`,
    /// `path`).
    pub async fn create_share_link(&mut self, tree: i64) -> serde_json::Value {
        let answer = self.call("create_share_link", &[("tree_id", &tree.to_string())]).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    pub async fn sign_up(&mut self, email: &str, password: &str) -> Answer {
        self.call(
            "sign_up",
            &[
                ("email", email),
                ("display_name", "Test Person"),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> Answer {
        self.call("log_in", &[("email", email), ("password", password)]).await
    }
}

/// A strong password that is on no common list.
pub const PASSWORD: &str = "tidy-impact-tree-42";

/// Signs up a fresh user on a client of its own, returning the client (logged in) and the id.
pub async fn signed_up(app: &Router, email: &str) -> (Client, String) {
    let mut client = Client::new(app.clone());
    let answer = client.sign_up(email, PASSWORD).await;
    assert_eq!(
        answer.status,
        axum::http::StatusCode::OK,
        "sign-up failed: {}",
        answer.body
    );
    assert_eq!(answer.location(), Some("/"));
    let user = client.current_user().await;
    let id = user["id"].as_str().expect("logged in after sign-up").to_string();
    (client, id)
}

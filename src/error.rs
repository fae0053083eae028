//! The one error type of the app, shared by server functions and the browser.
//!
//! Internals (SQL, I/O, panics) are logged on the server with the request id and reach the
//! client only as [`AppError::Internal`] with a generic message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// On the wire an object whose `kind` names the variant beside its fields
/// (`{"kind":"validation","field":"title","message":"…"}`); read back by hand (below).
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// The thing does not exist, or it is not the caller's: the two are indistinguishable on
    /// purpose, so ids cannot be probed.
    #[error("not found")]
    NotFound,
    #[error("please log in")]
    Unauthorized,
    /// Unknown email and wrong password get this same answer, so accounts cannot be probed.
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("this request is not allowed")]
    Forbidden,
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// An imported document with problems; each names where it is.
    #[error("the document has {} problem(s)", problems.len())]
    InvalidDocument {
        problems: Vec<crate::model::document::Problem>,
    },
    /// A write based on a stale version; `current` carries the row as it now is.
    #[error("{message}")]
    Conflict {
        message: String,
        current: Option<serde_json::Value>,
    },
    #[error("too many attempts, please wait a moment")]
    RateLimited,
    #[error("the request is too large")]
    PayloadTooLarge,
    #[error("bad request: {message}")]
    BadRequest { message: String },
    #[error("the service is temporarily unavailable, please try again")]
    Unavailable,
    /// Could not reach the server (raised in the browser).
    #[error("could not reach the server: {message}")]
    Network { message: String },
    #[error("something went wrong on our side")]
    Internal,
}

impl AppError {
    /// The message for one form field, if this error is about it.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    /// The message for the top of a form: everything that is not about one field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Validation { .. } => None,
            other => Some(other.to_string()),
        }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest {
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::Validation { .. } | AppError::InvalidDocument { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::RateLimited => 429,
            AppError::PayloadTooLarge => 413,
            AppError::BadRequest { .. } => 400,
            AppError::Unavailable => 503,
            AppError::Network { .. } => 503,
            AppError::Internal => 500,
        }
    }
}

/// Read through a `serde_json::Value` rather than derived: serde's derive for an internally
/// tagged enum buffers through its private `Content` type, which put ~20 KB into the
/// WebAssembly for this one type; `Value` is there anyway (template data).
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        const KINDS: &[&str] = &[
            "not_found",
            "unauthorized",
            "invalid_credentials",
            "forbidden",
            "validation",
            "invalid_document",
            "conflict",
            "rate_limited",
            "payload_too_large",
            "bad_request",
            "unavailable",
            "network",
            "internal",
        ];
        let Value::Object(mut fields) = Value::deserialize(deserializer)? else {
            return Err(D::Error::custom("an error must be an object"));
        };
        let mut text = |name: &'static str| match fields.remove(name) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(D::Error::custom(format_args!("`{name}` must be a string"))),
            None => Err(D::Error::missing_field(name)),
        };
        let kind = text("kind")?;
        Ok(match kind.as_str() {
            "not_found" => AppError::NotFound,
            "unauthorized" => AppError::Unauthorized,
            "invalid_credentials" => AppError::InvalidCredentials,
            "forbidden" => AppError::Forbidden,
            "validation" => AppError::Validation {
                field: text("field")?,
                message: text("message")?,
            },
            "invalid_document" => AppError::InvalidDocument {
                problems: serde_json::from_value(fields.remove("problems").unwrap_or_default())
                    .map_err(D::Error::custom)?,
            },
            "conflict" => AppError::Conflict {
                message: text("message")?,
                current: fields.remove("current").filter(|v| !v.is_null()),
            },
            "rate_limited" => AppError::RateLimited,
            "payload_too_large" => AppError::PayloadTooLarge,
            "bad_request" => AppError::BadRequest {
                message: text("message")?,
            },
            "unavailable" => AppError::Unavailable,
            "network" => AppError::Network {
                message: text("message")?,
            },
            "internal" => AppError::Internal,
            other => return Err(D::Error::unknown_variant(other, KINDS)),
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Bodies that do not decode, missing arguments, bad URLs: the caller's mistake.
            ServerFnErrorErr::Deserialization(message)
            | ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message) => {
                if message.contains("length limit exceeded") {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest {
                        message: truncate(&message, 200),
                    }
                }
            }
            // Raised in the browser when the request did not get through.
            ServerFnErrorErr::Request(message) => AppError::Network {
                message: truncate(&message, 200),
            },
            other => {
                tracing::error!(error = %other, "server function failed");
                AppError::Internal
            }
        }
    }
}

fn truncate(message: &str, max: usize) -> String {
    match message.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_string(),
    }
}

#[cfg(feature = "ssr")]
mod server_side {
    use super::AppError;

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            match &err {
                sqlx::Error::RowNotFound => AppError::NotFound,
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                    tracing::warn!(error = %err, "database unavailable");
                    crate::server::outage::note();
                    AppError::Unavailable
                }
                sqlx::Error::Database(db) => {
                    if let Some(mapped) = db.constraint().and_then(constraint_error) {
                        return mapped;
                    }
                    // 40001 serialization failure, 40P01 deadlock: retryable, and the client
                    // should refresh.
                    if matches!(db.code().as_deref(), Some("40001") | Some("40P01")) {
                        return AppError::Conflict {
                            message: "someone else changed this at the same moment, please retry".into(),
                            current: None,
                        };
                    }
                    // The database went away or is not taking connections (restart,
                    // terminated backend, ALLOW_CONNECTIONS off, too many clients): the
                    // request may be retried once it is back.
                    if db.code().as_deref().is_some_and(is_unavailable_code) {
                        tracing::warn!(error = %err, "database unavailable");
                        crate::server::outage::note();
                        return AppError::Unavailable;
                    }
                    if db.code().as_deref() == Some("57014") {
                        tracing::error!(error = %err, "statement timed out");
                        return AppError::Unavailable;
                    }
                    tracing::error!(error = %err, "database error");
                    AppError::Internal
                }
                _ => {
                    tracing::error!(error = %err, "database error");
                    AppError::Internal
                }
            }
        }
    }

    /// SQLSTATEs of a database that is down or refusing connections: class 08 (connection
    /// exception), 57P01-57P05 (shutdown, crash, starting up, ...), 53300 (too many
    /// connections) and 55000 (database not accepting connections).
    fn is_unavailable_code(code: &str) -> bool {
        code.starts_with("08") || code.starts_with("57P") || code == "53300" || code == "55000"
    }

    /// Constraint names map to messages a person can act on; the list grows with the schema.
    fn constraint_error(constraint: &str) -> Option<AppError> {
        Some(match constraint {
            "users_email_key" => AppError::validation("email", "an account with this email already exists"),
            "users_email_length" => AppError::validation("email", "must be 3 to 254 characters"),
            "users_display_name_length" => AppError::validation("display_name", "must be 1 to 100 characters"),
            "node_connections_unique" => AppError::validation("to_node_id", "these nodes are already linked"),
            "node_connections_no_self_link" => AppError::validation("to_node_id", "a node cannot link to itself"),
            "tree_nodes_parent_same_tree_fk" | "tree_nodes_parent_id_tree_nodes_id_fk" => {
                AppError::validation("parent_id", "the parent node does not exist in this tree")
            }
            "node_connections_from_fk" => AppError::validation("from_node_id", "no such node in this tree"),
            "node_connections_to_fk" => AppError::validation("to_node_id", "no such node in this tree"),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_errors_never_leak_internals() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("SELECT * FROM users".into()));
        assert_eq!(err, AppError::Internal);
        assert!(!err.to_string().contains("SELECT"));
    }

    #[test]
    fn body_limit_maps_to_413() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization("length limit exceeded".into()));
        assert_eq!(err.status_code(), 413);
    }

    #[test]
    fn every_kind_round_trips_as_json() {
        let all = [
            AppError::NotFound,
            AppError::Unauthorized,
            AppError::InvalidCredentials,
            AppError::Forbidden,
            AppError::validation("title", "must not be empty"),
            AppError::InvalidDocument {
                problems: vec![crate::model::document::Problem {
                    path: "nodes[3].parentId".into(),
                    message: "no such node".into(),
                }],
            },
            AppError::Conflict {
                message: "changed meanwhile".into(),
                current: Some(serde_json::json!({"version": 4})),
            },
            AppError::Conflict {
                message: "changed meanwhile".into(),
                current: None,
            },
            AppError::RateLimited,
            AppError::PayloadTooLarge,
            AppError::bad_request("no body"),
            AppError::Unavailable,
            AppError::Network {
                message: "offline".into(),
            },
            AppError::Internal,
        ];
        for err in all {
            let bytes = err.ser();
            assert_eq!(AppError::de(bytes), err);
        }
        let wire = serde_json::to_value(AppError::validation("title", "empty")).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"kind": "validation", "field": "title", "message": "empty"})
        );
    }

    #[test]
    fn malformed_errors_are_refused() {
        for bad in [
            r#"{"kind":"validation","field":"title"}"#,
            r#"{"kind":"no_such_kind"}"#,
            r#"{"field":"title"}"#,
            r#""not_found""#,
            r#"{"kind":"bad_request","message":7}"#,
        ] {
            assert!(serde_json::from_str::<AppError>(bad).is_err(), "{bad}");
        }
    }
}

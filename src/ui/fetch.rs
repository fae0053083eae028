//! Server functions called from the browser's plain code (the editor's client, see
//! `ui::editor::plain`). The request is the one the generated client makes, a JSON body
//! posted to the function's path, and the answer is read as it reads it. The generated
//! client's machinery cost the editor's page ~20 KiB of WebAssembly (brotli) for its first
//! function; this is a few KiB (BENCHMARKS.md, thirty-eighth session). The argument is the
//! function's own argument struct, so what is sent is checked against the server's signature.

use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::AppError;

fn network(err: JsValue) -> AppError {
    AppError::Network {
        message: err
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "the request did not get through".to_string()),
    }
}

/// What an error answer that is not one of ours (a proxy's page, an empty body) stands for.
fn from_status(status: u16) -> AppError {
    match status {
        401 => AppError::Unauthorized,
        403 => AppError::Forbidden,
        404 => AppError::NotFound,
        413 => AppError::PayloadTooLarge,
        429 => AppError::RateLimited,
        502..=504 => AppError::Unavailable,
        _ => AppError::Internal,
    }
}

/// Calls server function `F`, one declared with `input = Json`, with `args`.
pub async fn call<F>(args: &F) -> Result<F::Output, AppError>
where
    F: ServerFn + Serialize,
    F::Output: DeserializeOwned,
{
    let text = send(F::PATH, "application/json", &json_of(args)?).await?;
    decode(&text)
}

/// As [`call`], for a caller that needs only to know that it went through: the answer is
/// not decoded (decoding a type is code in the WebAssembly).
pub async fn call_for_outcome<F>(args: &F) -> Result<(), AppError>
where
    F: ServerFn + Serialize,
{
    send(F::PATH, "application/json", &json_of(args)?).await.map(|_| ())
}

/// Calls server function `F`, one with the default URL-encoded input, with `form` (already
/// encoded: the callers send a number or two).
pub async fn call_form<F>(form: &str) -> Result<F::Output, AppError>
where
    F: ServerFn,
    F::Output: DeserializeOwned,
{
    call_form_reading::<F, F::Output>(form).await
}

/// As [`call_form`], reading only `O` of the answer: a part of the function's output that the
/// caller needs (serde skips the rest), so the WebAssembly decodes less.
pub async fn call_form_reading<F, O>(form: &str) -> Result<O, AppError>
where
    F: ServerFn,
    O: DeserializeOwned,
{
    let text = send(F::PATH, "application/x-www-form-urlencoded", form).await?;
    decode(&text)
}

fn json_of<T: Serialize>(args: &T) -> Result<String, AppError> {
    serde_json::to_string(args).map_err(|err| AppError::BadRequest {
        message: err.to_string(),
    })
}

/// Read as bytes, as the page's tree is (`page_tree::decode`): one serde_json reader in the
/// WebAssembly, not one for text and one for bytes.
fn decode<O: DeserializeOwned>(text: &str) -> Result<O, AppError> {
    serde_json::from_slice(text.as_bytes()).map_err(|err| AppError::BadRequest {
        message: err.to_string(),
    })
}

/// Posts `body` to `path`; the answer's text, or the error it stands for. Not generic: the
/// request's code is in the WebAssembly once, not once per answer type.
async fn send(path: &str, content_type: &str, body: &str) -> Result<String, AppError> {
    let headers = web_sys::Headers::new().map_err(network)?;
    headers.set("Content-Type", content_type).map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    let window = web_sys::window().ok_or(AppError::Internal)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(network)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        Ok(text)
    } else {
        Err(serde_json::from_slice::<AppError>(text.as_bytes()).unwrap_or_else(|_| from_status(response.status())))
    }
}

use crate::error::AppError;

/// Gives a server function's error its HTTP status (server functions answer every error with
/// 500 otherwise), so clients, logs and load balancers see 404/409/422 for what they are.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(err.status_code()) {
                options.set_status(status);
            }
        }
    }
    result
}

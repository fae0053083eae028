//! Sign-up, log-in, log-out and password change. Each works from a JavaScript-free HTML form
//! (errors come back through a one-time flash in the session) and from the hydrated app.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::CurrentUser;

/// An error of a form posted without JavaScript, kept in the session for the page the browser
/// is sent back to, with what the person typed (never the password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormFlash {
    pub form: String,
    pub error: AppError,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// The text of a form whose one field is a document (the import form's), when it is
    /// short enough to keep in the session (`FormFlash::MAX_TEXT_BYTES`).
    #[serde(default)]
    pub text: Option<String>,
}

impl FormFlash {
    /// The longest text a flash keeps: a session row is rewritten with it, and a pasted
    /// outline is a few kilobytes.
    pub const MAX_TEXT_BYTES: usize = 256 * 1024;

    pub fn for_form(form: &str) -> Self {
        FormFlash {
            form: form.into(),
            error: AppError::Internal,
            email: None,
            display_name: None,
            text: None,
        }
    }

    /// Keeps `text` too, unless it is longer than [`Self::MAX_TEXT_BYTES`].
    pub fn with_text(self, text: &str) -> Self {
        FormFlash {
            text: (text.len() <= Self::MAX_TEXT_BYTES).then(|| text.to_string()),
            ..self
        }
    }
}

#[server(prefix = "/api", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::guard;
    Ok(guard::caller().await?.user().map(|u| u.public()))
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    let flash = FormFlash {
        email: Some(email.clone()),
        display_name: Some(display_name.clone()),
        ..FormFlash::for_form("signup")
    };
    server::finish_form(flash, server::sign_up(email, display_name, password, next).await).await
}

#[server(prefix = "/api", endpoint = "log_in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let flash = FormFlash {
        email: Some(email.clone()),
        ..FormFlash::for_form("login")
    };
    server::finish_form(flash, server::log_in(email, password, next).await).await
}

#[server(prefix = "/api", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    server::log_out().await
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    let flash = FormFlash::for_form("password");
    server::finish_form(flash, server::change_password(current_password, new_password).await).await
}

/// The flash left for `form` by a JavaScript-free post, removed as it is read.
#[server(prefix = "/api", endpoint = "take_flash")]
pub async fn take_form_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    server::take_flash_of(&[&form]).await
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::FormFlash;
    use crate::error::AppError;
    use crate::model::account::{check_password_length, normalize_display_name, normalize_email, safe_next};
    use crate::server::auth::session::{unix_now, LOGGED_IN_AT};
    use crate::server::auth::{password, Credentials, User};
    use crate::server::guard::{self, Caller};
    use crate::server::repo;

    pub const FLASH_KEY: &str = "impact_tree.flash";

    /// The flash left by a JavaScript-free post of any of `forms` (a session holds one at
    /// most), removed as it is read; a flash of another form stays for its page.
    pub async fn take_flash_of(forms: &[&str]) -> Result<Option<FormFlash>, AppError> {
        let caller = guard::caller().await?;
        let session = &caller.auth.session;
        let flash: Option<FormFlash> = session.get(FLASH_KEY).await.map_err(session_error)?;
        match flash {
            Some(flash) if forms.contains(&flash.form.as_str()) => {
                session.remove::<FormFlash>(FLASH_KEY).await.map_err(session_error)?;
                Ok(Some(flash))
            }
            _ => Ok(None),
        }
    }

    pub fn session_error(err: tower_sessions::session::Error) -> AppError {
        tracing::error!(error = %err, "session store error");
        AppError::Unavailable
    }

    fn login_error(err: axum_login::Error<crate::server::auth::Backend>) -> AppError {
        match err {
            axum_login::Error::Session(err) => session_error(err),
            axum_login::Error::Backend(err) => err,
        }
    }

    /// Errors of a JavaScript-free form post go to the session, and the browser is sent back
    /// to the form, which shows them once. (Leptos would put them in the URL instead, where
    /// anyone could forge a message on our page.) The hydrated app gets them with their HTTP
    /// status.
    pub async fn finish_form(flash: FormFlash, result: Result<(), AppError>) -> Result<(), AppError> {
        let Err(error) = result else { return Ok(()) };
        if keep_for_the_form(flash, error.clone()).await {
            Ok(())
        } else {
            Err(error)
        }
    }

    /// `finish_form` for a form whose server function answers with a value (a tree made,
    /// say): a JavaScript-free post's error goes to the session as `flash` and the browser back
    /// to the form. The error is still returned; the browser only follows the redirect.
    pub async fn flash_form_error<T>(flash: FormFlash, result: Result<T, AppError>) -> Result<T, AppError> {
        let Err(error) = result else { return result };
        keep_for_the_form(flash, error.clone()).await;
        Err(error)
    }

    /// For a JavaScript-free post: the error into the session as `flash`, and the browser
    /// back to the form. False for any other caller, who gets the error itself.
    async fn keep_for_the_form(mut flash: FormFlash, error: AppError) -> bool {
        let caller = match guard::caller().await {
            Ok(caller) if caller.is_form_navigation() => caller,
            _ => return false,
        };
        flash.error = error;
        if let Err(err) = caller.auth.session.insert(FLASH_KEY, flash).await {
            tracing::error!(error = %err, "could not store a form error in the session");
        }
        leptos_axum::redirect(&crate::server::request_context::referer_path(&caller.parts));
        true
    }

    /// Sends a JavaScript-free post back to the page its form is on, by its path (Leptos
    /// would send the whole `Referer`, with a trailing `?`).
    pub async fn back_to_form() {
        if let Ok(caller) = guard::caller().await {
            if caller.is_form_navigation() {
                leptos_axum::redirect(&crate::server::request_context::referer_path(&caller.parts));
            }
        }
    }

    fn validation(field: &str) -> impl FnOnce(String) -> AppError + '_ {
        move |message| AppError::validation(field, message)
    }

    fn check_new_password(field: &str, password: &str) -> Result<(), AppError> {
        check_password_length(password).map_err(validation(field))?;
        if password::is_common(password) {
            return Err(AppError::validation(
                field,
                "is one of the most common passwords; choose another",
            ));
        }
        Ok(())
    }

    async fn over_limit(caller: &Caller, key: &str, limit: u32) -> Result<bool, AppError> {
        let limits = &caller.state.config.rate_limits;
        let attempts = repo::throttle::hit(&caller.state.pool, key, limits.window).await?;
        Ok(attempts > limit as i32)
    }

    async fn start_session(caller: &mut Caller, user: &User) -> Result<(), AppError> {
        // axum-login gives the session a new id here (session fixation).
        caller.auth.login(user).await.map_err(login_error)?;
        caller
            .auth
            .session
            .insert(LOGGED_IN_AT, unix_now())
            .await
            .map_err(session_error)?;
        Ok(())
    }

    pub async fn sign_up(
        email: String,
        display_name: String,
        password: String,
        next: Option<String>,
    ) -> Result<(), AppError> {
        let mut caller = guard::caller().await?;
        let ip = caller.client_ip().unwrap_or_else(|| "unknown".into());
        let limit = caller.state.config.rate_limits.signup_per_ip;
        if over_limit(&caller, &format!("signup-ip:{ip}"), limit).await? {
            tracing::warn!(%ip, "sign-up rate limit reached");
            return Err(AppError::RateLimited);
        }

        let email = normalize_email(&email).map_err(validation("email"))?;
        let display_name = normalize_display_name(&display_name).map_err(validation("display_name"))?;
        check_new_password("password", &password)?;
        let hash = password::hash(password).await?;

        let mut tx = caller.state.pool.begin().await?;
        let record = repo::users::insert(&mut *tx, &email, &display_name, &hash).await?;
        let actor = caller.actor(&record.id);
        repo::activity::record_account_event(&mut *tx, &actor, "user_signed_up", "Signed up").await?;
        tx.commit().await?;
        tracing::info!(user = %record.id, "account created");

        start_session(&mut caller, &User(record)).await?;
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    }

    pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
        let mut caller = guard::caller().await?;
        let limits = caller.state.config.rate_limits.clone();
        let ip = caller.client_ip().unwrap_or_else(|| "unknown".into());
        let email = normalize_email(&email).unwrap_or_else(|_| email.trim().to_lowercase());
        let account_key = format!("login-account:{email}");

        if over_limit(&caller, &format!("login-ip:{ip}"), limits.login_per_ip).await? {
            tracing::warn!(%ip, "log-in rate limit reached for this address");
            return Err(AppError::RateLimited);
        }
        let failures = repo::throttle::attempts(&caller.state.pool, &account_key, limits.window).await?;
        if failures >= limits.login_failures_per_account as i32 {
            tracing::warn!(%ip, %email, "log-in rate limit reached for this account");
            return Err(AppError::RateLimited);
        }

        let user = caller
            .auth
            .authenticate(Credentials {
                email: email.clone(),
                password,
            })
            .await
            .map_err(login_error)?;
        let Some(user) = user else {
            repo::throttle::hit(&caller.state.pool, &account_key, limits.window).await?;
            tracing::warn!(%ip, %email, "failed log-in");
            return Err(AppError::InvalidCredentials);
        };

        start_session(&mut caller, &user).await?;
        let actor = caller.actor(&user.0.id);
        repo::activity::record_account_event(&caller.state.pool, &actor, "user_logged_in", "Logged in").await?;
        tracing::info!(user = %user.0.id, "logged in");
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    }

    pub async fn log_out() -> Result<(), AppError> {
        let mut caller = guard::caller().await?;
        if let Some(user) = caller.auth.user.clone() {
            let actor = caller.actor(&user.0.id);
            repo::activity::record_account_event(&caller.state.pool, &actor, "user_logged_out", "Logged out").await?;
        }
        // Deletes the session from the store, not just the cookie.
        caller.auth.logout().await.map_err(login_error)?;
        leptos_axum::redirect("/login");
        Ok(())
    }

    pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
        let (mut caller, user) = guard::require_user().await?;
        if !password::verify(current_password, user.0.password_hash.clone()).await? {
            return Err(AppError::validation("current_password", "is not your current password"));
        }
        check_new_password("new_password", &new_password)?;
        let hash = password::hash(new_password).await?;

        let mut tx = caller.state.pool.begin().await?;
        repo::users::set_password_hash(&mut *tx, &user.0.id, &hash).await?;
        let actor = caller.actor(&user.0.id);
        repo::activity::record_account_event(&mut *tx, &actor, "password_changed", "Changed password").await?;
        tx.commit().await?;

        // Other sessions still hold the old password's hash and end at their next request;
        // this one moves to the new hash under a fresh id.
        let mut updated = user.clone();
        updated.0.password_hash = Some(hash);
        caller.auth.session.cycle_id().await.map_err(session_error)?;
        start_session(&mut caller, &updated).await?;
        tracing::info!(user = %user.0.id, "password changed");
        leptos_axum::redirect("/account?changed=1");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::FormFlash;

    #[test]
    fn a_flash_keeps_a_document_up_to_its_limit() {
        let short = FormFlash::for_form("import").with_text("# Mine\n");
        assert_eq!(short.text.as_deref(), Some("# Mine\n"));
        let limit = "x".repeat(FormFlash::MAX_TEXT_BYTES);
        assert_eq!(
            FormFlash::for_form("import").with_text(&limit).text,
            Some(limit.clone())
        );
        let over = limit + "x";
        assert_eq!(FormFlash::for_form("import").with_text(&over).text, None);
    }
}

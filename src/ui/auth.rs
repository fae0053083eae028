//! Sign-up, log-in and account pages. Their forms post to server functions, so they work
//! before (or without) the WebAssembly app.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::auth::{get_current_user, take_form_flash, ChangePassword, FormFlash, LogIn, LogOut, SignUp};
use crate::error::AppError;
use crate::model::account::{encode_query_value, safe_next, PASSWORD_MAX, PASSWORD_MIN};
use crate::model::CurrentUser;

/// Who is logged in, and the actions that change it; provided by `App`.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub log_in: ServerAction<LogIn>,
    pub sign_up: ServerAction<SignUp>,
    pub log_out: ServerAction<LogOut>,
    pub change_password: ServerAction<ChangePassword>,
}

impl Auth {
    pub fn new() -> Self {
        let log_in = ServerAction::<LogIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let log_out = ServerAction::<LogOut>::new();
        let change_password = ServerAction::<ChangePassword>::new();
        let user = Resource::new(
            move || (log_in.version().get(), sign_up.version().get(), log_out.version().get()),
            |_| get_current_user(),
        );
        Auth {
            user,
            log_in,
            sign_up,
            log_out,
            change_password,
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Shows `children` to a logged-in user; sends anyone else to log in and back here after.
///
/// Renders `children` once: a Suspend, not a closure in a <Transition>, which on the server
/// runs its children up to three times (leptos-rs/leptos#4688) and would make the resources
/// of an island in them as often. Logging out needs no reaction here: the server sends the
/// browser to the log-in page.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="page muted">"Loading…"</p> }>
            {Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => children().into_any(),
                    Ok(None) => {
                        let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                        let path = format!("/login?next={}", encode_query_value(&here));
                        view! { <Redirect path=path /> }.into_any()
                    }
                    Err(err) => view! { <p class="page form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The latest error of a form: from the action (with JavaScript) or the session flash
/// (after a plain form post).
fn form_error<T>(
    action: ServerAction<T>,
    flash: Resource<Result<Option<FormFlash>, AppError>>,
) -> Signal<Option<AppError>>
where
    T: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    // Only errors of submissions made here count: Leptos also fills the action from
    // `?__err=` in the URL, which anyone can forge, so plain-form errors come from the session.
    Signal::derive(move || {
        if action.version().get() > 0 {
            action.value().get().and_then(|result| result.err())
        } else {
            flash.get().and_then(|r| r.ok()).flatten().map(|f| f.error)
        }
    })
}

#[component]
fn FormMessage(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.form_message()).map(|message| {
            view! { <p class="form-error" role="alert" data-testid="form-error">{message}</p> }
        })
    }
}

#[component]
fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field_message(field)).map(|message| {
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
        })
    }
}

fn next_param() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || safe_next(query.read().get("next").as_deref()))
}

/// Sends a visitor who is already logged in on to where they were going.
#[component]
fn RedirectIfLoggedIn(next: Signal<String>) -> impl IntoView {
    let auth = use_auth();
    move || matches!(auth.user.get(), Some(Ok(Some(_)))).then(|| view! { <Redirect path=next.get_untracked() /> })
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let flash = Resource::new(|| (), |_| take_form_flash("login".into()));
    let error = form_error(auth.log_in, flash);
    let email = move || {
        flash
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .and_then(|f| f.email)
            .unwrap_or_default()
    };

    view! {
        <Title text="Log in" />
        <section class="page narrow auth-page">
            <h1>"Log in"</h1>
            <Transition fallback=|| ()>
                <RedirectIfLoggedIn next />
                <ActionForm action=auth.log_in attr:class="form" attr:data-testid="login-form">
                    <FormMessage error />
                    <label for="login-email">"Email"</label>
                    <input id="login-email" type="email" name="email" autocomplete="username" required value=email />
                    <FieldMessage error field="email" />
                    <label for="login-password">"Password"</label>
                    <input id="login-password" type="password" name="password" autocomplete="current-password" required />
                    <FieldMessage error field="password" />
                    <input type="hidden" name="next" value=next />
                    <button type="submit" disabled=move || auth.log_in.pending().get()>"Log in"</button>
                </ActionForm>
            </Transition>
            <p class="muted">
                "New here? "
                <a href=move || format!("/signup?next={}", encode_query_value(&next.get()))>"Create an account"</a>
            </p>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let next = next_param();
    let flash = Resource::new(|| (), |_| take_form_flash("signup".into()));
    let error = form_error(auth.sign_up, flash);
    let kept = move || flash.get().and_then(|r| r.ok()).flatten();
    let email = move || kept().and_then(|f| f.email).unwrap_or_default();
    let display_name = move || kept().and_then(|f| f.display_name).unwrap_or_default();

    view! {
        <Title text="Create an account" />
        <section class="page narrow auth-page">
            <h1>"Create an account"</h1>
            <Transition fallback=|| ()>
                <RedirectIfLoggedIn next />
                <ActionForm action=auth.sign_up attr:class="form" attr:data-testid="signup-form">
                    <FormMessage error />
                    <label for="signup-email">"Email"</label>
                    <input id="signup-email" type="email" name="email" autocomplete="email" required value=email />
                    <FieldMessage error field="email" />
                    <label for="signup-name">"Your name"</label>
                    <input id="signup-name" type="text" name="display_name" autocomplete="name" required maxlength="100" value=display_name />
                    <FieldMessage error field="display_name" />
                    <label for="signup-password">"Password"</label>
                    <input id="signup-password" type="password" name="password" autocomplete="new-password" required
                        minlength=PASSWORD_MIN.to_string() maxlength=PASSWORD_MAX.to_string() aria-describedby="password-hint" />
                    <p class="hint" id="password-hint">{format!("{PASSWORD_MIN} to {PASSWORD_MAX} characters, not a common password.")}</p>
                    <FieldMessage error field="password" />
                    <input type="hidden" name="next" value=next />
                    <button type="submit" disabled=move || auth.sign_up.pending().get()>"Create account"</button>
                </ActionForm>
            </Transition>
            <p class="muted">
                "Already have an account? "
                <a href=move || format!("/login?next={}", encode_query_value(&next.get()))>"Log in"</a>
            </p>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    // Outside RequireUser: when it was a <Transition>, which runs its children several times
    // on the server, the flash made in there was taken by the first run and the page showed a
    // later, empty one (the error of a password change never reached a browser without
    // JavaScript).
    let flash = Resource::new(|| (), |_| take_form_flash("password".into()));
    view! {
        <Title text="Account" />
        <RequireUser>
            <AccountDetails flash />
        </RequireUser>
    }
}

#[component]
fn AccountDetails(flash: Resource<Result<Option<FormFlash>, AppError>>) -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let changed =
        move || query.read().get("changed").is_some() || matches!(auth.change_password.value().get(), Some(Ok(())));
    let error = form_error(auth.change_password, flash);
    let user = move || auth.user.get().and_then(|r| r.ok()).flatten();

    view! {
        <section class="page narrow">
            <h1>"Your account"</h1>
            <p>
                {move || user().map(|u| format!("{} · {}", u.display_name, u.email))}
            </p>
            <h2>"Change password"</h2>
            <p class="muted">"Changing it logs you out everywhere else."</p>
            <Show when=changed>
                <p class="form-ok" role="status" data-testid="password-changed">"Your password was changed."</p>
            </Show>
            <Transition fallback=|| ()>
                <ActionForm action=auth.change_password attr:class="form" attr:data-testid="password-form">
                    <FormMessage error />
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" type="password" name="current_password" autocomplete="current-password" required />
                    <FieldMessage error field="current_password" />
                    <label for="new-password">"New password"</label>
                    <input id="new-password" type="password" name="new_password" autocomplete="new-password" required
                        minlength=PASSWORD_MIN.to_string() maxlength=PASSWORD_MAX.to_string() />
                    <FieldMessage error field="new_password" />
                    <button type="submit" disabled=move || auth.change_password.pending().get()>"Change password"</button>
                </ActionForm>
            </Transition>
        </section>
    }
}

//! Accounts, sessions and the security perimeter, through the real router.
#![cfg(feature = "ssr")]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use common::{app, app_with, signed_up, test_config, Client, PASSWORD};
use sqlx::PgPool;

async fn session_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn cookie_value(client: &Client) -> String {
    client
        .cookie
        .clone()
        .expect("a session cookie")
        .split_once('=')
        .unwrap()
        .1
        .to_string()
}

#[sqlx::test]
async fn sign_up_logs_in_with_a_safe_cookie_and_an_argon2id_hash(pool: PgPool) {
    let app = app(pool.clone());
    let mut client = Client::new(app);
    let answer = client.sign_up("Ada@Example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.location(), Some("/"));
    let set_cookie = answer.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("impact_tree_session="), "{set_cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(flag), "{set_cookie} lacks {flag}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http in development: {set_cookie}"
    );

    let user = client.current_user().await;
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["display_name"], "Test Person");

    let (hash, activities): (String, i64) = sqlx::query_as(
        "SELECT u.password_hash, (SELECT count(*) FROM user_activities a WHERE a.user_id = u.id AND a.activity_type = 'user_signed_up')
         FROM users u WHERE u.email = 'ada@example.com'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
    assert_eq!(activities, 1);
}

#[sqlx::test]
async fn secure_config_uses_the_host_prefix_and_secure_flag(pool: PgPool) {
    let mut config = test_config();
    config.cookies.secure = true;
    let mut client = Client::new(app_with(pool, config));
    let answer = client.sign_up("sec@example.com", PASSWORD).await;
    let set_cookie = answer.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.starts_with("__Host-impact_tree_session="), "{set_cookie}");
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

#[sqlx::test]
async fn sign_up_refuses_bad_input_naming_the_field(pool: PgPool) {
    let app = app(pool.clone());
    let mut client = Client::new(app.clone());
    let cases = [
        ("not-an-email", "Test", PASSWORD, "email"),
        ("a@example.com", "   ", PASSWORD, "display_name"),
        ("a@example.com", "Test", "short", "password"),
        ("a@example.com", "Test", &"x".repeat(129), "password"),
        ("a@example.com", "Test", "password123", "password"),
        ("a@example.com", "Test", "Iloveyou1", "password"),
    ];
    for (email, name, password, field) in cases {
        let answer = client
            .call(
                "sign_up",
                &[("email", email), ("display_name", name), ("password", password)],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email} {name} {password}: {}",
            answer.body
        );
        assert_eq!(answer.json()["field"], field, "{}", answer.body);
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test]
async fn emails_are_unique_whatever_their_case_without_leaking_sql(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "dup@example.com").await;
    let mut other = Client::new(app);
    let answer = other.sign_up("DUP@example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["field"], "email");
    let body = answer.body.to_lowercase();
    for leak in ["duplicate key", "users_email_key", "constraint", "sql", "insert"] {
        assert!(!body.contains(leak), "{leak} in {body}");
    }
}

#[sqlx::test]
async fn log_out_deletes_the_server_side_session(pool: PgPool) {
    let app = app(pool.clone());
    let (mut client, _) = signed_up(&app, "out@example.com").await;
    let old_cookie = client.cookie.clone();
    assert_eq!(session_rows(&pool).await, 1);

    let answer = client.call("log_out", &[]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.location(), Some("/login"));
    assert_eq!(session_rows(&pool).await, 0);

    // Replaying the old cookie gets nobody.
    client.cookie = old_cookie;
    assert_eq!(client.current_user().await, serde_json::Value::Null);
}

#[sqlx::test]
async fn log_in_rotates_the_session_id(pool: PgPool) {
    let app = app(pool.clone());
    signed_up(&app, "rot@example.com").await;
    let mut client = Client::new(app);
    // A failed plain-form log-in leaves an anonymous session (holding the error to show).
    let answer = client
        .post_form(
            "log_in",
            &[("email", "rot@example.com"), ("password", "wrong-password")],
            "/login",
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let before = cookie_value(&client);

    let answer = client.log_in("rot@example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let after = cookie_value(&client);
    assert_ne!(before, after, "the session id must change at log-in");
    let old_row: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session WHERE id = $1")
        .bind(&before)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(old_row, 0, "the pre-login session id is gone");
    assert_eq!(client.current_user().await["email"], "rot@example.com");
}

#[sqlx::test]
async fn unknown_email_and_wrong_password_get_the_same_answer(pool: PgPool) {
    let app = app(pool);
    signed_up(&app, "same@example.com").await;
    let mut a = Client::new(app.clone());
    let wrong_password = a.log_in("same@example.com", "not-the-password").await;
    let mut b = Client::new(app);
    let unknown = b.log_in("nobody@example.com", "not-the-password").await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.status, unknown.status);
    assert_eq!(wrong_password.body, unknown.body);
    assert_eq!(a.current_user().await, serde_json::Value::Null);
}

#[sqlx::test]
async fn log_in_is_rate_limited_per_address_and_per_account(pool: PgPool) {
    let mut config = test_config();
    config.rate_limits.login_per_ip = 3;
    config.rate_limits.login_failures_per_account = 2;
    let app = app_with(pool, config);
    signed_up(&app, "limit@example.com").await;

    // Per address: the fourth attempt from one address is refused, whatever the account.
    let mut client = Client::with_ip(app.clone(), "198.51.100.1");
    for i in 0..3 {
        let answer = client.log_in(&format!("x{i}@example.com"), "whatever-pass").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        client.log_in("x9@example.com", "whatever-pass").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Per account: two wrong passwords from two addresses lock the account for the window,
    // even for the right password from a third address.
    let mut first = Client::with_ip(app.clone(), "198.51.100.2");
    assert_eq!(
        first.log_in("limit@example.com", "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut second = Client::with_ip(app.clone(), "198.51.100.3");
    assert_eq!(
        second.log_in("limit@example.com", "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut third = Client::with_ip(app, "198.51.100.4");
    let answer = third.log_in("limit@example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.json()["kind"], "rate_limited");
}

#[sqlx::test]
async fn sign_up_is_rate_limited_per_address(pool: PgPool) {
    let mut config = test_config();
    config.rate_limits.signup_per_ip = 2;
    let app = app_with(pool, config);
    let mut client = Client::with_ip(app, "198.51.100.9");
    assert_eq!(client.sign_up("s1@example.com", PASSWORD).await.status, StatusCode::OK);
    let mut client = Client::with_ip(client.app.clone(), "198.51.100.9");
    assert_eq!(client.sign_up("s2@example.com", PASSWORD).await.status, StatusCode::OK);
    let mut client = Client::with_ip(client.app.clone(), "198.51.100.9");
    assert_eq!(
        client.sign_up("s3@example.com", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test]
async fn a_password_change_ends_the_other_sessions(pool: PgPool) {
    let app = app(pool.clone());
    let (mut laptop, _) = signed_up(&app, "pw@example.com").await;
    let mut phone = Client::new(app.clone());
    assert_eq!(phone.log_in("pw@example.com", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(phone.current_user().await["email"], "pw@example.com");

    let wrong = laptop
        .call(
            "change_password",
            &[
                ("current_password", "nope-nope-nope"),
                ("new_password", "another-fine-tree"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["field"], "current_password");
    let common = laptop
        .call(
            "change_password",
            &[("current_password", PASSWORD), ("new_password", "qwerty123456")],
        )
        .await;
    assert_eq!(common.json()["field"], "new_password");

    let before = cookie_value(&laptop);
    let answer = laptop
        .call(
            "change_password",
            &[("current_password", PASSWORD), ("new_password", "another-fine-tree")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_ne!(cookie_value(&laptop), before, "the changing session gets a new id");
    assert_eq!(
        laptop.current_user().await["email"],
        "pw@example.com",
        "this session stays logged in"
    );
    assert_eq!(
        phone.current_user().await,
        serde_json::Value::Null,
        "the other session is over"
    );

    let mut fresh = Client::new(app);
    assert_eq!(
        fresh.log_in("pw@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.log_in("pw@example.com", "another-fine-tree").await.status,
        StatusCode::OK
    );
}

#[sqlx::test]
async fn sessions_expire_when_idle_and_absolutely(pool: PgPool) {
    let mut idle = test_config();
    idle.sessions.idle_timeout = Duration::from_secs(1);
    let app_idle = app_with(pool.clone(), idle);
    let (mut client, _) = signed_up(&app_idle, "idle@example.com").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        client.current_user().await,
        serde_json::Value::Null,
        "idle session must end"
    );

    let mut absolute = test_config();
    absolute.sessions.absolute_timeout = Duration::from_secs(1);
    let app_abs = app_with(pool, absolute);
    let (mut client, _) = signed_up(&app_abs, "abs@example.com").await;
    // Busy all along, so only the absolute lifetime can end it.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let _ = client.current_user().await;
    }
    assert_eq!(
        client.current_user().await,
        serde_json::Value::Null,
        "absolute lifetime must end the session"
    );
}

#[sqlx::test]
async fn forms_work_without_javascript(pool: PgPool) {
    let app = app(pool);
    let mut client = Client::new(app.clone());
    // Success: a real redirect to where the person was going.
    let answer = client
        .post_form(
            "sign_up",
            &[
                ("email", "nojs@example.com"),
                ("display_name", "No JS"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
            "/signup?next=/account",
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location(), Some("/account"));
    let page = client.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("nojs@example.com"));

    // A refused password change comes back to the account page, which says why.
    let answer = client
        .post_form(
            "change_password",
            &[
                ("current_password", "not-my-password"),
                ("new_password", "another-fine-tree"),
            ],
            "/account",
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location(), Some("/account"));
    let page = client.get("/account").await;
    assert!(page.body.contains("is not your current password"), "{}", page.body);

    // Failure: back to the form, which then shows the error and keeps the email.
    let mut anonymous = Client::new(app);
    let answer = anonymous
        .post_form(
            "log_in",
            &[("email", "nojs@example.com"), ("password", "wrong-password")],
            "/login",
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), Some("/login"));
    let page = anonymous.get("/login").await;
    assert!(page.body.contains("wrong email or password"), "{}", page.body);
    assert!(page.body.contains("nojs@example.com"));
    // Shown once.
    let page = anonymous.get("/login").await;
    assert!(!page.body.contains("wrong email or password"));

    // A message planted in the URL is not shown.
    let forged = "/login?__path=%2Fapi%2Flog_in&__err=eyJraW5kIjoiYmFkX3JlcXVlc3QiLCJtZXNzYWdlIjoiQ2FsbCA1NTUtMDEwMCJ9";
    let page = anonymous.get(forged).await;
    assert!(!page.body.contains("Call 555-0100"), "{}", page.body);
}

#[sqlx::test]
async fn protected_pages_redirect_to_log_in_and_back(pool: PgPool) {
    let app = app(pool);
    let mut client = Client::new(app.clone());
    let answer = client.get("/account").await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location(), Some("/login?next=/account"));
    let answer = client.get("/").await;
    assert_eq!(answer.location(), Some("/login?next=/"));

    let (mut user, _) = signed_up(&app, "dash@example.com").await;
    let page = user.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Your trees"));
}

#[sqlx::test]
async fn state_changes_from_other_origins_are_refused(pool: PgPool) {
    let app = app(pool.clone());
    let mut client = Client::new(app.clone());
    let body = "email=x%40example.com&display_name=X&password=tidy-impact-tree-42";
    let attempts = [
        (
            "foreign origin",
            vec![("origin", "https://evil.example")],
            "application/x-www-form-urlencoded",
        ),
        (
            "null origin",
            vec![("origin", "null")],
            "application/x-www-form-urlencoded",
        ),
        (
            "cross-site fetch",
            vec![("origin", common::ORIGIN), ("sec-fetch-site", "cross-site")],
            "application/x-www-form-urlencoded",
        ),
        (
            "text/plain from elsewhere",
            vec![("origin", "https://evil.example")],
            "text/plain",
        ),
        ("no origin at all", vec![], "application/x-www-form-urlencoded"),
    ];
    for (name, headers, content_type) in attempts {
        let mut builder = axum::http::Request::post("/api/sign_up").header("content-type", content_type);
        for (k, v) in headers {
            builder = builder.header(k, v);
        }
        let answer = client.send(builder.body(Body::from(body)).unwrap()).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}: {}", answer.body);
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing was written");

    // Mutating server functions do not answer GET, even from our own pages.
    let request = axum::http::Request::get("/api/log_out")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let answer = client.send(request).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);

    // Our own origin is welcome.
    let answer = client.sign_up("x@example.com", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[sqlx::test]
async fn pages_carry_a_nonce_csp_and_safety_headers(pool: PgPool) {
    let app = app(pool);
    let mut client = Client::new(app);
    let page = client.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page
        .headers
        .get("content-security-policy")
        .expect("CSP")
        .to_str()
        .unwrap()
        .to_string();
    let nonce = common::csp_nonce(&csp);
    assert!(nonce.len() >= 16, "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline') ") && !csp.contains("script-src 'unsafe-inline'"),
        "{csp}"
    );
    // Every inline script carries that nonce.
    for script in page.body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        if !tag.contains("src=") {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "inline script without the nonce: <script{tag}>"
            );
        }
    }
    assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(page.headers.get("referrer-policy").is_some());
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");

    // Another request, another nonce.
    let again = client.get("/login").await;
    assert_ne!(
        again.headers.get("content-security-policy").unwrap().to_str().unwrap(),
        csp
    );
}

#[sqlx::test]
async fn the_demo_account_can_log_in(pool: PgPool) {
    let line = impact_tree::server::demo::ensure_demo_account(&pool).await.unwrap();
    assert!(line.contains(impact_tree::server::demo::DEMO_EMAIL));
    // Idempotent.
    impact_tree::server::demo::ensure_demo_account(&pool).await.unwrap();
    let mut client = Client::new(app(pool));
    let answer = client
        .log_in(
            impact_tree::server::demo::DEMO_EMAIL,
            impact_tree::server::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

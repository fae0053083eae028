//! Account input rules, shared so the browser can say the same thing the server enforces.

use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
pub const DISPLAY_NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;

/// What the browser may know about the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// Trims and lower-cases an address, and checks its shape (one `@`, a dot in the domain, no
/// spaces). Deliverability is not our business; typos we can catch are.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("enter your email address".into());
    }
    if email.chars().count() > EMAIL_MAX {
        return Err(format!("must be at most {EMAIL_MAX} characters"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("must be an address like name@example.com".into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || !domain_ok || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be an address like name@example.com".into());
    }
    Ok(email)
}

pub fn normalize_display_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("enter the name others should see".into());
    }
    if name.chars().count() > DISPLAY_NAME_MAX {
        return Err(format!("must be at most {DISPLAY_NAME_MAX} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name)
}

/// Length rules only; the server also refuses common passwords.
pub fn check_password_length(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(format!("must be at least {PASSWORD_MIN} characters"));
    }
    if len > PASSWORD_MAX {
        return Err(format!("must be at most {PASSWORD_MAX} characters"));
    }
    Ok(())
}

/// Where to go after logging in: only paths on this site, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                // Visible ASCII only: it becomes a Location header.
                && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
                && !path.starts_with("/login")
                && !path.starts_with("/signup") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes a value for a query string (RFC 3986 unreserved characters stay).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "ada@example..com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn display_names_collapse_whitespace() {
        assert_eq!(normalize_display_name("  Ada   Lovelace ").unwrap(), "Ada Lovelace");
        assert!(normalize_display_name("   ").is_err());
        assert!(normalize_display_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn password_length_counts_characters() {
        assert!(check_password_length("1234567").is_err());
        assert!(check_password_length("12345678").is_ok());
        assert!(check_password_length(&"é".repeat(128)).is_ok());
        assert!(check_password_length(&"a".repeat(129)).is_err());
    }

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/trees/4?x=1")), "/trees/4?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/login",
            "javascript:alert(1)",
            "/a\tb",
            "/é",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

//! Password hashing: argon2id with OWASP's minimum (m = 19 MiB, t = 2, p = 1), off the async
//! runtime because one hash takes tens of milliseconds of CPU.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// One of the thousands of passwords attackers try first.
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

/// A hash to verify against when the account does not exist, so that answer takes as long as
/// a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"not a real password", &salt)
        .expect("hashing works")
        .to_string()
});

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|err| {
        tracing::error!(error = %err, "password hashing failed");
        AppError::Internal
    })
}

/// True when `password` matches `stored`. A missing hash (unknown account, or an account
/// carried over from the original app without a password) costs the same time and is false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(hash) => (hash, true),
            None => (DUMMY_HASH.clone(), false),
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash does not parse");
            return false;
        };
        real && argon2().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "password verification task failed");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hashed = hash("correct horse battery".into()).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hashed}");
        assert!(verify("correct horse battery".into(), Some(hashed.clone()))
            .await
            .unwrap());
        assert!(!verify("Correct horse battery".into(), Some(hashed)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn the_list_has_thousands_of_common_passwords() {
        assert!(COMMON.len() >= 3000);
        assert!(is_common("password"));
        assert!(is_common("PassWord1"));
        assert!(is_common("iloveyou"));
        assert!(!is_common("tidy-impact-tree-42"));
    }
}

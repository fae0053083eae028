//! Size limits on user content. The server's configuration may lower or raise them; these are
//! the defaults and what the browser checks before sending.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub title_max: usize,
    pub description_max: usize,
    pub template_data_max_bytes: usize,
    pub nodes_per_tree_max: usize,
    pub tree_name_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title_max: 200,
            description_max: 10_000,
            template_data_max_bytes: 16 * 1024,
            nodes_per_tree_max: 100_000,
            tree_name_max: 200,
        }
    }
}

/// Trims a title or name and checks it is present, short enough and free of control
/// characters.
pub fn clean_title(raw: &str, max: usize) -> Result<String, String> {
    let title = raw.trim();
    if title.is_empty() {
        return Err("must not be empty".into());
    }
    if title.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if title.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(title.to_string())
}

/// Descriptions keep their line breaks; empty means none.
pub fn clean_description(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(clean_title("  Grow retention ", 200).unwrap(), "Grow retention");
        assert!(clean_title("   ", 200).is_err());
        assert!(clean_title(&"x".repeat(201), 200).is_err());
        assert!(clean_title("a\u{0}b", 200).is_err());
        assert_eq!(
            clean_title("<script>alert(1)</script>", 200).unwrap(),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn descriptions_keep_lines() {
        assert_eq!(clean_description(Some(" a\nb "), 100).unwrap().unwrap(), "a\nb");
        assert_eq!(clean_description(Some("  "), 100).unwrap(), None);
        assert!(clean_description(Some(&"x".repeat(101)), 100).is_err());
    }
}

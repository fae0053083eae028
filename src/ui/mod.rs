//! Components and pages.

pub mod auth;
pub mod charts;
pub mod editor;
pub mod export;
#[cfg(feature = "hydrate")]
pub mod fetch;
pub mod home;
pub mod islands;
pub mod layout;
pub mod share;
pub mod share_drawing;
pub mod share_markup;
pub mod status;

/// JSON to put in a `<script type="application/json">` data block: `<` occurs in JSON only
/// inside strings, where `\u003c` reads the same, so nothing in it can end the element.
pub fn json_for_script(json: String) -> String {
    if json.contains('<') {
        json.replace('<', "\\u003c")
    } else {
        json
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_json_cannot_end_its_element_and_reads_the_same() {
        let text = serde_json::json!({"title": "a </script><!-- b", "n": [1, "<"]}).to_string();
        let safe = super::json_for_script(text.clone());
        assert!(!safe.contains('<'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(&text).unwrap());
    }
}

//! The fields each node type keeps in `tree_nodes.template_data`, validated per type.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::NodeType;

pub const SOLUTION_STATUSES: &[&str] = &["idea", "planned", "in_progress", "shipped", "abandoned"];
pub const RISK_LEVELS: &[&str] = &["low", "medium", "high"];
pub const TEST_STATUSES: &[&str] = &["untested", "testing", "validated", "invalidated"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunityFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_notes: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumptionFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResearchFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// The template fields a node's badges are drawn from (`ui::editor::draw::badges`): all a
/// share page sends of a node's template data, since it shows nothing else of it. Read from
/// each field's text ([`BadgeFields::from_field_texts`]); a value that does not parse (never
/// written by this app, which validates) reads as no badge. Its serde shape is the template
/// data's own, with only these fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BadgeFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
}

impl BadgeFields {
    /// From each field as text, as SQL's `template_data->>'field'` gives it (numbers written
    /// out, JSON null as none); a value that does not parse reads as none. The texts may be
    /// borrowed (from the rows a share page reads): only those kept as text are copied.
    pub fn from_field_texts<'a>(mut field: impl FnMut(&str) -> Option<Cow<'a, str>>) -> BadgeFields {
        BadgeFields {
            unit: field("unit").map(Cow::into_owned),
            current: field("current").and_then(|v| v.parse().ok()),
            target: field("target").and_then(|v| v.parse().ok()),
            status: field("status").map(Cow::into_owned),
            evidence_count: field("evidence_count").and_then(|v| v.parse().ok()),
            risk: field("risk").map(Cow::into_owned),
        }
    }

    /// No badge field at all (most nodes): left out of a page's data block.
    pub fn is_empty(&self) -> bool {
        *self == BadgeFields::default()
    }
}

/// Where `ui::editor::draw::badges` reads a node's badge fields from: its template data in
/// the editor, its [`BadgeFields`] on a share page (no JSON map made per node there).
pub trait BadgeSource {
    fn text(&self, field: &str) -> Option<&str>;
    fn number(&self, field: &str) -> Option<f64>;
    fn integer(&self, field: &str) -> Option<i64>;
}

impl BadgeSource for Value {
    fn text(&self, field: &str) -> Option<&str> {
        self.get(field).and_then(Value::as_str)
    }
    fn number(&self, field: &str) -> Option<f64> {
        self.get(field).and_then(Value::as_f64)
    }
    fn integer(&self, field: &str) -> Option<i64> {
        self.get(field).and_then(Value::as_i64)
    }
}

impl BadgeSource for BadgeFields {
    fn text(&self, field: &str) -> Option<&str> {
        match field {
            "unit" => self.unit.as_deref(),
            "status" => self.status.as_deref(),
            "risk" => self.risk.as_deref(),
            _ => None,
        }
    }
    fn number(&self, field: &str) -> Option<f64> {
        match field {
            "current" => self.current,
            "target" => self.target,
            "evidence_count" => self.evidence_count.map(|n| n as f64),
            _ => None,
        }
    }
    fn integer(&self, field: &str) -> Option<i64> {
        match field {
            "evidence_count" => self.evidence_count,
            _ => None,
        }
    }
}

/// A problem with one field: (path under template_data, message).
pub type FieldError = (String, String);

fn field(name: &str, message: impl Into<String>) -> FieldError {
    (format!("template_data.{name}"), message.into())
}

fn one_of(name: &str, value: &Option<String>, allowed: &[&str]) -> Result<(), FieldError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(field(name, format!("must be one of {}", allowed.join(", ")))),
        _ => Ok(()),
    }
}

fn text(name: &str, value: &Option<String>, max: usize) -> Result<(), FieldError> {
    match value {
        Some(v) if v.chars().count() > max => Err(field(name, format!("must be at most {max} characters"))),
        Some(v) if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(field(name, "must not contain control characters"))
        }
        _ => Ok(()),
    }
}

fn number(name: &str, value: Option<f64>) -> Result<(), FieldError> {
    match value {
        Some(v) if !v.is_finite() || v.abs() > 1e15 => Err(field(name, "must be a number within ±10^15")),
        _ => Ok(()),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, FieldError> {
    serde_json::from_value(value.clone()).map_err(|err| {
        let message = err.to_string();
        // serde names the unknown or mistyped field; keep its words.
        (String::from("template_data"), message)
    })
}

/// Checks `data` against the fields of `node_type` and returns it normalised (absent fields
/// dropped). An empty object is valid for every type.
pub fn validate(node_type: NodeType, data: &Value, max_bytes: usize) -> Result<Value, FieldError> {
    if !data.is_object() && !data.is_null() {
        return Err(("template_data".into(), "must be an object".into()));
    }
    let data = if data.is_null() {
        Value::Object(Default::default())
    } else {
        data.clone()
    };
    if serde_json::to_vec(&data).map(|b| b.len()).unwrap_or(usize::MAX) > max_bytes {
        return Err(("template_data".into(), format!("must be at most {max_bytes} bytes")));
    }
    let normalised = match node_type {
        NodeType::Metric => {
            let f: MetricFields = parse(&data)?;
            text("unit", &f.unit, 32)?;
            number("baseline", f.baseline)?;
            number("current", f.current)?;
            number("target", f.target)?;
            serde_json::to_value(f)
        }
        NodeType::Solution => {
            let f: SolutionFields = parse(&data)?;
            one_of("status", &f.status, SOLUTION_STATUSES)?;
            serde_json::to_value(f)
        }
        NodeType::Opportunity => {
            let f: OpportunityFields = parse(&data)?;
            if matches!(f.evidence_count, Some(n) if !(0..=1_000_000).contains(&n)) {
                return Err(field("evidence_count", "must be between 0 and 1000000"));
            }
            text("evidence_notes", &f.evidence_notes, 2000)?;
            serde_json::to_value(f)
        }
        NodeType::Assumption => {
            let f: AssumptionFields = parse(&data)?;
            one_of("risk", &f.risk, RISK_LEVELS)?;
            one_of("test_status", &f.test_status, TEST_STATUSES)?;
            serde_json::to_value(f)
        }
        NodeType::Research => {
            let f: ResearchFields = parse(&data)?;
            text("method", &f.method, 100)?;
            text("link", &f.link, 2000)?;
            if let Some(link) = &f.link {
                let lower = link.to_ascii_lowercase();
                if !(lower.starts_with("https://") || lower.starts_with("http://"))
                    || link.contains(char::is_whitespace)
                {
                    return Err(field("link", "must be an http(s) address"));
                }
            }
            serde_json::to_value(f)
        }
        NodeType::Objective | NodeType::Outcome => {
            if data.as_object().is_some_and(|o| !o.is_empty()) {
                return Err((
                    "template_data".into(),
                    format!("a {node_type} has no fields of its own"),
                ));
            }
            Ok(Value::Object(Default::default()))
        }
    };
    normalised.map_err(|err| ("template_data".into(), err.to_string()))
}

/// A number field's text, as a person types it ("5", "-2.5", "+3", ".5", "5.", "1e3", "007"),
/// as a JSON number; none when it is not a finite number. The text is rewritten as JSON and
/// read by serde_json's own number parser: the browser already carries that one, where core's
/// float parser would be more WebAssembly for the editor's page.
pub fn number_from_text(text: &str) -> Option<serde_json::Number> {
    let text = text.trim();
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'-') => ("-", &text[1..]),
        Some(b'+') => ("", &text[1..]),
        _ => ("", text),
    };
    // JSON would take a second sign, or a space after the first, where core does not.
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => unsigned.split_at(at),
        None => (unsigned, ""),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    if whole.is_empty() && fraction.is_none_or(str::is_empty) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let mut json = String::with_capacity(text.len() + 2);
    json.push_str(sign);
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if let Some(fraction) = fraction.filter(|f| !f.is_empty()) {
        json.push('.');
        json.push_str(fraction);
    }
    json.push_str(exponent);
    // Anything left that is not JSON's (a second sign, letters, "1e") fails here.
    match serde_json::from_slice::<Value>(json.as_bytes()) {
        Ok(Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => Some(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn number_fields_read_what_people_type_as_core_would() {
        for text in [
            "5",
            "-2.5",
            "+3",
            ".5",
            "-.5",
            "5.",
            "1e3",
            "1E-3",
            "2.5e+2",
            "007",
            "0",
            "-0",
            "0.25",
            " 42 ",
            "1e308",
            "123456789012345678901234567890",
        ] {
            let read = number_from_text(text).and_then(|n| n.as_f64());
            let core = text.trim().parse::<f64>().ok();
            assert_eq!(read, core, "{text:?}");
        }
        for text in [
            "", " ", ".", "-", "+", "e3", "1e", "1e+", "--1", "+-1", "1.2.3", "1,5", "five", "0x10", "1_000", "inf",
            "-inf", "NaN", "infinity", "1e400", "-1e400", "5 5", "+ 5", "- 5", "1. 5",
        ] {
            assert_eq!(number_from_text(text), None, "{text:?}");
        }
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn each_type_accepts_its_fields() {
        let metric = validate(
            NodeType::Metric,
            &json!({"unit": "%", "baseline": 10, "current": 12.5, "target": 20}),
            16384,
        );
        assert_eq!(
            metric.unwrap(),
            json!({"unit": "%", "baseline": 10.0, "current": 12.5, "target": 20.0})
        );
        assert!(validate(NodeType::Solution, &json!({"status": "shipped"}), 16384).is_ok());
        assert!(validate(
            NodeType::Opportunity,
            &json!({"evidence_count": 4, "evidence_notes": "5 interviews"}),
            16384
        )
        .is_ok());
        assert!(validate(
            NodeType::Assumption,
            &json!({"risk": "high", "test_status": "testing"}),
            16384
        )
        .is_ok());
        assert!(validate(
            NodeType::Research,
            &json!({"link": "https://example.com/r", "method": "survey"}),
            16384
        )
        .is_ok());
        assert_eq!(validate(NodeType::Outcome, &json!(null), 16384).unwrap(), json!({}));
    }

    #[test]
    fn bad_values_name_the_field() {
        let cases = [
            (NodeType::Solution, json!({"status": "done"}), "template_data.status"),
            (NodeType::Assumption, json!({"risk": "extreme"}), "template_data.risk"),
            (
                NodeType::Research,
                json!({"link": "javascript:alert(1)"}),
                "template_data.link",
            ),
            (
                NodeType::Opportunity,
                json!({"evidence_count": -1}),
                "template_data.evidence_count",
            ),
            (NodeType::Metric, json!({"unit": "x".repeat(40)}), "template_data.unit"),
        ];
        for (t, data, path) in cases {
            assert_eq!(validate(t, &data, 16384).unwrap_err().0, path, "{data}");
        }
        let unknown = validate(NodeType::Metric, &json!({"colour": "red"}), 16384).unwrap_err();
        assert!(unknown.1.contains("colour"), "{unknown:?}");
        assert!(validate(NodeType::Metric, &json!([1, 2]), 16384).is_err());
        assert!(validate(NodeType::Research, &json!({"method": "m".repeat(100)}), 50).is_err());
    }

    #[test]
    fn badge_fields_read_as_their_template_data_does() {
        let data = json!({ "unit": "%", "current": 12.5, "target": 20, "status": "shipped",
                           "evidence_count": 4, "risk": "high", "notes": "not a badge" });
        let fields: BadgeFields = serde_json::from_value(data.clone()).unwrap();
        for name in ["unit", "status", "risk", "current"] {
            assert_eq!(fields.text(name), data.text(name), "{name}");
        }
        for name in ["current", "target", "evidence_count", "unit", "notes"] {
            assert_eq!(fields.number(name), data.number(name), "{name}");
        }
        for name in ["evidence_count", "notes"] {
            assert_eq!(fields.integer(name), data.integer(name), "{name}");
        }
        assert!(BadgeFields::default().is_empty() && !fields.is_empty());
        // A page's data block writes what the typed fields hold, no more.
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            json!({ "unit": "%", "current": 12.5, "target": 20.0, "status": "shipped",
                    "evidence_count": 4, "risk": "high" })
        );
    }
}

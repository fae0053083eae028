//! The side panel: with nothing selected, the tree's own fields and activity; with a node
//! selected, every field of it (the type's own fields included). The server renders both
//! (`side_panel`); the node form's draft (`Draft`) is what the client keeps of it.

use leptos::prelude::*;

use crate::api::nodes::NodeInput;
use crate::error::AppError;
use crate::model::template_data::{RISK_LEVELS, SOLUTION_STATUSES, TEST_STATUSES};
use crate::model::{DiscoveryPhase, NodeType, TreeDetail, TreeNode};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum FieldKind {
    Text,
    Number,
    Integer,
    Choice(&'static [&'static str]),
}

/// The type's own fields: (key, label, kind).
pub(crate) fn type_fields(t: NodeType) -> &'static [(&'static str, &'static str, FieldKind)] {
    use FieldKind::*;
    match t {
        NodeType::Metric => &[
            ("unit", "Unit", Text),
            ("baseline", "Baseline", Number),
            ("current", "Current", Number),
            ("target", "Target", Number),
        ],
        NodeType::Solution => &[("status", "Status", Choice(SOLUTION_STATUSES))],
        NodeType::Opportunity => &[
            ("evidence_count", "Evidence count", Integer),
            ("evidence_notes", "Evidence notes", Text),
        ],
        NodeType::Assumption => &[
            ("risk", "Risk", Choice(RISK_LEVELS)),
            ("test_status", "Test status", Choice(TEST_STATUSES)),
        ],
        NodeType::Research => &[("method", "Method", Text), ("link", "Link", Text)],
        NodeType::Objective | NodeType::Outcome => &[],
    }
}

/// The panel's copy of a node being edited; kept across a reload while it has unsaved text.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub node_id: String,
    pub version: i64,
    pub node_type: NodeType,
    pub title: String,
    pub description: String,
    /// The type's own fields as typed, by key, in key order: a sorted list, not a map. The
    /// editor's browser code carries serde_json's map anyway, and a second map type (of
    /// strings) was ~1 KiB of its WebAssembly; a node has at most four such fields.
    pub fields: Vec<(String, String)>,
    pub dirty: bool,
}

impl Draft {
    /// The text typed for field `key`, if any.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.fields[i].1.as_str())
    }

    pub fn set_field(&mut self, key: &str, value: String) {
        match self.fields.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
            Ok(i) => self.fields[i].1 = value,
            Err(i) => self.fields.insert(i, (key.to_string(), value)),
        }
    }

    pub fn of(node: &TreeNode) -> Self {
        // In key order: serde_json's map is ordered by key (no `preserve_order`; the test
        // below fails should that change).
        let fields = node
            .template_data
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Draft {
            node_id: node.id.clone(),
            version: node.version,
            node_type: node.node_type,
            title: node.title.clone(),
            description: node.description.clone().unwrap_or_default(),
            fields,
            dirty: false,
        }
    }

    /// The same text in every field (whatever the version and saved state).
    pub fn same_text(&self, other: &Draft) -> bool {
        self.node_id == other.node_id
            && self.node_type == other.node_type
            && self.title == other.title
            && self.description == other.description
            && self.fields == other.fields
    }

    /// What was typed for `node` (refused as stale), on top of the node as it now is.
    pub fn with_input(node: &TreeNode, input: &NodeInput) -> Self {
        let typed = TreeNode {
            node_type: input.node_type,
            title: input.title.clone(),
            description: input.description.clone(),
            template_data: input.template_data.clone(),
            ..node.clone()
        };
        Draft {
            dirty: true,
            ..Draft::of(&typed)
        }
    }

    /// The node input this draft asks for, or the first field that does not read.
    pub fn input(&self) -> Result<NodeInput, AppError> {
        let mut data = serde_json::Map::new();
        for &(key, _, kind) in type_fields(self.node_type) {
            let raw = self.field(key).map(str::trim).unwrap_or("");
            if raw.is_empty() {
                continue;
            }
            let field = format!("template_data.{key}");
            let value = match kind {
                FieldKind::Number => crate::model::template_data::number_from_text(raw)
                    .map(serde_json::Value::Number)
                    .ok_or_else(|| AppError::validation(&field, "must be a number"))?,
                FieldKind::Integer => raw
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .map_err(|_| AppError::validation(&field, "must be a whole number"))?,
                FieldKind::Text | FieldKind::Choice(_) => serde_json::Value::from(raw),
            };
            data.insert(key.to_string(), value);
        }
        let description = self.description.trim();
        Ok(NodeInput {
            node_type: self.node_type,
            title: self.title.clone(),
            description: (!description.is_empty()).then(|| description.to_string()),
            // The editor keeps the node's own collapse state when it saves.
            is_collapsed: false,
            template_data: serde_json::Value::Object(data),
        })
    }
}

/// The side panel as the server renders it: the tree's own fields, a hint and the activity
/// (which the client loads), and the node form, hidden until a node is selected. The client
/// fills the forms and hears their submits.
pub fn side_panel(tree: &TreeDetail) -> AnyView {
    let phase = tree.discovery_phase;
    let description = crate::ui::share_markup::textarea_content(tree.description.as_deref().unwrap_or_default());
    view! {
        <aside class="side-panel" aria-label="Details" data-testid="side-panel">
            <div data-part="tree-details">
                <form class="form tree-form" data-testid="tree-form" novalidate>
                    <h2>"Tree"</h2>
                    <label for="tree-name">"Name"</label>
                    <input id="tree-name" value=tree.name.clone() />
                    <label for="tree-description">"Description"</label>
                    <textarea id="tree-description" rows="3" inner_html=description></textarea>
                    <label for="tree-phase">"Discovery phase"</label>
                    <select id="tree-phase">
                        {DiscoveryPhase::ALL.into_iter().map(|p| view! {
                            <option value=p.as_str() selected=p == phase>{p.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <label class="check">
                        <input type="checkbox" id="tree-template" checked=tree.is_template />
                        " Use as a template"
                    </label>
                    <div class="form-actions">
                        <button type="submit">"Save tree"</button>
                        <span class="muted" data-part="tree-saved"></span>
                    </div>
                </form>
                <p class="muted hint">"Select a node to edit it; press ? for the keys."</p>
                <section class="tree-activity" aria-label="Activity of this tree">
                    <h2>"Activity"</h2>
                    <p class="muted">"Loading…"</p>
                </section>
            </div>
            <NodeForm />
        </aside>
    }
    .into_any()
}

/// The node form, rendered hidden with every type's own fields: the client (`plain::panel`)
/// shows it for the selected node, with its type's fields, and fills in the values. Its markup
/// and labels are then no code in the browser.
#[component]
fn NodeForm() -> impl IntoView {
    view! {
        <form class="form node-form" data-testid="node-form" data-part="node-form" novalidate hidden>
            <h2>"Node"</h2>
            <label for="node-type">"Type"</label>
            <select id="node-type" data-testid="node-type">
                {NodeType::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
            </select>
            <label for="node-title">"Title"</label>
            <input id="node-title" data-testid="node-title" autocomplete="off" />
            <label for="node-description">"Description"</label>
            <textarea id="node-description" rows="4" data-testid="node-description"></textarea>
            {NodeType::ALL.iter().map(|&t| view! {
                <div class="type-fields" data-fields-of=t.as_str() hidden>
                    {type_fields(t).iter().map(|&(key, label, kind)| {
                        let id = format!("field-{key}");
                        let input = match kind {
                            FieldKind::Choice(options) => view! {
                                <select id=id.clone() data-testid=id.clone() data-field=key>
                                    <option value="">"—"</option>
                                    {options.iter().map(|o| view! { <option value=*o>{o.replace('_', " ")}</option> }).collect_view()}
                                </select>
                            }.into_any(),
                            FieldKind::Number | FieldKind::Integer => view! {
                                <input id=id.clone() data-testid=id.clone() data-field=key inputmode="decimal" autocomplete="off" />
                            }.into_any(),
                            FieldKind::Text => view! {
                                <input id=id.clone() data-testid=id.clone() data-field=key autocomplete="off" />
                            }.into_any(),
                        };
                        view! { <label for=id>{label}</label> {input} }
                    }).collect_view()}
                </div>
            }).collect_view()}
            <div class="form-actions">
                <button type="submit" data-testid="save-node">"Save"</button>
                <span class="muted" data-part="unsaved"></span>
            </div>
        </form>
    }
}

/// A tree's activity section as the plain client shows it (`tree_activity_markup`), rendered
/// on the server, so the browser needs no decoder or markup code for it.
pub fn activity_markup(page: &crate::model::ActivityPage) -> String {
    use crate::ui::share_markup::escape_into;
    let mut html = String::from("<h2>Activity</h2>");
    if page.entries.is_empty() {
        html.push_str("<p class=\"muted\">Nothing yet.</p>");
        return html;
    }
    html.push_str("<ul class=\"activity\" data-testid=\"tree-activity\">");
    for e in &page.entries {
        html.push_str("<li><span>");
        escape_into(&mut html, e.description.as_deref().unwrap_or(&e.activity_type));
        html.push_str("</span><time class=\"muted\" datetime=\"");
        escape_into(&mut html, &e.created_at);
        html.push_str("\">");
        escape_into(&mut html, &e.created_at.get(..16).unwrap_or_default().replace('T', " "));
        html.push_str("</time></li>");
    }
    html.push_str("</ul>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drafts_fields_are_kept_in_key_order() {
        let node = TreeNode {
            id: "m".into(),
            parent_id: None,
            node_type: NodeType::Metric,
            title: "Activation".into(),
            description: None,
            position: Default::default(),
            is_collapsed: false,
            template_data: serde_json::json!({ "unit": "%", "target": 40, "current": 12.5 }),
            sort_order: 0,
            version: 3,
        };
        let mut draft = Draft::of(&node);
        let keys: Vec<&str> = draft.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["current", "target", "unit"]);
        assert_eq!(draft.field("current"), Some("12.5"));
        assert_eq!(draft.field("baseline"), None);
        draft.set_field("baseline", "10".into());
        draft.set_field("target", "45".into());
        let keys: Vec<&str> = draft.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["baseline", "current", "target", "unit"]);
        let input = draft.input().unwrap();
        assert_eq!(
            input.template_data,
            serde_json::json!({ "unit": "%", "baseline": 10, "current": 12.5, "target": 45 })
        );
        draft.set_field("current", "twelve".into());
        let err = draft.input().unwrap_err();
        assert_eq!(
            err.field_message("template_data.current").as_deref(),
            Some("must be a number")
        );
    }
}

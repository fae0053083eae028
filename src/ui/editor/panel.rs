//! The side panel: every field of the selected node (the type's own fields included) with
//! errors beside the field, and, with nothing selected, the tree's own fields and activity.

use leptos::prelude::*;

use super::state::{Command, Editor, Meta};
use crate::api::nodes::NodeInput;
use crate::error::AppError;
use crate::model::template_data::{RISK_LEVELS, SOLUTION_STATUSES, TEST_STATUSES};
use crate::model::{DiscoveryPhase, NodeType, TreeNode};

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

/// Types the selected node may take (`model::editor::type_choices`).
fn type_choices(ed: &Editor, node: &TreeNode) -> Vec<NodeType> {
    let d = ed.index();
    ed.nodes.with_untracked(|nodes| {
        d.index
            .get(&node.id)
            .map(|i| crate::model::editor::type_choices(&d.index, nodes, i))
            .unwrap_or_default()
    })
}

#[component]
pub fn SidePanel(ed: Editor) -> impl IntoView {
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<AppError>);

    // Drafts that could not be saved on leaving their node (a field that does not read), by
    // node id: they come back when the node is selected again.
    let kept = StoredValue::new(std::collections::HashMap::<String, Draft>::new());
    // A fresh draft for `node`: what was kept or refused for it, else the node as it is.
    let fresh = move |node: &TreeNode| -> Draft {
        if let Some(d) = kept.try_update_value(|k| k.remove(&node.id)).flatten() {
            return Draft {
                version: node.version,
                ..d
            };
        }
        let refused = ed.unsaved.get_untracked().filter(|(id, _)| *id == node.id);
        match refused {
            Some((_, input)) => {
                ed.unsaved.set(None);
                Draft::with_input(node, &input)
            }
            None => Draft::of(node),
        }
    };
    // Leaving a node with unsaved changes saves them, or keeps them when they do not read.
    let leave = move |old: Draft| {
        if !old.dirty || ed.node(&old.node_id).is_none() {
            return;
        }
        match old.input() {
            Ok(input) => ed.run(Command::Save {
                id: old.node_id.clone(),
                input,
            }),
            Err(_) => {
                ed.notice.set(Some(crate::ui::editor::Notice::Info(format!(
                    "Your changes to “{}” are not saved yet: one field does not read. They are kept for when you come back to it.",
                    old.title
                ))));
                kept.update_value(|k| {
                    k.insert(old.node_id.clone(), old);
                });
            }
        }
    };

    // The draft follows the selection; a saved or reloaded node refreshes it unless it holds
    // unsaved text (a conflict must not lose what the person typed).
    Effect::new(move |_| {
        let selected = ed.selected.get();
        let node = selected
            .as_deref()
            .and_then(|id| ed.nodes.with(|ns| ns.iter().find(|n| n.id == id).cloned()));
        let current = draft.get_untracked();
        match (node, current) {
            (None, Some(old)) => {
                leave(old);
                draft.set(None);
            }
            (None, None) => {}
            (Some(node), Some(old)) if old.node_id == node.id => {
                let refused = ed
                    .unsaved
                    .with_untracked(|u| u.as_ref().is_some_and(|(id, _)| *id == node.id));
                if refused || !old.dirty {
                    draft.set(Some(fresh(&node)));
                } else if old.version != node.version {
                    // Changed elsewhere while we typed: keep our text, base it on the new version.
                    draft.set(Some(Draft {
                        version: node.version,
                        ..old
                    }));
                }
            }
            (Some(node), old) => {
                if let Some(old) = old {
                    leave(old);
                }
                draft.set(Some(fresh(&node)));
            }
        }
    });
    // A save that went through: the draft is clean again unless more was typed since.
    let sent = StoredValue::new(None::<Draft>);
    Effect::new(move |_| {
        let (_, id) = ed.saved.get();
        let Some(was) = sent.get_value().filter(|d| d.node_id == id) else {
            return;
        };
        let Some(node) = ed.node(&id) else { return };
        if draft.with_untracked(|d| d.as_ref().is_some_and(|d| d.same_text(&was))) {
            sent.set_value(None);
            draft.set(Some(Draft::of(&node)));
        }
    });
    // Errors beside fields are those of the node on show.
    Effect::new(move |_| {
        let on_show = draft.with(|d| d.as_ref().map(|d| d.node_id.clone()));
        let err = ed
            .field_error
            .get()
            .filter(|(id, _)| Some(id) == on_show.as_ref())
            .map(|(_, e)| e);
        error.set(err);
    });

    let editing = Memo::new(move |_| draft.with(|d| d.as_ref().map(|d| d.node_id.clone())));
    view! {
        <aside class="side-panel" aria-label="Details" data-testid="side-panel">
            {move || match editing.get() {
                Some(_) => view! { <NodeForm ed draft error sent /> }.into_any(),
                None => view! { <TreeDetails ed /> }.into_any(),
            }}
        </aside>
    }
}

#[component]
fn NodeForm(
    ed: Editor,
    draft: RwSignal<Option<Draft>>,
    error: RwSignal<Option<AppError>>,
    sent: StoredValue<Option<Draft>>,
) -> impl IntoView {
    let title_ref = NodeRef::<leptos::html::Input>::new();
    let draft_id = Memo::new(move |_| draft.with(|d| d.as_ref().map(|d| d.node_id.clone())));
    let draft_type = Memo::new(move |_| draft.with(|d| d.as_ref().map(|d| d.node_type)));
    // F2, a double click or a node just added asks for the title (this form may be new).
    Effect::new(move |_| {
        let asked = ed.edit_request.get();
        if asked.is_some() && asked == draft_id.get() {
            if let Some(el) = title_ref.get() {
                let _ = el.focus();
                el.select();
                ed.edit_request.set(None);
            }
        }
    });

    let edit = move |f: &dyn Fn(&mut Draft)| {
        draft.update(|d| {
            if let Some(d) = d {
                f(d);
                d.dirty = true;
            }
        });
    };
    let save = move || {
        let Some(d) = draft.get_untracked() else { return };
        match d.input() {
            Ok(input) => {
                error.set(None);
                ed.field_error.set(None);
                // Clean once the server has it (see `sent` above), not before.
                sent.set_value(Some(d.clone()));
                ed.run(Command::Save {
                    id: d.node_id.clone(),
                    input,
                });
            }
            Err(err) => error.set(Some(err)),
        }
    };

    let field_error = move |name: &'static str| {
        move || {
            error.with(|e| e.as_ref().and_then(|e| e.field_message(name))).map(|m| {
                view! { <p class="field-error" role="alert">{m}</p> }
            })
        }
    };
    // Offered types depend on the node's place, not on what is typed.
    let choices = Memo::new(move |_| {
        ed.drawing.track();
        draft_id
            .get()
            .and_then(|id| ed.node(&id))
            .map(|n| type_choices(&ed, &n))
            .unwrap_or_default()
    });
    let value = move |f: fn(&Draft) -> String| move || draft.with(|d| d.as_ref().map(f).unwrap_or_default());
    // Saving hands the keyboard back to the canvas, ready for the next Tab or Enter.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save();
        if error.with_untracked(|e| e.is_none()) {
            focus_canvas();
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            focus_canvas();
        } else if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            save();
        }
    };

    view! {
        <form class="form node-form" on:submit=on_submit on:keydown=on_key data-testid="node-form" novalidate>
            <h2>"Node"</h2>
            <label for="node-type">"Type"</label>
            <select id="node-type" data-testid="node-type"
                on:change=move |ev| {
                    if let Ok(t) = event_target_value(&ev).parse::<NodeType>() {
                        edit(&|d: &mut Draft| d.node_type = t);
                    }
                }>
                {move || choices.get().into_iter().map(|t| view! {
                    <option value=t.as_str() selected=move || draft_type.get() == Some(t) prop:selected=move || draft_type.get() == Some(t)>{t.label()}</option>
                }).collect_view()}
            </select>
            {field_error("node_type")}
            <label for="node-title">"Title"</label>
            <input id="node-title" node_ref=title_ref data-testid="node-title" autocomplete="off"
                prop:value=value(|d| d.title.clone())
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|d: &mut Draft| d.title = v.clone()); } />
            {field_error("title")}
            <label for="node-description">"Description"</label>
            <textarea id="node-description" rows="4" data-testid="node-description"
                prop:value=value(|d| d.description.clone())
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|d: &mut Draft| d.description = v.clone()); } />
            {field_error("description")}
            {move || {
                let t = draft_type.get()?;
                Some(type_fields(t).iter().map(|&(key, label, kind)| {
                    let id = format!("field-{key}");
                    let current = move || draft.with(|d| d.as_ref().and_then(|d| d.field(key).map(str::to_string)).unwrap_or_default());
                    let set = move |ev: leptos::ev::Event| {
                        let v = event_target_value(&ev);
                        edit(&|d: &mut Draft| d.set_field(key, v.clone()));
                    };
                    let input = match kind {
                        FieldKind::Choice(options) => view! {
                            <select id=id.clone() data-testid=format!("field-{key}") on:change=set>
                                <option value="" selected=move || current().is_empty() prop:selected=move || current().is_empty()>"—"</option>
                                {options.iter().map(|o| view! {
                                    <option value=*o selected=move || current() == *o prop:selected=move || current() == *o>{o.replace('_', " ")}</option>
                                }).collect_view()}
                            </select>
                        }.into_any(),
                        FieldKind::Number | FieldKind::Integer => view! {
                            <input id=id.clone() data-testid=format!("field-{key}") inputmode="decimal" autocomplete="off"
                                prop:value=current on:input=set />
                        }.into_any(),
                        FieldKind::Text => view! {
                            <input id=id.clone() data-testid=format!("field-{key}") autocomplete="off" prop:value=current on:input=set />
                        }.into_any(),
                    };
                    let error_key: &'static str = match key {
                        "unit" => "template_data.unit",
                        "baseline" => "template_data.baseline",
                        "current" => "template_data.current",
                        "target" => "template_data.target",
                        "status" => "template_data.status",
                        "evidence_count" => "template_data.evidence_count",
                        "evidence_notes" => "template_data.evidence_notes",
                        "risk" => "template_data.risk",
                        "test_status" => "template_data.test_status",
                        "method" => "template_data.method",
                        _ => "template_data.link",
                    };
                    view! {
                        <label for=id>{label}</label>
                        {input}
                        {field_error(error_key)}
                    }
                }).collect_view())
            }}
            <div class="form-actions">
                <button type="submit" data-testid="save-node">"Save"</button>
                <span class="muted">{move || draft.with(|d| d.as_ref().is_some_and(|d| d.dirty)).then_some("Unsaved changes")}</span>
            </div>
        </form>
    }
}

/// The node form of the editor's plain client (`plain::panel`), rendered ahead and hidden with
/// every type's own fields: the client shows the form for the selected node, with its type's
/// fields, and fills in the values. Its markup and labels are then no code in the browser.
#[component]
pub fn PlainNodeForm() -> impl IntoView {
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

/// Gives the keyboard back to the canvas (Escape in the panel).
pub fn focus_canvas() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id("tree-canvas")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
}

#[component]
fn TreeDetails(ed: Editor) -> impl IntoView {
    let meta = ed.meta.get_untracked();
    let name = RwSignal::new(meta.name.clone());
    let description = RwSignal::new(meta.description.clone().unwrap_or_default());
    let phase = RwSignal::new(meta.discovery_phase);
    let template = RwSignal::new(meta.is_template);
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(false);
    // A reload brings new values in.
    Effect::new(move |_| {
        let m = ed.meta.get();
        name.set(m.name.clone());
        description.set(m.description.clone().unwrap_or_default());
        phase.set(m.discovery_phase);
        template.set(m.is_template);
    });
    let save = Action::new_local(move |_: &()| {
        let m = ed.meta.get_untracked();
        let (n, d, p, t) = (
            name.get_untracked(),
            description.get_untracked(),
            phase.get_untracked(),
            template.get_untracked(),
        );
        async move {
            let d = (!d.trim().is_empty()).then(|| d.trim().to_string());
            crate::api::trees::update_tree(ed.tree_id, m.version, n, d, p.as_str().to_string(), t).await
        }
    });
    Effect::new(move |_| {
        if let Some(result) = save.value().get() {
            match result {
                Ok(meta) => {
                    error.set(None);
                    saved.set(true);
                    ed.meta.set(Meta::from_saved(&meta));
                    ed.revision.update(|r| *r += 1);
                }
                Err(err @ AppError::Conflict { .. }) => {
                    error.set(Some(err));
                    leptos::task::spawn_local(async move { ed.reload().await });
                }
                Err(err) => error.set(Some(err)),
            }
        }
    });
    let field_error = move |field: &'static str| {
        move || {
            error
                .with(|e| e.as_ref().and_then(|e| e.field_message(field)))
                .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };

    view! {
        <form class="form tree-form" data-testid="tree-form" novalidate
            on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); saved.set(false); save.dispatch(()); }>
            <h2>"Tree"</h2>
            <label for="tree-name">"Name"</label>
            <input id="tree-name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            {field_error("name")}
            <label for="tree-description">"Description"</label>
            <textarea id="tree-description" rows="3" prop:value=description
                on:input=move |ev| description.set(event_target_value(&ev)) />
            {field_error("description")}
            <label for="tree-phase">"Discovery phase"</label>
            <select id="tree-phase"
                on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse::<DiscoveryPhase>() { phase.set(p) } }>
                {DiscoveryPhase::ALL.into_iter().map(|p| view! {
                    <option value=p.as_str() selected=move || phase.get() == p prop:selected=move || phase.get() == p>{p.as_str()}</option>
                }).collect_view()}
            </select>
            <label class="check">
                <input type="checkbox" id="tree-template" prop:checked=template on:change=move |ev| template.set(event_target_checked(&ev)) />
                " Use as a template"
            </label>
            {move || error.with(|e| e.as_ref().and_then(|e| e.form_message())).map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <div class="form-actions">
                <button type="submit" disabled=move || save.pending().get()>"Save tree"</button>
                <span class="muted" data-part="tree-saved">{move || saved.get().then_some("Saved")}</span>
            </div>
        </form>
        <p class="muted hint">"Select a node to edit it; press ? for the keys."</p>
        <ActivityFeed ed />
    }
}

#[component]
fn ActivityFeed(ed: Editor) -> impl IntoView {
    // Loaded by the browser only (effects do not run on the server): secondary to the tree,
    // and not something the page render should wait for. Refetched after every saved change.
    let feed = RwSignal::new(None::<Result<crate::model::ActivityPage, AppError>>);
    Effect::new(move |_| {
        ed.revision.track();
        leptos::task::spawn_local(async move {
            let page = crate::api::activity::tree_activity(ed.tree_id, None, Some(20)).await;
            feed.try_set(Some(page));
        });
    });
    view! {
        <section class="tree-activity" aria-label="Activity of this tree">
            <h2>"Activity"</h2>
            {move || match feed.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(page) => match page {
                    Ok(page) if page.entries.is_empty() => view! { <p class="muted">"Nothing yet."</p> }.into_any(),
                    Ok(page) => view! {
                        <ul class="activity" data-testid="tree-activity">
                            {page.entries.into_iter().map(|e| view! {
                                <li>
                                    <span>{e.description.unwrap_or(e.activity_type)}</span>
                                    <time class="muted" datetime=e.created_at.clone()>{e.created_at.get(..16).unwrap_or_default().replace('T', " ")}</time>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                },
            }}
        </section>
    }
}

/// A tree's activity section as the plain client shows it (`tree_activity_markup`): the same
/// list as [`ActivityFeed`], rendered on the server, so the browser needs no decoder or markup
/// code for it.
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

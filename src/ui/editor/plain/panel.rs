//! The side panel's node form in the plain client: the server renders it hidden with every
//! type's fields (`panel::side_panel`); this shows it for the selected node, keeps what is
//! typed as a draft, and saves it. Leaving a node with unsaved changes saves them, or keeps
//! them for later when a field does not read; a refused save keeps the text.

use wasm_bindgen::JsCast;

use super::dom::{alert_markup, find, listen, set_text, target_element};
use super::{focus, Editor, Shared};
use crate::error::AppError;
use crate::model::{NodeType, TreeNode};
use crate::ui::editor::panel::{type_fields, Draft};
use crate::ui::editor::state::{Command, Notice};

/// The form's elements, and what the panel keeps between selections.
pub(super) struct Panel {
    form: web_sys::Element,
    node_type: web_sys::HtmlSelectElement,
    title: web_sys::HtmlInputElement,
    description: web_sys::HtmlTextAreaElement,
    unsaved: Option<web_sys::Element>,
    /// The panel's other part (the tree's form, the hint, activity), hidden while a node is.
    tree_details: web_sys::Element,
    pub(super) draft: Option<Draft>,
    /// Drafts that could not be saved on leaving their node (a field that does not read).
    /// A list, not a map: there are few, and a map type of its own is WebAssembly.
    kept: Vec<Draft>,
    /// The draft last sent to be saved: once saved, the form is clean unless more was typed.
    sent: Option<Draft>,
}

impl Panel {
    /// The side panel's parts as the server rendered them.
    pub(super) fn adopt(page: &web_sys::Element) -> Option<Panel> {
        let aside = find(page, ".side-panel")?;
        let form = find(&aside, "[data-part=node-form]")?;
        Some(Panel {
            tree_details: find(&aside, "[data-part=tree-details]")?,
            node_type: find(&form, "#node-type")?.dyn_into().ok()?,
            title: find(&form, "#node-title")?.dyn_into().ok()?,
            description: find(&form, "#node-description")?.dyn_into().ok()?,
            unsaved: find(&form, "[data-part=unsaved]"),
            form,
            draft: None,
            kept: Vec::new(),
            sent: None,
        })
    }

    /// Puts `draft` in the form: its type's fields, its values, the types it may take.
    fn fill(&self, draft: &Draft, choices: &[NodeType]) {
        let options = self.node_type.children();
        for i in 0..options.length() {
            if let Some(option) = options.item(i) {
                let offered = option
                    .get_attribute("value")
                    .and_then(|v| NodeType::named(&v))
                    .is_some_and(|t| choices.contains(&t));
                let _ = option.toggle_attribute_with_force("hidden", !offered);
                let _ = option.toggle_attribute_with_force("disabled", !offered);
            }
        }
        self.node_type.set_value(draft.node_type.as_str());
        self.title.set_value(&draft.title);
        self.description.set_value(&draft.description);
        self.show_type_fields(draft);
        self.show_dirty(draft.dirty);
    }

    fn show_type_fields(&self, draft: &Draft) {
        let groups = self.form.query_selector_all("[data-fields-of]").ok();
        for i in 0..groups.as_ref().map_or(0, |g| g.length()) {
            let Some(group) = groups
                .as_ref()
                .and_then(|g| g.item(i))
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let on = group.get_attribute("data-fields-of").as_deref() == Some(draft.node_type.as_str());
            let _ = group.toggle_attribute_with_force("hidden", !on);
        }
        for &(key, _, _) in type_fields(draft.node_type) {
            let value = draft.field(key).unwrap_or("");
            if let Some(el) = find(&self.form, &format!("[data-field={key}]")) {
                if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                    input.set_value(value);
                } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
                    select.set_value(value);
                }
            }
        }
    }

    fn show_dirty(&self, dirty: bool) {
        if let Some(el) = &self.unsaved {
            set_text(el, if dirty { "Unsaved changes" } else { "" });
        }
    }

    /// The error beside its field, or none.
    fn show_error(&self, err: Option<&AppError>) {
        if let Some(old) = find(&self.form, ".field-error") {
            old.remove();
        }
        let Some(AppError::Validation { field, message }) = err else {
            return;
        };
        let selector = match field.strip_prefix("template_data.") {
            Some(key) => format!("[data-field={key}]"),
            None => format!("#node-{}", field.trim_start_matches("node_")),
        };
        if let Some(input) = find(&self.form, &selector) {
            let _ = input.insert_adjacent_html("afterend", &alert_markup("field-error", message));
        }
    }

    fn show(&self, node_form: bool) {
        let _ = self.form.toggle_attribute_with_force("hidden", !node_form);
        let _ = self.tree_details.toggle_attribute_with_force("hidden", node_form);
    }
}

impl Editor {
    /// Types the node may take (`model::editor::type_choices`).
    fn type_choices(&self, node: &TreeNode) -> Vec<NodeType> {
        let d = &self.drawing;
        d.index
            .get(&node.id)
            .map(|i| crate::model::editor::type_choices(&d.index, &self.nodes, i))
            .unwrap_or_default()
    }

    /// A fresh draft for `node`: what was kept or refused for it, else the node as it is.
    fn fresh_draft(&mut self, node: &TreeNode) -> Draft {
        let panel = self.panel.as_mut().expect("a panel");
        let kept = panel.kept.iter().position(|d| d.node_id == node.id);
        if let Some(d) = kept.map(|i| panel.kept.swap_remove(i)) {
            return Draft {
                version: node.version,
                ..d
            };
        }
        match self.unsaved.take_if(|(id, _)| *id == node.id) {
            Some((_, input)) => Draft::with_input(node, &input),
            None => Draft::of(node),
        }
    }

    /// Leaving a node with unsaved changes saves them, or keeps them when they do not read.
    fn leave(&mut self, me: &Shared, old: Draft) {
        if !old.dirty || !self.nodes.iter().any(|n| n.id == old.node_id) {
            return;
        }
        match old.input() {
            Ok(input) => self.run(
                me,
                Command::Save {
                    id: old.node_id.clone(),
                    input,
                },
            ),
            Err(_) => {
                self.set_notice(Some(Notice::Info(format!(
                    "Your changes to “{}” are not saved yet: one field does not read. They are kept for when you come back to it.",
                    old.title
                ))));
                if let Some(panel) = &mut self.panel {
                    panel.kept.retain(|d| d.node_id != old.node_id);
                    panel.kept.push(old);
                }
            }
        }
    }

    /// The panel follows the selection; a saved or reloaded node refreshes the form unless it
    /// holds unsaved text (a conflict must not lose what the person typed).
    pub(super) fn show_panel(&mut self, me: &Shared) {
        if self.panel.is_none() {
            return;
        }
        let node = self
            .selected
            .as_deref()
            .and_then(|id| self.nodes.iter().find(|n| n.id == id).cloned());
        let current = self.panel.as_mut().and_then(|p| p.draft.take());
        let next = match (node, current) {
            (None, Some(old)) => {
                self.leave(me, old);
                None
            }
            (None, None) => None,
            (Some(node), Some(old)) if old.node_id == node.id => {
                let refused = self.unsaved.as_ref().is_some_and(|(id, _)| *id == node.id);
                if refused || !old.dirty {
                    Some(self.fresh_draft(&node))
                } else {
                    // Changed elsewhere while typed: keep the text, based on the new version.
                    Some(Draft {
                        version: node.version,
                        ..old
                    })
                }
            }
            (Some(node), old) => {
                if let Some(old) = old {
                    self.leave(me, old);
                }
                Some(self.fresh_draft(&node))
            }
        };
        let choices = next
            .as_ref()
            .and_then(|d| self.nodes.iter().find(|n| n.id == d.node_id))
            .map(|n| self.type_choices(n))
            .unwrap_or_default();
        let on_show = next.as_ref().map(|d| d.node_id.clone());
        let error = self
            .field_error
            .as_ref()
            .filter(|(id, _)| Some(id) == on_show.as_ref())
            .map(|(_, e)| e.clone());
        let edit = self.edit_request.is_some() && self.edit_request == on_show;
        let Some(panel) = self.panel.as_mut() else { return };
        panel.show(next.is_some());
        if let Some(draft) = &next {
            panel.fill(draft, &choices);
        }
        panel.show_error(error.as_ref());
        panel.draft = next;
        // F2, a double click or a node just added asks for the title.
        if edit {
            self.edit_request = None;
            let _ = panel.title.focus();
            panel.title.select();
        }
        self.show_activity(me);
    }

    /// A save went through: the form is clean again unless more was typed since.
    pub(super) fn node_saved(&mut self, id: &str) {
        let node = self.nodes.iter().find(|n| n.id == id).cloned();
        let choices = node.as_ref().map(|n| self.type_choices(n)).unwrap_or_default();
        let Some(panel) = self.panel.as_mut() else { return };
        let Some(was) = panel.sent.take_if(|d| d.node_id == id) else {
            return;
        };
        if let (Some(node), Some(draft)) = (node, &panel.draft) {
            if draft.same_text(&was) {
                let clean = Draft::of(&node);
                panel.fill(&clean, &choices);
                panel.draft = Some(clean);
            }
        }
    }

    /// The form's draft, saved; false when a field does not read (its error is shown).
    fn save_draft(&mut self, me: &Shared) -> bool {
        let Some(draft) = self.panel.as_ref().and_then(|p| p.draft.clone()) else {
            return true;
        };
        match draft.input() {
            Ok(input) => {
                self.field_error = None;
                if let Some(panel) = self.panel.as_mut() {
                    panel.show_error(None);
                    panel.sent = Some(draft.clone());
                }
                self.run(
                    me,
                    Command::Save {
                        id: draft.node_id,
                        input,
                    },
                );
                true
            }
            Err(err) => {
                if let Some(panel) = &self.panel {
                    panel.show_error(Some(&err));
                }
                false
            }
        }
    }

    /// What was typed into the form, into the draft.
    fn typed(&mut self, el: &web_sys::Element) {
        let Some(panel) = self.panel.as_mut() else { return };
        let Some(draft) = panel.draft.as_mut() else { return };
        let value = if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            input.value()
        } else if let Some(text) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            text.value()
        } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            select.value()
        } else {
            return;
        };
        match el.id().as_str() {
            "node-title" => draft.title = value,
            "node-description" => draft.description = value,
            "node-type" => match NodeType::named(&value) {
                Some(t) => draft.node_type = t,
                None => return,
            },
            _ => match el.get_attribute("data-field") {
                Some(key) => {
                    draft.set_field(&key, value);
                }
                None => return,
            },
        }
        draft.dirty = true;
        let draft = draft.clone();
        if el.id() == "node-type" {
            panel.show_type_fields(&draft);
        }
        panel.show_dirty(true);
    }
}

/// The form's listeners: typing, saving (Enter, the button, Ctrl+Enter) and Escape.
pub(super) fn wire(me: &Shared) {
    let Some(form) = me.borrow().panel.as_ref().map(|p| p.form.clone()) else {
        return;
    };
    for event in ["input", "change"] {
        let m = me.clone();
        listen(&form, event, move |ev: web_sys::Event| {
            if let Some(el) = target_element(&ev) {
                m.borrow_mut().typed(&el);
            }
        });
    }
    // Saving hands the keyboard back to the canvas, ready for the next Tab or Enter.
    let m = me.clone();
    listen(&form, "submit", move |ev: web_sys::Event| {
        ev.prevent_default();
        let mut ed = m.borrow_mut();
        if ed.save_draft(&m) {
            focus(&ed.dom.canvas);
        }
    });
    let m = me.clone();
    listen(&form, "keydown", move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            focus(&m.borrow().dom.canvas);
        } else if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            m.borrow_mut().save_draft(&m);
        }
    });
}

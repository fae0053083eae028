//! The side panel's tree form and activity in the plain client. The server renders both
//! (`panel::side_panel`); this fills the form from the tree, saves it with the tree's version
//! (a stale one is refused: the tree is loaded as it now is, and the form with it), and shows
//! the activity as the server renders it (`tree_activity_markup`), again after every change.

use serde_json::Value;
use wasm_bindgen::JsCast;

use super::dom::{alert_markup, document, find, listen, set_text};
use super::{Editor, Shared};
use crate::api::activity::TreeActivityMarkup;
use crate::api::trees::UpdateTree;
use crate::error::AppError;
use crate::model::DiscoveryPhase;
use crate::ui::editor::state::Meta;
use crate::ui::fetch::{call_form, call_form_reading};

pub(super) struct TreeForm {
    form: web_sys::Element,
    name: web_sys::HtmlInputElement,
    description: web_sys::HtmlTextAreaElement,
    phase: web_sys::HtmlSelectElement,
    template: web_sys::HtmlInputElement,
    button: web_sys::Element,
    saved: Option<web_sys::Element>,
    saving: bool,
    activity: Option<web_sys::Element>,
    /// The activity on show is older than the tree's last change.
    activity_stale: bool,
    activity_loading: bool,
}

impl TreeForm {
    pub(super) fn adopt(page: &web_sys::Element) -> Option<TreeForm> {
        let form = find(page, "[data-testid=tree-form]")?;
        Some(TreeForm {
            name: find(&form, "#tree-name")?.dyn_into().ok()?,
            description: find(&form, "#tree-description")?.dyn_into().ok()?,
            phase: find(&form, "#tree-phase")?.dyn_into().ok()?,
            template: find(&form, "#tree-template")?.dyn_into().ok()?,
            button: find(&form, "button[type=submit]")?,
            saved: find(&form, "[data-part=tree-saved]"),
            saving: false,
            activity: find(page, ".tree-activity"),
            activity_stale: true,
            activity_loading: false,
            form,
        })
    }

    pub(super) fn fill(&self, meta: &Meta) {
        self.name.set_value(&meta.name);
        self.description
            .set_value(meta.description.as_deref().unwrap_or_default());
        self.phase.set_value(meta.discovery_phase.as_str());
        self.template.set_checked(meta.is_template);
    }

    /// `update_tree`'s form for what is typed, based on `version`.
    fn body(&self, tree_id: i32, version: i64) -> String {
        let encode = |text: &str| String::from(js_sys::encode_uri_component(text));
        let mut body = format!(
            "tree_id={tree_id}&version={version}&name={}&discovery_phase={}&is_template={}",
            encode(&self.name.value()),
            encode(&self.phase.value()),
            self.template.checked()
        );
        let description = self.description.value();
        let description = description.trim();
        if !description.is_empty() {
            body.push_str("&description=");
            body.push_str(&encode(description));
        }
        body
    }

    /// A refused save's error: beside the name or description, else above the button.
    fn show_error(&self, err: Option<&AppError>) {
        for selector in [".field-error", ".form-error"] {
            while let Some(old) = find(&self.form, selector) {
                old.remove();
            }
        }
        let Some(err) = err else { return };
        let (beside, class, text) = match err {
            AppError::Validation { field, message } if field == "name" || field == "description" => (
                find(&self.form, &format!("#tree-{field}")),
                "field-error",
                message.clone(),
            ),
            AppError::Validation { field, message } => (None, "form-error", format!("{field}: {message}")),
            other => (None, "form-error", other.to_string()),
        };
        let html = alert_markup(class, &text);
        let (at, place) = match beside {
            Some(field) => (field, "afterend"),
            None => match find(&self.form, ".form-actions") {
                Some(actions) => (actions, "beforebegin"),
                None => return,
            },
        };
        let _ = at.insert_adjacent_html(place, &html);
    }

    fn set_saving(&mut self, saving: bool) {
        self.saving = saving;
        let _ = self.button.toggle_attribute_with_force("disabled", saving);
    }
}

impl Editor {
    fn save_tree(&mut self, me: &Shared) {
        let (tree_id, version) = (self.tree_id, self.meta.version);
        let Some(form) = self.tree_form.as_mut() else { return };
        if form.saving {
            return;
        }
        form.set_saving(true);
        if let Some(saved) = &form.saved {
            set_text(saved, "");
        }
        let body = form.body(tree_id, version);
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Read as a JSON value, a decoder the chunk has anyway (template data): one of
            // its own for `TreeMeta` was ~1 KiB of the page's WebAssembly.
            let result = call_form_reading::<UpdateTree, Value>(&body).await;
            let stale = matches!(result, Err(AppError::Conflict { .. }));
            me.borrow_mut().tree_saved(&me, result);
            if stale {
                super::commands::reload(&me).await;
            }
        });
    }

    fn tree_saved(&mut self, me: &Shared, result: Result<Value, AppError>) {
        let Some(form) = self.tree_form.as_mut() else { return };
        form.set_saving(false);
        let result = result.and_then(|answer| meta_of(&answer).ok_or(AppError::Internal));
        form.show_error(result.as_ref().err());
        let Ok(meta) = result else { return };
        if let Some(saved) = &form.saved {
            set_text(saved, "Saved");
        }
        if let Some(name) = find(&self.dom.page, "[data-testid=tree-name]") {
            set_text(&name, &meta.name);
        }
        document().set_title(&crate::app::page_title(&meta.name));
        self.meta = meta;
        self.show_summary();
        self.activity_changed(me);
    }

    /// The tree's own fields as the editor now holds them (after a reload), in the form.
    pub(super) fn fill_tree_form(&self) {
        if let Some(form) = &self.tree_form {
            form.fill(&self.meta);
        }
    }

    /// The tree changed: its activity is loaded again, now if it is on show, else once shown.
    pub(super) fn activity_changed(&mut self, me: &Shared) {
        if let Some(form) = self.tree_form.as_mut() {
            form.activity_stale = true;
        }
        self.show_activity(me);
    }

    /// Loads the activity if it is on show and older than the tree.
    pub(super) fn show_activity(&mut self, me: &Shared) {
        let tree_id = self.tree_id;
        let Some(form) = self.tree_form.as_mut() else { return };
        let Some(section) = form.activity.clone() else { return };
        if !form.activity_stale || form.activity_loading || section.has_attribute("hidden") {
            return;
        }
        form.activity_stale = false;
        form.activity_loading = true;
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let markup = call_form::<TreeActivityMarkup>(&format!("tree_id={tree_id}")).await;
            match markup {
                Ok(html) => section.set_inner_html(&html),
                Err(err) => {
                    section.set_inner_html(&format!(
                        "<h2>Activity</h2>{}",
                        alert_markup("form-error", &err.to_string())
                    ));
                }
            }
            let mut ed = me.borrow_mut();
            if let Some(form) = ed.tree_form.as_mut() {
                form.activity_loading = false;
            }
            // Changed again while it loaded.
            ed.show_activity(&me);
        });
    }
}

pub(super) fn wire(me: &Shared) {
    let Some(form) = me.borrow().tree_form.as_ref().map(|f| f.form.clone()) else {
        return;
    };
    let m = me.clone();
    listen(&form, "submit", move |ev: web_sys::Event| {
        ev.prevent_default();
        m.borrow_mut().save_tree(&m);
    });
}

/// The tree's own fields in `update_tree`'s answer (a `TreeMeta`).
fn meta_of(answer: &Value) -> Option<Meta> {
    let text = |key: &str| answer.get(key).and_then(Value::as_str);
    Some(Meta {
        name: text("name")?.to_string(),
        description: text("description").map(str::to_string),
        discovery_phase: DiscoveryPhase::ALL
            .into_iter()
            .find(|p| Some(p.as_str()) == text("discovery_phase"))?,
        is_template: answer.get("is_template")?.as_bool()?,
        version: answer.get("version")?.as_i64()?,
    })
}

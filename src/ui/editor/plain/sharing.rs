//! The share dialog and the export menu in the plain client. The server renders the dialog
//! hidden in the editor's page (`editor_page`), and the list of links on request
//! (`share_links_markup`); the export runs in a WebAssembly chunk of its own
//! (`ui::export::export_lazily`), loaded on the first export.

use serde_json::Value;

use super::dom::{alert_markup, find};
use super::{focus, Editor, Shared};
use crate::api::share::{CreateShareLink, RevokeShareLink, ShareLinksMarkup};
use crate::error::AppError;
use crate::ui::fetch::{call_form, call_form_reading};
use crate::ui::share_markup::escape_into;

fn error_markup(err: &str) -> String {
    alert_markup("form-error", err)
}

impl Editor {
    fn share_part(&self, part: &str) -> Option<web_sys::Element> {
        find(&self.dom.page, &format!("[data-part={part}]"))
    }

    pub(super) fn open_share(&self) {
        let Some(dialog) = self.share_part("share") else { return };
        let _ = dialog.remove_attribute("hidden");
        if let Some(created) = self.share_part("share-created") {
            created.set_inner_html("");
        }
        if let Some(button) = find(&dialog, "[data-action=create-share-link]") {
            focus(&button);
        }
        self.load_share_links();
    }

    pub(super) fn close_share(&self) {
        let Some(dialog) = self.share_part("share").filter(|d| !d.has_attribute("hidden")) else {
            return;
        };
        let _ = dialog.set_attribute("hidden", "");
        focus(&self.dom.canvas);
    }

    fn load_share_links(&self) {
        let Some(list) = self.share_part("share-links") else {
            return;
        };
        let form = format!("tree_id={}", self.tree_id);
        wasm_bindgen_futures::spawn_local(async move {
            match call_form::<ShareLinksMarkup>(&form).await {
                Ok(html) => list.set_inner_html(&html),
                Err(err) => list.set_inner_html(&error_markup(&err.to_string())),
            }
        });
    }

    pub(super) fn create_share_link(&self, me: &Shared) {
        let Some(created) = self.share_part("share-created") else {
            return;
        };
        let form = format!("tree_id={}", self.tree_id);
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Read as a JSON value, a decoder the chunk has anyway, for its one field.
            let answer = call_form_reading::<CreateShareLink, Value>(&form).await;
            let path = answer.map(|answer| answer.get("path").and_then(Value::as_str).map(str::to_string));
            let html = match path {
                Ok(Some(path)) => {
                    let origin = super::dom::window().location().origin().unwrap_or_default();
                    let mut html = String::from("<p class=\"form-ok\">New link (shown once): <a href=\"");
                    escape_into(&mut html, &path);
                    html.push_str("\" data-testid=\"share-url\" target=\"_blank\" rel=\"noopener\">");
                    escape_into(&mut html, &origin);
                    escape_into(&mut html, &path);
                    html.push_str("</a></p>");
                    me.borrow().load_share_links();
                    html
                }
                Ok(None) => error_markup(&AppError::Internal.to_string()),
                Err(err) => error_markup(&err.to_string()),
            };
            created.set_inner_html(&html);
        });
    }

    pub(super) fn revoke_share_link(&self, me: &Shared, link_id: &str) {
        let Some(created) = self.share_part("share-created") else {
            return;
        };
        let form = format!(
            "tree_id={}&link_id={}",
            self.tree_id,
            String::from(js_sys::encode_uri_component(link_id))
        );
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match call_form::<RevokeShareLink>(&form).await {
                Ok(()) => me.borrow().load_share_links(),
                Err(err) => created.set_inner_html(&error_markup(&err.to_string())),
            }
        });
    }

    /// Makes and downloads the export a menu button asks for (`kind`: svg, png, json, md).
    pub(super) fn export(&self, kind: &str) {
        let kind: &'static str = match kind {
            "svg" => "svg",
            "png" => "png",
            "json" => "json",
            _ => "md",
        };
        let menu = find(&self.dom.page, "[data-testid=export-menu]");
        // The select offers 1, 2 and 3.
        let scale = match menu
            .as_ref()
            .and_then(|m| find(m, "[data-testid=png-scale]"))
            .and_then(|el| select_value(&el))
            .as_deref()
        {
            Some("1") => 1.0,
            Some("3") => 3.0,
            _ => 2.0,
        };
        let source = crate::ui::export::ExportSource {
            name: self.meta.name.clone(),
            description: self.meta.description.clone(),
            phase: self.meta.discovery_phase,
            orientation: self.view.orientation,
            nodes: self.nodes.clone(),
            connections: self.links.clone(),
        };
        wasm_bindgen_futures::spawn_local(async move {
            let of = crate::ui::export::ExportOf::Tree(source);
            let result = crate::ui::export::export_lazily(of, kind, scale).await;
            let Some(menu) = menu else { return };
            if let Some(old) = find(&menu, ".form-error") {
                old.remove();
            }
            if let Err(err) = result {
                let _ = menu.insert_adjacent_html("beforeend", &error_markup(&format!("The export failed: {err}")));
            }
        });
    }
}

fn select_value(el: &web_sys::Element) -> Option<String> {
    use wasm_bindgen::JsCast;
    el.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value())
}

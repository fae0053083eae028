//! Search and the key list in the plain client. Both are rendered by the server, hidden, in
//! the editor's page (`editor_page`); this shows them, and marks and walks the matches.

use wasm_bindgen::JsCast;

use super::dom::{find, set_text};
use super::{focus, mark, Editor, Shared};
use crate::model::editor as tree_ops;
use crate::ui::editor::state::Command;

impl Editor {
    pub(super) fn open_search(&mut self) {
        let (Some(bar), Some(input)) = (&self.dom.search, &self.dom.search_input) else {
            return;
        };
        let _ = bar.remove_attribute("hidden");
        let _ = input.focus();
        input.select();
    }

    pub(super) fn close_search(&mut self, me: &Shared) {
        if let Some(bar) = &self.dom.search {
            let _ = bar.set_attribute("hidden", "");
        }
        if let Some(input) = &self.dom.search_input {
            input.set_value("");
        }
        self.set_query(me, String::new());
        focus(&self.dom.canvas);
    }

    pub(super) fn set_query(&mut self, me: &Shared, query: String) {
        self.query = query;
        self.current_match = None;
        self.find_matches(me);
    }

    /// The matches of the query in the tree as it now is, marked on the boxes and counted.
    pub(super) fn find_matches(&mut self, me: &Shared) {
        self.show_matches(false);
        let d = &self.drawing;
        self.matches = tree_ops::search(&d.index, &self.nodes, &self.query)
            .into_iter()
            .map(|i| self.nodes[i].id.clone())
            .collect();
        if self.current_match.is_some_and(|i| i >= self.matches.len()) {
            self.current_match = None;
        }
        self.show_matches(true);
        self.paint_soon(me);
    }

    /// Sets (or takes off) the match classes on the boxes in the page, and the count.
    pub(super) fn show_matches(&self, on: bool) {
        for id in &self.matches {
            mark(id, "match", on);
        }
        if let Some(id) = self.current_match.and_then(|i| self.matches.get(i)) {
            mark(id, "current-match", on);
        }
        if let Some(count) = &self.dom.search_count {
            let n = self.matches.len();
            let text = match (self.query.trim().is_empty(), self.current_match) {
                (true, _) => String::new(),
                (false, Some(i)) => format!("{} of {n}", i + 1),
                (false, None) => format!("{n} found"),
            };
            set_text(count, &text);
        }
    }

    /// The next (or previous) match: selected, its collapsed ancestors opened, and centred.
    pub(super) fn go_to_match(&mut self, me: &Shared, forward: bool) {
        let n = self.matches.len();
        if n == 0 {
            return;
        }
        self.show_matches(false);
        let next = match self.current_match {
            None => 0,
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
        };
        self.current_match = Some(next);
        self.show_matches(true);
        let id = self.matches[next].clone();
        let d = &self.drawing;
        let closed: Vec<String> = d
            .index
            .get(&id)
            .map(|i| {
                tree_ops::collapsed_ancestors(&d.index, &self.nodes, i)
                    .into_iter()
                    .map(|a| self.nodes[a].id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !closed.is_empty() {
            self.run(me, Command::Expand { ids: closed });
        }
        self.select(me, Some(id.clone()));
        if self.rect_of(&id).is_some() {
            self.reveal(me, &id, true);
        } else {
            self.centre_when_drawn = Some(id);
        }
    }

    pub(super) fn open_key_help(&self) {
        if let Some(help) = &self.dom.key_help {
            let _ = help.remove_attribute("hidden");
            if let Some(close) = find(help, "[data-action=close-key-help]") {
                focus(&close);
            }
        }
    }

    pub(super) fn close_key_help(&self) {
        if let Some(help) = &self.dom.key_help {
            if help.has_attribute("hidden") {
                return;
            }
            let _ = help.set_attribute("hidden", "");
            focus(&self.dom.canvas);
        }
    }
}

/// The search bar and the key list, as the server rendered them (hidden) in the page.
pub(super) fn adopt_parts(page: &web_sys::Element) -> (Option<web_sys::Element>, Option<web_sys::Element>) {
    (find(page, "[data-part=search]"), find(page, "[data-part=key-help]"))
}

pub(super) fn input_of(bar: &Option<web_sys::Element>) -> Option<web_sys::HtmlInputElement> {
    bar.as_ref()
        .and_then(|bar| find(bar, "input"))
        .and_then(|el| el.dyn_into().ok())
}

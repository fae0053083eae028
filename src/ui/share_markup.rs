//! Node boxes and edges written as one string of markup, on the server and in the browser
//! alike, for the shared page and the editor's canvas. Building a view per node (owners,
//! closures, attributes) was most of the 36 ms a 1,000-node share page took to render, and
//! in the editor it was a good part of the WebAssembly; a string is written in a fraction of
//! that and set as the container's content. Every piece of user text goes through
//! [`escape_into`]. The shared page's boxes carry no ids (tests find them by role, as people
//! do): whatever is written here is written for every node.

use crate::model::layout::{Rect, NODE_HEIGHT, NODE_MAX_WIDTH};
use crate::model::Orientation;
use crate::ui::editor::draw::{type_class, write_box_style, write_edge_path, Line, NodeItem, Px};

/// A text area's content as markup, for its `inner_html`. Leptos writes a text area's children
/// unescaped (it counts them with `<script>`'s), so a `</textarea>` in them would end the
/// element: text for a text area goes through here instead.
pub fn textarea_content(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    escape_into(&mut html, text);
    html
}

/// Writes `text` safe for element content and double-quoted attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    // The five are ASCII, so each is a char boundary.
    let mut from = 0;
    crate::model::escape::each_special(text.as_bytes(), needs_escape, |at| {
        out.push_str(&text[from..at]);
        out.push_str(match text.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        from = at + 1;
    });
    out.push_str(&text[from..]);
}

/// One of the five [`escape_into`] replaces, as three compares: `&` and `'` differ in their
/// lowest bit, `<` and `>` in the next.
fn needs_escape(b: u8) -> bool {
    ((b | 1) == b'\'') | ((b | 2) == b'>') | (b == b'"')
}

/// The node boxes, in the order given (outline order: how the page is read without sight).
/// `is_match` marks the search hits.
pub fn nodes(items: &[NodeItem], is_match: impl Fn(&str) -> bool) -> String {
    write_nodes(items, is_match, false)
}

/// The element id of the editor's box for a node: what `aria-activedescendant` names and the
/// editor looks its boxes up by.
pub fn box_id(node_id: &str) -> String {
    format!("node-{node_id}")
}

/// The editor canvas's node boxes: as [`nodes`], with what the editor finds them by: an
/// element id (`node-<id>`, for `aria-activedescendant`), `aria-selected`, test ids, and
/// toggles out of the tab order (the canvas takes the keys). The states that change without
/// a redraw (selected, search hits, dragging, drop targets) are classes the editor sets on
/// the elements.
pub fn editor_nodes(items: &[NodeItem]) -> String {
    write_nodes(items, |_| false, true)
}

fn write_nodes(items: &[NodeItem], is_match: impl Fn(&str) -> bool, editor: bool) -> String {
    let mut out = String::with_capacity(items.len() * if editor { 440 } else { 360 });
    for item in items {
        out.push_str("<div ");
        if editor {
            out.push_str("id=\"");
            escape_into(&mut out, &box_id(item.id));
            out.push_str("\" ");
        }
        out.push_str("class=\"");
        out.push_str(type_class(item.node_type));
        if is_match(item.id) {
            out.push_str(" match");
        }
        out.push_str("\" style=\"");
        // The shared page's stylesheet gives every box the full width and the one height
        // (`.shared .node`): at 1,000 nodes the sizes were ~25 KB of the page.
        let implied = (!editor).then_some((NODE_MAX_WIDTH, NODE_HEIGHT));
        write_box_style(&mut out, &item.rect, implied);
        out.push_str("\" role=\"treeitem\" data-node-id=\"");
        escape_into(&mut out, item.id);
        out.push_str("\" aria-level=\"");
        // itoa rather than `write!`, whose formatter machinery was ~300 instructions a box.
        out.push_str(itoa::Buffer::new().format(item.level));
        out.push('"');
        if item.has_children {
            out.push_str(if item.collapsed {
                " aria-expanded=\"false\""
            } else {
                " aria-expanded=\"true\""
            });
        }
        if editor {
            out.push_str(" aria-selected=\"false\" data-testid=\"tree-node\"");
        }
        out.push_str("><span class=\"node-type\">");
        out.push_str(item.node_type.label());
        out.push_str("</span><span class=\"node-title\">");
        escape_into(&mut out, item.title);
        out.push_str("</span>");
        if !item.badges.is_empty() {
            out.push_str("<span class=\"node-badges\">");
            for badge in &item.badges {
                out.push_str("<span class=\"badge\">");
                escape_into(&mut out, badge);
                out.push_str("</span>");
            }
            out.push_str("</span>");
        }
        if item.has_children {
            out.push_str("<button type=\"button\" class=\"node-toggle\"");
            if editor {
                out.push_str(" tabindex=\"-1\" data-testid=\"toggle-collapse\"");
            }
            out.push_str(if item.collapsed {
                " aria-label=\"Expand\">+</button>"
            } else {
                " aria-label=\"Collapse\">\u{2212}</button>"
            });
        }
        out.push_str("</div>");
    }
    out
}

/// Parent edges (the (parent, child) boxes from `draw::visible_edge_boxes`) and dashed
/// cross-links, the content of the edge `<svg>`. The parent edges are one `<path>`: they all
/// look alike, and one element per edge was ~25 bytes of markup each and as many SVG
/// elements for the browser to build. `expected` is about how many parent edges there are (the
/// boxes come filtered, with no count of their own): the string is made that big at once,
/// rather than grown and copied ~10 times over for a whole shared tree.
pub fn edges(
    orientation: Orientation,
    boxes: impl Iterator<Item = (Rect, Rect)>,
    links: &[Line],
    expected: usize,
) -> String {
    let (lower, _) = boxes.size_hint();
    // ~42 bytes an edge in a tree of some thousand nodes' width.
    let mut out = String::with_capacity(lower.max(expected) * 44 + links.len() * 80);
    let mut boxes = boxes.peekable();
    if boxes.peek().is_some() {
        out.push_str("<path class=\"edge\" d=\"");
        for (parent, child) in boxes {
            write_edge_path(&mut out, &parent, &child, orientation);
        }
        out.push_str("\"/>");
    }
    for &(x1, y1, x2, y2) in links {
        for (name, v) in [
            ("<line class=\"cross-link\" x1=\"", x1),
            ("\" y1=\"", y1),
            ("\" x2=\"", x2),
            ("\" y2=\"", y2),
        ] {
            out.push_str(name);
            Px(v).push_to(&mut out);
        }
        out.push_str("\"/>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeType;

    fn item<'a>(id: &'a str, title: &'a str, has_children: bool, collapsed: bool) -> NodeItem<'a> {
        NodeItem {
            index: 0,
            id,
            node_type: NodeType::Outcome,
            title,
            badges: vec!["3 <hidden>".to_string()],
            rect: Rect {
                x: 10.0,
                y: -2.5,
                w: 220.0,
                h: NODE_HEIGHT,
            },
            level: 2,
            has_children,
            collapsed,
        }
    }

    proptest::proptest! {
        #[test]
        fn escaping_replaces_the_five_and_keeps_every_other_char(text in "([&<>\"'a-z é]|\\PC){0,80}") {
            let mut out = String::from("kept:");
            escape_into(&mut out, &text);
            let expected: String = text
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '>' => "&gt;".to_string(),
                    '"' => "&quot;".to_string(),
                    '\'' => "&#39;".to_string(),
                    c => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(out, format!("kept:{expected}"));
        }
    }

    /// Each of the five at every place in and around the 16-byte runs passed over whole.
    #[test]
    fn escaping_finds_a_special_anywhere_in_a_long_text() {
        for (special, entity) in [
            ('&', "&amp;"),
            ('<', "&lt;"),
            ('>', "&gt;"),
            ('"', "&quot;"),
            ('\'', "&#39;"),
        ] {
            for at in 0..40 {
                let mut text: Vec<char> = "Reduce the time to first value for new teams".chars().collect();
                text[at] = special;
                let text: String = text.into_iter().collect();
                let mut out = String::new();
                escape_into(&mut out, &text);
                assert_eq!(out, text.replacen(special, entity, 1), "{special:?} at {at}");
            }
        }
        let mut out = String::new();
        escape_into(&mut out, &"a".repeat(33));
        assert_eq!(out, "a".repeat(33));
    }

    #[test]
    fn user_text_cannot_leave_its_element_or_attribute() {
        let mut out = String::new();
        escape_into(&mut out, r#"a<script>alert("x")</script> & 'b'"#);
        assert_eq!(
            out,
            "a&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;b&#39;"
        );
        let html = nodes(
            &[item("id\"><img src=x>", "</div><script>1</script>", false, false)],
            |_| false,
        );
        assert!(!html.contains("<script>") && !html.contains("<img"), "{html}");
        assert!(
            html.contains("data-node-id=\"id&quot;&gt;&lt;img src=x&gt;\""),
            "{html}"
        );
        assert!(html.contains("<span class=\"badge\">3 &lt;hidden&gt;</span>"), "{html}");
    }

    #[test]
    fn a_node_is_drawn_with_its_box_level_state_and_toggle() {
        let open = nodes(&[item("a", "Retention", true, false)], |id| id == "a");
        assert_eq!(
            open,
            "<div class=\"node outcome match\" style=\"left:10px;top:-2.5px;width:220px\" \
             role=\"treeitem\" data-node-id=\"a\" aria-level=\"2\" aria-expanded=\"true\">\
             <span class=\"node-type\">Outcome</span><span class=\"node-title\">Retention</span>\
             <span class=\"node-badges\"><span class=\"badge\">3 &lt;hidden&gt;</span></span>\
             <button type=\"button\" class=\"node-toggle\" aria-label=\"Collapse\">\u{2212}</button></div>"
        );
        let closed = nodes(&[item("a", "Retention", true, true)], |_| false);
        assert!(closed.starts_with("<div class=\"node outcome\" "), "{closed}");
        assert!(closed.contains("aria-expanded=\"false\"") && closed.contains("aria-label=\"Expand\">+</button>"));
        let leaf = nodes(&[item("a", "Retention", false, false)], |_| false);
        assert!(!leaf.contains("aria-expanded") && !leaf.contains("button"), "{leaf}");
        let mut wide = item("a", "Retention", false, false);
        wide.rect.w = NODE_MAX_WIDTH;
        wide.rect.h = 100.0;
        let wide = nodes(&[wide], |_| false);
        assert!(wide.contains("style=\"left:10px;top:-2.5px;height:100px\""), "{wide}");
    }

    #[test]
    fn an_editor_box_has_its_id_size_selection_and_test_ids() {
        let html = editor_nodes(&[item("a\"b", "Retention", true, true)]);
        assert_eq!(
            html,
            "<div id=\"node-a&quot;b\" class=\"node outcome\" style=\"left:10px;top:-2.5px;width:220px;height:88px\" \
             role=\"treeitem\" data-node-id=\"a&quot;b\" aria-level=\"2\" aria-expanded=\"false\" \
             aria-selected=\"false\" data-testid=\"tree-node\">\
             <span class=\"node-type\">Outcome</span><span class=\"node-title\">Retention</span>\
             <span class=\"node-badges\"><span class=\"badge\">3 &lt;hidden&gt;</span></span>\
             <button type=\"button\" class=\"node-toggle\" tabindex=\"-1\" data-testid=\"toggle-collapse\" \
             aria-label=\"Expand\">+</button></div>"
        );
    }

    /// Boxes leave out the size the stylesheet gives them, so the two must agree.
    #[test]
    fn the_stylesheet_sizes_shared_boxes_as_the_layout_does() {
        let css = include_str!("../../style/main.css");
        let rule = format!(".shared .node {{ width: {NODE_MAX_WIDTH}px; height: {NODE_HEIGHT}px; }}");
        assert!(css.contains(&rule), "style/main.css should have `{rule}`");
    }

    #[test]
    fn edges_are_paths_and_dashed_lines() {
        let parent = Rect {
            x: 0.0,
            y: 0.0,
            w: 220.0,
            h: 76.0,
        };
        let child = Rect {
            x: 300.5,
            y: 120.0,
            w: 220.0,
            h: 76.0,
        };
        let svg = edges(
            Orientation::Vertical,
            [(parent, child), (parent, parent)].into_iter(),
            &[(0.0, 1.25, 10.0, -3.0)],
            2,
        );
        assert_eq!(
            svg,
            "<path class=\"edge\" d=\"M110 76C110 98 410.5 98 410.5 120M110 76C110 38 110 38 110 0\"/>\
             <line class=\"cross-link\" x1=\"0\" y1=\"1.3\" x2=\"10\" y2=\"-3\"/>"
        );
        assert_eq!(edges(Orientation::Vertical, std::iter::empty(), &[], 0), "");
        let sideways = edges(Orientation::Horizontal, [(parent, child)].into_iter(), &[], 1);
        assert_eq!(
            sideways,
            "<path class=\"edge\" d=\"M220 38C260.3 38 260.3 158 300.5 158\"/>"
        );
    }
}

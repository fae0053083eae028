//! Export of what the canvas shows: a self-contained SVG (drawn from the shared layout, so it
//! matches the canvas), a PNG rendered from that SVG in the browser, the JSON tree document and
//! the Markdown outline. The documents are made in the browser from the tree it holds, so the
//! share page exports without an account.

use leptos::prelude::*;

use crate::model::document::{to_markdown, TreeDocument};
use crate::model::{CanvasState, Connection, DiscoveryPhase, Orientation, TreeDetail, TreeNode};
use crate::ui::editor::draw::{draw, type_colour, visible_edges, visible_nodes, Fixed, EVERYWHERE};

/// Everything an export needs, taken when the button is pressed.
#[derive(Clone)]
pub struct ExportSource {
    pub name: String,
    pub description: Option<String>,
    pub phase: DiscoveryPhase,
    pub orientation: Orientation,
    pub nodes: Vec<TreeNode>,
    pub connections: Vec<Connection>,
}

impl ExportSource {
    fn detail(&self) -> TreeDetail {
        TreeDetail {
            id: 0,
            name: self.name.clone(),
            description: self.description.clone(),
            discovery_phase: self.phase,
            is_template: false,
            canvas_state: CanvasState {
                orientation: self.orientation,
                ..CanvasState::default()
            },
            version: 0,
            updated_at: String::new(),
            nodes: self.nodes.clone(),
            connections: self.connections.clone(),
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&TreeDocument::from_detail(&self.detail())).unwrap_or_default()
    }

    pub fn markdown(&self) -> String {
        to_markdown(&self.detail())
    }

    /// A file name from the tree's name: letters, digits and dashes.
    pub fn file_name(&self, extension: &str) -> String {
        let mut stem: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        while stem.contains("--") {
            stem = stem.replace("--", "-");
        }
        let stem = stem.trim_matches('-');
        format!("{}.{extension}", if stem.is_empty() { "impact-tree" } else { stem })
    }
}

/// Text made safe for markup: element content (also RCDATA such as `<title>`) and quoted
/// attribute values.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Up to two lines of about `width` characters, the second ending in "…" when cut.
fn title_lines(title: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in title.split_whitespace() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            if lines.len() == 2 {
                let last = lines.last_mut().expect("two lines");
                last.push('…');
                return lines;
            }
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The whole tree as a standalone SVG document (expanded as on the canvas: collapsed subtrees
/// stay folded), every title in it as text.
pub fn svg(source: &ExportSource) -> (String, f64, f64) {
    const PAD: f64 = 24.0;
    let d = draw(&source.nodes, &source.connections, source.orientation);
    let items = visible_nodes(&source.nodes, &d, &EVERYWHERE);
    let (paths, links) = visible_edges(&d, &EVERYWHERE);
    let (w, h) = (d.layout.bounds.w + 2.0 * PAD, d.layout.bounds.h + 2.0 * PAD);
    let mut out = String::with_capacity(512 + items.len() * 600);
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w0}\" height=\"{h0}\" viewBox=\"0 0 {w0} {h0}\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\">\n<title>{}</title>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<g transform=\"translate({pad} {pad})\">\n",
        xml(&source.name),
        w0 = Fixed::<0>(w),
        h0 = Fixed::<0>(h),
        pad = Fixed::<0>(PAD),
    ));
    out.push_str("<g fill=\"none\" stroke=\"#9aa5b5\" stroke-width=\"1.5\">\n");
    for p in paths {
        out.push_str(&format!("<path d=\"{p}\"/>\n"));
    }
    out.push_str("</g>\n<g stroke=\"#c0567a\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\">\n");
    for (x1, y1, x2, y2) in links {
        out.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
            Fixed::<1>(x1),
            Fixed::<1>(y1),
            Fixed::<1>(x2),
            Fixed::<1>(y2)
        ));
    }
    out.push_str("</g>\n");
    for item in items {
        let r = item.rect;
        let c = type_colour(item.node_type);
        out.push_str(&format!(
            "<g transform=\"translate({} {})\"><rect width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#ffffff\" stroke=\"#dde2ea\"/>\
             <rect width=\"5\" height=\"{}\" fill=\"{c}\"/>\
             <text x=\"14\" y=\"17\" font-size=\"10\" font-weight=\"700\" fill=\"{c}\" letter-spacing=\"0.5\">{}</text>\
             <text x=\"14\" y=\"35\" font-size=\"13\" font-weight=\"600\" fill=\"#1c2430\">",
            Fixed::<1>(r.x),
            Fixed::<1>(r.y),
            Fixed::<1>(r.w),
            Fixed::<1>(r.h),
            Fixed::<1>(r.h),
            xml(&item.node_type.label().to_ascii_uppercase())
        ));
        let width = ((r.w - 24.0) / 7.2).max(8.0) as usize;
        for (i, line) in title_lines(item.title, width).iter().enumerate() {
            out.push_str(&format!(
                "<tspan x=\"14\" dy=\"{}\">{}</tspan>",
                if i == 0 { 0 } else { 16 },
                xml(line)
            ));
        }
        out.push_str("</text>");
        if !item.badges.is_empty() {
            out.push_str(&format!(
                "<text x=\"14\" y=\"{}\" font-size=\"10\" fill=\"#566173\">{}</text>",
                Fixed::<1>(r.h - 10.0),
                xml(&item.badges.join(" · "))
            ));
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    (out, w, h)
}

/// The PNG scale that keeps the image within what browsers can draw (16,384 px a side, about
/// 250 million pixels).
pub fn png_scale(w: f64, h: f64, wanted: f64) -> f64 {
    let side = 16_000.0 / w.max(h).max(1.0);
    let area = (240_000_000.0 / (w.max(1.0) * h.max(1.0))).sqrt();
    wanted.min(side).min(area).max(0.01)
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::{JsCast, JsValue};

    fn blob_url(content: &str, mime: &str) -> Result<String, JsValue> {
        let parts = js_sys::Array::of1(&JsValue::from_str(content));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
        web_sys::Url::create_object_url_with_blob(&blob)
    }

    fn click_download(url: &str, file_name: &str) -> Result<(), JsValue> {
        let document = leptos::prelude::document();
        let a: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
        a.set_href(url);
        a.set_download(file_name);
        a.style().set_property("display", "none")?;
        document.body().ok_or("no body")?.append_child(&a)?;
        a.click();
        a.remove();
        Ok(())
    }

    pub fn download_text(content: &str, mime: &str, file_name: &str) -> Result<(), JsValue> {
        let url = blob_url(content, mime)?;
        click_download(&url, file_name)?;
        // The download has its own copy once started.
        let revoke = url.clone();
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&revoke);
            },
            std::time::Duration::from_secs(10),
        );
        Ok(())
    }

    /// Draws the SVG onto a canvas at `scale` and downloads it as PNG.
    pub async fn download_png(svg: &str, w: f64, h: f64, scale: f64, file_name: &str) -> Result<(), JsValue> {
        let url = blob_url(svg, "image/svg+xml")?;
        let img = web_sys::HtmlImageElement::new()?;
        img.set_src(&url);
        wasm_bindgen_futures::JsFuture::from(img.decode()).await?;
        let document = leptos::prelude::document();
        let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas")?.unchecked_into();
        canvas.set_width((w * scale).round() as u32);
        canvas.set_height((h * scale).round() as u32);
        let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d")?.ok_or("no 2d context")?.unchecked_into();
        ctx.scale(scale, scale)?;
        ctx.draw_image_with_html_image_element(&img, 0.0, 0.0)?;
        web_sys::Url::revoke_object_url(&url)?;
        let data = canvas.to_data_url_with_type("image/png")?;
        click_download(&data, file_name)
    }
}

/// Makes the file `kind` names (`svg`, `png`, `json`, `md`) and starts its download: in the
/// browser, which has the tree; the server never exports.
pub async fn download(kind: &'static str, src: ExportSource, png_wanted: f64) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        let result = match kind {
            "svg" => browser::download_text(&svg(&src).0, "image/svg+xml", &src.file_name("svg")),
            "json" => browser::download_text(&src.json(), "application/json", &src.file_name("json")),
            "md" => browser::download_text(&src.markdown(), "text/markdown", &src.file_name("md")),
            _ => {
                let (doc, w, h) = svg(&src);
                let s = png_scale(w, h, png_wanted);
                browser::download_png(&doc, w, h, s, &src.file_name("png")).await
            }
        };
        result.map_err(|err| format!("{err:?}"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, src, png_wanted);
        Err("exports are made in the browser".to_string())
    }
}

/// What an export is made from: a tree the page holds (the editor's), or a shared tree's
/// whole, read first (a share page holds only what it draws).
pub enum ExportOf {
    Tree(ExportSource),
    Shared {
        token: String,
        folded: Option<Vec<bool>>,
        orientation: Orientation,
    },
}

/// Makes the export and starts its download ([`download`]) in a WebAssembly chunk of its own,
/// loaded on the first export. One entry for every page that exports: each lazy entry point
/// makes wasm-split cut the code the entries share into more chunks, and every page's
/// WebAssembly grew by a few KiB with a second one (BENCHMARKS.md, thirty-ninth session).
#[leptos::lazy]
pub async fn export_lazily(of: ExportOf, kind: &'static str, png_wanted: f64) -> Result<(), String> {
    let source = match of {
        ExportOf::Tree(source) => source,
        ExportOf::Shared {
            token,
            folded,
            orientation,
        } => crate::ui::share::whole_shared_tree(token, folded, orientation).await?,
    };
    download(kind, source, png_wanted).await
}

/// An export under way, from the button to the download.
pub type ExportFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>;

/// The menu's buttons and the PNG scale, without handlers: each page hears their clicks on the
/// menu (by `data-action="export"` and `data-kind`).
fn export_options() -> impl IntoView {
    view! {
        <button type="button" class="secondary" data-testid="export-svg" data-action="export" data-kind="svg">"SVG"</button>
        <span class="png-export">
            <button type="button" class="secondary" data-testid="export-png" data-action="export" data-kind="png">"PNG"</button>
            <select aria-label="PNG scale" data-testid="png-scale">
                <option value="1">"1×"</option>
                <option value="2" selected>"2×"</option>
                <option value="3">"3×"</option>
            </select>
        </span>
        <button type="button" class="secondary" data-testid="export-json" data-action="export" data-kind="json">"JSON"</button>
        <button type="button" class="secondary" data-testid="export-md" data-action="export" data-kind="md">"Markdown"</button>
    }
}

/// The export menu as the editor's page has it: static, its clicks heard by the editor's
/// client, which holds the whole tree.
#[component]
pub fn ExportMenuMarkup() -> impl IntoView {
    view! {
        <details class="export-menu" data-testid="export-menu">
            <summary>"Export"</summary>
            <div class="export-options">{export_options()}</div>
        </details>
    }
}

/// The export menu of an island (the share page's). `export` is given the kind of file and
/// the PNG scale when a button is pressed: the share page holds only what it draws and fetches
/// the rest first (lazily, code and all).
#[component]
pub fn ExportMenu(export: Callback<(&'static str, f64), ExportFuture>) -> impl IntoView {
    let scale = RwSignal::new(2.0f64);
    let error = RwSignal::new(None::<String>);
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let kind = event_target::<web_sys::Element>(&ev)
            .closest("[data-action=export]")
            .ok()
            .flatten()
            .and_then(|button| button.get_attribute("data-kind"));
        let Some(kind) = ["svg", "png", "json", "md"]
            .into_iter()
            .find(|k| Some(*k) == kind.as_deref())
        else {
            return;
        };
        let pending = export.run((kind, scale.get_untracked()));
        leptos::task::spawn_local(async move {
            let result = pending.await.map_err(|err| format!("The export failed: {err}"));
            error.try_set(result.err());
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(s) = event_target_value(&ev).parse() {
            scale.set(s)
        }
    };
    view! {
        <details class="export-menu" data-testid="export-menu">
            <summary>"Export"</summary>
            <div class="export-options" on:click=on_click on:change=on_change>{export_options()}</div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeType, Position};

    fn node(id: &str, parent: Option<&str>, t: NodeType, title: &str, order: i32) -> TreeNode {
        TreeNode {
            id: id.into(),
            parent_id: parent.map(str::to_string),
            node_type: t,
            title: title.into(),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: serde_json::json!({}),
            sort_order: order,
            version: 1,
        }
    }

    fn source() -> ExportSource {
        ExportSource {
            name: "Q3 <bets> & \"more\"".into(),
            description: None,
            phase: DiscoveryPhase::Discovery,
            orientation: Orientation::Vertical,
            nodes: vec![
                node("o", None, NodeType::Objective, "Grow <script>alert(1)</script>", 0),
                node("a", Some("o"), NodeType::Outcome, "Weekly actives & friends", 0),
                node(
                    "b",
                    Some("o"),
                    NodeType::Outcome,
                    "A very long title that goes on and on well past two lines of the box it sits in, surely",
                    1,
                ),
            ],
            connections: vec![Connection {
                id: "l".into(),
                from_node_id: "a".into(),
                to_node_id: "b".into(),
            }],
        }
    }

    #[test]
    fn the_svg_has_every_title_escaped_and_balanced_markup() {
        let (doc, w, h) = svg(&source());
        assert!(w > 0.0 && h > 0.0);
        assert!(doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(doc.contains("<title>Q3 &lt;bets&gt; &amp; &quot;more&quot;</title>"));
        assert!(doc.contains("Grow &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!doc.contains("<script>"));
        assert!(doc.contains("Weekly actives &amp; friends"));
        assert!(doc.contains("…"), "long titles are cut");
        assert_eq!(doc.matches("<g").count(), doc.matches("</g>").count());
        assert_eq!(doc.matches("<text").count(), doc.matches("</text>").count());
        assert_eq!(doc.matches("<path").count(), 2);
        assert_eq!(doc.matches("<line").count(), 1);
    }

    #[test]
    fn documents_and_file_names() {
        let src = source();
        let doc: TreeDocument = serde_json::from_str(&src.json()).unwrap();
        assert_eq!(doc.nodes.len(), 3);
        assert_eq!(doc.nodes[0].id, "o");
        let md = src.markdown();
        for title in ["Weekly actives & friends", "Grow"] {
            assert!(md.contains(title.split(' ').next().unwrap()), "{md}");
        }
        assert_eq!(src.file_name("svg"), "q3-bets-more.svg");
    }

    #[test]
    fn png_scale_stays_within_browser_limits() {
        assert_eq!(png_scale(1000.0, 800.0, 2.0), 2.0);
        assert!(png_scale(100_000.0, 3_000.0, 2.0) * 100_000.0 <= 16_000.0 + 1e-6);
        let s = png_scale(15_000.0, 15_000.0, 3.0);
        assert!(15_000.0 * s * 15_000.0 * s <= 240_000_001.0);
    }
}

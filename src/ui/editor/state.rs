//! The editor's state and every change it makes. Changes run one at a time, in the order they
//! were asked for (a child added under a node that is itself still being added needs that
//! node's id), each through its server function, and are applied to the working copy with
//! the same sibling shifts the server made, so nothing is reloaded after an edit.

use std::collections::VecDeque;

use leptos::prelude::*;

use super::draw::{draw, Drawing, Shared};
use crate::api::nodes::NodeInput;
use crate::error::AppError;
use crate::model::editor;
use crate::model::{CanvasState, Connection, Subtree, TreeDetail, TreeMeta, TreeNode};

/// One undoable change, with what is needed to make it and to take it back.
#[derive(Debug, Clone)]
pub enum Change {
    Added(Subtree),
    Deleted(Subtree),
    Edited {
        id: String,
        before: NodeInput,
        after: NodeInput,
    },
    Moved {
        id: String,
        from: (Option<String>, i32),
        to: (Option<String>, i32),
    },
}

/// What the editor is asked to do.
#[derive(Debug, Clone)]
pub enum Command {
    /// A new node under `parent` (None: a root) at `position` (None: last), then selected for
    /// typing its title.
    Add {
        parent: Option<String>,
        position: Option<i32>,
        input: NodeInput,
    },
    /// A child of whatever is selected when the command runs (so Tab, Tab nests).
    AddChild,
    /// A sibling after whatever is selected when the command runs (so Enter, Enter keeps order).
    AddSibling,
    Save {
        id: String,
        input: NodeInput,
    },
    Delete {
        id: String,
    },
    Move {
        id: String,
        parent: Option<String>,
        position: i32,
    },
    ToggleCollapse {
        id: String,
    },
    /// Opens collapsed nodes (to show a search match); not an undoable change of its own.
    Expand {
        ids: Vec<String>,
    },
    Undo,
    Redo,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
    /// A write refused as stale: the fresh tree is loaded, unsaved text stays in the panel.
    Conflict(String),
    /// The view (zoom, pan, orientation) was not saved; the next one saved takes it away.
    ViewNotSaved(String),
}

impl Notice {
    /// What to say when saving the view failed. Not an edit, so nothing is taken back: the
    /// view on screen stays, and only reopening the tree would show the last one saved.
    pub fn view_not_saved(err: &AppError) -> Self {
        let why = match err {
            AppError::NotFound => "this tree no longer exists".to_string(),
            other => other.to_string(),
        };
        Notice::ViewNotSaved(format!(
            "Your zoom and position were not saved ({why}). The next pan or zoom tries again."
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: crate::model::DiscoveryPhase,
    pub is_template: bool,
    pub version: i64,
}

impl Meta {
    pub fn of(tree: &TreeDetail) -> Self {
        Meta {
            name: tree.name.clone(),
            description: tree.description.clone(),
            discovery_phase: tree.discovery_phase,
            is_template: tree.is_template,
            version: tree.version,
        }
    }

    pub fn from_saved(meta: &TreeMeta) -> Self {
        Meta {
            name: meta.name.clone(),
            description: meta.description.clone(),
            discovery_phase: meta.discovery_phase,
            is_template: meta.is_template,
            version: meta.version,
        }
    }
}

#[derive(Debug, Default)]
struct History {
    undo: Vec<Change>,
    redo: Vec<Change>,
}

/// Everything the editor's parts share; all handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Editor {
    pub tree_id: i32,
    pub meta: RwSignal<Meta>,
    pub nodes: RwSignal<Vec<TreeNode>>,
    pub links: RwSignal<Vec<Connection>>,
    pub view: RwSignal<CanvasState>,
    pub drawing: Memo<Shared<Drawing>>,
    pub selected: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<Notice>>,
    /// A save refused as stale: the text the person typed, for the panel to put back once the
    /// fresh tree is loaded.
    pub unsaved: RwSignal<Option<(String, NodeInput)>>,
    /// The last refused node save and whose it was, for the panel to show beside its field.
    pub field_error: RwSignal<Option<(String, AppError)>>,
    /// Bumped with the node's id after each save that went through.
    pub saved: RwSignal<(u64, String)>,
    /// A node to bring into view once it is drawn (keyboard moves, adds, undo).
    pub reveal: RwSignal<Option<String>>,
    /// Bumped after every saved change (the activity feed refetches on it).
    pub revision: RwSignal<u64>,
    /// A node whose title the panel should focus (F2, a double click, a node just added).
    pub edit_request: RwSignal<Option<String>>,
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    pub busy: RwSignal<bool>,
    queue: StoredValue<VecDeque<Command>>,
    history: StoredValue<History>,
}

/// Equal as far as the server is concerned: numbers compare by value (5 and 5.0 are one).
pub fn same_content(a: &NodeInput, b: &NodeInput) -> bool {
    a.node_type == b.node_type
        && a.title.trim() == b.title.trim()
        && a.description == b.description
        && a.is_collapsed == b.is_collapsed
        && same_value(&a.template_data, &b.template_data)
}

/// Compared in place rather than normalised into new values: no copies, and less code in the
/// WebAssembly.
fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w)),
        _ => a == b,
    }
}

pub fn input_of(node: &TreeNode) -> NodeInput {
    NodeInput {
        node_type: node.node_type,
        title: node.title.clone(),
        description: node.description.clone(),
        is_collapsed: node.is_collapsed,
        template_data: node.template_data.clone(),
    }
}

impl Editor {
    pub fn new(tree: TreeDetail) -> Self {
        let meta = RwSignal::new(Meta::of(&tree));
        let view = RwSignal::new(tree.canvas_state);
        // Moved, not copied: thousands of nodes with their template fields.
        let nodes = RwSignal::new(tree.nodes);
        let links = RwSignal::new(tree.connections);
        let orientation = Memo::new(move |_| view.with(|v| v.orientation));
        let drawing = Memo::new(move |_| {
            let o = orientation.get();
            nodes.with(|n| links.with(|l| Shared(std::sync::Arc::new(draw(n, l, o)))))
        });
        Editor {
            tree_id: tree.id,
            meta,
            nodes,
            links,
            view,
            drawing,
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            field_error: RwSignal::new(None),
            unsaved: RwSignal::new(None),
            saved: RwSignal::new((0, String::new())),
            reveal: RwSignal::new(None),
            revision: RwSignal::new(0),
            edit_request: RwSignal::new(None),
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            busy: RwSignal::new(false),
            queue: StoredValue::new(VecDeque::new()),
            history: StoredValue::new(History::default()),
        }
    }

    /// False once the page has moved on and the editor's state is disposed: a change still in
    /// flight then stops at its next step instead of touching dead signals.
    pub fn alive(&self) -> bool {
        self.nodes.try_with_untracked(|_| ()).is_some()
    }

    fn still_here(&self) -> Result<(), AppError> {
        if self.alive() {
            Ok(())
        } else {
            Err(AppError::Network {
                message: "the editor was closed".to_string(),
            })
        }
    }

    pub fn node(&self, id: &str) -> Option<TreeNode> {
        self.nodes
            .with_untracked(|nodes| nodes.iter().find(|n| n.id == id).cloned())
    }

    pub fn selected_node(&self) -> Option<TreeNode> {
        self.selected.get_untracked().and_then(|id| self.node(&id))
    }

    pub fn index(&self) -> Shared<Drawing> {
        self.drawing.get_untracked()
    }

    /// Queues a command; they run one after another.
    pub fn run(&self, command: Command) {
        self.queue.update_value(|q| q.push_back(command));
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        let ed = *self;
        leptos::task::spawn_local(async move {
            while let Some(command) = ed.queue.try_update_value(|q| q.pop_front()).flatten() {
                ed.execute(command).await;
                if !ed.alive() {
                    return;
                }
            }
            ed.busy.set(false);
        });
    }

    fn record(&self, change: Change) {
        self.history.update_value(|h| {
            h.undo.push(change);
            h.redo.clear();
            // A long session should not grow without bound.
            if h.undo.len() > 500 {
                h.undo.remove(0);
            }
        });
        self.sync_history();
    }

    fn sync_history(&self) {
        let (u, r) = self.history.with_value(|h| (!h.undo.is_empty(), !h.redo.is_empty()));
        self.can_undo.set(u);
        self.can_redo.set(r);
    }

    async fn execute(&self, command: Command) {
        let unsaved = match &command {
            Command::Save { id, input } => Some((id.clone(), input.clone())),
            _ => None,
        };
        let result = match command {
            Command::Add {
                parent,
                position,
                input,
            } => self.add(parent, position, input).await,
            Command::AddChild => match self.child_command() {
                Some(command) => self.execute_add(command).await,
                None => Ok(()),
            },
            Command::AddSibling => match self.sibling_command() {
                Some(command) => self.execute_add(command).await,
                None => Ok(()),
            },
            // Collapsing is not the panel's business: the node keeps its current state.
            Command::Save { id, mut input } => match self.node(&id) {
                Some(node) => {
                    input.is_collapsed = node.is_collapsed;
                    let result = self.save(id.clone(), input).await;
                    if result.is_ok() {
                        self.saved.try_update(|(n, last)| {
                            *n += 1;
                            *last = id;
                        });
                    }
                    result
                }
                None => Err(AppError::NotFound),
            },
            Command::Delete { id } => self.delete(&id).await.map(|gone| {
                if let Some(gone) = gone {
                    self.record(Change::Deleted(gone));
                }
            }),
            Command::Move { id, parent, position } => self.move_node(id, parent, position, true).await,
            Command::ToggleCollapse { id } => match self.node(&id) {
                Some(node) => {
                    let mut input = input_of(&node);
                    input.is_collapsed = !input.is_collapsed;
                    self.save(id, input).await
                }
                None => Ok(()),
            },
            Command::Expand { ids } => {
                let mut result = Ok(());
                for id in ids {
                    if let Some(node) = self.node(&id) {
                        let mut input = input_of(&node);
                        input.is_collapsed = false;
                        if let Err(err) = self.write_node(&id, input).await {
                            result = Err(err);
                            break;
                        }
                    }
                }
                result
            }
            Command::Undo => self.undo().await,
            Command::Redo => self.redo().await,
        };
        match result {
            Ok(()) => {
                self.revision.try_update(|r| *r += 1);
            }
            Err(err) => {
                if !self.alive() {
                    return;
                }
                // What was typed is kept for the panel, whatever refused it.
                if let Some((id, input)) = unsaved {
                    if !matches!(err, AppError::NotFound) {
                        if let AppError::Validation { .. } = err {
                            self.field_error.set(Some((id.clone(), err.clone())));
                        }
                        self.unsaved.set(Some((id, input)));
                    }
                }
                self.failed(err).await
            }
        }
    }

    async fn execute_add(&self, command: Command) -> Result<(), AppError> {
        match command {
            Command::Add {
                parent,
                position,
                input,
            } => self.add(parent, position, input).await,
            _ => Ok(()),
        }
    }

    /// A refused change: say why; when it was stale, load the tree as it now is.
    async fn failed(&self, err: AppError) {
        if !self.alive() {
            return;
        }
        match err {
            AppError::Conflict { .. } | AppError::NotFound => {
                self.notice.set(Some(Notice::Conflict(
                    "This tree was changed in another tab or by someone else. The latest version is loaded; \
                     anything you had not saved is still in the panel."
                        .to_string(),
                )));
                self.reload().await;
            }
            AppError::Validation { field, message } => {
                self.notice
                    .set(Some(Notice::Error(format!("Not saved — {field}: {message}"))));
            }
            other => self.notice.set(Some(Notice::Error(other.to_string()))),
        }
    }

    pub async fn reload(&self) {
        let loaded = crate::api::trees::load_tree(self.tree_id).await;
        if !self.alive() {
            return;
        }
        match loaded {
            Ok(tree) => self.replace_tree(tree),
            Err(err) => self.notice.set(Some(Notice::Error(err.to_string()))),
        }
    }

    /// The tree as the server has it, in place of what the editor holds.
    fn replace_tree(&self, tree: TreeDetail) {
        self.meta.set(Meta::of(&tree));
        self.links.set(tree.connections);
        self.nodes.set(tree.nodes);
        if let Some(id) = self.selected.get_untracked() {
            if self.node(&id).is_none() {
                self.selected.set(None);
            }
        }
        // The history refers to versions and places that may no longer hold.
        self.history.update_value(|h| *h = History::default());
        self.sync_history();
        self.revision.update(|r| *r += 1);
    }

    /// Whether an add whose answer was lost on the way (the request may have been carried out
    /// all the same) made its node after all. If it did and nothing else changed, the editor
    /// takes the node as if the answer had come; if more changed meanwhile (another tab), it
    /// takes the tree as the server has it, the node and whatever is queued for it included.
    async fn made_after_all(&self, drawn: &TreeNode) -> Result<bool, AppError> {
        let Ok(tree) = crate::api::trees::load_tree(self.tree_id).await else {
            return Ok(false);
        };
        self.still_here()?;
        let Some(made) = tree.nodes.iter().find(|n| n.id == drawn.id).cloned() else {
            return Ok(false);
        };
        let only_added = self.meta.get_untracked() == Meta::of(&tree)
            && self.nodes.with_untracked(|held| {
                self.links.with_untracked(|links| {
                    editor::is_only_added(held, links, &tree.nodes, &tree.connections, &drawn.id)
                })
            });
        if only_added {
            self.take_added(made, drawn);
        } else {
            self.replace_tree(tree);
        }
        Ok(true)
    }

    /// The node the server made of `drawn`, in its place, and the add in the history.
    fn take_added(&self, added: TreeNode, drawn: &TreeNode) {
        if added != *drawn {
            self.nodes.update(|nodes| {
                // Gone if the tree was reloaded meanwhile from before the add.
                if nodes.iter().any(|n| n.id == added.id) {
                    editor::apply_moved(nodes, added.clone());
                } else {
                    editor::apply_added(nodes, added.clone());
                }
            });
        }
        self.record(Change::Added(Subtree {
            nodes: vec![added],
            connections: Vec::new(),
        }));
    }

    /// The node is drawn, selected and open for typing at once, before the server answers: the
    /// editor picks its id, so the answer only brings what the server made of it (its version,
    /// the title as cleaned). A refusal takes the node away again and says why.
    async fn add(&self, parent: Option<String>, position: Option<i32>, input: NodeInput) -> Result<(), AppError> {
        let id = uuid::Uuid::new_v4().to_string();
        let sort_order = self
            .nodes
            .with_untracked(|nodes| editor::sort_order_of_new(nodes, parent.as_deref(), position));
        let drawn = TreeNode {
            id: id.clone(),
            parent_id: parent.clone(),
            node_type: input.node_type,
            title: input.title.trim().to_string(),
            description: input.description.clone(),
            position: Default::default(),
            is_collapsed: input.is_collapsed,
            template_data: input.template_data.clone(),
            sort_order,
            version: 1,
        };
        let was_selected = self.selected.get_untracked();
        self.nodes.update(|nodes| editor::apply_added(nodes, drawn.clone()));
        self.selected.set(Some(id.clone()));
        self.reveal.set(Some(id.clone()));
        self.edit_request.set(Some(id.clone()));

        let answer = crate::api::nodes::add_node(self.tree_id, parent, position, input, Some(id.clone())).await;
        self.still_here()?;
        match answer {
            Ok(added) => {
                self.take_added(added, &drawn);
                Ok(())
            }
            Err(err) => {
                if matches!(err, AppError::Network { .. }) && self.made_after_all(&drawn).await? {
                    return Ok(());
                }
                // Nothing links to a node that was never made.
                self.nodes.update(|nodes| {
                    editor::apply_deleted(nodes, &mut Vec::new(), &id);
                });
                self.forget_queued(&id);
                if self.selected.get_untracked().as_deref() == Some(id.as_str()) {
                    self.selected.set(was_selected);
                }
                if self.edit_request.get_untracked().as_deref() == Some(id.as_str()) {
                    self.edit_request.set(None);
                }
                Err(err)
            }
        }
    }

    /// Drops what was asked of a node that was drawn but never made (a refused add), and the
    /// adds queued behind it: they were keys pressed with that node selected.
    fn forget_queued(&self, id: &str) {
        self.queue.update_value(|queue| {
            queue.retain(|command| match command {
                Command::Save { id: target, .. }
                | Command::Delete { id: target }
                | Command::ToggleCollapse { id: target } => target != id,
                Command::Move { id: target, parent, .. } => target != id && parent.as_deref() != Some(id),
                Command::Add { parent, .. } => parent.as_deref() != Some(id),
                Command::AddChild | Command::AddSibling => false,
                Command::Expand { .. } | Command::Undo | Command::Redo => true,
            })
        });
    }

    async fn write_node(&self, id: &str, input: NodeInput) -> Result<TreeNode, AppError> {
        let version = self.node(id).map(|n| n.version).ok_or(AppError::NotFound)?;
        let saved = crate::api::nodes::update_node(self.tree_id, id.to_string(), version, input).await?;
        self.still_here()?;
        self.nodes.update(|nodes| editor::apply_updated(nodes, saved.clone()));
        Ok(saved)
    }

    async fn save(&self, id: String, input: NodeInput) -> Result<(), AppError> {
        let Some(before) = self.node(&id).map(|n| input_of(&n)) else {
            return Err(AppError::NotFound);
        };
        if same_content(&before, &input) {
            return Ok(());
        }
        self.write_node(&id, input.clone()).await?;
        self.record(Change::Edited {
            id,
            before,
            after: input,
        });
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<Option<Subtree>, AppError> {
        let Some(version) = self.node(id).map(|n| n.version) else {
            return Ok(None);
        };
        crate::api::nodes::delete_node(self.tree_id, id.to_string(), version).await?;
        self.still_here()?;
        let mut links = self.links.get_untracked();
        let mut gone = None;
        self.nodes
            .update(|nodes| gone = Some(editor::apply_deleted(nodes, &mut links, id)));
        self.links.set(links);
        if self.selected.get_untracked().as_deref() == Some(id) {
            self.selected.set(None);
        }
        Ok(gone)
    }

    async fn restore(&self, subtree: Subtree) -> Result<(), AppError> {
        let Some(root) = subtree.nodes.first() else {
            return Ok(());
        };
        let parent = root.parent_id.clone();
        let position = Some(root.sort_order);
        let root_id = root.id.clone();
        let restored = crate::api::nodes::restore_nodes(self.tree_id, parent, position, subtree).await?;
        self.still_here()?;
        let mut links = self.links.get_untracked();
        self.nodes
            .update(|nodes| editor::apply_restored(nodes, &mut links, restored));
        self.links.set(links);
        self.selected.set(Some(root_id.clone()));
        self.reveal.set(Some(root_id));
        Ok(())
    }

    async fn move_node(&self, id: String, parent: Option<String>, position: i32, record: bool) -> Result<(), AppError> {
        let Some(node) = self.node(&id) else {
            return Err(AppError::NotFound);
        };
        let from = (node.parent_id.clone(), node.sort_order);
        let moved =
            crate::api::nodes::move_node(self.tree_id, id.clone(), node.version, parent, Some(position)).await?;
        self.still_here()?;
        let to = (moved.parent_id.clone(), moved.sort_order);
        self.nodes.update(|nodes| editor::apply_moved(nodes, moved));
        if record {
            self.record(Change::Moved { id, from, to });
        }
        Ok(())
    }

    async fn undo(&self) -> Result<(), AppError> {
        // Taken off the stack only once it is undone: a failure leaves it there to retry.
        let Some(change) = self.history.try_with_value(|h| h.undo.last().cloned()).flatten() else {
            return Ok(());
        };
        let redo = match change {
            Change::Added(subtree) => {
                let id = subtree.nodes.first().map(|n| n.id.clone()).unwrap_or_default();
                // Keep what the node holds now, so redo brings back the latest text.
                let gone = self.delete(&id).await?;
                Change::Added(gone.unwrap_or(subtree))
            }
            Change::Deleted(subtree) => {
                self.restore(subtree.clone()).await?;
                Change::Deleted(subtree)
            }
            Change::Edited { id, before, after } => {
                self.write_node(&id, before.clone()).await?;
                self.selected.set(Some(id.clone()));
                Change::Edited { id, before, after }
            }
            Change::Moved { id, from, to } => {
                self.move_node(id.clone(), from.0.clone(), from.1, false).await?;
                self.selected.set(Some(id.clone()));
                Change::Moved { id, from, to }
            }
        };
        self.history.update_value(|h| {
            h.undo.pop();
            h.redo.push(redo);
        });
        self.sync_history();
        Ok(())
    }

    async fn redo(&self) -> Result<(), AppError> {
        let Some(change) = self.history.try_with_value(|h| h.redo.last().cloned()).flatten() else {
            return Ok(());
        };
        let undo = match change {
            Change::Added(subtree) => {
                self.restore(subtree.clone()).await?;
                Change::Added(subtree)
            }
            Change::Deleted(subtree) => {
                let id = subtree.nodes.first().map(|n| n.id.clone()).unwrap_or_default();
                let gone = self.delete(&id).await?;
                Change::Deleted(gone.unwrap_or(subtree))
            }
            Change::Edited { id, before, after } => {
                self.write_node(&id, after.clone()).await?;
                self.selected.set(Some(id.clone()));
                Change::Edited { id, before, after }
            }
            Change::Moved { id, from, to } => {
                self.move_node(id.clone(), to.0.clone(), to.1, false).await?;
                self.selected.set(Some(id.clone()));
                Change::Moved { id, from, to }
            }
        };
        self.history.update_value(|h| {
            h.redo.pop();
            h.undo.push(undo);
        });
        self.sync_history();
        Ok(())
    }

    // --- What the keys and buttons ask for -------------------------------------------------

    fn new_input(node_type: crate::model::NodeType) -> NodeInput {
        NodeInput {
            node_type,
            title: format!("New {}", node_type.label().to_lowercase()),
            description: None,
            is_collapsed: false,
            template_data: serde_json::json!({}),
        }
    }

    /// A child of the selected node (or a root when nothing is selected), if its type takes
    /// any. A collapsed parent is opened first so the new node shows.
    pub fn add_child(&self) {
        self.run(Command::AddChild);
    }

    /// A sibling right after the selected node, of the same type.
    pub fn add_sibling(&self) {
        self.run(Command::AddSibling);
    }

    fn child_command(&self) -> Option<Command> {
        let d = self.index();
        let nodes = self.nodes.get_untracked();
        let parent = self.selected.get_untracked().and_then(|id| d.index.get(&id));
        let Some(node_type) = editor::child_type(&d.index, &nodes, parent) else {
            let name = parent.map(|p| nodes[p].node_type.label()).unwrap_or("node");
            self.notice
                .set(Some(Notice::Info(format!("A {name} cannot have children."))));
            return None;
        };
        if let Some(p) = parent.filter(|&p| nodes[p].is_collapsed) {
            // Open it first, then add: both go to the front of the queue, in that order.
            self.queue.update_value(|q| {
                q.push_front(Command::AddChild);
                q.push_front(Command::ToggleCollapse {
                    id: nodes[p].id.clone(),
                });
            });
            return None;
        }
        Some(Command::Add {
            parent: parent.map(|p| nodes[p].id.clone()),
            position: None,
            input: Self::new_input(node_type),
        })
    }

    fn sibling_command(&self) -> Option<Command> {
        let Some(node) = self.selected_node() else {
            return self.child_command();
        };
        Some(Command::Add {
            parent: node.parent_id.clone(),
            position: Some(node.sort_order + 1),
            input: Self::new_input(node.node_type),
        })
    }

    pub fn toggle_selected(&self) {
        if let Some(node) = self.selected_node() {
            let has_children = self
                .index()
                .index
                .get(&node.id)
                .is_some_and(|i| !self.index().index.children(i).is_empty());
            if has_children || node.is_collapsed {
                self.run(Command::ToggleCollapse { id: node.id });
            }
        }
    }

    pub fn subtree_size(&self, id: &str) -> usize {
        let d = self.index();
        d.index.get(id).map(|i| d.index.subtree(i).len()).unwrap_or(0)
    }

    /// Puts the selected node's title under the cursor.
    pub fn edit_selected(&self) {
        if let Some(id) = self.selected.get_untracked() {
            self.edit_request.set(Some(id));
        }
    }

    pub fn undo_later(&self) {
        self.run(Command::Undo);
    }

    pub fn redo_later(&self) {
        self.run(Command::Redo);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeType;
    use serde_json::json;

    fn input(data: serde_json::Value) -> NodeInput {
        NodeInput {
            node_type: NodeType::Metric,
            title: "WAU".to_string(),
            description: None,
            is_collapsed: false,
            template_data: data,
        }
    }

    #[test]
    fn numbers_compare_by_value_and_everything_else_exactly() {
        let same = |a, b| same_content(&input(a), &input(b));
        assert!(same(
            json!({"target": 5, "unit": "%"}),
            json!({"unit": "%", "target": 5.0})
        ));
        assert!(same(json!({"l": [1, {"x": 2.0}]}), json!({"l": [1.0, {"x": 2}]})));
        assert!(!same(json!({"target": 5}), json!({"target": 6})));
        assert!(!same(json!({"target": 5}), json!({"target": "5"})));
        assert!(!same(json!({"target": 5}), json!({"target": 5, "unit": "%"})));
        assert!(!same(
            json!({"target": 5, "unit": "%"}),
            json!({"target": 5, "unit": "x"})
        ));
        assert!(!same(json!([1, 2]), json!([1, 2, 3])));
        let mut retitled = input(json!({}));
        retitled.title = "  WAU ".to_string();
        assert!(same_content(&input(json!({})), &retitled));
        retitled.title = "MAU".to_string();
        assert!(!same_content(&input(json!({})), &retitled));
    }
}

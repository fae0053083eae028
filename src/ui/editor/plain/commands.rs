//! Every change the plain client makes to the tree: one at a time in the order asked for,
//! each through its server function, applied to the working copy with the same sibling
//! shifts the server made, and undoable. A borrow of the editor is never held across a
//! request: each step takes what it needs, asks, then applies.

use super::{Editor, Shared};
use crate::api::nodes::{AddNode, DeleteNode, MoveNode, NodeInput, RestoreNodes, UpdateNode};
use crate::api::trees::GetPageTree;
use crate::error::AppError;
use crate::model::editor as tree_ops;
use crate::model::{NodeType, Subtree, TreeDetail, TreeNode};
use crate::ui::editor::state::{input_of, same_content, Change, Command, Notice};
use crate::ui::fetch::{call, call_form};

/// Undo keeps this many changes; a long session should not grow without bound.
const HISTORY_MAX: usize = 500;

impl Editor {
    /// Queues a command; they run one after another, after the event that asked for it.
    pub(super) fn run(&mut self, me: &Shared, command: Command) {
        self.queue.push_back(command);
        if self.busy {
            return;
        }
        self.set_busy(true);
        let me = me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let next = me.borrow_mut().queue.pop_front();
                let Some(command) = next else { break };
                execute(&me, command).await;
            }
            me.borrow_mut().set_busy(false);
        });
    }
}

impl Editor {
    fn record(&mut self, change: Change) {
        self.history.undo.push(change);
        self.history.redo.clear();
        if self.history.undo.len() > HISTORY_MAX {
            self.history.undo.remove(0);
        }
        self.sync_history();
    }

    fn node(&self, id: &str) -> Option<TreeNode> {
        self.nodes.iter().find(|n| n.id == id).cloned()
    }

    fn new_input(node_type: NodeType) -> NodeInput {
        NodeInput {
            node_type,
            title: format!("New {}", node_type.label().to_ascii_lowercase()),
            description: None,
            is_collapsed: false,
            template_data: serde_json::json!({}),
        }
    }

    /// The add a child asks for: under the selection (a root with nothing selected), if its
    /// type takes children. A collapsed parent is opened first, so the new node shows.
    fn child_command(&mut self) -> Option<Command> {
        let d = &self.drawing;
        let parent = self.selected.as_deref().and_then(|id| d.index.get(id));
        let Some(node_type) = tree_ops::child_type(&d.index, &self.nodes, parent) else {
            let name = parent.map(|p| self.nodes[p].node_type.label()).unwrap_or("node");
            self.set_notice(Some(Notice::Info(format!("A {name} cannot have children."))));
            return None;
        };
        if let Some(p) = parent.filter(|&p| self.nodes[p].is_collapsed) {
            // Open it, then add: both to the front of the queue, in that order.
            let id = self.nodes[p].id.clone();
            self.queue.push_front(Command::AddChild);
            self.queue.push_front(Command::ToggleCollapse { id });
            return None;
        }
        Some(Command::Add {
            parent: parent.map(|p| self.nodes[p].id.clone()),
            position: None,
            input: Self::new_input(node_type),
        })
    }

    fn sibling_command(&mut self) -> Option<Command> {
        let Some(node) = self.selected.clone().and_then(|id| self.node(&id)) else {
            return self.child_command();
        };
        Some(Command::Add {
            parent: node.parent_id.clone(),
            position: Some(node.sort_order + 1),
            input: Self::new_input(node.node_type),
        })
    }

    /// Drops what was asked of a node that was drawn but never made (a refused add), and the
    /// adds queued behind it: they were keys pressed with that node selected.
    fn forget_queued(&mut self, id: &str) {
        self.queue.retain(|command| match command {
            Command::Save { id: target, .. }
            | Command::Delete { id: target }
            | Command::ToggleCollapse { id: target } => target != id,
            Command::Move { id: target, parent, .. } => target != id && parent.as_deref() != Some(id),
            Command::Add { parent, .. } => parent.as_deref() != Some(id),
            Command::AddChild | Command::AddSibling => false,
            Command::Expand { .. } | Command::Undo | Command::Redo => true,
        });
    }

    /// The tree as the server has it, in place of what the editor holds. The history refers
    /// to versions and places that may no longer hold.
    fn replace_tree(&mut self, me: &Shared, tree: TreeDetail) {
        self.meta = super::Meta::of(&tree);
        self.nodes = tree.nodes;
        self.links = tree.connections;
        self.history = Default::default();
        self.sync_history();
        self.tree_changed(me);
        self.fill_tree_form();
    }
}

async fn execute(me: &Shared, command: Command) {
    let unsaved = match &command {
        Command::Save { id, input } => Some((id.clone(), input.clone())),
        _ => None,
    };
    let result = match command {
        Command::Add {
            parent,
            position,
            input,
        } => add(me, parent, position, input).await,
        Command::AddChild | Command::AddSibling => {
            let add_command = {
                let mut ed = me.borrow_mut();
                if matches!(command, Command::AddChild) {
                    ed.child_command()
                } else {
                    ed.sibling_command()
                }
            };
            match add_command {
                Some(Command::Add {
                    parent,
                    position,
                    input,
                }) => add(me, parent, position, input).await,
                _ => Ok(()),
            }
        }
        // Collapsing is not the panel's business: the node keeps its current state.
        Command::Save { id, mut input } => {
            let node = me.borrow().node(&id);
            match node {
                Some(node) => {
                    input.is_collapsed = node.is_collapsed;
                    let result = save(me, id.clone(), input).await;
                    if result.is_ok() {
                        me.borrow_mut().node_saved(&id);
                    }
                    result
                }
                None => Err(AppError::NotFound),
            }
        }
        Command::Delete { id } => delete(me, &id).await.map(|gone| {
            if let Some(gone) = gone {
                me.borrow_mut().record(Change::Deleted(gone));
            }
        }),
        Command::Move { id, parent, position } => move_node(me, id, parent, position, true).await,
        Command::ToggleCollapse { id } => {
            let node = me.borrow().node(&id);
            match node {
                Some(node) => {
                    let mut input = input_of(&node);
                    input.is_collapsed = !input.is_collapsed;
                    save(me, id, input).await
                }
                None => Ok(()),
            }
        }
        Command::Expand { ids } => {
            let mut result = Ok(());
            for id in ids {
                let node = me.borrow().node(&id);
                if let Some(node) = node {
                    let mut input = input_of(&node);
                    input.is_collapsed = false;
                    if let Err(err) = write_node(me, &id, input).await {
                        result = Err(err);
                        break;
                    }
                }
            }
            result
        }
        Command::Undo => undo(me).await,
        Command::Redo => redo(me).await,
    };
    if let Err(err) = result {
        // What was typed is kept for the panel, whatever refused it.
        if let Some((id, input)) = unsaved {
            if !matches!(err, AppError::NotFound) {
                let mut ed = me.borrow_mut();
                if let AppError::Validation { .. } = err {
                    ed.field_error = Some((id.clone(), err.clone()));
                }
                ed.unsaved = Some((id, input));
                ed.show_panel(me);
            }
        }
        failed(me, err).await;
    } else {
        me.borrow_mut().activity_changed(me);
    }
}

/// A refused change: say why; when it was stale, load the tree as it now is.
async fn failed(me: &Shared, err: AppError) {
    match err {
        AppError::Conflict { .. } | AppError::NotFound => {
            me.borrow_mut().set_notice(Some(Notice::Conflict(
                "This tree was changed in another tab or by someone else. The latest version is loaded; \
                 anything you had not saved is still in the panel."
                    .to_string(),
            )));
            reload(me).await;
        }
        AppError::Validation { field, message } => {
            me.borrow_mut()
                .set_notice(Some(Notice::Error(format!("Not saved — {field}: {message}"))));
        }
        other => me.borrow_mut().set_notice(Some(Notice::Error(other.to_string()))),
    }
}

async fn load_tree(tree_id: i32) -> Result<TreeDetail, AppError> {
    call_form::<GetPageTree>(&format!("tree_id={tree_id}"))
        .await
        .map(|json| json.0 .0)
}

pub(super) async fn reload(me: &Shared) {
    let tree_id = me.borrow().tree_id;
    let loaded = load_tree(tree_id).await;
    let mut ed = me.borrow_mut();
    match loaded {
        Ok(tree) => ed.replace_tree(me, tree),
        Err(err) => ed.set_notice(Some(Notice::Error(err.to_string()))),
    }
}

/// Whether an add whose answer was lost on the way (the request may have been carried out all
/// the same) made its node after all. If it did and nothing else changed, the editor takes the
/// node as if the answer had come; if more changed meanwhile (another tab), it takes the tree
/// as the server has it.
async fn made_after_all(me: &Shared, drawn: &TreeNode) -> bool {
    let tree_id = me.borrow().tree_id;
    let Ok(tree) = load_tree(tree_id).await else {
        return false;
    };
    let Some(made) = tree.nodes.iter().find(|n| n.id == drawn.id).cloned() else {
        return false;
    };
    let mut ed = me.borrow_mut();
    let only_added = ed.meta == super::Meta::of(&tree)
        && tree_ops::is_only_added(&ed.nodes, &ed.links, &tree.nodes, &tree.connections, &drawn.id);
    if only_added {
        take_added(&mut ed, me, made, drawn);
    } else {
        ed.replace_tree(me, tree);
    }
    true
}

/// The node the server made of `drawn`, in its place, and the add in the history.
fn take_added(ed: &mut Editor, me: &Shared, added: TreeNode, drawn: &TreeNode) {
    if added != *drawn {
        // Gone if the tree was reloaded meanwhile from before the add.
        if ed.nodes.iter().any(|n| n.id == added.id) {
            tree_ops::apply_moved(&mut ed.nodes, added.clone());
        } else {
            tree_ops::apply_added(&mut ed.nodes, added.clone());
        }
        ed.tree_changed(me);
    }
    ed.record(Change::Added(Subtree {
        nodes: vec![added],
        connections: Vec::new(),
    }));
}

/// The node is drawn, selected and open for typing at once, before the server answers: the
/// editor picks its id, so the answer only brings what the server made of it. A refusal takes
/// the node away again and says why.
async fn add(me: &Shared, parent: Option<String>, position: Option<i32>, input: NodeInput) -> Result<(), AppError> {
    let id = uuid::Uuid::new_v4().to_string();
    let (args, drawn, was_selected) = {
        let mut ed = me.borrow_mut();
        let sort_order = tree_ops::sort_order_of_new(&ed.nodes, parent.as_deref(), position);
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
        let was_selected = ed.selected.clone();
        tree_ops::apply_added(&mut ed.nodes, drawn.clone());
        ed.reveal_when_drawn = Some(id.clone());
        ed.tree_changed(me);
        // Asked for before the selection, which shows the form that takes the request.
        ed.edit_request = Some(id.clone());
        ed.select(me, Some(id.clone()));
        let args = AddNode {
            tree_id: ed.tree_id,
            parent_id: parent,
            position,
            node: input,
            node_id: Some(id.clone()),
        };
        (args, drawn, was_selected)
    };
    match call(&args).await {
        Ok(added) => {
            take_added(&mut me.borrow_mut(), me, added, &drawn);
            Ok(())
        }
        Err(err) => {
            if matches!(err, AppError::Network { .. }) && made_after_all(me, &drawn).await {
                return Ok(());
            }
            let mut ed = me.borrow_mut();
            // Nothing links to a node that was never made.
            let was_this = ed.selected.as_deref() == Some(id.as_str());
            tree_ops::apply_deleted(&mut ed.nodes, &mut Vec::new(), &id);
            ed.forget_queued(&id);
            if ed.edit_request.as_deref() == Some(id.as_str()) {
                ed.edit_request = None;
            }
            // Laid out again first: the selection and the panel read the new index.
            ed.tree_changed(me);
            if was_this {
                ed.select(me, was_selected.filter(|s| *s != id));
            }
            Err(err)
        }
    }
}

async fn write_node(me: &Shared, id: &str, input: NodeInput) -> Result<TreeNode, AppError> {
    let args = {
        let ed = me.borrow();
        let version = ed.node(id).map(|n| n.version).ok_or(AppError::NotFound)?;
        UpdateNode {
            tree_id: ed.tree_id,
            node_id: id.to_string(),
            version,
            node: input,
        }
    };
    let saved = call(&args).await?;
    let mut ed = me.borrow_mut();
    tree_ops::apply_updated(&mut ed.nodes, saved.clone());
    ed.tree_changed(me);
    Ok(saved)
}

async fn save(me: &Shared, id: String, input: NodeInput) -> Result<(), AppError> {
    let Some(before) = me.borrow().node(&id).map(|n| input_of(&n)) else {
        return Err(AppError::NotFound);
    };
    if same_content(&before, &input) {
        return Ok(());
    }
    write_node(me, &id, input.clone()).await?;
    me.borrow_mut().record(Change::Edited {
        id,
        before,
        after: input,
    });
    Ok(())
}

async fn delete(me: &Shared, id: &str) -> Result<Option<Subtree>, AppError> {
    let args = {
        let ed = me.borrow();
        let Some(version) = ed.node(id).map(|n| n.version) else {
            return Ok(None);
        };
        DeleteNode {
            tree_id: ed.tree_id,
            node_id: id.to_string(),
            version,
        }
    };
    call(&args).await?;
    let mut ed = me.borrow_mut();
    let ed = &mut *ed;
    let gone = tree_ops::apply_deleted(&mut ed.nodes, &mut ed.links, id);
    if ed.selected.as_deref() == Some(id) {
        ed.select(me, None);
    }
    ed.tree_changed(me);
    Ok(Some(gone))
}

async fn restore(me: &Shared, subtree: Subtree) -> Result<(), AppError> {
    let Some(root) = subtree.nodes.first() else {
        return Ok(());
    };
    let root_id = root.id.clone();
    let args = RestoreNodes {
        tree_id: me.borrow().tree_id,
        parent_id: root.parent_id.clone(),
        position: Some(root.sort_order),
        subtree,
    };
    let restored = call(&args).await?;
    let mut ed = me.borrow_mut();
    let ed = &mut *ed;
    tree_ops::apply_restored(&mut ed.nodes, &mut ed.links, restored);
    ed.reveal_when_drawn = Some(root_id.clone());
    ed.tree_changed(me);
    ed.select(me, Some(root_id));
    Ok(())
}

async fn move_node(
    me: &Shared,
    id: String,
    parent: Option<String>,
    position: i32,
    record: bool,
) -> Result<(), AppError> {
    let (args, from) = {
        let ed = me.borrow();
        let node = ed.node(&id).ok_or(AppError::NotFound)?;
        let args = MoveNode {
            tree_id: ed.tree_id,
            node_id: id.clone(),
            version: node.version,
            new_parent_id: parent,
            position: Some(position),
        };
        (args, (node.parent_id, node.sort_order))
    };
    let moved = call(&args).await?;
    let mut ed = me.borrow_mut();
    let to = (moved.parent_id.clone(), moved.sort_order);
    tree_ops::apply_moved(&mut ed.nodes, moved);
    ed.tree_changed(me);
    if record {
        ed.record(Change::Moved { id, from, to });
    }
    Ok(())
}

/// Taken off the stack only once it is undone: a failure leaves it there to retry.
async fn undo(me: &Shared) -> Result<(), AppError> {
    let Some(change) = me.borrow().history.undo.last().cloned() else {
        return Ok(());
    };
    let redo = match change {
        Change::Added(subtree) => {
            let id = subtree.nodes.first().map(|n| n.id.clone()).unwrap_or_default();
            // Keep what the node holds now, so redo brings back the latest text.
            let gone = delete(me, &id).await?;
            Change::Added(gone.unwrap_or(subtree))
        }
        Change::Deleted(subtree) => {
            restore(me, subtree.clone()).await?;
            Change::Deleted(subtree)
        }
        Change::Edited { id, before, after } => {
            write_node(me, &id, before.clone()).await?;
            me.borrow_mut().select(me, Some(id.clone()));
            Change::Edited { id, before, after }
        }
        Change::Moved { id, from, to } => {
            move_node(me, id.clone(), from.0.clone(), from.1, false).await?;
            me.borrow_mut().select(me, Some(id.clone()));
            Change::Moved { id, from, to }
        }
    };
    let mut ed = me.borrow_mut();
    ed.history.undo.pop();
    ed.history.redo.push(redo);
    ed.sync_history();
    Ok(())
}

async fn redo(me: &Shared) -> Result<(), AppError> {
    let Some(change) = me.borrow().history.redo.last().cloned() else {
        return Ok(());
    };
    let undo = match change {
        Change::Added(subtree) => {
            restore(me, subtree.clone()).await?;
            Change::Added(subtree)
        }
        Change::Deleted(subtree) => {
            let id = subtree.nodes.first().map(|n| n.id.clone()).unwrap_or_default();
            let gone = delete(me, &id).await?;
            Change::Deleted(gone.unwrap_or(subtree))
        }
        Change::Edited { id, before, after } => {
            write_node(me, &id, after.clone()).await?;
            me.borrow_mut().select(me, Some(id.clone()));
            Change::Edited { id, before, after }
        }
        Change::Moved { id, from, to } => {
            move_node(me, id.clone(), to.0.clone(), to.1, false).await?;
            me.borrow_mut().select(me, Some(id.clone()));
            Change::Moved { id, from, to }
        }
    };
    let mut ed = me.borrow_mut();
    ed.history.redo.pop();
    ed.history.undo.push(undo);
    ed.sync_history();
    Ok(())
}

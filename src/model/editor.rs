//! The editor's working copy of a tree, kept in step with the server without reloading: the
//! same sibling shifts the server makes, keyboard navigation, search, and what a drop may do.
//! Pure functions, so they run (and are tested) natively and in the browser alike.

use std::hash::BuildHasher;

use super::{type_rules, Connection, NodeType, Orientation, Subtree, TreeNode};

/// Parent and children (in sibling order) of every node, by index into the node list.
#[derive(Debug, Clone)]
pub struct TreeIndex {
    /// Every id end to end, and where each one ends: one allocation for the whole tree rather
    /// than a `String` per node. This index is built on every redraw of the editor and for
    /// every share page; in the browser, allocating a key per node was most of building it.
    ids: String,
    ends: Vec<u32>,
    /// Node indexes by their id's hash (foldhash, seeded per index, as ids can come from
    /// imports); a lookup compares the id itself.
    by_id: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    pub parent: Vec<Option<usize>>,
    /// Every node's children in sibling order, end to end: node `i`'s are
    /// `child_list[child_start[i]..child_start[i + 1]]` ([`TreeIndex::children`]). Two
    /// allocations for the tree instead of one per parent, and none growing as it fills:
    /// in the browser's allocator those were a good part of building the index.
    child_start: Vec<u32>,
    child_list: Vec<usize>,
    pub roots: Vec<usize>,
}

/// The same tree: same ids in the same places (the hash table follows from them).
impl PartialEq for TreeIndex {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.ids,
            &self.ends,
            &self.parent,
            &self.child_start,
            &self.child_list,
            &self.roots,
        ) == (
            &other.ids,
            &other.ends,
            &other.parent,
            &other.child_start,
            &other.child_list,
            &other.roots,
        )
    }
}

impl Default for TreeIndex {
    fn default() -> Self {
        Self::from_parts(Vec::new())
    }
}

impl TreeIndex {
    pub fn new(nodes: &[TreeNode]) -> Self {
        Self::from_parts(
            nodes
                .iter()
                .map(|n| (n.id.as_str(), n.parent_id.as_deref(), n.sort_order))
                .collect(),
        )
    }

    /// From (id, parent id, sort order) of every node, for callers that hold no `TreeNode`s.
    /// A duplicated id (bad data) finds its last node.
    pub fn from_parts(parts: Vec<(&str, Option<&str>, i32)>) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let mut ids = String::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut ends = Vec::with_capacity(parts.len());
        let mut by_id = hashbrown::HashTable::with_capacity(parts.len());
        let id_of = |j: &u32| parts[*j as usize].0;
        for (i, part) in parts.iter().enumerate() {
            ids.push_str(part.0);
            ends.push(ids.len() as u32);
            match by_id.entry(
                hasher.hash_one(part.0),
                |j| id_of(j) == part.0,
                |j| hasher.hash_one(id_of(j)),
            ) {
                hashbrown::hash_table::Entry::Occupied(mut found) => *found.get_mut() = i as u32,
                hashbrown::hash_table::Entry::Vacant(slot) => {
                    slot.insert(i as u32);
                }
            }
        }
        let find = |id: &str| by_id.find(hasher.hash_one(id), |j| id_of(j) == id).map(|&j| j as usize);
        let n = parts.len();
        let mut parent = vec![None; n];
        let mut roots = Vec::new();
        // Counted first, so each parent's children get their place in one list.
        let mut child_start = vec![0u32; n + 1];
        for (i, part) in parts.iter().enumerate() {
            match part.1.and_then(find) {
                Some(p) if p != i => {
                    parent[i] = Some(p);
                    child_start[p + 1] += 1;
                }
                _ => roots.push(i),
            }
        }
        for i in 0..n {
            child_start[i + 1] += child_start[i];
        }
        let mut child_list = vec![0usize; child_start[n] as usize];
        let mut next: Vec<u32> = child_start[..n].to_vec();
        for (i, p) in parent.iter().enumerate() {
            if let Some(p) = *p {
                child_list[next[p] as usize] = i;
                next[p] += 1;
            }
        }
        let order = |a: &usize, b: &usize| (parts[*a].2, parts[*a].0).cmp(&(parts[*b].2, parts[*b].0));
        // Lists usually arrive in sibling order already (the server sends them so); checking
        // is cheaper than sorting.
        let sort = |list: &mut [usize]| {
            if !list.is_sorted_by(|a, b| order(a, b).is_le()) {
                list.sort_by(order);
            }
        };
        sort(&mut roots);
        for i in 0..n {
            sort(&mut child_list[child_start[i] as usize..child_start[i + 1] as usize]);
        }
        TreeIndex {
            ids,
            ends,
            by_id,
            hasher,
            parent,
            child_start,
            child_list,
            roots,
        }
    }

    /// The children of node `i`, in sibling order.
    pub fn children(&self, i: usize) -> &[usize] {
        &self.child_list[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    /// The id of node `i`.
    fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.ids[start..self.ends[i] as usize]
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id
            .find(self.hasher.hash_one(id), |&j| self.id(j as usize) == id)
            .map(|&j| j as usize)
    }

    /// The list `i` sits in: its parent's children, or the roots.
    pub fn siblings(&self, i: usize) -> &[usize] {
        match self.parent[i] {
            Some(p) => self.children(p),
            None => &self.roots,
        }
    }

    /// Every node in outline order (parents first, siblings in order) with its depth.
    pub fn outline(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(self.parent.len());
        let mut seen = vec![false; self.parent.len()];
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|&i| (i, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            out.push((i, depth));
            stack.extend(self.children(i).iter().rev().map(|&c| (c, depth + 1)));
        }
        out
    }

    /// `i` and everything beneath it, in outline order.
    pub fn subtree(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.children(n).iter().rev());
        }
        out
    }

    /// True when `candidate` is `i` or lies beneath it. Walks up from the candidate.
    pub fn is_self_or_descendant(&self, i: usize, candidate: usize) -> bool {
        let mut at = Some(candidate);
        let mut steps = 0;
        while let Some(n) = at {
            if n == i {
                return true;
            }
            steps += 1;
            if steps > self.parent.len() {
                return false;
            }
            at = self.parent[n];
        }
        false
    }

    /// Ancestors of `i`, nearest first.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.parent[i];
        while let Some(p) = at {
            if out.len() > self.parent.len() {
                break;
            }
            out.push(p);
            at = self.parent[p];
        }
        out
    }
}

fn same_parent(node: &TreeNode, parent: Option<&str>) -> bool {
    node.parent_id.as_deref() == parent
}

/// Moves siblings under `parent` at `from` and after by `delta`, as the server does.
fn shift(nodes: &mut [TreeNode], parent: Option<&str>, from: i32, delta: i32, except: Option<&str>) {
    for n in nodes.iter_mut() {
        if same_parent(n, parent) && n.sort_order >= from && Some(n.id.as_str()) != except {
            n.sort_order += delta;
        }
    }
}

/// Where the server will put a node added under `parent` at `position` (None or past the
/// end: last), so the editor can draw it before the answer comes.
pub fn sort_order_of_new(nodes: &[TreeNode], parent: Option<&str>, position: Option<i32>) -> i32 {
    let siblings = nodes.iter().filter(|n| same_parent(n, parent)).count() as i32;
    super::tree::slot_among(siblings, position)
}

/// A node the server added (its `sort_order` is where it went).
pub fn apply_added(nodes: &mut Vec<TreeNode>, node: TreeNode) {
    shift(nodes, node.parent_id.as_deref(), node.sort_order, 1, None);
    nodes.push(node);
}

/// A node the server changed in place (content, collapse).
pub fn apply_updated(nodes: &mut [TreeNode], node: TreeNode) {
    if let Some(slot) = nodes.iter_mut().find(|n| n.id == node.id) {
        *slot = node;
    }
}

/// A node the server moved: the gap it left closes, the list it joins opens.
pub fn apply_moved(nodes: &mut [TreeNode], moved: TreeNode) {
    let Some(old) = nodes.iter().find(|n| n.id == moved.id).cloned() else {
        return;
    };
    shift(nodes, old.parent_id.as_deref(), old.sort_order + 1, -1, Some(&moved.id));
    shift(nodes, moved.parent_id.as_deref(), moved.sort_order, 1, Some(&moved.id));
    apply_updated(nodes, moved);
}

/// Removes a node with its subtree and the links touching it, as the server's delete does, and
/// returns what went (to put back on undo).
pub fn apply_deleted(nodes: &mut Vec<TreeNode>, connections: &mut Vec<Connection>, id: &str) -> Subtree {
    let index = TreeIndex::new(nodes);
    let Some(root) = index.get(id) else {
        return Subtree::default();
    };
    let doomed = index.subtree(root);
    let removed: Vec<TreeNode> = doomed.iter().map(|&i| nodes[i].clone()).collect();
    // By index, through the index just made: no set of ids (nor its hasher, in the browser).
    let mut gone = vec![false; nodes.len()];
    for &i in &doomed {
        gone[i] = true;
    }
    let is_gone = |id: &str| index.get(id).is_some_and(|i| gone[i]);
    let (kept_links, lost_links): (Vec<Connection>, Vec<Connection>) = connections
        .drain(..)
        .partition(|c| !is_gone(&c.from_node_id) && !is_gone(&c.to_node_id));
    *connections = kept_links;
    let mut at = 0;
    nodes.retain(|_| {
        at += 1;
        !gone[at - 1]
    });
    let root_node = &removed[0];
    shift(
        nodes,
        root_node.parent_id.as_deref(),
        root_node.sort_order + 1,
        -1,
        None,
    );
    Subtree {
        nodes: removed,
        connections: lost_links,
    }
}

/// A subtree the server put back (its root's `sort_order` is where it went).
pub fn apply_restored(nodes: &mut Vec<TreeNode>, connections: &mut Vec<Connection>, restored: Subtree) {
    let Some(root) = restored.nodes.first() else {
        return;
    };
    shift(nodes, root.parent_id.as_deref(), root.sort_order, 1, None);
    nodes.extend(restored.nodes);
    for link in restored.connections {
        if !connections.iter().any(|c| c.id == link.id) {
            connections.push(link);
        }
    }
}

/// Whether the server's tree (`nodes`, `connections`) is what the editor holds plus the node
/// `added` (held as drawn, which the server's may differ from) and nothing else. An add whose
/// answer was lost then takes only that node, and the editor keeps its undo history.
pub fn is_only_added(
    held: &[TreeNode],
    held_links: &[Connection],
    nodes: &[TreeNode],
    connections: &[Connection],
    added: &str,
) -> bool {
    if held.len() != nodes.len() || held_links.len() != connections.len() {
        return false;
    }
    let index = TreeIndex::new(held);
    let same_nodes = nodes
        .iter()
        .all(|n| index.get(&n.id).is_some_and(|i| n.id == added || held[i] == *n));
    fn sorted(links: &[Connection]) -> Vec<&Connection> {
        let mut links: Vec<&Connection> = links.iter().collect();
        links.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        links
    }
    same_nodes && sorted(held_links) == sorted(connections)
}

/// A selection step, named by its meaning in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Parent,
    FirstChild,
    PreviousSibling,
    NextSibling,
}

/// Arrow keys follow the drawing: in a vertical tree children are below and siblings side by
/// side; in a horizontal one children are to the right and siblings stacked.
pub fn step_for_arrow(key: &str, orientation: Orientation) -> Option<Step> {
    use Orientation::*;
    Some(match (key, orientation) {
        ("ArrowUp", Vertical) | ("ArrowLeft", Horizontal) => Step::Parent,
        ("ArrowDown", Vertical) | ("ArrowRight", Horizontal) => Step::FirstChild,
        ("ArrowLeft", Vertical) | ("ArrowUp", Horizontal) => Step::PreviousSibling,
        ("ArrowRight", Vertical) | ("ArrowDown", Horizontal) => Step::NextSibling,
        _ => return None,
    })
}

/// Where a step from `from` lands (None: nowhere to go). Children of a collapsed node are
/// hidden, so they cannot be stepped into. With nothing selected, any step selects the first
/// root.
pub fn step(index: &TreeIndex, nodes: &[TreeNode], from: Option<usize>, step: Step) -> Option<usize> {
    let Some(i) = from else {
        return index.roots.first().copied();
    };
    match step {
        Step::Parent => index.parent[i],
        Step::FirstChild if nodes[i].is_collapsed => None,
        Step::FirstChild => index.children(i).first().copied(),
        Step::PreviousSibling | Step::NextSibling => {
            let list = index.siblings(i);
            let at = list.iter().position(|&n| n == i)?;
            let next = if step == Step::NextSibling {
                at.checked_add(1)
            } else {
                at.checked_sub(1)
            };
            next.and_then(|n| list.get(n)).copied()
        }
    }
}

/// Nodes whose title or description contains `query` (case-insensitive), in outline order.
pub fn search(index: &TreeIndex, nodes: &[TreeNode], query: &str) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    index
        .outline()
        .into_iter()
        .map(|(i, _)| i)
        .filter(|&i| {
            let n = &nodes[i];
            n.title.to_lowercase().contains(&query)
                || n.description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(&query))
        })
        .collect()
}

/// Collapsed ancestors of `i`: the nodes to open so that `i` shows.
pub fn collapsed_ancestors(index: &TreeIndex, nodes: &[TreeNode], i: usize) -> Vec<usize> {
    index
        .ancestors(i)
        .into_iter()
        .filter(|&a| nodes[a].is_collapsed)
        .collect()
}

/// Where on a target node a dragged node is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropZone {
    /// Before the target, among its siblings.
    Before,
    /// Under the target, as its last child.
    Onto,
    /// After the target, among its siblings.
    After,
}

/// What a drop does: the move to send (`parent_id`, `position` as the server reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropPlan {
    pub parent_id: Option<String>,
    pub position: i32,
}

/// What dropping `dragged` on `target` in `zone` would do, or why it is refused.
pub fn plan_drop(
    index: &TreeIndex,
    nodes: &[TreeNode],
    dragged: usize,
    target: usize,
    zone: DropZone,
) -> Result<Option<DropPlan>, String> {
    if index.is_self_or_descendant(dragged, target) {
        return Err("a node cannot go under itself or its own descendants".to_string());
    }
    let node_type = nodes[dragged].node_type;
    let (parent, position) = match zone {
        DropZone::Onto => {
            let last = index.children(target).len() as i32;
            let already_there = index.parent[dragged] == Some(target);
            (Some(target), if already_there { last - 1 } else { last })
        }
        DropZone::Before | DropZone::After => {
            let parent = index.parent[target];
            let list = index.siblings(target);
            let t = list.iter().position(|&n| n == target).unwrap_or(0) as i32;
            let mut at = if zone == DropZone::Before { t } else { t + 1 };
            if let Some(s) = list.iter().position(|&n| n == dragged) {
                // The server takes the node out first, so places after it move up by one.
                if (s as i32) < at {
                    at -= 1;
                }
            }
            (parent, at)
        }
    };
    let parent_type: Option<NodeType> = parent.map(|p| nodes[p].node_type);
    type_rules::check(parent_type, node_type)?;
    let parent_id = parent.map(|p| nodes[p].id.clone());
    let unchanged = index.parent[dragged] == parent
        && index.siblings(dragged).iter().position(|&n| n == dragged) == Some(position as usize);
    Ok((!unchanged).then_some(DropPlan { parent_id, position }))
}

/// Where Alt+arrow moves node `i` (the keyboard's drag and drop): a place earlier or later
/// among its siblings, out to just after its parent, or in under the sibling before it as its
/// last child. `Ok(None)`: there is nowhere to go that way.
pub fn keyboard_move(index: &TreeIndex, nodes: &[TreeNode], i: usize, step: Step) -> Result<Option<DropPlan>, String> {
    let list = index.siblings(i);
    let at = list.iter().position(|&n| n == i).unwrap_or(0);
    match step {
        Step::PreviousSibling if at > 0 => plan_drop(index, nodes, i, list[at - 1], DropZone::Before),
        Step::NextSibling if at + 1 < list.len() => plan_drop(index, nodes, i, list[at + 1], DropZone::After),
        Step::Parent => match index.parent[i] {
            Some(p) => plan_drop(index, nodes, i, p, DropZone::After),
            None => Ok(None),
        },
        Step::FirstChild if at > 0 => plan_drop(index, nodes, i, list[at - 1], DropZone::Onto),
        _ => Ok(None),
    }
}

/// The type a new child of `parent` gets: the type of its last child if it has one (people add
/// runs of alike nodes), else the first allowed type.
pub fn child_type(index: &TreeIndex, nodes: &[TreeNode], parent: Option<usize>) -> Option<NodeType> {
    let allowed = type_rules::allowed_under(parent.map(|p| nodes[p].node_type));
    let list = match parent {
        Some(p) => index.children(p),
        None => &index.roots,
    };
    list.last()
        .map(|&c| nodes[c].node_type)
        .filter(|t| allowed.contains(t))
        .or_else(|| allowed.first().copied())
}

/// The types node `i` may take: allowed under its parent and able to hold its children. Its
/// own type is always among them (a node the rules no longer allow keeps it until changed).
pub fn type_choices(index: &TreeIndex, nodes: &[TreeNode], i: usize) -> Vec<NodeType> {
    let current = nodes[i].node_type;
    let parent_type = index.parent[i].map(|p| nodes[p].node_type);
    let children = index.children(i);
    type_rules::allowed_under(parent_type)
        .iter()
        .copied()
        .filter(|&t| {
            t == current
                || children
                    .iter()
                    .all(|&c| type_rules::is_allowed(Some(t), nodes[c].node_type))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Position;

    fn node(id: &str, parent: Option<&str>, t: NodeType, order: i32) -> TreeNode {
        TreeNode {
            id: id.to_string(),
            parent_id: parent.map(str::to_string),
            node_type: t,
            title: format!("Title {id}"),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: serde_json::json!({}),
            sort_order: order,
            version: 1,
        }
    }

    #[test]
    fn the_index_finds_every_id_and_nothing_else() {
        let ids: Vec<String> = (0..500).map(|i| format!("{:08x}-node-{i}", i * 7919)).collect();
        let nodes: Vec<TreeNode> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                node(
                    id,
                    (i > 0).then(|| ids[(i - 1) / 3].as_str()),
                    NodeType::Outcome,
                    i as i32,
                )
            })
            .collect();
        let index = TreeIndex::new(&nodes);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(i));
            assert_eq!(index.id(i), id);
        }
        for missing in ["", "0", "00000000-node-", "00000000-node-0 ", "node-1"] {
            assert_eq!(index.get(missing), None, "{missing:?}");
        }
        assert_eq!(index.children(0), [1, 2, 3]);
        assert_eq!(index.parent[4], Some(1));
        // The same tree indexed again (another hash seed) is equal; a clone finds the same.
        assert_eq!(TreeIndex::new(&nodes), index);
        assert_eq!(index.clone().get(&ids[321]), Some(321));
        // A duplicated id (bad data) finds its last node, as before.
        let twice = [
            node("a", None, NodeType::Outcome, 0),
            node("a", None, NodeType::Outcome, 1),
        ];
        assert_eq!(TreeIndex::new(&twice).get("a"), Some(1));
    }

    /// o ─ a ─ a1, a2 ; b ─ b1
    fn sample() -> Vec<TreeNode> {
        use NodeType::*;
        vec![
            node("o", None, Objective, 0),
            node("b", Some("o"), Outcome, 1),
            node("a", Some("o"), Outcome, 0),
            node("a2", Some("a"), Opportunity, 1),
            node("a1", Some("a"), Opportunity, 0),
            node("b1", Some("b"), Opportunity, 0),
        ]
    }

    fn id_of(nodes: &[TreeNode], i: Option<usize>) -> Option<&str> {
        i.map(|i| nodes[i].id.as_str())
    }

    fn orders(nodes: &[TreeNode], parent: &str) -> Vec<(String, i32)> {
        let mut list: Vec<_> = nodes
            .iter()
            .filter(|n| n.parent_id.as_deref() == Some(parent))
            .map(|n| (n.id.clone(), n.sort_order))
            .collect();
        list.sort_by_key(|(_, o)| *o);
        list
    }

    #[test]
    fn a_new_node_goes_where_the_server_puts_it() {
        let nodes = sample();
        assert_eq!(sort_order_of_new(&nodes, Some("a"), None), 2);
        assert_eq!(sort_order_of_new(&nodes, Some("a"), Some(1)), 1);
        assert_eq!(sort_order_of_new(&nodes, Some("a"), Some(9)), 2);
        assert_eq!(sort_order_of_new(&nodes, Some("a"), Some(-3)), 0);
        assert_eq!(sort_order_of_new(&nodes, Some("a1"), Some(4)), 0);
        assert_eq!(sort_order_of_new(&nodes, None, None), 1);
        // Drawn there first, then taken back if the server refuses: the siblings are as before.
        let mut drawn = nodes.clone();
        let at = sort_order_of_new(&drawn, Some("a"), Some(1));
        apply_added(&mut drawn, node("new", Some("a"), NodeType::Opportunity, at));
        assert_eq!(
            orders(&drawn, "a"),
            [("a1".into(), 0), ("new".into(), 1), ("a2".into(), 2)]
        );
        apply_deleted(&mut drawn, &mut Vec::new(), "new");
        assert_eq!(orders(&drawn, "a"), orders(&nodes, "a"));
    }

    #[test]
    fn index_orders_children_and_walks_the_outline() {
        let nodes = sample();
        let index = TreeIndex::new(&nodes);
        let outline: Vec<_> = index
            .outline()
            .into_iter()
            .map(|(i, d)| (nodes[i].id.as_str(), d))
            .collect();
        assert_eq!(outline, [("o", 0), ("a", 1), ("a1", 2), ("a2", 2), ("b", 1), ("b1", 2)]);
        let a = index.get("a").unwrap();
        assert!(index.is_self_or_descendant(a, index.get("a2").unwrap()));
        assert!(!index.is_self_or_descendant(a, index.get("b1").unwrap()));
    }

    #[test]
    fn arrows_follow_the_drawing_in_both_orientations() {
        let nodes = sample();
        let index = TreeIndex::new(&nodes);
        let at = |id: &str| index.get(id);
        let go = |from: &str, key: &str, o: Orientation| {
            id_of(&nodes, step(&index, &nodes, at(from), step_for_arrow(key, o).unwrap())).map(str::to_string)
        };
        let v = Orientation::Vertical;
        let h = Orientation::Horizontal;
        assert_eq!(go("o", "ArrowDown", v).as_deref(), Some("a"));
        assert_eq!(go("a", "ArrowRight", v).as_deref(), Some("b"));
        assert_eq!(go("b", "ArrowRight", v), None);
        assert_eq!(go("b", "ArrowLeft", v).as_deref(), Some("a"));
        assert_eq!(go("a1", "ArrowUp", v).as_deref(), Some("a"));
        assert_eq!(go("o", "ArrowUp", v), None);
        assert_eq!(go("o", "ArrowRight", h).as_deref(), Some("a"));
        assert_eq!(go("a", "ArrowDown", h).as_deref(), Some("b"));
        assert_eq!(go("a2", "ArrowLeft", h).as_deref(), Some("a"));
        assert_eq!(step_for_arrow("Enter", v), None);
        // Nothing selected: any step starts at the first root.
        assert_eq!(id_of(&nodes, step(&index, &nodes, None, Step::NextSibling)), Some("o"));
    }

    #[test]
    fn collapsed_nodes_are_not_stepped_into() {
        let mut nodes = sample();
        nodes.iter_mut().find(|n| n.id == "a").unwrap().is_collapsed = true;
        let index = TreeIndex::new(&nodes);
        assert_eq!(step(&index, &nodes, index.get("a"), Step::FirstChild), None);
        assert_eq!(
            collapsed_ancestors(&index, &nodes, index.get("a2").unwrap()),
            vec![index.get("a").unwrap()]
        );
    }

    #[test]
    fn local_changes_shift_siblings_like_the_server() {
        let mut nodes = sample();
        let mut links = vec![Connection {
            id: "l".into(),
            from_node_id: "a1".into(),
            to_node_id: "b1".into(),
        }];
        apply_added(&mut nodes, node("new", Some("a"), NodeType::Opportunity, 1));
        assert_eq!(
            orders(&nodes, "a"),
            [("a1".into(), 0), ("new".into(), 1), ("a2".into(), 2)]
        );

        // a1 moves under b at 0: a closes its gap, b opens one.
        let mut moved = nodes.iter().find(|n| n.id == "a1").unwrap().clone();
        moved.parent_id = Some("b".into());
        moved.sort_order = 0;
        apply_moved(&mut nodes, moved);
        assert_eq!(orders(&nodes, "a"), [("new".into(), 0), ("a2".into(), 1)]);
        assert_eq!(orders(&nodes, "b"), [("a1".into(), 0), ("b1".into(), 1)]);

        // Reordering within one list.
        let mut moved = nodes.iter().find(|n| n.id == "a2").unwrap().clone();
        moved.sort_order = 0;
        apply_moved(&mut nodes, moved);
        assert_eq!(orders(&nodes, "a"), [("a2".into(), 0), ("new".into(), 1)]);

        // Deleting b takes a1, b1 and the link; undoing puts all back.
        let before = nodes.clone();
        let gone = apply_deleted(&mut nodes, &mut links, "b");
        assert_eq!(
            gone.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
            ["b", "a1", "b1"]
        );
        assert_eq!(gone.connections.len(), 1);
        assert!(links.is_empty());
        assert_eq!(nodes.len(), before.len() - 3);
        apply_restored(&mut nodes, &mut links, gone);
        let mut a = nodes.clone();
        let mut b = before.clone();
        a.sort_by(|x, y| x.id.cmp(&y.id));
        b.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(a, b);
        assert_eq!(links.len(), 1);
    }

    #[test]
    fn deleting_a_middle_sibling_closes_the_gap() {
        let mut nodes = sample();
        nodes.push(node("a3", Some("a"), NodeType::Opportunity, 2));
        apply_deleted(&mut nodes, &mut Vec::new(), "a2");
        assert_eq!(orders(&nodes, "a"), [("a1".into(), 0), ("a3".into(), 1)]);
    }

    #[test]
    fn drops_are_planned_as_the_server_reads_positions() {
        let mut nodes = sample();
        nodes.push(node("a3", Some("a"), NodeType::Opportunity, 2));
        let index = TreeIndex::new(&nodes);
        let at = |id: &str| index.get(id).unwrap();
        let plan = |d: &str, t: &str, z: DropZone| plan_drop(&index, &nodes, at(d), at(t), z);
        // a1 after a3: a1 leaves first, so a3 is at 1 and "after" is 2.
        assert_eq!(
            plan("a1", "a3", DropZone::After),
            Ok(Some(DropPlan {
                parent_id: Some("a".into()),
                position: 2
            }))
        );
        assert_eq!(
            plan("a3", "a1", DropZone::Before),
            Ok(Some(DropPlan {
                parent_id: Some("a".into()),
                position: 0
            }))
        );
        // Dropping where it already is changes nothing.
        assert_eq!(plan("a1", "a2", DropZone::Before), Ok(None));
        assert_eq!(plan("a3", "a", DropZone::Onto), Ok(None));
        // Re-parent onto b.
        assert_eq!(
            plan("a1", "b", DropZone::Onto),
            Ok(Some(DropPlan {
                parent_id: Some("b".into()),
                position: 1
            }))
        );
        // Refused: own descendant, and a type the target does not take.
        assert!(plan("a", "a1", DropZone::Onto).unwrap_err().contains("descendants"));
        assert!(plan("a", "a", DropZone::Onto).is_err());
        assert!(plan("a1", "o", DropZone::Onto).unwrap_err().contains("cannot go under"));
        assert!(plan("b", "a1", DropZone::After).is_err());
    }

    #[test]
    fn alt_arrows_reorder_indent_and_outdent_within_the_type_rules() {
        let mut nodes = sample();
        nodes.push(node("a3", Some("a"), NodeType::Opportunity, 2));
        let index = TreeIndex::new(&nodes);
        let at = |id: &str| index.get(id).unwrap();
        let go = |id: &str, step: Step| keyboard_move(&index, &nodes, at(id), step);
        let plan = |parent: &str, position: i32| {
            Ok(Some(DropPlan {
                parent_id: Some(parent.to_string()),
                position,
            }))
        };
        assert_eq!(go("a2", Step::PreviousSibling), plan("a", 0));
        assert_eq!(go("a2", Step::NextSibling), plan("a", 2));
        assert_eq!(go("a1", Step::PreviousSibling), Ok(None));
        assert_eq!(go("a3", Step::NextSibling), Ok(None));
        // In under the sibling before: an opportunity takes opportunities.
        assert_eq!(go("a2", Step::FirstChild), plan("a1", 0));
        assert_eq!(go("a1", Step::FirstChild), Ok(None));
        // Out to after its parent: an opportunity cannot sit under the objective.
        assert!(go("a2", Step::Parent).is_err());
        assert_eq!(
            go("a", Step::Parent),
            Ok(Some(DropPlan {
                parent_id: None,
                position: 1
            }))
        );
        assert_eq!(go("o", Step::Parent), Ok(None));
        // Outcome b cannot go in under outcome a.
        assert!(go("b", Step::FirstChild).is_err());
    }

    #[test]
    fn search_matches_in_outline_order_ignoring_case() {
        let mut nodes = sample();
        nodes[5].description = Some("About CHURN".into());
        nodes[3].title = "Churn risk".into();
        let index = TreeIndex::new(&nodes);
        let found: Vec<_> = search(&index, &nodes, "churn")
            .into_iter()
            .map(|i| nodes[i].id.as_str())
            .collect();
        assert_eq!(found, ["a2", "b1"]);
        assert!(search(&index, &nodes, "  ").is_empty());
    }

    #[test]
    fn new_children_follow_their_siblings_type() {
        let nodes = sample();
        let index = TreeIndex::new(&nodes);
        assert_eq!(child_type(&index, &nodes, None), Some(NodeType::Objective));
        assert_eq!(child_type(&index, &nodes, index.get("a")), Some(NodeType::Opportunity));
        assert_eq!(child_type(&index, &nodes, index.get("a1")), Some(NodeType::Opportunity));
        let mut metric = node("m", Some("a1"), NodeType::Metric, 0);
        metric.node_type = NodeType::Metric;
        let mut with_metric = nodes.clone();
        with_metric.push(metric);
        let index = TreeIndex::new(&with_metric);
        let m = index.get("m");
        assert_eq!(child_type(&index, &with_metric, m), None);
    }

    #[test]
    fn a_node_may_take_the_types_its_parent_and_children_allow() {
        use NodeType::*;
        let nodes = sample();
        let index = TreeIndex::new(&nodes);
        let choices = |id: &str| type_choices(&index, &nodes, index.get(id).unwrap());
        // Its outcomes can sit under no other root type.
        assert_eq!(choices("o"), [Objective]);
        assert_eq!(choices("a"), [Outcome]);
        // A leaf takes anything its parent allows.
        assert_eq!(choices("a1"), [Opportunity, Metric, Research]);
    }

    #[test]
    fn only_an_added_node_is_told_from_other_changes() {
        let held = vec![
            node("root", None, NodeType::Objective, 0),
            node("a", Some("root"), NodeType::Outcome, 0),
            node("new", Some("root"), NodeType::Outcome, 1),
        ];
        let links = vec![Connection {
            id: "l1".into(),
            from_node_id: "a".into(),
            to_node_id: "root".into(),
        }];
        // The server cleaned the new node's title and gave it another version: still only it.
        let mut server = held.clone();
        server.reverse();
        server[0].title = "New outcome".into();
        server[0].version = 2;
        assert!(is_only_added(&held, &links, &server, &links, "new"));

        // Anything else changed (another node's version, a link, a node more or less): no.
        let mut edited = server.clone();
        edited[1].version = 2;
        assert!(!is_only_added(&held, &links, &edited, &links, "new"));
        assert!(!is_only_added(&held, &links, &server, &[], "new"));
        let mut relinked = links.clone();
        relinked[0].to_node_id = "new".into();
        assert!(!is_only_added(&held, &links, &server, &relinked, "new"));
        let mut more = server.clone();
        more.push(node("b", Some("root"), NodeType::Outcome, 2));
        assert!(!is_only_added(&held, &links, &more, &links, "new"));
        assert!(!is_only_added(&held, &links, &server[1..], &links, "new"));
        // A node the editor never held, in place of one it did.
        let mut swapped = server.clone();
        swapped[1].id = "other".into();
        assert!(!is_only_added(&held, &links, &swapped, &links, "new"));
    }
}

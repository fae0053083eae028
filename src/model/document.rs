//! The tree document: the JSON shape of the seed's `createTreeSchema`, used for export and
//! import, and a Markdown outline of the same tree. Import checks everything first and reports
//! every problem with its path, so nothing is written from a bad document.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::limits::{clean_description, clean_title};
use super::{template_data, type_rules, Limits, NodeType, Position, TreeDetail};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeDocument {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub nodes: Vec<DocumentNode>,
    #[serde(default)]
    pub connections: Vec<DocumentConnection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentNode {
    pub id: String,
    /// A node type's name; checked on import.
    #[serde(rename = "type")]
    pub node_type: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub position: Position,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty_object")]
    pub template_data: Value,
}

fn is_empty_object(value: &Value) -> bool {
    value.is_null() || value.as_object().is_some_and(|o| o.is_empty())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentConnection {
    pub id: String,
    pub from_node_id: String,
    pub to_node_id: String,
}

/// One thing wrong with a document, at `path` (e.g. `nodes[3].parentId`, or `line 7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// A document that passed every check, in insertion order: parents before children,
/// siblings in order. Indices refer to `nodes`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedDocument {
    pub name: String,
    pub description: Option<String>,
    pub nodes: Vec<CheckedNode>,
    /// (from, to) as indices into `nodes`.
    pub connections: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedNode {
    pub parent: Option<usize>,
    pub sort_order: i32,
    pub node_type: NodeType,
    pub title: String,
    pub description: Option<String>,
    pub position: Position,
    pub template_data: Value,
}

impl TreeDocument {
    /// The document of a loaded tree: nodes parents-first with siblings in order, so it
    /// re-imports to the same tree.
    pub fn from_detail(tree: &TreeDetail) -> Self {
        let order = outline_order(tree);
        TreeDocument {
            name: tree.name.clone(),
            description: tree.description.clone(),
            nodes: order
                .iter()
                .map(|&(i, _)| {
                    let n = &tree.nodes[i];
                    DocumentNode {
                        id: n.id.clone(),
                        node_type: n.node_type.as_str().to_string(),
                        title: n.title.clone(),
                        description: n.description.clone(),
                        position: n.position,
                        parent_id: n.parent_id.clone(),
                        template_data: n.template_data.clone(),
                    }
                })
                .collect(),
            connections: tree
                .connections
                .iter()
                .map(|c| DocumentConnection {
                    id: c.id.clone(),
                    from_node_id: c.from_node_id.clone(),
                    to_node_id: c.to_node_id.clone(),
                })
                .collect(),
        }
    }

    /// Checks everything and returns every problem found, or the document ready to insert.
    pub fn check(&self, limits: &Limits) -> Result<CheckedDocument, Vec<Problem>> {
        self.check_with(limits, true)
    }

    /// As [`TreeDocument::check`]; without `type_rules`, any type may sit under any other
    /// (for trees of the original app, which had no rules, so that none of them is lost).
    pub fn check_with(&self, limits: &Limits, type_rules: bool) -> Result<CheckedDocument, Vec<Problem>> {
        let mut problems = Vec::new();
        let name = clean_title(&self.name, limits.tree_name_max).unwrap_or_else(|m| {
            problems.push(problem("name", m));
            String::new()
        });
        let description = clean_description(self.description.as_deref(), limits.description_max).unwrap_or_else(|m| {
            problems.push(problem("description", m));
            None
        });
        if self.nodes.len() > limits.nodes_per_tree_max {
            problems.push(problem(
                "nodes",
                format!("a tree holds at most {} nodes", limits.nodes_per_tree_max),
            ));
            return Err(problems);
        }

        let mut index: HashMap<&str, usize> = HashMap::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            if node.id.trim().is_empty() {
                problems.push(problem(format!("nodes[{i}].id"), "must not be empty"));
            } else if index.contains_key(node.id.as_str()) {
                problems.push(problem(
                    format!("nodes[{i}].id"),
                    format!("{:?} is used by another node", node.id),
                ));
            } else {
                index.insert(node.id.as_str(), i);
            }
        }

        let mut types: Vec<Option<NodeType>> = Vec::with_capacity(self.nodes.len());
        let mut parents: Vec<Option<usize>> = Vec::with_capacity(self.nodes.len());
        let mut checked: Vec<CheckedNode> = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            let at = |field: &str| format!("nodes[{i}].{field}");
            let node_type = match node.node_type.parse::<NodeType>() {
                Ok(t) => Some(t),
                Err(m) => {
                    problems.push(problem(at("type"), m));
                    None
                }
            };
            types.push(node_type);
            let parent = match node.parent_id.as_deref().filter(|p| !p.is_empty()) {
                None => None,
                Some(p) => match index.get(p) {
                    Some(&j) => Some(j),
                    None => {
                        problems.push(problem(at("parentId"), format!("no node has the id {p:?}")));
                        None
                    }
                },
            };
            parents.push(parent);
            let title = clean_title(&node.title, limits.title_max).unwrap_or_else(|m| {
                problems.push(problem(at("title"), m));
                String::new()
            });
            let description =
                clean_description(node.description.as_deref(), limits.description_max).unwrap_or_else(|m| {
                    problems.push(problem(at("description"), m));
                    None
                });
            let template_data = match node_type {
                Some(t) => template_data::validate(t, &node.template_data, limits.template_data_max_bytes)
                    .unwrap_or_else(|(field, m)| {
                        problems.push(problem(at(&field.replace("template_data", "templateData")), m));
                        Value::Null
                    }),
                None => Value::Null,
            };
            if !node.position.x.is_finite() || !node.position.y.is_finite() {
                problems.push(problem(at("position"), "must be finite numbers"));
            }
            checked.push(CheckedNode {
                parent,
                sort_order: 0,
                node_type: node_type.unwrap_or(NodeType::Objective),
                title,
                description,
                position: node.position,
                template_data,
            });
        }

        // Cycles: follow each chain of parents; a chain longer than the node count loops.
        let mut state = vec![0u8; parents.len()]; // 0 unknown, 1 on the current path, 2 reaches a root
        for start in 0..parents.len() {
            let mut path = Vec::new();
            let mut at = Some(start);
            while let Some(i) = at {
                match state[i] {
                    2 => break,
                    1 => {
                        problems.push(problem(format!("nodes[{i}].parentId"), "the parents form a cycle"));
                        break;
                    }
                    _ => {
                        state[i] = 1;
                        path.push(i);
                        at = parents[i];
                    }
                }
            }
            for i in path {
                state[i] = 2;
            }
        }

        for (i, parent) in parents.iter().enumerate().filter(|_| type_rules) {
            if let (Some(child), parent_type) = (types[i], parent.map(|p| types[p])) {
                if let Some(None) = parent_type {
                    continue; // the parent's own type is already reported
                }
                if let Err(m) = type_rules::check(parent_type.flatten(), child) {
                    problems.push(problem(format!("nodes[{i}].type"), m));
                }
            }
        }

        let mut links = Vec::new();
        let mut seen = HashSet::new();
        for (i, c) in self.connections.iter().enumerate() {
            let from = index.get(c.from_node_id.as_str()).copied();
            let to = index.get(c.to_node_id.as_str()).copied();
            match (from, to) {
                (None, _) => problems.push(problem(format!("connections[{i}].fromNodeId"), "no such node")),
                (_, None) => problems.push(problem(format!("connections[{i}].toNodeId"), "no such node")),
                (Some(f), Some(t)) if f == t => problems.push(problem(
                    format!("connections[{i}].toNodeId"),
                    "a node cannot link to itself",
                )),
                (Some(f), Some(t)) => {
                    if seen.insert((f, t)) {
                        links.push((f, t));
                    } else {
                        problems.push(problem(format!("connections[{i}]"), "these nodes are already linked"));
                    }
                }
            }
        }

        if !problems.is_empty() {
            return Err(problems);
        }

        // Parents before children, siblings in document order.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); checked.len()];
        let mut roots = Vec::new();
        for (i, parent) in parents.iter().enumerate() {
            match parent {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }
        let mut order = Vec::with_capacity(checked.len());
        let mut stack: Vec<(usize, i32)> = roots.iter().enumerate().rev().map(|(k, &i)| (i, k as i32)).collect();
        while let Some((i, position)) = stack.pop() {
            order.push((i, position));
            stack.extend(children[i].iter().enumerate().rev().map(|(k, &c)| (c, k as i32)));
        }
        let mut new_index = vec![0usize; checked.len()];
        for (k, &(i, _)) in order.iter().enumerate() {
            new_index[i] = k;
        }
        let nodes = order
            .iter()
            .map(|&(i, position)| {
                let mut node = checked[i].clone();
                node.parent = node.parent.map(|p| new_index[p]);
                node.sort_order = position;
                node
            })
            .collect();
        let connections = links.into_iter().map(|(f, t)| (new_index[f], new_index[t])).collect();
        Ok(CheckedDocument {
            name,
            description,
            nodes,
            connections,
        })
    }
}

/// Node indices of a loaded tree in outline order (depth first, siblings by sort order),
/// with their depth.
pub fn outline_order(tree: &TreeDetail) -> Vec<(usize, usize)> {
    let index: HashMap<&str, usize> = tree.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); tree.nodes.len()];
    let mut roots = Vec::new();
    for (i, n) in tree.nodes.iter().enumerate() {
        match n.parent_id.as_deref().and_then(|p| index.get(p)) {
            Some(&p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let by_order = |list: &mut Vec<usize>| list.sort_by_key(|&i| (tree.nodes[i].sort_order, tree.nodes[i].id.clone()));
    by_order(&mut roots);
    for list in children.iter_mut() {
        by_order(list);
    }
    let mut out = Vec::with_capacity(tree.nodes.len());
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        out.push((i, depth));
        stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
    }
    out
}

/// The tree as a nested Markdown list, each item `**Type:** title`, descriptions as indented
/// paragraphs.
pub fn to_markdown(tree: &TreeDetail) -> String {
    let mut out = format!("# {}\n", escape_line(&tree.name));
    if let Some(description) = &tree.description {
        out.push('\n');
        out.push_str(description.trim());
        out.push('\n');
    }
    out.push('\n');
    for (i, depth) in outline_order(tree) {
        let node = &tree.nodes[i];
        let indent = "  ".repeat(depth);
        out.push_str(&format!(
            "{indent}- **{}:** {}\n",
            node.node_type.label(),
            escape_line(&node.title)
        ));
        if let Some(description) = &node.description {
            for line in description.lines() {
                out.push_str(&format!("{indent}  > {line}\n"));
            }
        }
    }
    out
}

fn escape_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Reads an outline written by [`to_markdown`] (or by hand: `-`, `*` or `+` items, two or
/// four spaces or a tab per level, `**Type:**` prefixes). Problems name their line.
pub fn from_markdown(text: &str) -> Result<TreeDocument, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut name = None;
    let mut tree_description: Vec<String> = Vec::new();
    let mut nodes: Vec<DocumentNode> = Vec::new();
    // (indent width, node index) of the open ancestors.
    let mut stack: Vec<(usize, usize)> = Vec::new();

    for (number, raw) in text.lines().enumerate() {
        let line_no = number + 1;
        let expanded = raw.replace('\t', "    ");
        let trimmed = expanded.trim_start();
        let indent = expanded.len() - trimmed.len();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(title) = trimmed
            .strip_prefix("# ")
            .filter(|_| name.is_none() && nodes.is_empty())
        {
            name = Some(title.trim().to_string());
            continue;
        }
        if let Some(quote) = trimmed.strip_prefix('>') {
            match nodes.last_mut() {
                Some(node) => {
                    let text = quote.strip_prefix(' ').unwrap_or(quote);
                    let d = node.description.get_or_insert_with(String::new);
                    if !d.is_empty() {
                        d.push('\n');
                    }
                    d.push_str(text);
                }
                None => problems.push(problem(format!("line {line_no}"), "a quote before any node")),
            }
            continue;
        }
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
            .or_else(|| trimmed.strip_prefix("+ "));
        let Some(item) = item else {
            if nodes.is_empty() {
                tree_description.push(trimmed.to_string());
            } else {
                problems.push(problem(
                    format!("line {line_no}"),
                    "expected a list item like `- **Outcome:** title`",
                ));
            }
            continue;
        };
        let Some((kind, title)) = item.strip_prefix("**").and_then(|rest| rest.split_once(":**")) else {
            problems.push(problem(
                format!("line {line_no}"),
                "a node needs its type first, like `**Outcome:** title`",
            ));
            continue;
        };
        while stack.last().is_some_and(|&(width, _)| width >= indent) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, i)| i);
        let id = format!("n{}", nodes.len() + 1);
        nodes.push(DocumentNode {
            id,
            node_type: kind.trim().to_lowercase(),
            title: title.trim().to_string(),
            description: None,
            position: Position::default(),
            parent_id: parent.map(|p| nodes[p].id.clone()),
            template_data: Value::Object(Default::default()),
        });
        stack.push((indent, nodes.len() - 1));
    }

    let Some(name) = name else {
        problems.insert(
            0,
            problem("line 1", "the outline must start with a `# Tree name` heading"),
        );
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let description = Some(tree_description.join("\n")).filter(|d| !d.trim().is_empty());
    Ok(TreeDocument {
        name,
        description,
        nodes,
        connections: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CanvasState, DiscoveryPhase, TreeNode};
    use serde_json::json;

    fn node(id: &str, parent: Option<&str>, t: NodeType, title: &str, order: i32) -> TreeNode {
        TreeNode {
            id: id.into(),
            parent_id: parent.map(Into::into),
            node_type: t,
            title: title.into(),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: json!({}),
            sort_order: order,
            version: 1,
        }
    }

    fn sample() -> TreeDetail {
        TreeDetail {
            id: 1,
            name: "Grow retention".into(),
            description: Some("Q3 bets".into()),
            discovery_phase: DiscoveryPhase::Discovery,
            is_template: false,
            canvas_state: CanvasState::default(),
            version: 1,
            updated_at: String::new(),
            nodes: vec![
                node("c", Some("a"), NodeType::Outcome, "Churn -2pts", 1),
                node("a", None, NodeType::Objective, "Grow retention", 0),
                node("b", Some("a"), NodeType::Outcome, "Weekly actives +10%", 0),
                node("d", Some("b"), NodeType::Opportunity, "Onboarding confuses", 0),
            ],
            connections: vec![],
        }
    }

    #[test]
    fn export_orders_parents_first_and_siblings_in_order() {
        let doc = TreeDocument::from_detail(&sample());
        let titles: Vec<_> = doc.nodes.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Grow retention",
                "Weekly actives +10%",
                "Onboarding confuses",
                "Churn -2pts"
            ]
        );
        let checked = doc.check(&Limits::default()).unwrap();
        assert_eq!(checked.nodes[3].parent, Some(0));
        assert_eq!(checked.nodes[3].sort_order, 1);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let doc: TreeDocument = serde_json::from_value(json!({
            "name": "",
            "nodes": [
                {"id": "a", "type": "objective", "title": "A", "position": {"x": 0, "y": 0}},
                {"id": "a", "type": "goal", "title": "", "position": {"x": 0, "y": 0}},
                {"id": "c", "type": "outcome", "title": "C", "parentId": "zzz", "position": {"x": 0, "y": 0}},
                {"id": "d", "type": "opportunity", "title": "D", "parentId": "e", "position": {"x": 0, "y": 0}},
                {"id": "e", "type": "opportunity", "title": "E", "parentId": "d", "position": {"x": 0, "y": 0}},
                {"id": "f", "type": "solution", "title": "F", "parentId": "a", "position": {"x": 0, "y": 0}}
            ],
            "connections": [{"id": "x", "fromNodeId": "a", "toNodeId": "a"}]
        }))
        .unwrap();
        let problems = doc.check(&Limits::default()).unwrap_err();
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        for expected in [
            "name",
            "nodes[1].id",
            "nodes[1].type",
            "nodes[1].title",
            "nodes[2].parentId",
            "nodes[5].type",
            "connections[0].toNodeId",
        ] {
            assert!(paths.contains(&expected), "{expected} missing from {paths:?}");
        }
        assert!(problems.iter().any(|p| p.message.contains("cycle")), "{problems:?}");
    }

    #[test]
    fn markdown_round_trips() {
        let mut tree = sample();
        tree.nodes[2].description = Some("Two lines\nof notes".into());
        let text = to_markdown(&tree);
        assert!(
            text.contains("- **Objective:** Grow retention\n  - **Outcome:** Weekly actives +10%\n"),
            "{text}"
        );
        let doc = from_markdown(&text).unwrap();
        assert_eq!(doc.name, "Grow retention");
        assert_eq!(doc.description.as_deref(), Some("Q3 bets"));
        let again = doc.check(&Limits::default()).unwrap();
        let titles: Vec<_> = again.nodes.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Grow retention",
                "Weekly actives +10%",
                "Onboarding confuses",
                "Churn -2pts"
            ]
        );
        assert_eq!(again.nodes[1].description.as_deref(), Some("Two lines\nof notes"));
        assert_eq!(again.nodes[2].parent, Some(1));
    }

    #[test]
    fn markdown_problems_name_the_line() {
        let problems = from_markdown("# T\n\n- **Objective:** A\n  - plain item\n").unwrap_err();
        assert_eq!(problems[0].path, "line 4");
        assert_eq!(from_markdown("- **Objective:** A").unwrap_err()[0].path, "line 1");
    }
}

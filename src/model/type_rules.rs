//! Which node types may sit under which: the one table the server enforces and the editor
//! offers from.

use super::NodeType;
use NodeType::*;

/// Types allowed as roots of a tree.
pub const ROOT_TYPES: &[NodeType] = &[Objective, Outcome, Opportunity];

/// Types allowed directly under a node of type `parent`.
pub fn allowed_children(parent: NodeType) -> &'static [NodeType] {
    match parent {
        Objective => &[Outcome, Metric, Research],
        Outcome => &[Opportunity, Metric, Research],
        // Opportunities break down into smaller opportunities (opportunity solution trees).
        Opportunity => &[Opportunity, Solution, Research, Metric],
        Solution => &[Assumption, Metric, Research],
        // Experiments and measures that test an assumption.
        Assumption => &[Research, Metric],
        Metric => &[],
        Research => &[],
    }
}

pub fn allowed_under(parent: Option<NodeType>) -> &'static [NodeType] {
    match parent {
        Some(parent) => allowed_children(parent),
        None => ROOT_TYPES,
    }
}

pub fn is_allowed(parent: Option<NodeType>, child: NodeType) -> bool {
    allowed_under(parent).contains(&child)
}

fn names(types: &[NodeType]) -> String {
    if types.is_empty() {
        return "nothing".to_string();
    }
    types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

/// `Err(message)` naming the allowed types when `child` may not go under `parent`.
pub fn check(parent: Option<NodeType>, child: NodeType) -> Result<(), String> {
    if is_allowed(parent, child) {
        return Ok(());
    }
    Err(match parent {
        Some(parent) => format!(
            "a {child} cannot go under a {parent}; allowed under a {parent}: {}",
            names(allowed_children(parent))
        ),
        None => format!(
            "a {child} cannot be a root node; allowed as roots: {}",
            names(ROOT_TYPES)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_of_the_method_is_allowed() {
        for (parent, child) in [
            (None, Objective),
            (Some(Objective), Outcome),
            (Some(Outcome), Opportunity),
            (Some(Opportunity), Solution),
            (Some(Solution), Assumption),
            (Some(Assumption), Research),
            (Some(Outcome), Metric),
        ] {
            assert!(is_allowed(parent, child), "{parent:?} -> {child:?}");
        }
    }

    #[test]
    fn refusals_name_the_allowed_types() {
        let err = check(Some(Objective), Solution).unwrap_err();
        assert!(err.contains("outcome, metric, research"), "{err}");
        assert!(check(Some(Metric), Research).unwrap_err().contains("nothing"));
        assert!(check(None, Assumption).unwrap_err().contains("objective"));
    }
}

use serde::{Deserialize, Serialize};

/// The kinds of node in an impact tree, stored as text in `tree_nodes.node_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeType {
    Objective,
    Outcome,
    Opportunity,
    Solution,
    Assumption,
    Metric,
    Research,
}

impl NodeType {
    pub const ALL: [NodeType; 7] = [
        NodeType::Objective,
        NodeType::Outcome,
        NodeType::Opportunity,
        NodeType::Solution,
        NodeType::Assumption,
        NodeType::Metric,
        NodeType::Research,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeType::Objective => "objective",
            NodeType::Outcome => "outcome",
            NodeType::Opportunity => "opportunity",
            NodeType::Solution => "solution",
            NodeType::Assumption => "assumption",
            NodeType::Metric => "metric",
            NodeType::Research => "research",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NodeType::Objective => "Objective",
            NodeType::Outcome => "Outcome",
            NodeType::Opportunity => "Opportunity",
            NodeType::Solution => "Solution",
            NodeType::Assumption => "Assumption",
            NodeType::Metric => "Metric",
            NodeType::Research => "Research",
        }
    }
}

impl NodeType {
    /// The type `value` names ([`NodeType::as_str`]), without the error message `parse` makes
    /// (the browser's editor reads its own select's values, which are always one).
    pub fn named(value: &str) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

impl std::str::FromStr for NodeType {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        NodeType::named(value).ok_or_else(|| {
            let names: Vec<_> = NodeType::ALL.iter().map(|t| t.as_str()).collect();
            format!("unknown node type {value:?}; expected one of {}", names.join(", "))
        })
    }
}

impl std::fmt::Display for NodeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_matches_serde() {
        for t in NodeType::ALL {
            assert_eq!(t.as_str().parse::<NodeType>().unwrap(), t);
            assert_eq!(NodeType::named(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(t.as_str()));
        }
        let err = "goal".parse::<NodeType>().unwrap_err();
        assert!(err.contains("objective"), "{err}");
    }
}

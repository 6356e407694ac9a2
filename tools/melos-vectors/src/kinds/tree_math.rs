//! `tree-math` vectors (RFC 9420 Appendix C): for each tree size, the node count, the root
//! and the left, right, parent and sibling of every node (`null` where undefined).

use melos::tree_math::{NodeIndex, TreeSize};
use serde_json::Value;

use crate::Report;
use crate::util::u64_field;

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    for (i, case) in cases.iter().enumerate() {
        report.record(None, i, verify_case(case));
    }
    true
}

fn u32_field(case: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(u64_field(case, key)?).map_err(|_| format!("{key} does not fit a uint32"))
}

fn verify_case(case: &Value) -> Result<(), String> {
    let n_leaves = u32_field(case, "n_leaves")?;
    let size = TreeSize::from_leaf_count(n_leaves).ok_or("n_leaves too large")?;
    if size.leaf_count() != n_leaves {
        return Err(format!("n_leaves {n_leaves} is not a power of two"));
    }
    let n_nodes = u32_field(case, "n_nodes")?;
    if size.node_width() != n_nodes {
        return Err(format!(
            "n_nodes: got {}, want {n_nodes}",
            size.node_width()
        ));
    }
    let root = u32_field(case, "root")?;
    if size.root() != NodeIndex(root) {
        return Err(format!("root: got {:?}, want {root}", size.root()));
    }
    type Relation = fn(TreeSize, NodeIndex) -> Option<NodeIndex>;
    let relations: [(&str, Relation); 4] = [
        ("left", TreeSize::left),
        ("right", TreeSize::right),
        ("parent", TreeSize::parent),
        ("sibling", TreeSize::sibling),
    ];
    for (name, relation) in relations {
        let want = case
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("missing array {name}"))?;
        if want.len() != n_nodes as usize {
            return Err(format!(
                "{name}: {} entries for {n_nodes} nodes",
                want.len()
            ));
        }
        for (x, want) in want.iter().enumerate() {
            let x = u32::try_from(x).map_err(|_| "node index overflow")?;
            let want = match want {
                Value::Null => None,
                v => Some(
                    v.as_u64()
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(|| format!("{name}[{x}] is not a uint32 or null"))?,
                ),
            };
            let got = relation(size, NodeIndex(x)).map(|n| n.0);
            if got != want {
                return Err(format!("{name}({x}): got {got:?}, want {want:?}"));
            }
        }
    }
    Ok(())
}

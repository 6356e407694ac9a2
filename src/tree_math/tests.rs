use alloc::vec::Vec;

use super::*;

/// The RFC 9420 Appendix C reference code, with loops, for cross-checking.
mod reference {
    use alloc::vec::Vec;

    pub(super) fn log2(x: u32) -> u32 {
        if x == 0 {
            return 0;
        }
        let mut k = 0;
        while (x >> k) > 0 {
            k += 1;
        }
        k - 1
    }

    pub(super) fn level(x: u32) -> u32 {
        if x & 1 == 0 {
            return 0;
        }
        let mut k = 0;
        while (x >> k) & 1 == 1 {
            k += 1;
        }
        k
    }

    pub(super) fn root(n: u32) -> u32 {
        let w = 2 * (n - 1) + 1;
        (1 << log2(w)) - 1
    }

    pub(super) fn parent(x: u32, n: u32) -> Option<u32> {
        if x == root(n) {
            return None;
        }
        let k = level(x);
        let b = (x >> (k + 1)) & 1;
        Some((x | (1 << k)) ^ (b << (k + 1)))
    }

    pub(super) fn direct_path(mut x: u32, n: u32) -> Vec<u32> {
        let mut d = Vec::new();
        while let Some(p) = parent(x, n) {
            d.push(p);
            x = p;
        }
        d
    }

    pub(super) fn common_ancestor(x: u32, y: u32, n: u32) -> u32 {
        let mut dx = direct_path(x, n);
        dx.insert(0, x);
        let mut dy = direct_path(y, n);
        dy.insert(0, y);
        dx.into_iter()
            .filter(|a| dy.contains(a))
            .min_by_key(|a| level(*a))
            .unwrap()
    }
}

#[test]
fn sizes() {
    assert_eq!(TreeSize::from_leaf_count(0), Some(TreeSize::ONE));
    assert_eq!(TreeSize::from_leaf_count(1).unwrap().node_width(), 1);
    assert_eq!(TreeSize::from_leaf_count(3).unwrap().leaf_count(), 4);
    assert_eq!(
        TreeSize::from_leaf_count(100_000).unwrap().leaf_count(),
        131_072
    );
    let max = TreeSize::from_leaf_count(1 << 31).unwrap();
    assert_eq!(max.node_width(), u32::MAX);
    assert_eq!(max.root(), NodeIndex((1 << 31) - 1));
    assert_eq!(max.doubled(), None);
    assert_eq!(TreeSize::from_leaf_count((1 << 31) + 1), None);
    assert_eq!(TreeSize::ONE.halved(), None);
    assert_eq!(
        TreeSize::from_depth(3).unwrap().halved(),
        TreeSize::from_depth(2)
    );
    assert_eq!(TreeSize::from_depth(32), None);
    for nodes in 0..40u32 {
        let size = TreeSize::from_node_count(nodes).unwrap();
        assert!(size.node_width() >= nodes);
        assert!(size.halved().is_none_or(|h| h.node_width() < nodes));
    }
    assert_eq!(TreeSize::from_node_count(u32::MAX), Some(max));
}

#[test]
fn leaf_node_conversions() {
    assert_eq!(LeafIndex(3).node(), Some(NodeIndex(6)));
    assert_eq!(LeafIndex(u32::MAX).node(), None);
    assert_eq!(NodeIndex(6).leaf(), Some(LeafIndex(3)));
    assert_eq!(NodeIndex(7).leaf(), None);
    assert_eq!(NodeIndex(7).level(), 3);
    assert_eq!(NodeIndex(u32::MAX).level(), 32);
}

#[test]
fn undefined_relations_are_none() {
    let size = TreeSize::from_leaf_count(4).unwrap();
    assert_eq!(size.parent(size.root()), None);
    assert_eq!(size.sibling(size.root()), None);
    assert_eq!(size.left(NodeIndex(2)), None);
    assert_eq!(size.right(NodeIndex(2)), None);
    assert_eq!(size.parent(NodeIndex(7)), None);
    assert_eq!(size.left(NodeIndex(7)), None);
    assert!(size.direct_path(NodeIndex(7)).is_none());
    assert!(size.copath(NodeIndex(9)).is_none());
    assert_eq!(size.common_ancestor(NodeIndex(0), NodeIndex(8)), None);
    assert_eq!(size.direct_path(size.root()).unwrap().count(), 0);
    assert_eq!(size.copath(size.root()).unwrap().count(), 0);
    let max = TreeSize::from_depth(31).unwrap();
    assert_eq!(max.parent(NodeIndex(u32::MAX)), None);
    assert_eq!(max.left(NodeIndex(u32::MAX)), None);
}

#[test]
fn matches_reference_code() {
    for depth in 0..=6 {
        let size = TreeSize::from_depth(depth).unwrap();
        let n = size.leaf_count();
        assert_eq!(size.root().0, reference::root(n));
        for x in 0..size.node_width() {
            let node = NodeIndex(x);
            assert_eq!(size.level(node), Some(reference::level(x)));
            assert_eq!(size.parent(node).map(|p| p.0), reference::parent(x, n));
            let path: Vec<u32> = size.direct_path(node).unwrap().map(|p| p.0).collect();
            assert_eq!(path, reference::direct_path(x, n));
            assert_eq!(size.direct_path(node).unwrap().len(), path.len());
            let copath: Vec<u32> = size.copath(node).unwrap().map(|p| p.0).collect();
            let mut expected = Vec::new();
            let mut y = node;
            for p in size.direct_path(node).unwrap() {
                let s = if y < p { size.right(p) } else { size.left(p) };
                expected.push(s.unwrap().0);
                y = p;
            }
            assert_eq!(copath, expected);
            assert_eq!(size.copath(node).unwrap().len(), copath.len());
            for y in 0..size.node_width() {
                assert_eq!(
                    size.common_ancestor(node, NodeIndex(y)).map(|a| a.0),
                    Some(reference::common_ancestor(x, y, n)),
                    "common_ancestor({x}, {y}) with {n} leaves"
                );
            }
        }
    }
}

#[test]
fn large_tree_paths_are_logarithmic() {
    let size = TreeSize::from_leaf_count(100_000).unwrap();
    let leaf = LeafIndex(99_999).node().unwrap();
    assert_eq!(size.direct_path(leaf).unwrap().count(), 17);
    assert_eq!(size.direct_path(leaf).unwrap().last(), Some(size.root()));
    assert_eq!(size.common_ancestor(NodeIndex(0), leaf), Some(size.root()));
}

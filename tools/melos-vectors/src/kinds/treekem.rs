//! `treekem` vectors (RFC 9420 §7.4 to §7.6, §7.9, §12.4.2): every member's private view of
//! the tree is checked against the public tree; every `UpdatePath` is merged (checking its
//! parent hashes) and decrypted by every other member (checking the path secret obtained,
//! the commit secret and the tree hash after); then a fresh `UpdatePath` is created from the
//! same sender and processed by every other member.

use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{HpkePrivateKey, SignaturePrivateKey};
use melos::messages::{Extensions, GroupContext, UpdatePath};
use melos::ratchet_tree::{RatchetTree, TreeView};
use melos::tree_math::{LeafIndex, NodeIndex};
use melos::treekem::{
    NewLeaf, PathSecret, TreePrivateKeys, merge_update_path, prepare_update_path,
};
use melos::{CipherSuite, CipherSuiteProvider, CryptoProvider, codec};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, suite_of, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    let provider = RustCrypto::new();
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        let result = match suite.and_then(|s| provider.cipher_suite_provider(CipherSuite(s))) {
            Some(cs) => verify_case(cs, case),
            None => Err(format!("cipher suite {suite:?} not supported")),
        };
        report.record(suite, i, result);
    }
    true
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn u32_of(v: &Value, key: &str) -> Result<u32, String> {
    u32::try_from(u64_field(v, key)?).map_err(err)
}

fn array<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing array {key}"))
}

/// A member's private state from `leaves_private`, checked against the tree.
struct Member {
    keys: TreePrivateKeys,
    signature_priv: Vec<u8>,
}

fn load_member(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    entry: &Value,
) -> Result<Member, String> {
    let leaf = LeafIndex(u32_of(entry, "index")?);
    let leaf_key = HpkePrivateKey::new(hex_field(entry, "encryption_priv")?);
    let public = cs.kem_public_key(&leaf_key).map_err(err)?;
    let in_tree = tree
        .leaf(leaf)
        .ok_or_else(|| format!("leaf {leaf} is blank"))?;
    check_eq(
        &format!("leaf {leaf} key"),
        &public,
        in_tree.encryption_key(),
    )?;
    let mut keys = TreePrivateKeys::new(leaf, leaf_key);
    for ps in array(entry, "path_secrets")? {
        let node = NodeIndex(u32_of(ps, "node")?);
        let secret = PathSecret::new(Secret::new(hex_field(ps, "path_secret")?));
        let pair = secret.node_key_pair(cs).map_err(err)?;
        let in_tree = tree
            .node_public_key(node)
            .ok_or_else(|| format!("leaf {leaf}: node {node} is blank"))?;
        check_eq(
            &format!("leaf {leaf} node {node} key"),
            pair.public_key.as_bytes(),
            in_tree,
        )?;
        keys.insert_path_key(node, pair.private_key);
    }
    Ok(Member {
        keys,
        signature_priv: hex_field(entry, "signature_priv")?,
    })
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let group_id = hex_field(case, "group_id")?;
    let epoch = u64_field(case, "epoch")?;
    let cth = hex_field(case, "confirmed_transcript_hash")?;
    let mut tree = RatchetTree::decode_extension(&hex_field(case, "ratchet_tree")?).map_err(err)?;
    tree.tree_hash(cs).map_err(err)?;
    let members = array(case, "leaves_private")?
        .iter()
        .map(|e| load_member(cs, &tree, e))
        .collect::<Result<Vec<_>, _>>()?;
    let context = |tree_hash: Vec<u8>| {
        GroupContext::new(
            cs.cipher_suite(),
            group_id.clone(),
            epoch,
            tree_hash,
            cth.clone(),
            Extensions::default(),
        )
        .encode()
        .map_err(err)
    };

    for (u, entry) in array(case, "update_paths")?.iter().enumerate() {
        let sender = LeafIndex(u32_of(entry, "sender")?);
        let what = format!("update_paths[{u}] (sender {sender})");
        let update_path: UpdatePath =
            codec::decode_exact(&hex_field(entry, "update_path")?).map_err(err)?;
        let mut diff = tree.diff();
        let merged = merge_update_path(cs, &mut diff, sender, &group_id, &update_path, &[])
            .map_err(|e| format!("{what}: merge: {e}"))?;
        let tree_hash = diff.tree_hash(cs).map_err(err)?;
        check_eq(
            &format!("{what}: tree_hash_after"),
            &tree_hash,
            &hex_field(entry, "tree_hash_after")?,
        )?;
        let gc = context(tree_hash)?;
        let want_commit = hex_field(entry, "commit_secret")?;
        let expected = array(entry, "path_secrets")?;
        for m in members.iter().filter(|m| m.keys.own_leaf() != sender) {
            let j = m.keys.own_leaf();
            let mut keys = m.keys.clone();
            let got = merged
                .decrypt(cs, &gc, &mut keys)
                .map_err(|e| format!("{what}: receiver {j}: {e}"))?;
            let want = expected
                .get(j.0 as usize)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{what}: no path secret for {j}"))?;
            check_eq(
                &format!("{what}: receiver {j} path secret"),
                got.path_secret.as_secret().as_bytes(),
                &hex::decode(want).map_err(err)?,
            )?;
            check_eq(
                &format!("{what}: receiver {j} commit secret"),
                got.commit_secret.as_bytes(),
                &want_commit,
            )?;
        }
        drop(diff);
        fresh_path(cs, &tree, &members, sender, &group_id, &context)
            .map_err(|e| format!("{what}: new update path: {e}"))?;
    }
    Ok(())
}

/// Creates a new `UpdatePath` from `sender` and checks that every other member processes
/// it to the same tree hash and commit secret.
fn fresh_path(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    members: &[Member],
    sender: LeafIndex,
    group_id: &[u8],
    context: &dyn Fn(Vec<u8>) -> Result<Vec<u8>, String>,
) -> Result<(), String> {
    let me = members
        .iter()
        .find(|m| m.keys.own_leaf() == sender)
        .ok_or("sender has no private state")?;
    let current = tree
        .leaf(sender)
        .ok_or("sender leaf blank")?
        .to_leaf_node()
        .map_err(err)?;
    let new_leaf = NewLeaf::refresh(cs, &current).map_err(err)?;
    let sig = SignaturePrivateKey::new(me.signature_priv.clone());
    let mut diff = tree.diff();
    let prepared =
        prepare_update_path(cs, &mut diff, sender, group_id, new_leaf, &sig, None).map_err(err)?;
    let tree_hash = diff.tree_hash(cs).map_err(err)?;
    let gc = context(tree_hash.clone())?;
    let out = prepared.encrypt(cs, &gc, &[]).map_err(err)?;
    for m in members.iter().filter(|m| m.keys.own_leaf() != sender) {
        let j = m.keys.own_leaf();
        let mut diff = tree.diff();
        let merged = merge_update_path(cs, &mut diff, sender, group_id, &out.update_path, &[])
            .map_err(|e| format!("receiver {j}: merge: {e}"))?;
        check_eq(
            &format!("receiver {j}: tree hash"),
            &diff.tree_hash(cs).map_err(err)?,
            &tree_hash,
        )?;
        let mut keys = m.keys.clone();
        let got = merged
            .decrypt(cs, &gc, &mut keys)
            .map_err(|e| format!("receiver {j}: {e}"))?;
        check_eq(
            &format!("receiver {j}: commit secret"),
            got.commit_secret.as_bytes(),
            out.commit_secret.as_bytes(),
        )?;
        let mine = out
            .path_secrets
            .iter()
            .find(|(n, _)| *n == got.node)
            .ok_or("no committer path secret for the common ancestor")?;
        check_eq(
            &format!("receiver {j}: path secret"),
            got.path_secret.as_secret().as_bytes(),
            mine.1.as_secret().as_bytes(),
        )?;
    }
    Ok(())
}

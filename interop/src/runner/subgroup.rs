//! The `reinit` and `branch` actions (RFC 9420 §11.2, §11.3) with the IETF runner's
//! semantics.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::script::{Run, StepError, call};
use crate::proto;

type R<T> = Result<T, StepError>;

fn fail<T>(msg: impl Into<String>) -> R<T> {
    Err(StepError::Failed(msg.into()))
}

fn names(step: &Value, key: &str) -> Vec<String> {
    step.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn text(step: &Value, key: &str) -> String {
    step.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn flag(step: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .any(|k| step.get(*k).and_then(Value::as_bool).unwrap_or(false))
}

fn extensions(run: &mut Run, step: &Value) -> R<Vec<proto::Extension>> {
    // Reuse the description parser: a groupContextExtensions description with the same
    // `extensions` field.
    let mut d = serde_json::Map::new();
    d.insert("proposalType".into(), "groupContextExtensions".into());
    if let Some(e) = step.get("extensions") {
        d.insert("extensions".into(), e.clone());
    }
    Ok(run.description(&Value::Object(d))?.extensions)
}

/// `reinit`: propose (or take an external ReInit proposal), commit, everyone handles the
/// Commit, the welcomer creates the new group's Welcome, everyone else joins.
pub async fn reinit(run: &mut Run, step: &Value) -> R<()> {
    let proposer = text(step, "proposer");
    let committer = text(step, "committer");
    let welcomer = text(step, "welcomer");
    let members = names(step, "members");
    let mut not_committer: BTreeSet<String> = members.iter().cloned().collect();
    let mut not_welcomer = not_committer.clone();
    not_committer.insert(welcomer.clone());
    not_welcomer.insert(committer.clone());
    if !proposer.is_empty() {
        not_committer.insert(proposer.clone());
        not_welcomer.insert(proposer.clone());
    }
    not_committer.remove(&committer);
    not_welcomer.remove(&welcomer);

    let group_id = run.new_group_id(flag(step, &["changeGroupID"]))?;
    if flag(step, &["changeCiphersuite", "changeCipherSuite"]) {
        run.change_suite()?;
    }
    let proposal = if proposer.is_empty() {
        let Some(i) = step.get("externalReinitProposal").and_then(Value::as_u64) else {
            return fail("malformed step: no proposer and no externalReinitProposal");
        };
        run_get(run, i, "proposal")?
    } else {
        let req = proto::ReInitProposalRequest {
            state_id: run.sid_of(&proposer),
            cipher_suite: run.suite(),
            group_id,
            extensions: extensions(run, step)?,
        };
        call!(run, &proposer, re_init_proposal, req)?.proposal
    };

    let mut reinit_ids = BTreeMap::new();
    let mut key_packages = BTreeMap::new();
    let req = proto::CommitRequest {
        state_id: run.sid_of(&committer),
        by_reference: vec![proposal.clone()],
        ..Default::default()
    };
    let commit = call!(run, &committer, re_init_commit, req)?.commit;
    let req = proto::HandlePendingCommitRequest {
        state_id: run.sid_of(&committer),
    };
    let r = call!(run, &committer, handle_pending_re_init_commit, req)?;
    reinit_ids.insert(committer.clone(), r.reinit_id);
    key_packages.insert(committer.clone(), r.key_package);
    let auth = r.epoch_authenticator;
    for m in &not_committer {
        let req = proto::HandleCommitRequest {
            state_id: run.sid_of(m),
            proposal: vec![proposal.clone()],
            commit: commit.clone(),
        };
        let r = call!(run, m, handle_re_init_commit, req)?;
        if r.epoch_authenticator != auth {
            return fail(format!(
                "Member [{m}] failed to agree on epoch authenticator"
            ));
        }
        reinit_ids.insert(m.clone(), r.reinit_id);
        key_packages.insert(m.clone(), r.key_package);
    }

    let external_tree = flag(step, &["externalTree", "external_tree"]);
    let req = proto::ReInitWelcomeRequest {
        reinit_id: reinit_ids.get(&welcomer).copied().unwrap_or(0),
        key_package: not_welcomer
            .iter()
            .filter_map(|m| key_packages.get(m).cloned())
            .collect(),
        force_path: flag(step, &["forcePath", "force_path"]),
        external_tree,
    };
    let w = call!(run, &welcomer, re_init_welcome, req)?;
    run.set_state(&welcomer, w.state_id);
    let tree = if external_tree {
        w.ratchet_tree
    } else {
        Vec::new()
    };
    for m in &not_welcomer {
        let req = proto::HandleReInitWelcomeRequest {
            reinit_id: reinit_ids.get(m).copied().unwrap_or(0),
            welcome: w.welcome.clone(),
            ratchet_tree: tree.clone(),
        };
        let r = call!(run, m, handle_re_init_welcome, req)?;
        if r.epoch_authenticator != w.epoch_authenticator {
            return fail(format!(
                "Member [{m}] failed to agree on reinit epoch authenticator"
            ));
        }
        run.set_state(m, r.state_id);
    }
    let mut all = not_welcomer;
    all.insert(welcomer);
    run.set_members(all);
    run.verify(false).await
}

fn run_get(run: &Run, index: u64, key: &str) -> R<Vec<u8>> {
    run.cached(index, key)
}

/// `branch`: every member makes a KeyPackage, the actor creates the branch Welcome, the
/// members handle it.
pub async fn branch(run: &mut Run, actor: &str, step: &Value) -> R<()> {
    let members = names(step, "members");
    let mut txs = BTreeMap::new();
    let mut key_packages = Vec::new();
    for m in &members {
        key_packages.push(run.key_package(m).await?);
        txs.insert(m.clone(), run.tx_of(m));
    }
    let external_tree = flag(step, &["externalTree", "external_tree"]);
    let req = proto::CreateBranchRequest {
        state_id: run.sid_of(actor),
        group_id: run.fresh_group_id(),
        extensions: extensions(run, step)?,
        key_packages,
        force_path: flag(step, &["forcePath", "force_path"]),
        external_tree,
    };
    let b = call!(run, actor, create_branch, req)?;
    run.set_state(actor, b.state_id);
    let tree = if external_tree {
        b.ratchet_tree
    } else {
        Vec::new()
    };
    for m in &members {
        let req = proto::HandleBranchRequest {
            state_id: run.sid_of(m),
            transaction_id: txs.get(m).copied().unwrap_or(0),
            welcome: b.welcome.clone(),
            ratchet_tree: tree.clone(),
        };
        let r = call!(run, m, handle_branch, req)?;
        if r.epoch_authenticator != b.epoch_authenticator {
            return fail(format!(
                "Member [{m}] failed to agree on epoch authenticator"
            ));
        }
        run.set_state(m, r.state_id);
    }
    run.set_members(
        members
            .into_iter()
            .chain(std::iter::once(actor.to_owned()))
            .collect(),
    );
    run.verify(false).await
}

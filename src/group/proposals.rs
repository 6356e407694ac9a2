//! Proposal list validation (RFC 9420 §12.2) and application (§12.3) on a staged tree,
//! shared by the committer and every receiver, with the leaf node checks of §7.3.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::crypto::{CipherSuiteProvider, SignaturePublicKey};
use crate::error::{Error, GroupError};
use crate::framing::Sender;
use crate::key_schedule::{PreSharedKeyId, Psk, ResumptionPskUsage};
use crate::messages::{
    CredentialType, Extensions, GroupContext, KeyPackage, LeafNode, LeafNodeSource, Proposal,
    ProposalType, ReInit, RequiredCapabilities,
};
use crate::ratchet_tree::{LeafNodeRef, RatchetTree, TreeDiff, TreeView};
use crate::tree_math::{LeafIndex, NodeIndex};

use super::config::Member;

/// A proposal covered by a Commit, with who proposed it (RFC 9420 §12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CommittedProposal {
    pub(crate) proposal: Proposal,
    pub(crate) sender: Sender,
}

/// The result of applying a valid proposal list to a staged tree (RFC 9420 §12.3).
#[derive(Debug)]
pub(crate) struct AppliedProposals<'t> {
    pub(crate) diff: TreeDiff<'t>,
    /// The new GroupContext extensions.
    pub(crate) extensions: Extensions,
    pub(crate) added: Vec<(LeafIndex, KeyPackage)>,
    pub(crate) removed: Vec<Member>,
    pub(crate) updated: Vec<LeafIndex>,
    pub(crate) psks: Vec<PreSharedKeyId>,
    pub(crate) reinit: Option<ReInit>,
    /// §12.4: whether the Commit must carry a path.
    pub(crate) path_required: bool,
    /// Leaves whose signature key changes, with the old key (`None`: was blank).
    pub(crate) changed_leaves: Vec<(LeafIndex, Option<SignaturePublicKey>)>,
}

/// The keys and credential types of the tree, for the uniqueness and credential checks of
/// new leaves (RFC 9420 §7.3). Built in one O(n) pass, only for commits with Adds or Updates.
pub(crate) struct TreeIndex {
    sig_keys: BTreeSet<Vec<u8>>,
    enc_keys: BTreeSet<Vec<u8>>,
    in_use: BTreeSet<CredentialType>,
    /// Credential types every member supports.
    supported_by_all: Option<BTreeSet<CredentialType>>,
}

impl TreeIndex {
    pub(crate) fn build<T: TreeView + ?Sized>(tree: &T) -> Self {
        let mut idx = TreeIndex {
            sig_keys: BTreeSet::new(),
            enc_keys: BTreeSet::new(),
            in_use: BTreeSet::new(),
            supported_by_all: None,
        };
        for x in (0..tree.size().node_width()).map(NodeIndex) {
            if let Some(k) = tree.node_public_key(x) {
                idx.enc_keys.insert(k.to_vec());
            }
        }
        for (_, leaf) in tree.leaves() {
            idx.add_leaf(&leaf);
        }
        idx
    }

    fn add_leaf(&mut self, leaf: &LeafNodeRef<'_>) {
        self.sig_keys.insert(leaf.signature_key().to_vec());
        self.in_use.insert(leaf.credential_type());
        let supported: BTreeSet<CredentialType> = leaf.capability_credentials().collect();
        self.supported_by_all = Some(match self.supported_by_all.take() {
            None => supported,
            Some(all) => all.intersection(&supported).copied().collect(),
        });
    }

    /// §7.3: the leaf's credential type is supported by every member and the leaf supports
    /// every credential type in use.
    fn check_credentials(&self, leaf: &LeafNode) -> Result<(), Error> {
        let t = leaf.credential.credential_type();
        let all_ok = self
            .supported_by_all
            .as_ref()
            .is_none_or(|all| all.contains(&t));
        let leaf_ok = self
            .in_use
            .iter()
            .all(|u| leaf.capabilities.supports_credential(*u));
        if all_ok && leaf_ok {
            Ok(())
        } else {
            Err(GroupError::CredentialTypeNotSupported.into())
        }
    }
}

/// §7.3 checks of a new leaf that need no tree scan: version and suite in its capabilities,
/// its extensions in its capabilities, and the group's `required_capabilities`.
pub(crate) fn check_leaf_capabilities(
    leaf: &LeafNode,
    context: &GroupContext,
    extensions: &Extensions,
) -> Result<(), Error> {
    let caps = &leaf.capabilities;
    if !caps.versions.contains(&context.version)
        || !caps.cipher_suites.contains(&context.cipher_suite)
    {
        return Err(GroupError::LeafCapabilitiesMismatch.into());
    }
    if leaf.extensions.has_duplicates()
        || !leaf
            .extensions
            .iter()
            .all(|e| caps.supports_extension(e.extension_type))
    {
        return Err(GroupError::LeafExtensionNotSupported.into());
    }
    if let Some(required) = extensions.read::<RequiredCapabilities>()?
        && !required.is_supported_by(caps)
    {
        return Err(GroupError::RequiredCapabilitiesNotSupported.into());
    }
    Ok(())
}

/// The member at `leaf` of `tree`, as the API shows it.
pub(crate) fn member_at<T: TreeView + ?Sized>(tree: &T, leaf: LeafIndex) -> Option<Member> {
    let node = tree.leaf(leaf)?.to_leaf_node().ok()?;
    Some(Member {
        index: leaf,
        credential: node.credential,
        signature_key: node.signature_key,
    })
}

/// §12.2 checks that need only the list itself; returns whether a path is required (§12.4).
fn check_list(
    cs: &dyn CipherSuiteProvider,
    context: &GroupContext,
    tree: &RatchetTree,
    committer: LeafIndex,
    proposals: &[CommittedProposal],
) -> Result<bool, Error> {
    let mut touched: BTreeSet<u32> = BTreeSet::new();
    let mut psks: Vec<&PreSharedKeyId> = Vec::new();
    let mut gce = 0usize;
    let mut path_required = proposals.is_empty();
    let mut custom: Vec<ProposalType> = Vec::new();
    for p in proposals {
        match &p.proposal {
            Proposal::Update(_) => {
                let Sender::Member(l) = p.sender else {
                    return Err(GroupError::UpdateFromNonMember.into());
                };
                if l == committer {
                    return Err(GroupError::UpdateFromCommitter.into());
                }
                if !touched.insert(l.0) {
                    return Err(GroupError::MultipleChangesForLeaf.into());
                }
            }
            Proposal::Remove(r) => {
                if r.removed == committer {
                    return Err(GroupError::RemoveOfCommitter.into());
                }
                if tree.leaf(r.removed).is_none() {
                    return Err(GroupError::RemoveOfNonMember.into());
                }
                if !touched.insert(r.removed.0) {
                    return Err(GroupError::MultipleChangesForLeaf.into());
                }
            }
            Proposal::PreSharedKey(p) => {
                if p.psk.psk_nonce.len() != cs.hash_len() {
                    return Err(GroupError::InvalidPskNonce.into());
                }
                if let Psk::Resumption(r) = &p.psk.psk
                    && r.usage != ResumptionPskUsage::Application
                {
                    return Err(GroupError::InvalidPskUsage.into());
                }
                if psks.contains(&&p.psk) {
                    return Err(GroupError::DuplicatePsk.into());
                }
                psks.push(&p.psk);
            }
            Proposal::GroupContextExtensions(_) => gce = gce.saturating_add(1),
            Proposal::ReInit(r) => {
                if proposals.len() != 1 {
                    return Err(GroupError::ReInitWithOtherProposals.into());
                }
                if r.version < context.version {
                    return Err(GroupError::ReInitVersionDowngrade.into());
                }
            }
            Proposal::ExternalInit(_) => return Err(GroupError::ExternalInitInMemberCommit.into()),
            Proposal::Add(_) => {}
            Proposal::Custom { proposal_type, .. } => custom.push(*proposal_type),
        }
        let t = p.proposal.proposal_type();
        path_required |= !matches!(
            t,
            ProposalType::ADD | ProposalType::PSK | ProposalType::REINIT
        );
    }
    if gce > 1 {
        return Err(GroupError::MultipleGroupContextExtensions.into());
    }
    if !custom.is_empty() {
        // §12.2: every member that stays must support the type (O(n), custom types only).
        for (l, leaf) in tree.leaves() {
            if !touched.contains(&l.0)
                && !custom
                    .iter()
                    .all(|t| leaf.capability_proposals().any(|s| s == *t))
            {
                return Err(GroupError::UnsupportedProposalType.into());
            }
        }
    }
    Ok(path_required)
}

/// Validates `proposals` (RFC 9420 §12.2) and applies them in the §12.3 order to a diff of
/// `tree`. `now` (seconds since the Unix epoch) checks the lifetime of added KeyPackages;
/// `None` skips that check.
pub(crate) fn apply_proposals<'t>(
    cs: &dyn CipherSuiteProvider,
    tree: &'t RatchetTree,
    context: &GroupContext,
    committer: LeafIndex,
    proposals: &[CommittedProposal],
    now: Option<u64>,
) -> Result<AppliedProposals<'t>, Error> {
    let path_required = check_list(cs, context, tree, committer, proposals)?;
    let mut out = AppliedProposals {
        diff: tree.diff(),
        extensions: context.extensions.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        updated: Vec::new(),
        psks: Vec::new(),
        reinit: None,
        path_required,
        changed_leaves: Vec::new(),
    };
    let mut gce = false;
    for p in proposals {
        if let Proposal::GroupContextExtensions(g) = &p.proposal {
            out.extensions = g.extensions.clone();
            gce = true;
        }
    }
    let needs_index = proposals
        .iter()
        .any(|p| matches!(p.proposal, Proposal::Add(_) | Proposal::Update(_)));
    let mut index = needs_index.then(|| TreeIndex::build(tree));

    for p in proposals {
        if let (Proposal::Update(u), Sender::Member(l), Some(idx)) =
            (&p.proposal, p.sender, index.as_mut())
        {
            apply_update(cs, &mut out, idx, context, l, &u.leaf_node)?;
        }
    }
    for p in proposals {
        if let Proposal::Remove(r) = &p.proposal {
            let member = member_at(&out.diff, r.removed).ok_or(GroupError::RemoveOfNonMember)?;
            if let Some(idx) = index.as_mut() {
                idx.sig_keys.remove(member.signature_key.as_bytes());
            }
            out.diff.remove_leaf(r.removed)?;
            out.changed_leaves
                .push((r.removed, Some(member.signature_key.clone())));
            out.removed.push(member);
        }
    }
    let mut added_keys: BTreeSet<Vec<u8>> = BTreeSet::new();
    for p in proposals {
        if let (Proposal::Add(a), Some(idx)) = (&p.proposal, index.as_mut()) {
            let kp = &a.key_package;
            validate_key_package(cs, kp, now)?;
            let sig = kp.leaf_node.signature_key.as_bytes();
            if !added_keys.insert(sig.to_vec()) {
                return Err(GroupError::DuplicateAdd.into());
            }
            if idx.sig_keys.contains(sig) {
                return Err(GroupError::AddOfExistingMember.into());
            }
            if idx
                .enc_keys
                .contains(kp.leaf_node.encryption_key.as_bytes())
            {
                return Err(GroupError::EncryptionKeyInUse.into());
            }
            check_leaf_capabilities(&kp.leaf_node, context, &out.extensions)?;
            idx.check_credentials(&kp.leaf_node)?;
            idx.enc_keys
                .insert(kp.leaf_node.encryption_key.as_bytes().to_vec());
            let leaf = out.diff.add_leaf(&kp.leaf_node)?;
            out.changed_leaves.push((leaf, None));
            out.added.push((leaf, kp.clone()));
        }
    }
    for p in proposals {
        match &p.proposal {
            Proposal::PreSharedKey(psk) => out.psks.push(psk.psk.clone()),
            Proposal::ReInit(r) => out.reinit = Some(r.clone()),
            _ => {}
        }
    }
    if gce {
        check_group_context_extensions(&out.diff, &out.extensions)?;
    }
    Ok(out)
}

/// §12.1.2 and §7.3: an Update from `leaf` replaces its leaf node and blanks its path.
fn apply_update(
    cs: &dyn CipherSuiteProvider,
    out: &mut AppliedProposals<'_>,
    idx: &mut TreeIndex,
    context: &GroupContext,
    leaf: LeafIndex,
    node: &LeafNode,
) -> Result<(), Error> {
    let old = member_at(&out.diff, leaf).ok_or(GroupError::UpdateFromNonMember)?;
    if !matches!(node.leaf_node_source, LeafNodeSource::Update) {
        return Err(GroupError::UpdateLeafSourceNotUpdate.into());
    }
    node.verify_signature(cs, &context.group_id, leaf)
        .map_err(|_| Error::Group(GroupError::LeafSignatureInvalid))?;
    check_leaf_capabilities(node, context, &out.extensions)?;
    idx.check_credentials(node)?;
    if idx.enc_keys.contains(node.encryption_key.as_bytes()) {
        return Err(GroupError::EncryptionKeyInUse.into());
    }
    let sig = node.signature_key.as_bytes();
    if sig != old.signature_key.as_bytes() && idx.sig_keys.contains(sig) {
        return Err(GroupError::SignatureKeyInUse.into());
    }
    idx.sig_keys.remove(old.signature_key.as_bytes());
    idx.sig_keys.insert(sig.to_vec());
    idx.enc_keys.insert(node.encryption_key.as_bytes().to_vec());
    out.diff.update_leaf(leaf, node)?;
    out.changed_leaves.push((leaf, Some(old.signature_key)));
    out.updated.push(leaf);
    Ok(())
}

/// §10.1 KeyPackage validation for this group's suite; `None` skips the lifetime check
/// (the library has no clock).
fn validate_key_package(
    cs: &dyn CipherSuiteProvider,
    kp: &KeyPackage,
    now: Option<u64>,
) -> Result<(), Error> {
    let now = match (now, kp.leaf_node.lifetime()) {
        (Some(now), _) => now,
        // Any instant inside the lifetime: every other check still runs.
        (None, Some(l)) => l.not_before,
        (None, None) => 0,
    };
    kp.validate(cs, now)
}

/// §12.1.7: every member supports every extension of the new GroupContext and its
/// `required_capabilities`. O(n), only for commits with a GroupContextExtensions proposal.
fn check_group_context_extensions<T: TreeView + ?Sized>(
    tree: &T,
    extensions: &Extensions,
) -> Result<(), Error> {
    let required = extensions.read::<RequiredCapabilities>()?;
    for (_, leaf) in tree.leaves() {
        if !extensions
            .iter()
            .all(|e| leaf.supports_extension(e.extension_type))
        {
            return Err(GroupError::GroupContextExtensionNotSupported.into());
        }
        if let Some(r) = &required {
            let ok = r
                .extension_types
                .iter()
                .all(|t| leaf.supports_extension(*t))
                && r.proposal_types
                    .iter()
                    .all(|t| t.is_default() || leaf.capability_proposals().any(|s| s == *t))
                && r.credential_types
                    .iter()
                    .all(|t| leaf.capability_credentials().any(|s| s == *t));
            if !ok {
                return Err(GroupError::RequiredCapabilitiesNotSupported.into());
            }
        }
    }
    Ok(())
}

/// §7.3 checks of the committer's new leaf in an UpdatePath that `merge_update_path` does not
/// run: capabilities, and the signature key not used by another member. The O(n) scans run
/// only when the leaf changes its credential, credential capabilities or signature key.
pub(crate) fn check_path_leaf<T: TreeView + ?Sized>(
    tree: &T,
    context: &GroupContext,
    extensions: &Extensions,
    committer: LeafIndex,
    leaf: &LeafNode,
) -> Result<(), Error> {
    check_leaf_capabilities(leaf, context, extensions)?;
    let Some(old) = tree.leaf(committer) else {
        return Err(GroupError::NoSuchMember.into());
    };
    let same_creds = old.credential_type() == leaf.credential.credential_type()
        && old
            .capability_credentials()
            .eq(leaf.capabilities.credentials.iter().copied());
    let same_sig = old.signature_key() == leaf.signature_key.as_bytes();
    if same_creds && same_sig {
        return Ok(());
    }
    let mut idx = TreeIndex {
        sig_keys: BTreeSet::new(),
        enc_keys: BTreeSet::new(),
        in_use: BTreeSet::new(),
        supported_by_all: None,
    };
    for (l, other) in tree.leaves() {
        if l != committer {
            idx.add_leaf(&other);
        }
    }
    if !same_sig && idx.sig_keys.contains(leaf.signature_key.as_bytes()) {
        return Err(GroupError::SignatureKeyInUse.into());
    }
    idx.check_credentials(leaf)
}

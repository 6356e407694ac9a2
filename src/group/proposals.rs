//! Proposal list validation (RFC 9420 §12.2) and application (§12.3) on a staged tree,
//! shared by the committer and every receiver, with the leaf node checks of §7.3.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::components::RequiredComponents;
use crate::crypto::CipherSuiteProvider;
use crate::error::{Error, GroupError, TreeError};
use crate::framing::Sender;
use crate::key_schedule::{PreSharedKeyId, Psk, ResumptionPskUsage};
use crate::messages::{
    ExtensionType, Extensions, ExternalSenders, GroupContext, KeyPackage, LeafNode, LeafNodeSource,
    Proposal, ProposalType, ReInit, RequiredCapabilities,
};
use crate::ratchet_tree::{RatchetTree, TreeDiff, TreeLimits, TreeView};
use crate::tree_math::LeafIndex;

use super::config::Member;
use super::hooks::{CredentialUse, CustomProposal, GroupHooks};
use super::sender::SenderIdentity;

/// What the proposal and leaf checks need besides the tree: the caller's clock and the
/// application's hooks (RFC 9420 §5.3.1, §7.3, §10.1, §12.1).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks<'a> {
    /// The current time (seconds since the Unix epoch), to check added KeyPackages'
    /// lifetimes; `None` skips that check (the library has no clock).
    pub(crate) now: Option<u64>,
    /// The credential validator and custom proposal rules.
    pub(crate) hooks: &'a GroupHooks,
    /// The caps on the group's tree: an Add past `max_leaves` is refused.
    pub(crate) tree_limits: TreeLimits,
}

/// §5.3.1: the application's validator accepts `leaf`'s credential for `usage`.
pub(crate) fn validate_credential(
    hooks: &GroupHooks,
    leaf: &LeafNode,
    usage: CredentialUse,
) -> Result<(), Error> {
    if hooks
        .credential_validator()
        .validate(&leaf.credential, &leaf.signature_key, usage)
    {
        Ok(())
    } else {
        Err(GroupError::CredentialRejected.into())
    }
}

/// §5.3.1 ("when an `external_senders` extension is added to the group", "when an existing
/// `external_senders` extension is updated"), §12.1.8.1: the application's validator accepts
/// the credential and signature key of every entry of `extensions`' `external_senders`, as
/// [`CredentialUse::ExternalSender`]. O(k) for k entries.
pub(crate) fn validate_external_senders(
    hooks: &GroupHooks,
    extensions: &Extensions,
) -> Result<(), Error> {
    let Some(senders) = extensions.read::<ExternalSenders>()? else {
        return Ok(());
    };
    let validator = hooks.credential_validator();
    for s in &senders.0 {
        if !validator.validate(
            &s.credential,
            &s.signature_key,
            CredentialUse::ExternalSender,
        ) {
            return Err(GroupError::ExternalSenderCredentialRejected.into());
        }
    }
    Ok(())
}

/// §5.3.2: the validator accepts `new` as a successor of `old` in a member's leaf.
pub(crate) fn check_successor(
    hooks: &GroupHooks,
    old: &crate::messages::Credential,
    new: &crate::messages::Credential,
) -> Result<(), Error> {
    if hooks.credential_validator().valid_successor(old, new) {
        Ok(())
    } else {
        Err(GroupError::CredentialNotValidSuccessor.into())
    }
}

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
    pub(crate) changed_leaves: Vec<(LeafIndex, Option<SenderIdentity>)>,
    /// The custom proposals (§12.1), in order, with their senders.
    pub(crate) custom: Vec<(Proposal, Sender)>,
}

/// §7.3: the leaf's credential type is supported by every member of `tree` and the leaf
/// supports every credential type in use in `tree`. O(log n) on a [`RatchetTree`] or a
/// [`TreeDiff`] (counts kept per credential type).
fn check_credentials<T: TreeView + ?Sized>(
    tree: &T,
    leaf: &LeafNode,
    replaced: Option<LeafIndex>,
) -> Result<(), Error> {
    super::multi_credential::check_group_support(tree, leaf, replaced)?;
    let all_ok = tree.credential_type_supported_by_all(leaf.credential.credential_type());
    let leaf_ok = tree
        .credential_types_in_use()
        .all(|u| leaf.capabilities.supports_credential(u));
    if all_ok && leaf_ok {
        Ok(())
    } else {
        Err(GroupError::CredentialTypeNotSupported.into())
    }
}

/// §7.3, §16.8: whether `key` is the `encryption_key` of a node of the tree before the
/// commit (`base`) or of the staged tree (`diff`): keys freed by the commit's Removes and
/// Updates stay unavailable to its new leaves. O(log n).
fn encryption_key_in_use(base: &RatchetTree, diff: &TreeDiff<'_>, key: &[u8]) -> bool {
    base.contains_encryption_key(key) || diff.contains_encryption_key(key)
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
    if !caps.supports_credential(leaf.credential.credential_type()) {
        return Err(GroupError::CredentialTypeNotSupported.into());
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
    // draft-ietf-mls-extensions § "Negotiating Extensions and Components".
    crate::components::check_leaf_components(&leaf.extensions, extensions)?;
    crate::messages::check_wire_formats(leaf, extensions)
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

/// A [`Proposal::Custom`] must have a type outside RFC 9420's seven: one of those types
/// has its own variant, and a `Custom` one could not be encoded as it decodes (§12.1).
pub(crate) fn check_custom_type(proposal: &Proposal) -> Result<(), Error> {
    match proposal {
        Proposal::Custom { proposal_type, .. }
            if proposal_type.is_default() || *proposal_type == ProposalType::SELF_REMOVE =>
        {
            Err(GroupError::CustomProposalOfDefaultType.into())
        }
        _ => Ok(()),
    }
}

/// draft-ietf-mls-extensions ("SelfRemove Proposal") checks of one SelfRemove proposal of
/// a list committed by `committer`: sent by a member ([`GroupError::SelfRemoveFromNonMember`]),
/// not the committer ([`GroupError::SelfRemoveOfCommitter`]), in a self-remove-capable
/// group, i.e. every member lists `self_remove` ([`GroupError::SelfRemoveNotSupported`],
/// O(n)). Returns the leaf it removes.
fn check_self_remove(
    tree: &RatchetTree,
    committer: LeafIndex,
    sender: Sender,
) -> Result<LeafIndex, Error> {
    let Sender::Member(l) = sender else {
        return Err(GroupError::SelfRemoveFromNonMember.into());
    };
    if l == committer {
        return Err(GroupError::SelfRemoveOfCommitter.into());
    }
    if tree.leaf(l).is_none() {
        return Err(GroupError::SelfRemoveFromNonMember.into());
    }
    if !self_remove_capable(tree) {
        return Err(GroupError::SelfRemoveNotSupported.into());
    }
    Ok(l)
}

/// Whether every member of `tree` lists `self_remove` in its capabilities (a
/// "self-remove-capable group", draft-ietf-mls-extensions). O(n).
pub(crate) fn self_remove_capable(tree: &RatchetTree) -> bool {
    tree.leaves().all(|(_, leaf)| {
        leaf.capability_proposals()
            .any(|t| t == ProposalType::SELF_REMOVE)
    })
}

/// §12.2 checks that need only the list itself; returns whether a path is required (§12.4).
fn check_list(
    cs: &dyn CipherSuiteProvider,
    context: &GroupContext,
    tree: &RatchetTree,
    committer: LeafIndex,
    proposals: &[CommittedProposal],
    hooks: &GroupHooks,
) -> Result<bool, Error> {
    let mut touched: BTreeSet<u32> = BTreeSet::new();
    // §12.2: members removed by the Commit need not support its custom proposal types
    // (members it adds are not in `tree`); updated members must.
    let mut removed: BTreeSet<u32> = BTreeSet::new();
    let mut psks: BTreeSet<&PreSharedKeyId> = BTreeSet::new();
    let mut gce = 0usize;
    let mut path_required = proposals.is_empty();
    let mut custom: Vec<ProposalType> = Vec::new();
    // draft-ietf-mls-extensions ("SelfRemove Proposal"): the leaves that SelfRemove
    // proposals of the list remove; a Remove of one of them is invalid.
    let self_removed: BTreeSet<u32> = proposals
        .iter()
        .filter_map(|p| match (&p.proposal, p.sender) {
            (Proposal::SelfRemove, Sender::Member(l)) => Some(l.0),
            _ => None,
        })
        .collect();
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
                if self_removed.contains(&r.removed.0) {
                    return Err(GroupError::RemoveOfSelfRemovedLeaf.into());
                }
                if tree.leaf(r.removed).is_none() {
                    return Err(GroupError::RemoveOfNonMember.into());
                }
                if !touched.insert(r.removed.0) {
                    return Err(GroupError::MultipleChangesForLeaf.into());
                }
                removed.insert(r.removed.0);
            }
            Proposal::PreSharedKey(p) => {
                if p.psk.psk_nonce.len() != cs.hash_len() {
                    return Err(GroupError::InvalidPskNonce.into());
                }
                if let Psk::Resumption(r) = &p.psk.psk
                    && r.usage != ResumptionPskUsage::Application
                    && context.epoch != 0
                {
                    return Err(GroupError::InvalidPskUsage.into());
                }
                if !psks.insert(&p.psk) {
                    return Err(GroupError::DuplicatePsk.into());
                }
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
            Proposal::SelfRemove => {
                let l = check_self_remove(tree, committer, p.sender)?;
                if !touched.insert(l.0) {
                    return Err(GroupError::MultipleChangesForLeaf.into());
                }
                removed.insert(l.0);
            }
            Proposal::Custom { proposal_type, .. } => {
                check_custom_type(&p.proposal)?;
                // §12.1.8: the application says whether its type may come from `external`
                // senders (checked again here for proposals committed by reference).
                if matches!(p.sender, Sender::External(_))
                    && !crate::components::is_app_proposal_type(*proposal_type)
                    && !hooks
                        .custom_proposal_validator()
                        .allowed_from_external_sender(*proposal_type)
                {
                    return Err(GroupError::ExternalCustomProposalNotAllowed.into());
                }
                custom.push(*proposal_type);
            }
        }
        let t = p.proposal.proposal_type();
        path_required |= if crate::components::is_app_proposal_type(t) {
            // draft-ietf-mls-extensions § "MLS Proposal Types": "Path Required: N".
            false
        } else if t == ProposalType::SELF_REMOVE {
            // IANA "MLS Proposal Types": self_remove, Path Required: Y.
            true
        } else if t.is_default() {
            !matches!(
                t,
                ProposalType::ADD | ProposalType::PSK | ProposalType::REINIT
            )
        } else {
            // §12.4: a type that does not say otherwise requires a path; the application
            // says for its own types.
            hooks.custom_proposal_validator().path_required(t)
        };
    }
    if gce > 1 {
        return Err(GroupError::MultipleGroupContextExtensions.into());
    }
    if !custom.is_empty() {
        // §13.5: a client's own capabilities never contain GREASE values, so no member
        // supports a proposal of a GREASE type, whatever its leaf lists.
        if custom.iter().any(|t| crate::messages::is_grease(t.0)) {
            return Err(GroupError::UnsupportedProposalType.into());
        }
        // §12.2: every member that stays must support the type (O(n), custom types only).
        for (l, leaf) in tree.leaves() {
            if !removed.contains(&l.0)
                && !custom
                    .iter()
                    .all(|t| leaf.capability_proposals().any(|s| s == *t))
            {
                return Err(GroupError::UnsupportedProposalType.into());
            }
        }
        // Then the application's rules (§12.1), for each custom proposal.
        let validator = hooks.custom_proposal_validator();
        for p in proposals {
            if let Proposal::Custom {
                proposal_type,
                data,
            } = &p.proposal
                && !crate::components::is_app_proposal_type(*proposal_type)
            {
                let proposal = CustomProposal {
                    proposal_type: *proposal_type,
                    data,
                    sender: &p.sender,
                    context,
                };
                if !validator.validate(&proposal) {
                    return Err(GroupError::CustomProposalRejected.into());
                }
            }
        }
    }
    Ok(path_required)
}

/// Validates `proposals` (RFC 9420 §12.2) and applies them in the §12.3 order to a diff of
/// `tree`. `checks.now` (seconds since the Unix epoch) checks the lifetime of added
/// KeyPackages (`None` skips that check); `checks.hooks` validates credentials of new and
/// updated leaves and custom proposals.
pub(crate) fn apply_proposals<'t>(
    cs: &dyn CipherSuiteProvider,
    tree: &'t RatchetTree,
    context: &GroupContext,
    committer: LeafIndex,
    proposals: &[CommittedProposal],
    checks: &Checks<'_>,
) -> Result<AppliedProposals<'t>, Error> {
    let path_required = check_list(cs, context, tree, committer, proposals, checks.hooks)?;
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
        custom: Vec::new(),
    };
    let mut gce = false;
    for p in proposals {
        if let Proposal::GroupContextExtensions(g) = &p.proposal {
            out.extensions = g.extensions.clone();
            gce = true;
        }
    }
    // §12.3 order: Updates, Removes, then Adds. The key checks query the staged tree, so a
    // key freed or taken by an earlier proposal of the commit counts as such; the credential
    // checks query the tree before the commit.
    for p in proposals {
        if let (Proposal::Update(u), Sender::Member(l)) = (&p.proposal, p.sender) {
            apply_update(cs, &mut out, tree, context, l, &u.leaf_node, checks.hooks)?;
        }
    }
    // draft-ietf-mls-extensions: SelfRemove proposals after Updates and before Removes,
    // each removing the leaf of its sender.
    for p in proposals {
        if let (Proposal::SelfRemove, Sender::Member(l)) = (&p.proposal, p.sender) {
            let member = member_at(&out.diff, l).ok_or(GroupError::SelfRemoveFromNonMember)?;
            out.diff.remove_leaf(l)?;
            out.changed_leaves
                .push((l, Some(SenderIdentity::from(member.clone()))));
            out.removed.push(member);
        }
    }
    for p in proposals {
        if let Proposal::Remove(r) = &p.proposal {
            let member = member_at(&out.diff, r.removed).ok_or(GroupError::RemoveOfNonMember)?;
            out.diff.remove_leaf(r.removed)?;
            out.changed_leaves
                .push((r.removed, Some(SenderIdentity::from(member.clone()))));
            out.removed.push(member);
        }
    }
    // The signature keys of this commit's Adds (O(k) for k Adds), to tell a duplicate Add
    // from the Add of a member.
    let mut added_keys: BTreeSet<Vec<u8>> = BTreeSet::new();
    // The §10.1 checks of every added KeyPackage (two signatures each: most of the cost of a
    // large Add commit) depend on nothing but the KeyPackage, so they run first, on all
    // cores with `parallel`; each result is used in proposal order below, so the error a
    // refused commit reports is the one a one-by-one check would report.
    let mut kp_checks = validate_key_packages(cs, proposals, checks.now).into_iter();
    for p in proposals {
        if let Proposal::Add(a) = &p.proposal {
            let kp = &a.key_package;
            kp_checks
                .next()
                .unwrap_or_else(|| validate_key_package(cs, kp, checks.now))?;
            let sig = kp.leaf_node.signature_key.as_bytes();
            if !added_keys.insert(sig.to_vec()) {
                return Err(GroupError::DuplicateAdd.into());
            }
            if out.diff.contains_signature_key(sig) {
                return Err(GroupError::AddOfExistingMember.into());
            }
            if encryption_key_in_use(tree, &out.diff, kp.leaf_node.encryption_key.as_bytes()) {
                return Err(GroupError::EncryptionKeyInUse.into());
            }
            check_leaf_capabilities(&kp.leaf_node, context, &out.extensions)?;
            check_credentials(tree, &kp.leaf_node, None)?;
            validate_credential(checks.hooks, &kp.leaf_node, CredentialUse::Add)?;
            let leaf = out.diff.add_leaf(&kp.leaf_node)?;
            if !checks.tree_limits.admits_leaf(leaf) {
                return Err(TreeError::LeafLimitReached.into());
            }
            out.changed_leaves.push((leaf, None));
            out.added.push((leaf, kp.clone()));
        }
    }
    for p in proposals {
        match &p.proposal {
            Proposal::PreSharedKey(psk) => out.psks.push(psk.psk.clone()),
            Proposal::ReInit(r) => out.reinit = Some(r.clone()),
            Proposal::Custom { .. } => out.custom.push((p.proposal.clone(), p.sender)),
            _ => {}
        }
    }
    // draft-ietf-mls-extensions: AppEphemeral, then AppDataUpdate, after RFC 9420's
    // proposals (the application's components decide).
    if out
        .custom
        .iter()
        .any(|(p, _)| crate::components::is_app_proposal_type(p.proposal_type()))
        || gce
    {
        let app: Vec<(&Proposal, &Sender)> =
            proposals.iter().map(|p| (&p.proposal, &p.sender)).collect();
        crate::components::apply_app_proposals(
            checks.hooks.app_components(),
            context,
            &out.diff,
            gce,
            &app,
            &mut out.extensions,
        )?;
    }
    if !gce
        && out.extensions != context.extensions
        && RequiredComponents::of(&out.extensions)? != RequiredComponents::of(&context.extensions)?
    {
        // draft-ietf-mls-extensions: an AppDataUpdate changed the group's `app_components`
        // or `safe_aad` requirements, which every member must meet.
        check_members_components(&out.diff, &out.extensions)?;
    }
    if gce {
        check_group_context_extensions(&out.diff, &out.extensions)?;
        // §5.3.1: a GroupContextExtensions proposal that adds or changes `external_senders`
        // introduces credentials (checked by the committer and by every receiver).
        let t = ExtensionType::EXTERNAL_SENDERS;
        if out.extensions.get(t) != context.extensions.get(t) {
            validate_external_senders(checks.hooks, &out.extensions)?;
        }
    }
    Ok(out)
}

/// §12.1.2 and §7.3: an Update from `leaf` replaces its leaf node and blanks its path.
fn apply_update(
    cs: &dyn CipherSuiteProvider,
    out: &mut AppliedProposals<'_>,
    base: &RatchetTree,
    context: &GroupContext,
    leaf: LeafIndex,
    node: &LeafNode,
    hooks: &GroupHooks,
) -> Result<(), Error> {
    let old = member_at(&out.diff, leaf).ok_or(GroupError::UpdateFromNonMember)?;
    if !matches!(node.leaf_node_source, LeafNodeSource::Update) {
        return Err(GroupError::UpdateLeafSourceNotUpdate.into());
    }
    node.verify_signature(cs, &context.group_id, leaf)
        .map_err(|_| Error::Group(GroupError::LeafSignatureInvalid))?;
    check_kem_key(cs, node.encryption_key.as_bytes())?;
    check_leaf_capabilities(node, context, &out.extensions)?;
    check_credentials(base, node, Some(leaf))?;
    validate_credential(hooks, node, CredentialUse::Update)?;
    check_successor(hooks, &old.credential, &node.credential)?;
    if encryption_key_in_use(base, &out.diff, node.encryption_key.as_bytes()) {
        return Err(GroupError::EncryptionKeyInUse.into());
    }
    let sig = node.signature_key.as_bytes();
    if sig != old.signature_key.as_bytes() && out.diff.contains_signature_key(sig) {
        return Err(GroupError::SignatureKeyInUse.into());
    }
    out.diff.update_leaf(leaf, node)?;
    out.changed_leaves
        .push((leaf, Some(SenderIdentity::from(old))));
    out.updated.push(leaf);
    Ok(())
}

/// RFC 9180 §7.1.4: `key` can be encapsulated to (see
/// [`CipherSuiteProvider::kem_validate_public_key`]); a key that cannot would make every
/// later Commit that seals to it fail ([`GroupError::InvalidKemPublicKey`]).
pub(crate) fn check_kem_key(cs: &dyn CipherSuiteProvider, key: &[u8]) -> Result<(), Error> {
    cs.kem_validate_public_key(key)
        .map_err(|_| Error::Group(GroupError::InvalidKemPublicKey))
}

/// The public keys of an UpdatePath (its leaf's and every node's), checked as
/// [`check_kem_key`]: members seal to them in later epochs.
pub(crate) fn check_path_keys(
    cs: &dyn CipherSuiteProvider,
    path: &crate::messages::UpdatePath,
) -> Result<(), Error> {
    check_kem_key(cs, path.leaf_node.encryption_key.as_bytes())?;
    for n in &path.nodes {
        check_kem_key(cs, n.encryption_key.as_bytes())?;
    }
    Ok(())
}

/// [`validate_key_package`] for each Add of `proposals`, in order (on all cores with the
/// `parallel` feature).
fn validate_key_packages(
    cs: &dyn CipherSuiteProvider,
    proposals: &[CommittedProposal],
    now: Option<u64>,
) -> Vec<Result<(), Error>> {
    let adds: Vec<&KeyPackage> = proposals
        .iter()
        .filter_map(|p| match &p.proposal {
            Proposal::Add(a) => Some(&a.key_package),
            _ => None,
        })
        .collect();
    // Two or more go to rayon's pool; one is checked on the calling thread (handing it to
    // the pool would only add a thread wake-up).
    #[cfg(feature = "parallel")]
    if adds.len() >= 2 {
        use rayon::prelude::*;
        return adds
            .par_iter()
            .map(|kp| validate_key_package(cs, kp, now))
            .collect();
    }
    adds.iter()
        .map(|kp| validate_key_package(cs, kp, now))
        .collect()
}

/// §10.1 KeyPackage validation for this group's suite; `None` skips the lifetime check
/// (the library has no clock). A lifetime that does not contain `now` is
/// [`GroupError::KeyPackageLifetimeInvalid`].
fn validate_key_package(
    cs: &dyn CipherSuiteProvider,
    kp: &KeyPackage,
    now: Option<u64>,
) -> Result<(), Error> {
    let at = match (now, kp.leaf_node.lifetime()) {
        (Some(now), _) => now,
        // Any instant inside the lifetime: every other check still runs.
        (None, Some(l)) => l.not_before,
        (None, None) => 0,
    };
    match kp.validate(cs, at) {
        Err(Error::Message(crate::error::MessageError::LifetimeNotValid)) => {
            return Err(GroupError::KeyPackageLifetimeInvalid.into());
        }
        r => r?,
    }
    // The Welcome seals to `init_key`; the leaf's key enters the tree.
    check_kem_key(cs, kp.init_key.as_bytes())?;
    check_kem_key(cs, kp.leaf_node.encryption_key.as_bytes())
}

/// §12.1.7: every member supports every extension of the new GroupContext and its
/// `required_capabilities`. O(n), only for commits with a GroupContextExtensions proposal.
fn check_group_context_extensions<T: TreeView + ?Sized>(
    tree: &T,
    extensions: &Extensions,
) -> Result<(), Error> {
    let required = extensions.read::<RequiredCapabilities>()?;
    let wire_formats = extensions.contains(ExtensionType::REQUIRED_WIRE_FORMATS);
    check_members_components(tree, extensions)?;
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
        if wire_formats {
            crate::messages::check_wire_formats(&leaf.to_leaf_node()?, extensions)?;
        }
    }
    Ok(())
}

/// draft-ietf-mls-extensions § "Negotiating Extensions and Components": every member of
/// `tree` supports the components the GroupContext `extensions` require
/// ([`RequiredComponents::check_leaf`]). O(n) when there are requirements.
fn check_members_components<T: TreeView + ?Sized>(
    tree: &T,
    extensions: &Extensions,
) -> Result<(), Error> {
    let required = RequiredComponents::of(extensions)?;
    if required.is_empty() {
        return Ok(());
    }
    for (_, leaf) in tree.leaves() {
        required.check_leaf(&leaf.to_leaf_node()?.extensions)?;
    }
    Ok(())
}

/// §7.3 checks of the committer's new leaf in an UpdatePath that `merge_update_path` does not
/// run: capabilities, the signature key not used by another member, and the credential
/// checks against the other members. O(log n) on a [`TreeDiff`] (the committer's current
/// leaf is taken out of the counts), and skipped when the leaf keeps its signature key,
/// credential type and credential capabilities.
///
/// The credential is presented to the application's validator as `usage`; for a
/// [`CredentialUse::CommitPath`] leaf the validator must also accept it as a successor of
/// the committer's current credential (§5.3.2).
pub(crate) fn check_path_leaf<T: TreeView + ?Sized>(
    tree: &T,
    context: &GroupContext,
    extensions: &Extensions,
    committer: LeafIndex,
    leaf: &LeafNode,
    hooks: &GroupHooks,
    usage: CredentialUse,
) -> Result<(), Error> {
    check_leaf_capabilities(leaf, context, extensions)?;
    let Some(old) = tree.leaf(committer) else {
        return Err(GroupError::NoSuchMember.into());
    };
    validate_credential(hooks, leaf, usage)?;
    super::multi_credential::check_group_support(tree, leaf, Some(committer))?;
    if usage == CredentialUse::CommitPath {
        check_successor(hooks, &old.to_leaf_node()?.credential, &leaf.credential)?;
    }
    let same_creds = old.credential_type() == leaf.credential.credential_type()
        && old
            .capability_credentials()
            .eq(leaf.capabilities.credentials.iter().copied());
    let sig = leaf.signature_key.as_bytes();
    let same_sig = old.signature_key() == sig;
    if same_creds && same_sig {
        return Ok(());
    }
    if !same_sig && tree.contains_signature_key_except(sig, committer) {
        return Err(GroupError::SignatureKeyInUse.into());
    }
    // The other members: every count minus the committer's current leaf.
    let others = tree.member_count().saturating_sub(1);
    let t = leaf.credential.credential_type();
    let own_supports_t = u32::from(old.capability_credentials().any(|c| c == t));
    let all_ok = tree
        .credential_supported_count(t)
        .saturating_sub(own_supports_t)
        == others;
    let own_type = old.credential_type();
    let leaf_ok = tree
        .credential_types_in_use()
        .filter(|&u| {
            let own = u32::from(u == own_type);
            tree.credential_in_use_count(u).saturating_sub(own) > 0
        })
        .all(|u| leaf.capabilities.supports_credential(u));
    if all_ok && leaf_ok {
        Ok(())
    } else {
        Err(GroupError::CredentialTypeNotSupported.into())
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;

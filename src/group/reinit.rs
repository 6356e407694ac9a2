//! Reinitialization (RFC 9420 §11.2, §12.1.5) and subgroup branching (§11.3): a new group
//! linked to this one by a resumption PSK of usage `reinit` or `branch` in its first Commit.
//!
//! ReInit: a member proposes (or commits by value) a [`ReInit`]; once the Commit covering it
//! is merged the old group is inactive ([`Group::pending_reinit`]). One member then calls
//! [`Group::reinit`] with KeyPackages of the others in the new suite and sends the Welcome;
//! the others call [`Group::join_reinit`] on their old group.
//!
//! Branch: a member calls [`Group::branch`] with KeyPackages of some members; they call
//! [`Group::join_branch`] on the group they branch from.

use alloc::vec::Vec;

use crate::crypto::CipherSuite;
use crate::error::{Error, GroupError};
use crate::framing::MlsMessage;
use crate::key_schedule::{PreSharedKeyId, ResumptionPskUsage};
use crate::messages::{
    Extensions, KeyPackage, KeyPackageBundle, PreSharedKey, Proposal, ProtocolVersion, ReInit,
};

use super::Group;
use super::commit::{CommitOptions, CommitOutput};
use super::config::{GroupConfig, PskStore, SigningIdentity};
use super::join::Link;

impl Group {
    /// A ReInit proposal (RFC 9420 §12.1.5) for a new group `group_id` in `cipher_suite`
    /// with GroupContext `extensions`, at this group's protocol version, to commit by value
    /// ([`CommitOptions::with_proposal`]; it must be the Commit's only proposal, §12.2). The
    /// suite must be one the provider implements.
    pub fn reinit_proposal(
        &self,
        group_id: Vec<u8>,
        cipher_suite: CipherSuite,
        extensions: Extensions,
    ) -> Result<Proposal, Error> {
        self.provider.suite(cipher_suite)?;
        Ok(Proposal::ReInit(ReInit {
            group_id,
            version: self.group_context().version,
            cipher_suite,
            extensions,
        }))
    }

    /// Sends a ReInit proposal (RFC 9420 §12.1.5, see [`Group::reinit_proposal`]) and
    /// stores it by reference.
    pub fn propose_reinit(
        &mut self,
        group_id: Vec<u8>,
        cipher_suite: CipherSuite,
        extensions: Extensions,
    ) -> Result<MlsMessage, Error> {
        let proposal = self.reinit_proposal(group_id, cipher_suite, extensions)?;
        self.propose(proposal)
    }

    /// The ReInit proposal of the last merged Commit (RFC 9420 §11.2), if any: the group is
    /// then inactive (no application messages, proposals or commits,
    /// [`GroupError::GroupInactive`]) and waits for the new group.
    pub fn pending_reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// Records the ReInit of a Commit just merged (RFC 9420 §12.4.2: "If the Commit
    /// included a ReInit proposal, the client MUST NOT use the group to send messages
    /// anymore"): the group becomes inactive.
    pub(super) fn note_reinit(&mut self, reinit: Option<ReInit>) {
        if let Some(r) = reinit {
            self.reinit = Some(r);
            self.active = false;
        }
    }

    /// Creates the group that replaces this one after its ReInit Commit (RFC 9420 §11.2):
    /// the ReInit's `group_id`, `version`, `cipher_suite` and `extensions`, this member (as
    /// `identity`, which must suit the new cipher suite) at leaf 0, and a first Commit
    /// (epoch 0 to 1) that adds `key_packages` (the other members, in the new suite) and
    /// injects the `reinit` resumption PSK of this group's current epoch (the one the ReInit
    /// Commit created). `options` chooses the path, the ratchet tree in the Welcome and the
    /// lifetime check; it must not carry proposals ([`GroupError::InvalidCommitOptions`]).
    ///
    /// Returns the new group, already in epoch 1, and the first Commit's output: send its
    /// `welcome` to the other members ([`Group::join_reinit`]); its `commit` is for no one.
    /// The new group starts with a copy of this group's PSK store. Without a pending ReInit:
    /// [`GroupError::NoPendingReInit`].
    pub fn reinit(
        &self,
        identity: SigningIdentity,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        options: CommitOptions,
    ) -> Result<(Group, CommitOutput), Error> {
        let reinit = self.reinit.as_ref().ok_or(GroupError::NoPendingReInit)?;
        if reinit.version != ProtocolVersion::MLS10 {
            return Err(GroupError::UnsupportedReInitVersion.into());
        }
        self.create_linked(
            ResumptionPskUsage::Reinit,
            reinit.cipher_suite,
            reinit.group_id.clone(),
            reinit.extensions.clone(),
            identity,
            key_packages,
            config,
            options,
        )
    }

    /// Joins the group that replaces this one after its ReInit Commit (RFC 9420 §11.2,
    /// §12.4.3.1): [`Group::join`] with these checks, each its own error: this group has a
    /// pending ReInit ([`GroupError::NoPendingReInit`]); the Welcome is in the ReInit's
    /// suite ([`GroupError::ReInitCipherSuiteMismatch`]); it carries a `reinit` PSK
    /// ([`GroupError::MissingReInitPsk`]) of this group ([`GroupError::ReInitPskWrongGroup`])
    /// and of its current epoch ([`GroupError::ReInitPskWrongEpoch`]); the new GroupContext
    /// is in epoch 1 ([`GroupError::ResumptionEpochMismatch`]) and has the ReInit's
    /// `group_id`, `version` and `extensions` ([`GroupError::ReInitGroupIdMismatch`],
    /// [`GroupError::ReInitVersionMismatch`], [`GroupError::ReInitExtensionsMismatch`]);
    /// every member of this group is in the new one, by credential
    /// ([`GroupError::ReInitMemberMissing`]). Other PSKs come from `psks`.
    pub fn join_reinit(
        &self,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        psks: &PskStore,
    ) -> Result<Group, Error> {
        self.join_linked(
            welcome,
            key_package,
            identity,
            ratchet_tree,
            config,
            psks,
            Link::ReInit(self),
        )
    }

    /// Creates a subgroup branched from this group's current epoch (RFC 9420 §11.3): same
    /// cipher suite and version, a new `group_id` and GroupContext `extensions`, this member
    /// (same identity) at leaf 0, and a first Commit (epoch 0 to 1) that adds `key_packages`
    /// (members of this group) and injects the `branch` resumption PSK of the current epoch
    /// with a fresh `psk_nonce`. `options` as for [`Group::reinit`].
    ///
    /// Returns the new group, in epoch 1, and the first Commit's output (send its `welcome`
    /// to the subgroup, [`Group::join_branch`]). Fails with [`GroupError::GroupInactive`] if
    /// this member can no longer use the group.
    pub fn branch(
        &self,
        group_id: Vec<u8>,
        extensions: Extensions,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        options: CommitOptions,
    ) -> Result<(Group, CommitOutput), Error> {
        self.check_active()?;
        self.create_linked(
            ResumptionPskUsage::Branch,
            self.cipher_suite(),
            group_id,
            extensions,
            self.identity.clone(),
            key_packages,
            config,
            options,
        )
    }

    /// Joins a subgroup branched from this group (RFC 9420 §11.3, §12.4.3.1): [`Group::join`]
    /// with these checks, each its own error: the Welcome is in this group's cipher suite
    /// ([`GroupError::BranchCipherSuiteMismatch`]); it carries a `branch` PSK
    /// ([`GroupError::MissingBranchPsk`]) of this group ([`GroupError::BranchPskWrongGroup`])
    /// and of an epoch whose `resumption_psk` this member still keeps
    /// ([`GroupError::BranchPskUnknownEpoch`]); the new GroupContext is in epoch 1
    /// ([`GroupError::ResumptionEpochMismatch`]) at this group's version
    /// ([`GroupError::BranchVersionMismatch`]); every member of the branch is a member of
    /// this group, by credential ([`GroupError::BranchMemberNotInGroup`]). Other PSKs come
    /// from `psks`.
    pub fn join_branch(
        &self,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        psks: &PskStore,
    ) -> Result<Group, Error> {
        self.join_linked(
            welcome,
            key_package,
            identity,
            ratchet_tree,
            config,
            psks,
            Link::Branch(self),
        )
    }

    /// [`Group::join`] of a group linked to this one by `link` (RFC 9420 §11.2, §11.3).
    #[allow(clippy::too_many_arguments)]
    fn join_linked(
        &self,
        welcome: &MlsMessage,
        key_package: &KeyPackageBundle,
        identity: SigningIdentity,
        ratchet_tree: Option<&[u8]>,
        config: GroupConfig,
        psks: &PskStore,
        link: Link<'_>,
    ) -> Result<Group, Error> {
        Self::join_with(
            self.provider.clone(),
            welcome,
            key_package,
            identity,
            super::join::JoinOptions {
                ratchet_tree,
                ..Default::default()
            },
            config,
            psks,
            link,
        )
    }

    /// A new group linked to this one by a resumption PSK of `usage` for the current epoch
    /// (RFC 9420 §11.2, §11.3), its first Commit made and merged.
    #[allow(clippy::too_many_arguments)]
    fn create_linked(
        &self,
        usage: ResumptionPskUsage,
        suite: CipherSuite,
        group_id: Vec<u8>,
        extensions: Extensions,
        identity: SigningIdentity,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        options: CommitOptions,
    ) -> Result<(Group, CommitOutput), Error> {
        if !options.proposals.is_empty() {
            return Err(GroupError::InvalidCommitOptions.into());
        }
        let mut group = Group::create_with_extensions(
            self.provider.clone(),
            suite,
            group_id,
            identity,
            config,
            extensions,
        )?;
        group.psks = self.psks.clone();
        let old_id = self.group_id().to_vec();
        let old_epoch = self.epoch();
        group
            .psks
            .insert_resumption(old_id.clone(), old_epoch, self.epoch.resumption_psk.clone());
        let psk = Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId::resumption(usage, old_id.clone(), old_epoch, group.psk_nonce()?),
        });
        let mut options = options;
        for kp in key_packages {
            options = options.add_member(kp);
        }
        options = options.with_proposal(psk);
        let out = group.commit(options)?;
        group.merge_pending_commit()?;
        // The old group's PSK was needed for the first Commit only.
        if self.psks.get_resumption(&old_id, old_epoch).is_none() {
            group.psks.remove_resumption(&old_id, old_epoch);
        }
        Ok((group, out))
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
#[path = "reinit_tests.rs"]
mod tests;

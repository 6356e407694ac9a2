//! The RPCs melos supports today, one function each, as synchronous code on the state
//! table. Wire conventions of the interop harness: KeyPackages, Welcomes, GroupInfos,
//! proposals, commits and application ciphertexts are `MLSMessage`s (RFC 9420 §6); a ratchet
//! tree is the `ratchet_tree` extension content `optional<Node> ratchet_tree<V>` (§12.4.3.3);
//! private keys are their raw encodings; `StateAuth` is the `epoch_authenticator` (§8.7);
//! members are named by the identity of their basic credential (§5.3.1).

use std::sync::Arc;

use melos::crypto::CipherSuiteProvider;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    AcceptAllProposals, CommitOptions, Group, GroupConfig, GroupHooks, HandshakeFormat,
    KeyPackageOptions, PathChoice, ProcessedContent, PskStore, SigningIdentity,
};
use melos::key_schedule::{PreSharedKeyId, ResumptionPskUsage};
use melos::messages::{
    Add, Credential, Extension, ExtensionType, Extensions, GroupContext, GroupContextExtensions,
    KeyPackage, Lifetime, PreSharedKey, Proposal, ProtocolVersion, ReInit, Remove,
};
use melos::ratchet_tree::{RatchetTree, TreeView};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};
use tonic::Status;

use super::errors::{invalid, melos_status};
use super::state::{GroupState, PendingJoin, Store};
use crate::proto;

/// The cipher suites melos implements (RFC 9420 §17.1).
pub const SUPPORTED_SUITES: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];

/// The largest exporter output served (far above any real use; bounds the allocation).
const MAX_EXPORT_LEN: u32 = 1 << 16;

/// Which GREASE (RFC 9420 §13.5) the client puts into what it creates; the defaults are
/// melos's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grease {
    /// GREASE values in every capability list of its KeyPackages and new leaves, and a
    /// GREASE extension in every GroupInfo (`GroupConfig::grease`,
    /// `KeyPackageOptions::grease`). Default on.
    pub grease: bool,
    /// GREASE extensions in its KeyPackages and new leaves (`GroupConfig::grease_extensions`,
    /// `KeyPackageOptions::grease_extensions`). Default off: OpenMLS 0.9 refuses every
    /// KeyPackage and LeafNode that carries one.
    pub grease_extensions: bool,
}

impl Default for Grease {
    fn default() -> Self {
        Grease {
            grease: true,
            grease_extensions: false,
        }
    }
}

/// The melos side of every RPC.
pub struct Core {
    pub(super) provider: Arc<dyn CryptoProvider>,
    pub(super) store: Store,
    pub(super) grease: Grease,
}

impl Core {
    /// A client with the default crypto provider, melos's default GREASE, and no state.
    pub fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Core::with_grease(provider, Grease::default())
    }

    /// A client with the default crypto provider, the GREASE of `grease`, and no state.
    pub fn with_grease(provider: Arc<dyn CryptoProvider>, grease: Grease) -> Self {
        Core {
            provider,
            store: Store::default(),
            grease,
        }
    }

    /// The provider of suite `suite` (a proto `uint32` holding a `uint16`).
    pub(super) fn suite(
        &self,
        suite: u32,
    ) -> Result<(CipherSuite, &dyn CipherSuiteProvider), Status> {
        let id = u16::try_from(suite).map_err(|_| invalid("cipher suite out of range"))?;
        let suite = CipherSuite(id);
        let cs = self.provider.suite(suite).map_err(melos_status)?;
        Ok((suite, cs))
    }

    /// The group policy for the harness's encrypt flag and the client's GREASE. The harness
    /// is the application: it names the proposals each Commit covers, outsiders' included, so
    /// every valid proposal is accepted into the pool ([`AcceptAllProposals`]) rather than
    /// held.
    pub(super) fn config(&self, encrypt_handshake: bool) -> GroupConfig {
        GroupConfig {
            hooks: GroupHooks::new().with_proposal_policy(Arc::new(AcceptAllProposals)),
            handshake_format: if encrypt_handshake {
                HandshakeFormat::Private
            } else {
                HandshakeFormat::Public
            },
            grease: self.grease.grease,
            grease_extensions: self.grease.grease_extensions,
            ..GroupConfig::default()
        }
    }

    /// A new signing identity with `credential` in the suite of `cs`, and a KeyPackage for
    /// it valid forever (the harness has no clock), with the client's GREASE.
    pub(super) fn fresh_key_package(
        &self,
        cs: &dyn CipherSuiteProvider,
        credential: Credential,
    ) -> Result<FreshKeyPackage, Status> {
        fresh_key_package(cs, credential, self.grease)
    }

    /// `Name`.
    pub fn name(&self) -> proto::NameResponse {
        proto::NameResponse {
            name: "melos".to_owned(),
        }
    }

    /// `SupportedCiphersuites`: every suite of the provider, with the default provider the
    /// seven of RFC 9420 ([`SUPPORTED_SUITES`]) and, built with the feature `pq`, the eleven
    /// of draft-ietf-mls-pq-ciphersuites at the values the provider gives them.
    pub fn supported_ciphersuites(&self) -> proto::SupportedCiphersuitesResponse {
        proto::SupportedCiphersuitesResponse {
            ciphersuites: self
                .provider
                .supported_cipher_suites()
                .into_iter()
                .map(|cs| u32::from(cs.0))
                .collect(),
        }
    }

    /// `CreateGroup`: a one-member group (RFC 9420 §11) with a basic credential.
    pub fn create_group(
        &self,
        req: proto::CreateGroupRequest,
    ) -> Result<proto::CreateGroupResponse, Status> {
        let (suite, cs) = self.suite(req.cipher_suite)?;
        let identity =
            SigningIdentity::generate(cs, Credential::Basic(req.identity)).map_err(melos_status)?;
        let group = Group::create(
            self.provider.clone(),
            suite,
            req.group_id,
            identity,
            self.config(req.encrypt_handshake),
        )
        .map_err(melos_status)?;
        let state_id = self.store.lock().insert_state(GroupState::new(group))?;
        Ok(proto::CreateGroupResponse { state_id })
    }

    /// `CreateKeyPackage` (RFC 9420 §10).
    pub fn create_key_package(
        &self,
        req: proto::CreateKeyPackageRequest,
    ) -> Result<proto::CreateKeyPackageResponse, Status> {
        let (_, cs) = self.suite(req.cipher_suite)?;
        let fresh = self.fresh_key_package(cs, Credential::Basic(req.identity))?;
        let mut tables = self.store.lock();
        let transaction_id = tables.fresh_id()?;
        tables.joins.insert(transaction_id, fresh.join);
        Ok(proto::CreateKeyPackageResponse {
            transaction_id,
            key_package: fresh.key_package,
            init_priv: fresh.init_priv,
            encryption_priv: fresh.encryption_priv,
            signature_priv: fresh.signature_priv,
        })
    }

    /// `JoinGroup` (RFC 9420 §12.4.3.1), with the tree from the Welcome or out of band.
    pub fn join_group(
        &self,
        req: proto::JoinGroupRequest,
    ) -> Result<proto::JoinGroupResponse, Status> {
        let welcome = decode(&req.welcome)?;
        let mut tables = self.store.lock();
        let join = tables
            .joins
            .get(&req.transaction_id)
            .ok_or_else(|| Status::not_found("unknown transaction id"))?;
        let tree = (!req.ratchet_tree.is_empty()).then_some(req.ratchet_tree.as_slice());
        let group = Group::join(
            self.provider.clone(),
            &welcome,
            &join.bundle,
            join.identity.clone(),
            tree,
            self.config(req.encrypt_handshake),
            &join.psks,
        )
        .map_err(melos_status)?;
        tables.joins.remove(&req.transaction_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = tables.insert_state(GroupState::new(group))?;
        Ok(proto::JoinGroupResponse {
            state_id,
            epoch_authenticator,
        })
    }

    /// `StateAuth`: the epoch authenticator (RFC 9420 §8.7).
    pub fn state_auth(
        &self,
        req: proto::StateAuthRequest,
    ) -> Result<proto::StateAuthResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        Ok(proto::StateAuthResponse {
            state_auth_secret: state.group.epoch_authenticator().to_vec(),
        })
    }

    /// `Export`: `MLS-Exporter` (RFC 9420 §8.5).
    pub fn export(&self, req: proto::ExportRequest) -> Result<proto::ExportResponse, Status> {
        if req.key_length > MAX_EXPORT_LEN {
            return Err(invalid("key_length too large"));
        }
        let length = usize::try_from(req.key_length).map_err(|_| invalid("key_length"))?;
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let secret = state
            .group
            .export_secret(req.label.as_bytes(), &req.context, length)
            .map_err(melos_status)?;
        Ok(proto::ExportResponse {
            exported_secret: secret.as_bytes().to_vec(),
        })
    }

    /// `Protect`: an application PrivateMessage (RFC 9420 §6.3).
    pub fn protect(&self, req: proto::ProtectRequest) -> Result<proto::ProtectResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let msg = state
            .group
            .encrypt_application(&req.plaintext, &req.authenticated_data)
            .map_err(melos_status)?;
        Ok(proto::ProtectResponse {
            ciphertext: msg.encode().map_err(melos_status)?,
        })
    }

    /// `Unprotect`: decrypts an application message of this or a kept past epoch.
    pub fn unprotect(
        &self,
        req: proto::UnprotectRequest,
    ) -> Result<proto::UnprotectResponse, Status> {
        let msg = decode(&req.ciphertext)?;
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let processed = state.group.process(&msg, None).map_err(melos_status)?;
        match processed.content {
            ProcessedContent::Application(plaintext) => Ok(proto::UnprotectResponse {
                authenticated_data: processed.authenticated_data,
                plaintext,
            }),
            _ => Err(invalid("not an application message")),
        }
    }

    /// `StorePSK`: an external PSK (RFC 9420 §8.4) for a group state or a join transaction.
    pub fn store_psk(
        &self,
        req: proto::StorePskRequest,
    ) -> Result<proto::StorePskResponse, Status> {
        let mut tables = self.store.lock();
        let id = req.state_or_transaction_id;
        let secret = melos::crypto::Secret::from(req.psk_secret);
        if let Some(state) = tables.states.get_mut(&id) {
            state.group.psk_store_mut().insert(req.psk_id, secret);
        } else if let Some(join) = tables.joins.get_mut(&id) {
            join.psks.insert(req.psk_id, secret);
        } else {
            return Err(Status::not_found("unknown state or transaction id"));
        }
        Ok(proto::StorePskResponse {})
    }

    /// Sends `proposal` from state `state_id` (RFC 9420 §12.1).
    pub(super) fn propose(
        &self,
        state_id: u32,
        make: impl FnOnce(&Group) -> Result<Proposal, Status>,
    ) -> Result<proto::ProposalResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(state_id)?;
        let proposal = make(&state.group)?;
        let msg = state.group.propose(proposal).map_err(melos_status)?;
        sent(state, &msg)
    }

    /// `AddProposal` (RFC 9420 §12.1.1).
    pub fn add_proposal(
        &self,
        req: proto::AddProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let key_package = decode_key_package(&req.key_package)?;
        self.propose(req.state_id, |_| {
            Ok(Proposal::Add(Box::new(Add { key_package })))
        })
    }

    /// `UpdateProposal` (RFC 9420 §12.1.2).
    pub fn update_proposal(
        &self,
        req: proto::UpdateProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        let msg = state.group.propose_update().map_err(melos_status)?;
        sent(state, &msg)
    }

    /// `RemoveProposal` (RFC 9420 §12.1.3): the member whose basic identity is `removed_id`.
    pub fn remove_proposal(
        &self,
        req: proto::RemoveProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        self.propose(req.state_id, |g| {
            Ok(Proposal::Remove(Remove {
                removed: member_by_identity(g, &req.removed_id)?,
            }))
        })
    }

    /// `ExternalPSKProposal` (RFC 9420 §12.1.4).
    pub fn external_psk_proposal(
        &self,
        req: proto::ExternalPskProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        self.propose(req.state_id, |g| {
            external_psk(self.provider.as_ref(), g.cipher_suite(), req.psk_id)
        })
    }

    /// `ResumptionPSKProposal` (RFC 9420 §12.1.4, usage `application`).
    pub fn resumption_psk_proposal(
        &self,
        req: proto::ResumptionPskProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        self.propose(req.state_id, |g| {
            resumption_psk(
                self.provider.as_ref(),
                g.cipher_suite(),
                g.group_id(),
                req.epoch_id,
            )
        })
    }

    /// `GroupContextExtensionsProposal` (RFC 9420 §12.1.7).
    pub fn group_context_extensions_proposal(
        &self,
        req: proto::GroupContextExtensionsProposalRequest,
    ) -> Result<proto::ProposalResponse, Status> {
        let extensions = extensions(&req.extensions)?;
        self.propose(req.state_id, |_| {
            Ok(Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions,
            }))
        })
    }

    /// `Commit` (RFC 9420 §12.4.1): processes the by-reference proposals not sent by this
    /// state, builds the by-value ones, commits, and keeps the new epoch pending.
    pub fn commit(&self, req: proto::CommitRequest) -> Result<proto::CommitResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        for p in &req.by_reference {
            receive_proposal(state, p)?;
        }
        let mut proposals = Vec::with_capacity(req.by_value.len());
        for d in &req.by_value {
            proposals.push(by_value(self.provider.as_ref(), &state.group, d)?);
        }
        let options = CommitOptions {
            proposals,
            path: if req.force_path {
                PathChoice::Always
            } else {
                PathChoice::WhenRequired
            },
            ratchet_tree_in_welcome: !req.external_tree,
            ..CommitOptions::default()
        };
        let out = state.group.commit(options).map_err(melos_status)?;
        let commit = out.commit.encode().map_err(melos_status)?;
        let welcome = match &out.welcome {
            Some(w) => w.encode().map_err(melos_status)?,
            None => Vec::new(),
        };
        let ratchet_tree = if req.external_tree {
            // The tree of the new epoch: merge a copy of the group.
            let mut next = state.group.clone();
            next.merge_pending_commit().map_err(melos_status)?;
            next.ratchet_tree()
                .encode_extension()
                .map_err(melos_status)?
        } else {
            Vec::new()
        };
        state.pending_commit = Some(commit.clone());
        Ok(proto::CommitResponse {
            commit,
            welcome,
            ratchet_tree,
        })
    }

    /// `HandleCommit` (RFC 9420 §12.4.2): processes the proposals, then the Commit, and
    /// merges it. A state handed its own pending Commit merges that one.
    pub fn handle_commit(
        &self,
        req: proto::HandleCommitRequest,
    ) -> Result<proto::HandleCommitResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        handle_commit_in(state, &req)?;
        Ok(proto::HandleCommitResponse {
            state_id: req.state_id,
            epoch_authenticator: state.group.epoch_authenticator().to_vec(),
        })
    }

    /// `HandlePendingCommit`: merges this state's own Commit (RFC 9420 §12.4).
    pub fn handle_pending_commit(
        &self,
        req: proto::HandlePendingCommitRequest,
    ) -> Result<proto::HandleCommitResponse, Status> {
        let mut tables = self.store.lock();
        let state = tables.state(req.state_id)?;
        state.group.merge_pending_commit().map_err(melos_status)?;
        state.new_epoch();
        Ok(proto::HandleCommitResponse {
            state_id: req.state_id,
            epoch_authenticator: state.group.epoch_authenticator().to_vec(),
        })
    }

    /// `Free`: forgets a state (unknown ids are fine: freeing is idempotent).
    pub fn free(&self, req: proto::FreeRequest) -> proto::FreeResponse {
        let mut tables = self.store.lock();
        tables.states.remove(&req.state_id);
        tables.joins.remove(&req.state_id);
        tables.reinits.remove(&req.state_id);
        tables.signers.remove(&req.state_id);
        proto::FreeResponse {}
    }
}

/// A fresh KeyPackage (RFC 9420 §10) with its join transaction and the wire forms the
/// harness returns.
pub(super) struct FreshKeyPackage {
    /// The transaction to store.
    pub(super) join: PendingJoin,
    /// The KeyPackage as an `MLSMessage`.
    pub(super) key_package: Vec<u8>,
    /// The raw private `init_key`.
    pub(super) init_priv: Vec<u8>,
    /// The raw private leaf `encryption_key`.
    pub(super) encryption_priv: Vec<u8>,
    /// The raw private signature key.
    pub(super) signature_priv: Vec<u8>,
}

/// A new signing identity with `credential` in the suite of `cs`, and a KeyPackage for it
/// valid forever (the harness has no clock), GREASEd as `grease` says.
fn fresh_key_package(
    cs: &dyn CipherSuiteProvider,
    credential: Credential,
    grease: Grease,
) -> Result<FreshKeyPackage, Status> {
    let identity = SigningIdentity::generate(cs, credential).map_err(melos_status)?;
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let options = KeyPackageOptions {
        grease: grease.grease,
        grease_extensions: grease.grease_extensions,
        ..KeyPackageOptions::new(lifetime)
    };
    let bundle = identity
        .key_package_with(cs, options)
        .map_err(melos_status)?;
    let key_package = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package.clone()))
        .encode()
        .map_err(melos_status)?;
    let init_priv = bundle.init_private_key.as_bytes().to_vec();
    let encryption_priv = bundle.encryption_private_key.as_bytes().to_vec();
    let signature_priv = identity
        .key_pair()
        .map(|k| k.private_key.as_bytes().to_vec())
        .unwrap_or_default();
    Ok(FreshKeyPackage {
        join: PendingJoin {
            bundle,
            identity,
            psks: PskStore::new(),
        },
        key_package,
        init_priv,
        encryption_priv,
        signature_priv,
    })
}

/// The body of `HandleCommit` on one state: processes the by-reference proposals, then the
/// Commit, and merges it; a state handed its own pending Commit merges that one.
pub(super) fn handle_commit_in(
    state: &mut GroupState,
    req: &proto::HandleCommitRequest,
) -> Result<(), Status> {
    if state.pending_commit.as_deref() == Some(req.commit.as_slice()) {
        state.group.merge_pending_commit().map_err(melos_status)?;
    } else {
        let commit = decode(&req.commit)?;
        for p in &req.proposal {
            receive_proposal(state, p)?;
        }
        let processed = state.group.process(&commit, None).map_err(melos_status)?;
        let ProcessedContent::Commit(staged) = processed.content else {
            return Err(invalid("not a Commit"));
        };
        state.group.clear_pending_commit();
        state
            .group
            .merge_staged_commit(*staged)
            .map_err(melos_status)?;
    }
    state.new_epoch();
    Ok(())
}

/// Records an own handshake message and returns it.
pub(super) fn sent(
    state: &mut GroupState,
    msg: &MlsMessage,
) -> Result<proto::ProposalResponse, Status> {
    let proposal = msg.encode().map_err(melos_status)?;
    state.seen.push(proposal.clone());
    Ok(proto::ProposalResponse { proposal })
}

/// Processes a by-reference proposal unless this state sent or processed it already.
fn receive_proposal(state: &mut GroupState, bytes: &[u8]) -> Result<(), Status> {
    if state.seen.iter().any(|s| s.as_slice() == bytes) {
        return Ok(());
    }
    let msg = decode(bytes)?;
    let processed = match state.group.process(&msg, None) {
        Ok(p) => p,
        // Already in the pool (e.g. this member's own proposal handed back by reference).
        Err(melos::Error::Group(melos::GroupError::DuplicateProposal)) => return Ok(()),
        Err(e) => return Err(melos_status(e)),
    };
    if !matches!(processed.content, ProcessedContent::Proposal(..)) {
        return Err(invalid("a by-reference message is not a proposal"));
    }
    state.seen.push(bytes.to_vec());
    Ok(())
}

/// Decodes an `MLSMessage` (RFC 9420 §6).
pub(super) fn decode(bytes: &[u8]) -> Result<MlsMessage, Status> {
    MlsMessage::decode(bytes).map_err(melos_status)
}

/// Decodes an `MLSMessage` carrying a KeyPackage (RFC 9420 §10).
pub(super) fn decode_key_package(bytes: &[u8]) -> Result<KeyPackage, Status> {
    match decode(bytes)?.body {
        MlsMessageBody::KeyPackage(kp) => Ok(kp),
        _ => Err(invalid("not a KeyPackage message")),
    }
}

/// Decodes an `MLSMessage` carrying a GroupInfo (RFC 9420 §12.4.3) and returns the message
/// with a copy of its GroupContext.
pub(super) fn decode_group_info(bytes: &[u8]) -> Result<(MlsMessage, GroupContext), Status> {
    let msg = decode(bytes)?;
    let context = match &msg.body {
        MlsMessageBody::GroupInfo(gi) => gi.group_context.clone(),
        _ => return Err(invalid("not a GroupInfo message")),
    };
    Ok((msg, context))
}

/// Whether `credential` is the basic credential `identity`.
fn is_identity(credential: &Credential, identity: &[u8]) -> bool {
    matches!(credential, Credential::Basic(id) if id.as_slice() == identity)
}

/// The leaf of the member whose basic credential is `identity`.
fn member_by_identity(group: &Group, identity: &[u8]) -> Result<LeafIndex, Status> {
    group
        .members()
        .into_iter()
        .find(|m| is_identity(&m.credential, identity))
        .map(|m| m.index)
        .ok_or_else(|| invalid("no member with that identity"))
}

/// The leaf of `tree` whose basic credential is `identity`.
pub(super) fn leaf_by_identity(tree: &RatchetTree, identity: &[u8]) -> Result<LeafIndex, Status> {
    tree.leaves()
        .find(|(_, l)| {
            l.to_leaf_node()
                .is_ok_and(|n| is_identity(&n.credential, identity))
        })
        .map(|(i, _)| i)
        .ok_or_else(|| invalid("no member with that identity"))
}

/// The proto extensions as an MLS extension list (RFC 9420 §13).
pub(super) fn extensions(list: &[proto::Extension]) -> Result<Extensions, Status> {
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let t = u16::try_from(e.extension_type).map_err(|_| invalid("extension type"))?;
        out.push(Extension {
            extension_type: ExtensionType(t),
            extension_data: e.extension_data.clone(),
        });
    }
    Ok(Extensions(out))
}

/// A fresh `psk_nonce` of the hash length of `suite` (RFC 9420 §8.4).
fn psk_nonce(provider: &dyn CryptoProvider, suite: CipherSuite) -> Result<Vec<u8>, Status> {
    let cs = provider.suite(suite).map_err(melos_status)?;
    let mut nonce = vec![0u8; cs.hash_len()];
    cs.random_bytes(&mut nonce)
        .map_err(|e| melos_status(e.into()))?;
    Ok(nonce)
}

/// A PreSharedKey proposal for the external PSK `psk_id` (RFC 9420 §12.1.4).
fn external_psk(
    provider: &dyn CryptoProvider,
    suite: CipherSuite,
    psk_id: Vec<u8>,
) -> Result<Proposal, Status> {
    Ok(Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId::external(psk_id, psk_nonce(provider, suite)?),
    }))
}

/// A PreSharedKey proposal for the `application` resumption PSK of `epoch` of group
/// `group_id` (RFC 9420 §8.6, §12.1.4).
fn resumption_psk(
    provider: &dyn CryptoProvider,
    suite: CipherSuite,
    group_id: &[u8],
    epoch: u64,
) -> Result<Proposal, Status> {
    Ok(Proposal::PreSharedKey(PreSharedKey {
        psk: PreSharedKeyId::resumption(
            ResumptionPskUsage::Application,
            group_id.to_vec(),
            epoch,
            psk_nonce(provider, suite)?,
        ),
    }))
}

/// The group a proposal description is built for: its suite, id and version, and how to
/// find a member's leaf by basic identity.
pub(super) struct Target<'a> {
    /// The group's cipher suite.
    pub(super) suite: CipherSuite,
    /// The group id.
    pub(super) group_id: &'a [u8],
    /// The group's protocol version.
    pub(super) version: ProtocolVersion,
    /// The leaf of a member by basic identity.
    pub(super) member: &'a dyn Fn(&[u8]) -> Result<LeafIndex, Status>,
}

/// A proposal from its harness description (`ProposalDescription`).
pub(super) fn describe(
    provider: &dyn CryptoProvider,
    target: &Target<'_>,
    d: &proto::ProposalDescription,
) -> Result<Proposal, Status> {
    match d.proposal_type.as_slice() {
        b"add" => Ok(Proposal::Add(Box::new(Add {
            key_package: decode_key_package(&d.key_package)?,
        }))),
        b"remove" => Ok(Proposal::Remove(Remove {
            removed: (target.member)(&d.removed_id)?,
        })),
        b"externalPSK" => external_psk(provider, target.suite, d.psk_id.clone()),
        b"resumptionPSK" => resumption_psk(provider, target.suite, target.group_id, d.epoch_id),
        b"groupContextExtensions" => Ok(Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions(&d.extensions)?,
        })),
        b"reinit" => {
            let suite = u16::try_from(d.cipher_suite)
                .map(CipherSuite)
                .map_err(|_| invalid("cipher suite out of range"))?;
            provider.suite(suite).map_err(melos_status)?;
            Ok(Proposal::ReInit(ReInit {
                group_id: d.group_id.clone(),
                version: target.version,
                cipher_suite: suite,
                extensions: extensions(&d.extensions)?,
            }))
        }
        _ => Err(invalid("unknown proposal type")),
    }
}

/// A by-value proposal of a Commit from its description.
fn by_value(
    provider: &dyn CryptoProvider,
    group: &Group,
    d: &proto::ProposalDescription,
) -> Result<Proposal, Status> {
    let member = |id: &[u8]| member_by_identity(group, id);
    let target = Target {
        suite: group.cipher_suite(),
        group_id: group.group_id(),
        version: group.group_context().version,
        member: &member,
    };
    describe(provider, &target, d)
}

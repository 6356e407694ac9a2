//! External senders and the application hooks (RFC 9420 §5.3.1, §12.1.8, §12.1.8.1):
//! custom proposal types from an `external` sender, allowed or refused by the
//! `CustomProposalValidator`, and the credentials of an `external_senders` extension through
//! the `CredentialValidator` at every entry point (creation, GroupContextExtensions at
//! commit and at process, Welcome, external join), each refusal with its own error.

use std::sync::{Arc, Mutex};

use melos::crypto::SignaturePublicKey;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, Sender};
use melos::group::{
    CommitOptions, CreateOptions, CredentialUse, CredentialValidator, CustomProposal,
    CustomProposalValidator, ExternalCommitOptions, ExternalProposer, Group, GroupConfig,
    GroupHooks, GroupInfoOptions, KeyPackageOptions, ProcessedContent, PskStore, SigningIdentity,
    StagedCommit,
};
use melos::messages::{
    Capabilities, Credential, CredentialType, Extensions, ExternalSenders, GroupContextExtensions,
    KeyPackageBundle, Lifetime, Proposal, ProposalType,
};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError};

const SUITE: CipherSuite = CipherSuite(1);
/// An application proposal type (private use range, RFC 9420 §17.4).
const POLL: ProposalType = ProposalType(0xF0A1);
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn poll_caps() -> Capabilities {
    let mut c = Capabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = vec![POLL];
    c
}

fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

fn client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = identity(p, name);
    let options = KeyPackageOptions {
        capabilities: Some(poll_caps()),
        ..KeyPackageOptions::new(FOREVER)
    };
    let kp = id.key_package_with(cs, options).unwrap();
    (id, kp)
}

fn ds(p: &Arc<dyn CryptoProvider>) -> ExternalProposer {
    ExternalProposer::new(p.clone(), SUITE, identity(p, "ds")).unwrap()
}

fn senders(ds: &ExternalProposer) -> Extensions {
    let mut ext = Extensions::default();
    ext.write(&ExternalSenders(vec![ds.external_sender()]))
        .unwrap();
    ext
}

fn create(
    p: &Arc<dyn CryptoProvider>,
    config: GroupConfig,
    extensions: Extensions,
) -> Result<Group, Error> {
    let options = CreateOptions {
        capabilities: Some(poll_caps()),
        extensions,
        ..CreateOptions::default()
    };
    Group::create_with_options(
        p.clone(),
        SUITE,
        b"ext senders".to_vec(),
        identity(p, "alice"),
        config,
        options,
    )
}

/// `first` adds Bob and Carol; each joins with its entry of `configs`.
fn grow(p: &Arc<dyn CryptoProvider>, mut first: Group, configs: [GroupConfig; 2]) -> Vec<Group> {
    let clients = [client(p, "bob"), client(p, "carol")];
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in &clients {
        opts = opts.add_member(kp.key_package.clone());
    }
    let out = first.commit(opts).unwrap();
    first.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut groups = vec![first];
    for ((id, kp), config) in clients.into_iter().zip(configs) {
        groups.push(Group::join(p.clone(), &w, &kp, id, None, config, &PskStore::new()).unwrap());
    }
    groups
}

fn staged(g: &mut Group, msg: &MlsMessage) -> Result<StagedCommit, Error> {
    match g.process(msg, None)?.content {
        ProcessedContent::Commit(s) => Ok(*s),
        _ => panic!("not a commit"),
    }
}

/// Every member but `from` processes and merges `commit`; returns the custom proposals each
/// saw.
fn deliver(groups: &mut [Group], from: usize, commit: &MlsMessage) -> Vec<Vec<(Proposal, Sender)>> {
    let mut seen = Vec::new();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
            continue;
        }
        let s = staged(g, commit).unwrap();
        seen.push(s.custom_proposals().to_vec());
        g.merge_staged_commit(s).unwrap();
    }
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
    }
    seen
}

fn poll(data: &[u8]) -> Proposal {
    Proposal::Custom {
        proposal_type: POLL,
        data: data.to_vec(),
    }
}

// -- Custom proposals from external senders (RFC 9420 §12.1.8) --

/// Accepts polls, from members and (if `external`) from external senders.
struct Polls {
    external: bool,
}

impl CustomProposalValidator for Polls {
    fn validate(&self, proposal: &CustomProposal<'_>) -> bool {
        proposal.proposal_type == POLL
    }

    fn allowed_from_external_sender(&self, proposal_type: ProposalType) -> bool {
        self.external && proposal_type == POLL
    }
}

fn polls(external: bool) -> GroupHooks {
    GroupHooks::new().with_custom_proposal_validator(Arc::new(Polls { external }))
}

fn config_with(hooks: GroupHooks) -> GroupConfig {
    GroupConfig {
        hooks,
        ..GroupConfig::default()
    }
}

/// Alice, Bob and Carol with `hooks`, and the external sender at index 0.
fn poll_group(p: &Arc<dyn CryptoProvider>, hooks: GroupHooks) -> (Vec<Group>, ExternalProposer) {
    let ds = ds(p);
    let config = config_with(hooks);
    let alice = create(p, config.clone(), senders(&ds)).unwrap();
    (grow(p, alice, [config.clone(), config]), ds)
}

#[test]
fn external_custom_proposal_allowed_by_the_hook_is_committed() {
    let p = provider();
    let (mut g, ds) = poll_group(&p, polls(true));
    let ds = ds.with_hooks(polls(true));
    let (gid, epoch) = (g[0].group_id().to_vec(), g[0].epoch());
    let msg = ds.propose(&gid, epoch, 0, poll(b"lunch?"), &[]).unwrap();
    for m in g.iter_mut() {
        let processed = m.process(&msg, None).unwrap();
        assert_eq!(processed.sender, Sender::External(0));
        assert!(matches!(processed.content, ProcessedContent::Proposal(..)));
    }
    // Held for the application (an outsider's proposal), which approves it.
    let reference = g[1].pending_proposals().next().unwrap().reference.clone();
    g[1].approve_proposal(&reference).unwrap();
    let out = g[1].commit(CommitOptions::default()).unwrap();
    let seen = deliver(&mut g, 1, &out.commit);
    for s in &seen {
        assert_eq!(s, &vec![(poll(b"lunch?"), Sender::External(0))]);
    }
    assert_eq!(g[0].epoch(), epoch + 1);
}

#[test]
fn external_custom_proposal_refused_by_default() {
    let p = provider();
    // The members' validator accepts polls, but not from external senders (the default).
    let (mut g, ds) = poll_group(&p, polls(false));
    let (gid, epoch) = (g[0].group_id().to_vec(), g[0].epoch());
    // The proposer's own (default) hooks refuse to build it.
    assert_eq!(
        ds.propose(&gid, epoch, 0, poll(b"x"), &[]).unwrap_err(),
        Error::Group(GroupError::ExternalCustomProposalNotAllowed)
    );
    // Built by a proposer that allows it, the members refuse it and do not store it.
    let lax = ds.clone().with_hooks(polls(true));
    let msg = lax.propose(&gid, epoch, 0, poll(b"x"), &[]).unwrap();
    for m in g.iter_mut() {
        assert_eq!(
            m.process(&msg, None).unwrap_err(),
            Error::Group(GroupError::ExternalCustomProposalNotAllowed)
        );
        assert_eq!(m.pending_proposals().count(), 0);
    }
    // A member's own polls are still fine.
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"mine")))
        .unwrap();
    deliver(&mut g, 0, &out.commit);
}

#[test]
fn the_default_custom_validator_refuses_external_custom_proposals() {
    let p = provider();
    let (mut g, ds) = poll_group(&p, GroupHooks::new());
    let ds = ds.with_hooks(polls(true));
    let msg = ds
        .propose(g[0].group_id(), g[0].epoch(), 0, poll(b"x"), &[])
        .unwrap();
    assert_eq!(
        g[0].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::ExternalCustomProposalNotAllowed)
    );
}

#[test]
fn a_stored_external_custom_proposal_is_checked_again_at_commit() {
    // A member stored the proposal under hooks that allowed it, then was restored with
    // hooks that do not: its Commit leaves the proposal out (§12.2), and says why.
    let p = provider();
    let (mut g, ds) = poll_group(&p, polls(true));
    let ds = ds.with_hooks(polls(true));
    let msg = ds
        .propose(g[0].group_id(), g[0].epoch(), 0, poll(b"x"), &[])
        .unwrap();
    g[0].process(&msg, None).unwrap();
    let bytes = g[0].to_bytes().unwrap();
    let mut restored = Group::from_bytes_with_hooks(p.clone(), polls(false), bytes.as_bytes())
        .expect("restores with other custom hooks");
    assert_eq!(restored.pending_proposals().count(), 1);
    let reference = restored
        .pending_proposals()
        .next()
        .unwrap()
        .reference
        .clone();
    restored.approve_proposal(&reference).unwrap();
    let out = restored.commit(CommitOptions::default()).unwrap();
    assert_eq!(out.left_out.len(), 1);
    assert_eq!(out.left_out[0].reference, reference);
    assert_eq!(
        out.left_out[0].reason,
        Error::Group(GroupError::ExternalCustomProposalNotAllowed)
    );
}

// -- Credentials of external senders (RFC 9420 §5.3.1, §12.1.8.1) --

/// Refuses the credential "ds"; records every call's credential and use.
#[derive(Default)]
struct NoDs {
    seen: Mutex<Vec<(Credential, CredentialUse)>>,
}

impl CredentialValidator for NoDs {
    fn validate(&self, c: &Credential, _: &SignaturePublicKey, usage: CredentialUse) -> bool {
        self.seen.lock().unwrap().push((c.clone(), usage));
        c != &Credential::Basic(b"ds".to_vec())
    }
}

impl NoDs {
    fn saw_ds(&self) -> bool {
        self.seen.lock().unwrap().iter().any(|(c, u)| {
            c == &Credential::Basic(b"ds".to_vec()) && *u == CredentialUse::ExternalSender
        })
    }
}

fn no_ds() -> (GroupConfig, Arc<NoDs>) {
    let v = Arc::new(NoDs::default());
    (
        config_with(GroupHooks::new().with_credential_validator(v.clone())),
        v,
    )
}

const REFUSED: Error = Error::Group(GroupError::ExternalSenderCredentialRejected);

#[test]
fn external_sender_credential_at_group_creation() {
    let p = provider();
    let ds = ds(&p);
    let (config, v) = no_ds();
    assert_eq!(create(&p, config, senders(&ds)).unwrap_err(), REFUSED);
    assert!(v.saw_ds());
    // Without the extension, and with the default validator, the group is created.
    let (config, _) = no_ds();
    create(&p, config, Extensions::default()).unwrap();
    create(&p, GroupConfig::default(), senders(&ds)).unwrap();
}

/// A GroupContextExtensions proposal adding `ds` as external sender.
fn gce_adding(g: &Group, ds: &ExternalProposer) -> Proposal {
    let (extensions, index) = g
        .extensions_with_external_sender(ds.external_sender())
        .unwrap();
    assert_eq!(index, 0);
    Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
}

#[test]
fn external_sender_credential_in_group_context_extensions_at_commit() {
    let p = provider();
    let ds = ds(&p);
    let (config, v) = no_ds();
    let alice = create(&p, config.clone(), Extensions::default()).unwrap();
    let mut g = grow(&p, alice, [GroupConfig::default(), GroupConfig::default()]);
    // By value.
    let gce = gce_adding(&g[0], &ds);
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(gce.clone()))
        .unwrap_err();
    assert_eq!(e, REFUSED);
    assert!(!g[0].has_pending_commit());
    assert!(v.saw_ds());
    // By reference: Bob (default validator) proposes; Alice refuses the proposal when she
    // receives it (a received proposal is validated as if committed) and does not store it.
    let msg = g[1].propose(gce).unwrap();
    assert_eq!(g[0].process(&msg, None).unwrap_err(), REFUSED);
    assert_eq!(g[0].pending_proposals().count(), 0);
    // Carol, with the default validator, can.
    g[2].process(&msg, None).unwrap();
    g[2].commit(CommitOptions::default()).unwrap();
}

#[test]
fn external_sender_credential_in_group_context_extensions_at_process() {
    let p = provider();
    let ds = ds(&p);
    let (config, v) = no_ds();
    let alice = create(&p, GroupConfig::default(), Extensions::default()).unwrap();
    let mut g = grow(&p, alice, [config, GroupConfig::default()]);
    let gce = gce_adding(&g[0], &ds);
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(gce))
        .unwrap();
    assert_eq!(staged(&mut g[1], &out.commit).unwrap_err(), REFUSED);
    assert!(v.saw_ds());
    // Carol, with the default validator, accepts it.
    staged(&mut g[2], &out.commit).unwrap();
}

#[test]
fn unchanged_external_senders_are_not_validated_again() {
    let p = provider();
    let ds = ds(&p);
    // Bob's validator refuses "ds" only once the group has it: a GroupContextExtensions
    // proposal that keeps `external_senders` as it is does not present it again.
    let alice = create(&p, GroupConfig::default(), senders(&ds)).unwrap();
    let (config, v) = no_ds();
    let mut g = grow(&p, alice, [GroupConfig::default(), GroupConfig::default()]);
    let extensions = g[0].group_context().extensions.clone();
    let state = g[1].to_bytes().unwrap();
    let mut bob = Group::from_bytes_with_hooks(p.clone(), config.hooks, state.as_bytes()).unwrap();
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions });
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(gce))
        .unwrap();
    staged(&mut bob, &out.commit).unwrap();
    assert!(!v.saw_ds());
}

#[test]
fn external_sender_credential_at_welcome_join() {
    let p = provider();
    let ds = ds(&p);
    let mut alice = create(&p, GroupConfig::default(), senders(&ds)).unwrap();
    let (bob_id, bob_kp) = client(&p, "bob");
    let out = alice
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let (config, v) = no_ds();
    let e = Group::join(
        p.clone(),
        &w,
        &bob_kp,
        bob_id.clone(),
        None,
        config,
        &PskStore::new(),
    )
    .unwrap_err();
    assert_eq!(e, REFUSED);
    assert!(v.saw_ds());
    Group::join(
        p.clone(),
        &w,
        &bob_kp,
        bob_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
}

#[test]
fn external_sender_credential_at_external_join() {
    let p = provider();
    let ds = ds(&p);
    let alice = create(&p, GroupConfig::default(), senders(&ds)).unwrap();
    let gi = alice.group_info(GroupInfoOptions::default()).unwrap();
    let join = |config| {
        Group::join_by_external_commit(
            p.clone(),
            &gi,
            None,
            identity(&p, "erin"),
            config,
            &PskStore::new(),
            ExternalCommitOptions {
                capabilities: Some(poll_caps()),
                ..ExternalCommitOptions::default()
            },
        )
    };
    let (config, v) = no_ds();
    assert_eq!(join(config).unwrap_err(), REFUSED);
    assert!(v.saw_ds());
    let (erin, _) = join(GroupConfig::default()).unwrap();
    assert_eq!(erin.own_leaf(), LeafIndex(1));
}

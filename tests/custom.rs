//! Custom proposal types (RFC 9420 §12.1, §12.2, §12.4) and custom credentials with an
//! application credential validator (§5.3.1, §5.3.2), through the public API: a group of
//! three members, proposals by value and by reference, the hooks accepting and refusing,
//! and every refusal with its own error.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use melos::crypto::SignaturePublicKey;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody, Sender};
use melos::group::{
    CommitOptions, CreateOptions, CredentialUse, CredentialValidator, CustomProposal,
    CustomProposalValidator, ExternalCommitOptions, Group, GroupConfig, GroupHooks,
    GroupInfoOptions, KeyPackageOptions, PathChoice, PriorLeaf, ProcessedContent, PskStore,
    SigningIdentity, StagedCommit,
};
use melos::messages::{
    Capabilities, Credential, CredentialType, Extensions, KeyPackageBundle, LeafNodeSource,
    Lifetime, Proposal, ProposalType, RequiredCapabilities, Update,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError, MessageError};

const SUITE: CipherSuite = CipherSuite(1);
/// An application proposal type (private use range, RFC 9420 §17.4).
const POLL: ProposalType = ProposalType(0xF0A1);
/// An application credential type (private use range, §17.5).
const TOKEN: CredentialType = CredentialType(0xF0C1);
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn caps(proposals: &[ProposalType], credentials: &[CredentialType]) -> Capabilities {
    let mut c = Capabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = proposals.to_vec();
    c.credentials.extend_from_slice(credentials);
    c
}

fn client(
    p: &Arc<dyn CryptoProvider>,
    credential: Credential,
    capabilities: Capabilities,
) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, credential).unwrap();
    let options = KeyPackageOptions {
        capabilities: Some(capabilities),
        ..KeyPackageOptions::new(FOREVER)
    };
    let kp = id.key_package_with(cs, options).unwrap();
    (id, kp)
}

fn basic(name: &str) -> Credential {
    Credential::Basic(name.as_bytes().to_vec())
}

fn token(data: &str) -> Credential {
    Credential::Other {
        credential_type: TOKEN,
        data: data.as_bytes().to_vec(),
    }
}

/// Alice creates the group with `capabilities` and adds one member per entry of `others`;
/// every member uses its own config from `configs` (Alice first).
fn group_of(
    p: &Arc<dyn CryptoProvider>,
    alice: (Credential, Capabilities),
    others: Vec<(Credential, Capabilities)>,
    configs: &[GroupConfig],
) -> Result<Vec<Group>, Error> {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, alice.0).unwrap();
    let options = CreateOptions {
        capabilities: Some(alice.1),
        ..CreateOptions::default()
    };
    let mut first = Group::create_with_options(
        p.clone(),
        SUITE,
        b"custom".to_vec(),
        id,
        configs[0].clone(),
        options,
    )?;
    if others.is_empty() {
        return Ok(vec![first]);
    }
    let clients: Vec<_> = others.into_iter().map(|(c, k)| client(p, c, k)).collect();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in &clients {
        opts = opts.add_member(kp.key_package.clone());
    }
    let out = first.commit(opts)?;
    first.merge_pending_commit()?;
    let w = out.welcome.unwrap();
    let mut groups = vec![first];
    for (i, (id, kp)) in clients.into_iter().enumerate() {
        let config = configs[(i + 1).min(configs.len() - 1)].clone();
        groups.push(Group::join(
            p.clone(),
            &w,
            &kp,
            id,
            None,
            config,
            &PskStore::new(),
        )?);
    }
    Ok(groups)
}

fn staged(g: &mut Group, msg: &MlsMessage) -> Result<StagedCommit, Error> {
    match g.process(msg, None)?.content {
        ProcessedContent::Commit(s) => Ok(*s),
        _ => panic!("not a commit"),
    }
}

/// Every member but the committer `from` processes and merges `commit`; returns the
/// custom proposals each saw.
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

/// Refuses polls whose data starts with "deny", counts its calls, and says whether a poll
/// needs a path.
struct PollRules {
    calls: AtomicUsize,
    path: bool,
}

impl PollRules {
    fn new(path: bool) -> Arc<Self> {
        Arc::new(PollRules {
            calls: AtomicUsize::new(0),
            path,
        })
    }
}

impl CustomProposalValidator for PollRules {
    fn validate(&self, proposal: &CustomProposal<'_>) -> bool {
        self.calls.fetch_add(1, Ordering::SeqCst);
        proposal.proposal_type == POLL && !proposal.data.starts_with(b"deny")
    }

    fn path_required(&self, proposal_type: ProposalType) -> bool {
        proposal_type != POLL || self.path
    }
}

fn with_rules(rules: Arc<PollRules>) -> GroupConfig {
    GroupConfig {
        hooks: GroupHooks::new().with_custom_proposal_validator(rules),
        ..GroupConfig::default()
    }
}

fn poll_group(p: &Arc<dyn CryptoProvider>, rules: &[Arc<PollRules>]) -> Vec<Group> {
    let c = caps(&[POLL], &[]);
    let configs: Vec<GroupConfig> = rules.iter().cloned().map(with_rules).collect();
    group_of(
        p,
        (basic("alice"), c.clone()),
        vec![(basic("bob"), c.clone()), (basic("carol"), c)],
        &configs,
    )
    .unwrap()
}

#[test]
fn custom_proposal_by_value_and_by_reference() {
    let p = provider();
    let rules = [
        PollRules::new(true),
        PollRules::new(true),
        PollRules::new(true),
    ];
    let mut g = poll_group(&p, &rules);
    // By value: Alice commits a poll; Bob and Carol's hooks see it.
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"lunch?")))
        .unwrap();
    let seen = deliver(&mut g, 0, &out.commit);
    for s in &seen {
        assert_eq!(s, &vec![(poll(b"lunch?"), Sender::Member(LeafIndex(0)))]);
    }
    assert!(rules.iter().all(|r| r.calls.load(Ordering::SeqCst) >= 1));
    // By reference: Bob proposes, Alice and Carol store it, Carol commits it.
    let msg = g[1].propose(poll(b"dinner?")).unwrap();
    for i in [0, 2] {
        let m = g[i].process(&msg, None).unwrap();
        assert!(matches!(m.content, ProcessedContent::Proposal(..)));
    }
    let before = rules[0].calls.load(Ordering::SeqCst);
    let out = g[2].commit(CommitOptions::default()).unwrap();
    let seen = deliver(&mut g, 2, &out.commit);
    for s in &seen {
        assert_eq!(s, &vec![(poll(b"dinner?"), Sender::Member(LeafIndex(1)))]);
    }
    // Alice's hook ran again when she processed the Commit.
    assert!(rules[0].calls.load(Ordering::SeqCst) > before);
}

#[test]
fn custom_proposal_refused_by_the_hook() {
    let p = provider();
    let rules = [
        PollRules::new(true),
        PollRules::new(true),
        PollRules::new(true),
    ];
    let mut g = poll_group(&p, &rules);
    // The committer's own hook refuses.
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"deny me")))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CustomProposalRejected));
    assert!(!g[0].has_pending_commit());
    // A received proposal the hook refuses is not stored.
    let msg = g[1].propose(poll(b"deny this")).unwrap();
    assert_eq!(
        g[0].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::CustomProposalRejected)
    );
    assert_eq!(g[0].pending_proposals().count(), 0);
}

#[test]
fn receiver_hook_refuses_a_commit_the_committer_accepted() {
    struct AcceptAll;
    impl CustomProposalValidator for AcceptAll {
        fn validate(&self, _: &CustomProposal<'_>) -> bool {
            true
        }
    }
    let p = provider();
    let rules = [
        PollRules::new(true),
        PollRules::new(true),
        PollRules::new(true),
    ];
    let mut g = poll_group(&p, &rules);
    // Alice's config now accepts everything (the hooks are part of the config she
    // restores with).
    let bytes = g[0].to_bytes().unwrap();
    let lax = GroupHooks::new().with_custom_proposal_validator(Arc::new(AcceptAll));
    g[0] = Group::from_bytes_with_hooks(p.clone(), lax, bytes.as_bytes()).unwrap();
    let out = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"deny by bob")))
        .unwrap();
    for i in [1, 2] {
        assert_eq!(
            staged(&mut g[i], &out.commit).unwrap_err(),
            Error::Group(GroupError::CustomProposalRejected)
        );
    }
}

#[test]
fn the_application_decides_whether_a_custom_type_needs_a_path() {
    let p = provider();
    // Everyone agrees that a poll needs no path.
    let rules = [
        PollRules::new(false),
        PollRules::new(false),
        PollRules::new(false),
    ];
    let mut g = poll_group(&p, &rules);
    let out = g[0]
        .commit(CommitOptions {
            path: PathChoice::WhenRequired,
            ..CommitOptions::default().with_proposal(poll(b"no path"))
        })
        .unwrap();
    let MlsMessageBody::PublicMessage(m) = &out.commit.body else {
        panic!("public handshake expected");
    };
    let melos::framing::FramedContentBody::Commit(c) = &m.content.body else {
        panic!("not a commit");
    };
    assert!(c.path.is_none());
    deliver(&mut g, 0, &out.commit);

    // By default (RFC 9420 §12.4) a custom type needs a path: a receiver that keeps the
    // default refuses a pathless Commit.
    let rules = [
        PollRules::new(false),
        PollRules::new(true),
        PollRules::new(true),
    ];
    let mut g = poll_group(&p, &rules);
    let out = g[0]
        .commit(CommitOptions {
            path: PathChoice::WhenRequired,
            ..CommitOptions::default().with_proposal(poll(b"no path"))
        })
        .unwrap();
    assert_eq!(
        staged(&mut g[1], &out.commit).unwrap_err(),
        Error::Group(GroupError::PathRequired)
    );
}

#[test]
fn custom_type_not_supported_by_every_member() {
    let p = provider();
    let with = caps(&[POLL], &[]);
    let without = caps(&[], &[]);
    let mut g = group_of(
        &p,
        (basic("alice"), with.clone()),
        vec![(basic("bob"), with), (basic("dave"), without)],
        &[GroupConfig::default()],
    )
    .unwrap();
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"x")))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::UnsupportedProposalType));
    // Received as a proposal: refused too.
    let msg = g[1].propose(poll(b"x")).unwrap();
    assert_eq!(
        g[0].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::UnsupportedProposalType)
    );
    // Removing Dave in the same Commit makes it valid (§12.2: members that stay).
    let out = g[0]
        .commit(
            CommitOptions::default()
                .remove_member(LeafIndex(2))
                .with_proposal(poll(b"x")),
        )
        .unwrap();
    let s = staged(&mut g[1], &out.commit).unwrap();
    assert_eq!(s.custom_proposals().len(), 1);
}

#[test]
fn an_updated_member_must_support_the_custom_type() {
    // §12.2: only members the Commit adds or removes are exempt; an Update does not exempt
    // its sender.
    let p = provider();
    let with = caps(&[POLL], &[]);
    let without = caps(&[], &[]);
    let mut g = group_of(
        &p,
        (basic("alice"), with.clone()),
        vec![(basic("bob"), with), (basic("dave"), without)],
        &[GroupConfig::default()],
    )
    .unwrap();
    let update = g[2].propose_update().unwrap();
    g[0].process(&update, None).unwrap();
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(poll(b"x")))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::UnsupportedProposalType));
}

#[test]
fn a_grease_proposal_type_is_never_supported() {
    // §13.5: GREASE values never appear in Proposal.proposal_type; even when every leaf
    // lists the value, a client's real capabilities do not contain it.
    let p = provider();
    let grease = ProposalType(0x0A0A);
    let c = caps(&[grease], &[]);
    let mut g = group_of(
        &p,
        (basic("alice"), c.clone()),
        vec![(basic("bob"), c)],
        &[GroupConfig::default()],
    )
    .unwrap();
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(Proposal::Custom {
            proposal_type: grease,
            data: Vec::new(),
        }))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::UnsupportedProposalType));
}

#[test]
fn required_capabilities_with_a_custom_proposal_type() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let mut extensions = Extensions::default();
    extensions
        .write(&RequiredCapabilities {
            proposal_types: vec![POLL],
            ..RequiredCapabilities::default()
        })
        .unwrap();
    let alice = SigningIdentity::generate(cs, basic("alice")).unwrap();
    // The creator's own leaf must satisfy it.
    let e = Group::create_with_options(
        p.clone(),
        SUITE,
        b"rc".to_vec(),
        alice.clone(),
        GroupConfig::default(),
        CreateOptions {
            extensions: extensions.clone(),
            ..CreateOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::Group(GroupError::RequiredCapabilitiesNotSupported)
    );
    let mut g = Group::create_with_options(
        p.clone(),
        SUITE,
        b"rc".to_vec(),
        alice,
        GroupConfig::default(),
        CreateOptions {
            extensions,
            capabilities: Some(caps(&[POLL], &[])),
            ..CreateOptions::default()
        },
    )
    .unwrap();
    let (_, no_poll) = client(&p, basic("bob"), caps(&[], &[]));
    let e = g
        .commit(CommitOptions::default().add_member(no_poll.key_package))
        .unwrap_err();
    assert_eq!(
        e,
        Error::Group(GroupError::RequiredCapabilitiesNotSupported)
    );
    let (_, poll_kp) = client(&p, basic("bob"), caps(&[POLL], &[]));
    g.commit(CommitOptions::default().add_member(poll_kp.key_package))
        .unwrap();
}

// -- Custom credentials and the credential validator (RFC 9420 §5.3.1, §5.3.2) --

/// Accepts `basic` credentials and `TOKEN` credentials whose data starts with "valid:";
/// a successor must have the same identity (the data after "valid:", up to a '#').
struct TokenValidator {
    calls: AtomicUsize,
}

fn token_identity(c: &Credential) -> Option<Vec<u8>> {
    match c {
        Credential::Basic(id) => Some(id.clone()),
        Credential::Other {
            credential_type: TOKEN,
            data,
        } => {
            let rest = data.strip_prefix(b"valid:")?;
            Some(rest.split(|b| *b == b'#').next()?.to_vec())
        }
        _ => None,
    }
}

impl CredentialValidator for TokenValidator {
    fn validate(&self, c: &Credential, _: &SignaturePublicKey, _: CredentialUse) -> bool {
        self.calls.fetch_add(1, Ordering::SeqCst);
        token_identity(c).is_some()
    }

    fn valid_successor(&self, old: &Credential, new: &Credential) -> bool {
        token_identity(old).is_some() && token_identity(old) == token_identity(new)
    }
}

fn token_config() -> (GroupConfig, Arc<TokenValidator>) {
    let v = Arc::new(TokenValidator {
        calls: AtomicUsize::new(0),
    });
    let config = GroupConfig {
        hooks: GroupHooks::new().with_credential_validator(v.clone()),
        ..GroupConfig::default()
    };
    (config, v)
}

fn token_caps() -> Capabilities {
    caps(&[], &[TOKEN])
}

#[test]
fn custom_credential_type_with_a_validator() {
    let p = provider();
    let (config, v) = token_config();
    let mut g = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![
            (token("valid:bob"), token_caps()),
            (token("valid:carol"), token_caps()),
        ],
        std::slice::from_ref(&config),
    )
    .unwrap();
    assert!(v.calls.load(Ordering::SeqCst) >= 3);
    // The group works: a commit with a path from the TOKEN member Bob.
    let out = g[1].commit(CommitOptions::default()).unwrap();
    deliver(&mut g, 1, &out.commit);
    assert_eq!(
        g[2].member(LeafIndex(1)).unwrap().credential,
        token("valid:bob")
    );

    // An invalid token is refused by the committer ...
    let (_, bad) = client(&p, token("forged:eve"), token_caps());
    let e = g[0]
        .commit(CommitOptions::default().add_member(bad.key_package.clone()))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialRejected));
    // ... and by a receiver of an Add proposal.
    let msg = g[0]
        .propose(Proposal::Add(Box::new(melos::messages::Add {
            key_package: bad.key_package,
        })))
        .unwrap();
    assert_eq!(
        g[1].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::CredentialRejected)
    );
}

#[test]
fn the_default_validator_refuses_custom_credentials() {
    let p = provider();
    // At the committer (an Add).
    let e = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![(token("valid:bob"), token_caps())],
        &[GroupConfig::default()],
    )
    .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialRejected));
    // At group creation (the creator's own leaf).
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, token("valid:alice")).unwrap();
    let options = CreateOptions {
        capabilities: Some(token_caps()),
        ..CreateOptions::default()
    };
    let e = Group::create_with_options(
        p.clone(),
        SUITE,
        b"g".to_vec(),
        id,
        GroupConfig::default(),
        options,
    )
    .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialRejected));
}

#[test]
fn a_joiner_validates_every_credential_of_the_tree() {
    let p = provider();
    let (config, _) = token_config();
    let mut g = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![(token("valid:bob"), token_caps())],
        &[config],
    )
    .unwrap();
    // Carol keeps the default validator: Bob's TOKEN credential in the Welcome's tree is
    // refused.
    let (carol, kp) = client(&p, basic("carol"), token_caps());
    let out = g[0]
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(kp.key_package.clone()),
        )
        .unwrap();
    let e = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &kp,
        carol,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialRejected));
}

#[test]
fn an_update_must_keep_the_identity() {
    let p = provider();
    let (config, _) = token_config();
    let mut g = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![
            (token("valid:bob"), token_caps()),
            (token("valid:carol"), token_caps()),
        ],
        &[config],
    )
    .unwrap();
    let cs = p.suite(SUITE).unwrap();
    // Bob re-issues his token (same identity): accepted.
    let update = |g: &Group, credential: Credential| {
        let mut leaf = g
            .ratchet_tree()
            .leaf(LeafIndex(1))
            .unwrap()
            .to_leaf_node()
            .unwrap();
        leaf.credential = credential;
        leaf.encryption_key = cs.kem_generate_key_pair().unwrap().public_key;
        leaf.leaf_node_source = LeafNodeSource::Update;
        leaf.sign(
            cs,
            &g.identity().key_pair().unwrap().private_key,
            g.group_id(),
            LeafIndex(1),
        )
        .unwrap();
        Proposal::Update(Box::new(Update { leaf_node: leaf }))
    };
    let renewed = update(&g[1], token("valid:bob#2"));
    let msg = g[1].propose(renewed).unwrap();
    g[0].process(&msg, None).unwrap();
    // Bob claims to be Mallory: refused as a successor.
    let mallory = update(&g[1], token("valid:mallory"));
    let msg = g[1].propose(mallory).unwrap();
    assert_eq!(
        g[2].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::CredentialNotValidSuccessor)
    );
}

#[test]
fn custom_credential_type_must_be_in_the_leaf_capabilities() {
    let p = provider();
    let (config, _) = token_config();
    let mut g = group_of(&p, (basic("alice"), token_caps()), vec![], &[config]).unwrap();
    // Bob's KeyPackage does not list TOKEN although his credential is one (§7.2).
    let (_, kp) = client(&p, token("valid:bob"), caps(&[], &[]));
    let e = g[0]
        .commit(CommitOptions::default().add_member(kp.key_package))
        .unwrap_err();
    assert_eq!(
        e,
        Error::Message(MessageError::CredentialTypeNotInCapabilities)
    );
    // Alice does not support TOKEN: a TOKEN member cannot be added (§7.3).
    let mut g = group_of(
        &p,
        (basic("alice"), caps(&[], &[])),
        vec![],
        &[token_config().0],
    )
    .unwrap();
    let (_, kp) = client(&p, token("valid:bob"), token_caps());
    let e = g[0]
        .commit(CommitOptions::default().add_member(kp.key_package))
        .unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialTypeNotSupported));
}

#[test]
fn state_with_custom_hooks_needs_them_back() {
    let p = provider();
    let (config, v) = token_config();
    let g = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![(token("valid:bob"), token_caps())],
        std::slice::from_ref(&config),
    )
    .unwrap();
    let bytes = g[1].to_bytes().unwrap();
    assert_eq!(
        Group::from_bytes(p.clone(), bytes.as_bytes()).unwrap_err(),
        Error::Group(GroupError::MissingHooks)
    );
    let restored =
        Group::from_bytes_with_hooks(p.clone(), config.hooks.clone(), bytes.as_bytes()).unwrap();
    assert_eq!(restored.to_bytes().unwrap().as_bytes(), bytes.as_bytes());
    assert_eq!(restored.config(), g[1].config());
    assert!(v.calls.load(Ordering::SeqCst) > 0);
}

#[test]
fn external_commits_go_through_the_validator() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let (config, _) = token_config();
    let mut g = group_of(
        &p,
        (basic("alice"), token_caps()),
        vec![(token("valid:bob"), token_caps())],
        std::slice::from_ref(&config),
    )
    .unwrap();
    let external = |g: &Group, credential: Credential, prior: Option<PriorLeaf>, config| {
        let gi = g.group_info(GroupInfoOptions::default()).unwrap();
        let options = ExternalCommitOptions {
            remove_prior: prior,
            capabilities: Some(token_caps()),
            ..ExternalCommitOptions::default()
        };
        let id = SigningIdentity::generate(cs, credential).unwrap();
        Group::join_by_external_commit(p.clone(), &gi, None, id, config, &PskStore::new(), options)
    };
    // Bob resyncs with a re-issued token: same identity per the validator, so the
    // resync is accepted although the credential differs.
    let (_, out) = external(
        &g[0],
        token("valid:bob#2"),
        Some(PriorLeaf::Leaf(LeafIndex(1))),
        config.clone(),
    )
    .unwrap();
    let s = staged(&mut g[0], &out.commit).unwrap();
    assert_eq!(s.removed()[0].credential, token("valid:bob"));
    // A joiner whose own validator accepts anything.
    struct Lax;
    impl CredentialValidator for Lax {
        fn validate(&self, _: &Credential, _: &SignaturePublicKey, _: CredentialUse) -> bool {
            true
        }
        fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
            true
        }
    }
    let lax = GroupConfig {
        hooks: GroupHooks::new().with_credential_validator(Arc::new(Lax)),
        ..GroupConfig::default()
    };
    // Mallory tries to take over Bob's leaf: not a valid successor, at the joiner (with
    // the same validator) and at the members.
    let e = external(
        &g[0],
        token("valid:mallory"),
        Some(PriorLeaf::Leaf(LeafIndex(1))),
        config.clone(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::Group(GroupError::ExternalCommitRemoveIdentityMismatch)
    );
    let (_, out) = external(
        &g[0],
        token("valid:mallory"),
        Some(PriorLeaf::Leaf(LeafIndex(1))),
        lax.clone(),
    )
    .unwrap();
    assert_eq!(
        staged(&mut g[0], &out.commit).unwrap_err(),
        Error::Group(GroupError::ExternalCommitRemoveIdentityMismatch)
    );
    // A forged token, and the members refuse it.
    let (_, out) = external(&g[0], token("forged:eve"), None, lax.clone()).unwrap();
    for m in g.iter_mut() {
        assert_eq!(
            staged(m, &out.commit).unwrap_err(),
            Error::Group(GroupError::CredentialRejected)
        );
    }
    // The joiner's own validator checks its own leaf too.
    let e = external(&g[0], token("forged:eve"), None, config).unwrap_err();
    assert_eq!(e, Error::Group(GroupError::CredentialRejected));
}

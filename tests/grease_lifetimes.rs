//! GREASE (RFC 9420 §13.5) in every structure melos produces and GREASE values received from
//! peers, the default capabilities (§7.2), and lifetime checks against a caller-given time (§7.3, §10.1): KeyPackages at
//! Add (commit, proposal, commit processing) and the tree's leaves at join.

use std::sync::Arc;

use melos::crypto::SignaturePublicKey;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    BasicCredentialValidator, CommitOptions, CredentialUse, CredentialValidator,
    ExternalCommitOptions, Group, GroupConfig, GroupHooks, GroupInfoOptions, JoinOptions,
    KeyPackageOptions, ProcessedContent, PskStore, SigningIdentity, TreeLifetimes,
};
use melos::messages::{
    Add, Capabilities, Certificate, Credential, CredentialType, Extensions, KeyPackage,
    KeyPackageBundle, LeafNode, Lifetime, Proposal, ProtocolVersion, RequiredCapabilities,
    is_grease,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError, TreeError};

const SUITE: CipherSuite = CipherSuite(1);
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

/// A KeyPackage with every GREASE (`grease`: values in the capabilities and extensions in
/// the leaf and the KeyPackage) or none.
fn key_package(
    p: &Arc<dyn CryptoProvider>,
    id: &SigningIdentity,
    lifetime: Lifetime,
    grease: bool,
) -> KeyPackageBundle {
    let cs = p.suite(SUITE).unwrap();
    let options = KeyPackageOptions {
        grease,
        grease_extensions: grease,
        ..KeyPackageOptions::new(lifetime)
    };
    id.key_package_with(cs, options).unwrap()
}

fn no_grease() -> GroupConfig {
    GroupConfig {
        grease: false,
        ..GroupConfig::default()
    }
}

/// GREASE everywhere, leaf extensions included (opt-in).
fn full_grease() -> GroupConfig {
    GroupConfig {
        grease_extensions: true,
        ..GroupConfig::default()
    }
}

/// Every GREASE-able list of `caps` has a GREASE value.
fn capabilities_greased(caps: &Capabilities) -> bool {
    caps.cipher_suites.iter().any(|s| s.is_grease())
        && caps.extensions.iter().any(|t| is_grease(t.0))
        && caps.proposals.iter().any(|t| is_grease(t.0))
        && caps.credentials.iter().any(|t| is_grease(t.0))
}

fn has_grease(ext: &Extensions) -> bool {
    ext.iter().any(|e| is_grease(e.extension_type.0))
}

/// A leaf as produced by default: GREASE in each capabilities list, none in its extensions
/// (OpenMLS 0.9 refuses leaves with a GREASE extension).
fn leaf_default_greased(leaf: &LeafNode) -> bool {
    capabilities_greased(&leaf.capabilities) && !has_grease(&leaf.extensions)
}

/// A produced leaf with every GREASE: in each capabilities list and in its extensions, those
/// listed in its capabilities (§7.2).
fn leaf_greased(leaf: &LeafNode) -> bool {
    capabilities_greased(&leaf.capabilities)
        && has_grease(&leaf.extensions)
        && leaf
            .extensions
            .iter()
            .all(|e| leaf.capabilities.supports_extension(e.extension_type))
}

fn group_info_of(m: &MlsMessage) -> &melos::messages::GroupInfo {
    match &m.body {
        MlsMessageBody::GroupInfo(gi) => gi,
        _ => panic!("not a GroupInfo"),
    }
}

fn commit_of(g: &mut Group, m: &MlsMessage, now: Option<u64>) -> Result<(), Error> {
    let ProcessedContent::Commit(s) = g.process(m, now)?.content else {
        panic!("not a commit")
    };
    g.merge_staged_commit(*s)
}

#[test]
fn key_packages_carry_grease_and_still_validate() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let id = identity(&p, "alice");
    // By default: GREASE values in the capabilities, no GREASE extension.
    let kp = id.key_package(cs, FOREVER).unwrap().key_package;
    assert!(leaf_default_greased(&kp.leaf_node));
    assert!(kp.extensions.is_empty() && kp.leaf_node.extensions.is_empty());
    kp.validate(cs, 1).unwrap();
    // Opted in: a GREASE extension in the leaf and in the KeyPackage.
    let kp = key_package(&p, &id, FOREVER, true).key_package;
    assert!(leaf_greased(&kp.leaf_node));
    assert!(has_grease(&kp.extensions));
    // §10: KeyPackage extensions are listed in the leaf's capabilities too.
    assert!(kp.extensions.iter().all(|e| {
        kp.leaf_node
            .capabilities
            .supports_extension(e.extension_type)
    }));
    kp.validate(cs, 1).unwrap();
    // Fresh randomness each time: some KeyPackage differs in its GREASE choices.
    let different = (0..16).any(|_| {
        let other = key_package(&p, &id, FOREVER, true).key_package;
        other.leaf_node.capabilities != kp.leaf_node.capabilities
            || other.extensions.0[0].extension_type != kp.extensions.0[0].extension_type
    });
    assert!(different);
    // Off: no GREASE anywhere.
    let plain = key_package(&p, &id, FOREVER, false).key_package;
    assert_eq!(
        plain.leaf_node.capabilities,
        id.default_capabilities(SUITE, &CipherSuite::ALL, &BasicCredentialValidator)
    );
    assert!(plain.extensions.is_empty() && plain.leaf_node.extensions.is_empty());
}

/// RFC 9420 §7.2: a client "MUST list all values it supports": every suite of the provider
/// (the KeyPackage's own first) and every credential type the validator accepts (the
/// identity's own first).
#[test]
fn default_capabilities_list_every_supported_suite_and_credential_type() {
    let p = provider();
    let suite = CipherSuite(3);
    let cs = p.suite(suite).unwrap();
    let id = SigningIdentity::generate(
        cs,
        Credential::X509(vec![Certificate {
            cert_data: vec![1, 2, 3],
        }]),
    )
    .unwrap();
    let options = KeyPackageOptions {
        grease: false,
        ..KeyPackageOptions::new(FOREVER)
    };
    let kp = id.key_package_with(cs, options).unwrap().key_package;
    let caps = &kp.leaf_node.capabilities;
    assert_eq!(caps.cipher_suites.len(), 7);
    assert_eq!(caps.cipher_suites[0], suite);
    assert!(
        CipherSuite::ALL
            .iter()
            .all(|s| caps.cipher_suites.contains(s))
    );
    assert_eq!(
        caps.credentials,
        vec![CredentialType::X509, CredentialType::BASIC]
    );
    assert_eq!(caps.versions, vec![ProtocolVersion::MLS10]);
    // No extension type; the SelfRemove proposal of draft-ietf-mls-extensions.
    assert!(caps.extensions.is_empty());
    assert_eq!(
        caps.proposals,
        vec![melos::messages::ProposalType::SELF_REMOVE]
    );
    kp.validate(cs, 1).unwrap();
    // With the default GREASE: the same lists plus one GREASE value each.
    let kp = id.key_package(cs, FOREVER).unwrap().key_package;
    assert_eq!(kp.leaf_node.capabilities.without_grease(), *caps);
    assert_eq!(kp.leaf_node.capabilities.cipher_suites.len(), 8);
}

/// A custom validator that does not say which types it accepts lists only the member's
/// own type; one that does lists those.
#[test]
fn default_credential_types_follow_the_validator() {
    struct Opaque;
    impl CredentialValidator for Opaque {
        fn validate(&self, c: &Credential, _: &SignaturePublicKey, _: CredentialUse) -> bool {
            matches!(c, Credential::Basic(_))
        }
    }
    struct Tokens;
    impl CredentialValidator for Tokens {
        fn validate(&self, _: &Credential, _: &SignaturePublicKey, _: CredentialUse) -> bool {
            true
        }
        fn supported_credential_types(&self) -> Vec<CredentialType> {
            vec![CredentialType(0xF0C1), CredentialType::BASIC]
        }
    }
    let p = provider();
    let id = identity(&p, "alice");
    let create = |validator: Arc<dyn CredentialValidator>| {
        let config = GroupConfig {
            hooks: GroupHooks::new().with_credential_validator(validator),
            grease: false,
            ..GroupConfig::default()
        };
        let g = Group::create(p.clone(), SUITE, b"g".to_vec(), id.clone(), config).unwrap();
        let leaf = g.ratchet_tree().leaf(LeafIndex(0)).unwrap().to_leaf_node();
        leaf.unwrap().capabilities
    };
    let caps = create(Arc::new(Opaque));
    assert_eq!(caps.credentials, vec![CredentialType::BASIC]);
    assert_eq!(caps.cipher_suites.len(), 7);
    assert_eq!(caps.cipher_suites[0], SUITE);
    let caps = create(Arc::new(Tokens));
    assert_eq!(
        caps.credentials,
        vec![CredentialType::BASIC, CredentialType(0xF0C1)]
    );
    // KeyPackages: the validator of `KeyPackageOptions::hooks`.
    let cs = p.suite(SUITE).unwrap();
    let options = KeyPackageOptions {
        grease: false,
        hooks: GroupHooks::new().with_credential_validator(Arc::new(Opaque)),
        ..KeyPackageOptions::new(FOREVER)
    };
    let kp = id.key_package_with(cs, options).unwrap().key_package;
    assert_eq!(
        kp.leaf_node.capabilities.credentials,
        vec![CredentialType::BASIC]
    );
}

/// A group requiring x509 support (§11.1 `required_capabilities`) takes a default
/// basic-credential KeyPackage: x509 is listed, since the default validator accepts it.
#[test]
fn a_default_key_package_meets_required_credential_types() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let required = RequiredCapabilities {
        extension_types: vec![],
        proposal_types: vec![],
        credential_types: vec![CredentialType::BASIC, CredentialType::X509],
    };
    let mut extensions = Extensions::default();
    extensions.write(&required).unwrap();
    let mut alice = Group::create_with_extensions(
        p.clone(),
        SUITE,
        b"req".to_vec(),
        identity(&p, "alice"),
        GroupConfig::default(),
        extensions,
    )
    .unwrap();
    let bob = identity(&p, "bob");
    let bob_kp = bob.key_package(cs, FOREVER).unwrap();
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &bob_kp,
        bob,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
}

#[test]
fn leaves_and_group_infos_carry_grease() {
    let p = provider();
    let alice = identity(&p, "alice");
    let mut g = Group::create(
        p.clone(),
        SUITE,
        b"g".to_vec(),
        alice,
        GroupConfig::default(),
    )
    .unwrap();
    let own = g
        .ratchet_tree()
        .leaf(LeafIndex(0))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(leaf_default_greased(&own));
    let gi = g.group_info(GroupInfoOptions::default()).unwrap();
    assert!(has_grease(&group_info_of(&gi).extensions));
    // The GroupInfo of a Commit, and the committer's refreshed path leaf.
    let out = g
        .commit(CommitOptions {
            group_info: true,
            ..CommitOptions::default()
        })
        .unwrap();
    g.merge_pending_commit().unwrap();
    assert!(has_grease(
        &group_info_of(&out.group_info.unwrap()).extensions
    ));
    let own = g
        .ratchet_tree()
        .leaf(LeafIndex(0))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(leaf_default_greased(&own));
    // An external joiner's leaf.
    let gi = g.group_info(GroupInfoOptions::default()).unwrap();
    let (joined, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        identity(&p, "bob"),
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    let bob = joined
        .ratchet_tree()
        .leaf(joined.own_leaf())
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(leaf_default_greased(&bob));
    commit_of(&mut g, &out.commit, None).unwrap();
    assert_eq!(g.epoch_authenticator(), joined.epoch_authenticator());
    // Opted in: an external joiner's leaf and a creator's leaf with a GREASE extension.
    let gi = g.group_info(GroupInfoOptions::default()).unwrap();
    let (joined, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        identity(&p, "carol"),
        full_grease(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    let carol = joined
        .ratchet_tree()
        .leaf(joined.own_leaf())
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(leaf_greased(&carol));
    commit_of(&mut g, &out.commit, None).unwrap();
    assert_eq!(g.epoch_authenticator(), joined.epoch_authenticator());
    let full = Group::create(
        p.clone(),
        SUITE,
        b"f".to_vec(),
        identity(&p, "d"),
        full_grease(),
    )
    .unwrap();
    let own = full.ratchet_tree().leaf(LeafIndex(0)).unwrap();
    assert!(leaf_greased(&own.to_leaf_node().unwrap()));
    // GREASE off: none.
    let mut plain = Group::create(
        p.clone(),
        SUITE,
        b"h".to_vec(),
        identity(&p, "c"),
        no_grease(),
    )
    .unwrap();
    let own = plain
        .ratchet_tree()
        .leaf(LeafIndex(0))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(!has_grease(&own.extensions) && own.capabilities == own.capabilities.without_grease());
    let gi = plain.group_info(GroupInfoOptions::default()).unwrap();
    assert!(!has_grease(&group_info_of(&gi).extensions));
    plain.commit(CommitOptions::default()).unwrap();
}

#[test]
fn a_group_mixing_grease_and_plain_members_works() {
    // Alice GREASEs everything, Bob nothing, Carol GREASEs: each ignores the others' values.
    let p = provider();
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"mix".to_vec(),
        identity(&p, "alice"),
        full_grease(),
    )
    .unwrap();
    let bob = identity(&p, "bob");
    let bob_kp = key_package(&p, &bob, FOREVER, false);
    let carol = identity(&p, "carol");
    let carol_kp = key_package(&p, &carol, FOREVER, true);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone())
                .add_member(carol_kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut bob = Group::join(
        p.clone(),
        &w,
        &bob_kp,
        bob,
        None,
        no_grease(),
        &PskStore::new(),
    )
    .unwrap();
    let mut carol = Group::join(
        p.clone(),
        &w,
        &carol_kp,
        carol,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    // Bob commits (no GREASE of his own), then Carol, with an Update from Alice.
    let out = bob.commit(CommitOptions::default()).unwrap();
    bob.merge_pending_commit().unwrap();
    commit_of(&mut alice, &out.commit, None).unwrap();
    commit_of(&mut carol, &out.commit, None).unwrap();
    let upd = alice.propose_update().unwrap();
    bob.process(&upd, None).unwrap();
    carol.process(&upd, None).unwrap();
    let out = carol.commit(CommitOptions::default()).unwrap();
    carol.merge_pending_commit().unwrap();
    commit_of(&mut alice, &out.commit, None).unwrap();
    commit_of(&mut bob, &out.commit, None).unwrap();
    let msg = alice.encrypt_application(b"hello", b"").unwrap();
    let got = bob.process(&msg, None).unwrap();
    assert!(matches!(got.content, ProcessedContent::Application(ref d) if d == b"hello"));
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
    // A peer's GroupInfo with GREASE serves a plain joiner.
    let gi = carol.group_info(GroupInfoOptions::default()).unwrap();
    let (dave, _) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        identity(&p, "dave"),
        no_grease(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    assert_eq!(dave.member_count(), 4);
}

// -- Lifetimes (RFC 9420 §7.3, §10.1) --

const WINDOW: Lifetime = Lifetime {
    not_before: 1_000,
    not_after: 2_000,
};

#[test]
fn an_expired_key_package_is_refused_on_commit() {
    let p = provider();
    let mut g = Group::create(
        p.clone(),
        SUITE,
        b"l".to_vec(),
        identity(&p, "alice"),
        GroupConfig::default(),
    )
    .unwrap();
    let kp = key_package(&p, &identity(&p, "bob"), WINDOW, true).key_package;
    let at = |now| CommitOptions {
        now: Some(now),
        ..CommitOptions::default().add_member(kp.clone())
    };
    for now in [999, 2_001] {
        assert_eq!(
            g.commit(at(now)).unwrap_err(),
            Error::Group(GroupError::KeyPackageLifetimeInvalid)
        );
    }
    g.commit(at(1_500)).unwrap();
}

/// Alice and Bob; Alice commits (or proposes) the Add of a KeyPackage of `WINDOW`.
fn two_members(p: &Arc<dyn CryptoProvider>) -> (Group, Group) {
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"l".to_vec(),
        identity(p, "alice"),
        GroupConfig::default(),
    )
    .unwrap();
    let bob = identity(p, "bob");
    let kp = key_package(p, &bob, FOREVER, true);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &kp,
        bob,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    (alice, bob)
}

#[test]
fn an_expired_key_package_is_refused_on_process() {
    let p = provider();
    let (mut alice, mut bob) = two_members(&p);
    let kp = key_package(&p, &identity(&p, "carol"), WINDOW, true).key_package;
    // Alice gives no time (no check); Bob checks at 3000.
    let out = alice
        .commit(CommitOptions::default().add_member(kp.clone()))
        .unwrap();
    let ProcessedContent::Commit(_) = bob.process(&out.commit, Some(1_500)).unwrap().content else {
        panic!("not a commit")
    };
    assert_eq!(
        bob.process(&out.commit, Some(3_000)).unwrap_err(),
        Error::Group(GroupError::KeyPackageLifetimeInvalid)
    );
    alice.clear_pending_commit();
    // An Add proposal is checked when received too.
    let msg = alice
        .propose(Proposal::Add(Box::new(Add {
            key_package: kp as KeyPackage,
        })))
        .unwrap();
    assert_eq!(
        bob.process(&msg, Some(3_000)).unwrap_err(),
        Error::Group(GroupError::KeyPackageLifetimeInvalid)
    );
    bob.process(&msg, Some(1_500)).unwrap();
}

#[test]
fn tree_lifetimes_at_join() {
    let p = provider();
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"j".to_vec(),
        identity(&p, "alice"),
        GroupConfig::default(),
    )
    .unwrap();
    // Bob joined with a KeyPackage valid from 1000 to 2000 and never updated.
    let bob_kp = key_package(&p, &identity(&p, "bob"), WINDOW, true).key_package;
    alice
        .commit(CommitOptions {
            now: Some(1_500),
            ..CommitOptions::default().add_member(bob_kp)
        })
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let carol = identity(&p, "carol");
    let carol_kp = key_package(&p, &carol, FOREVER, true);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(carol_kp.key_package.clone()),
        )
        .unwrap();
    let w = out.welcome.unwrap();
    let join = |now: Option<u64>, tree_lifetimes| {
        let options = JoinOptions {
            now,
            tree_lifetimes,
            ..JoinOptions::default()
        };
        Group::join_with_options(
            p.clone(),
            &w,
            &carol_kp,
            carol.clone(),
            GroupConfig::default(),
            &PskStore::new(),
            options,
        )
    };
    let lifetime_err = Err(Error::Tree(TreeError::LeafLifetimeInvalid));
    // Strict: Bob's expired leaf is refused at 3000, and accepted at 1500.
    assert_eq!(
        join(Some(3_000), TreeLifetimes::Strict).map(|_| ()),
        lifetime_err
    );
    join(Some(1_500), TreeLifetimes::Strict).unwrap();
    // Lenient (the default): an expired leaf is accepted, a not-yet-valid one refused.
    join(Some(3_000), TreeLifetimes::default()).unwrap();
    assert_eq!(
        join(Some(500), TreeLifetimes::Lenient).map(|_| ()),
        lifetime_err
    );
    // Ignore, or no time: no check.
    join(Some(500), TreeLifetimes::Ignore).unwrap();
    join(None, TreeLifetimes::Strict).unwrap();
}

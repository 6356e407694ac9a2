//! The safe application interface of draft-ietf-mls-extensions (editor's copy) end to end
//! between melos members through the public API: `app_data_dictionary` updated by
//! AppDataUpdate commits, AppEphemeral data and AppAck, SafeAAD, the safe HPKE and signature
//! operations, and every refusal with its own error (a refused Commit leaves the receiver's
//! group as it was).

use std::sync::Arc;
use std::sync::Mutex;

use melos::components::{
    APP_ACK, APP_DATA_DICTIONARY, APP_DATA_UPDATE, APP_EPHEMERAL, AppAck, AppComponent,
    AppDataDictionary, AppDataUpdate, AppEphemeral, CommittedAppData, ComponentRegistry,
    ComponentUpdate, ComponentsList, MessageRange, OpaqueComponent, SAFE_AAD, SafeAad,
};
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{FramedContentBody, MlsMessage, MlsMessageBody, Sender};
use melos::group::{
    CommitOptions, CreateOptions, Group, GroupConfig, GroupHooks, KeyPackageOptions, PathChoice,
    ProcessedContent, PskStore, SigningIdentity, StagedCommit,
};
use melos::messages::{
    Capabilities, Credential, CredentialType, ExtensionType, Extensions, GroupContext,
    GroupContextExtensions, Lifetime, Proposal, RequiredCapabilities,
};
use melos::tree_math::{LeafIndex, NodeIndex};
use melos::{CipherSuite, CryptoError, CryptoProvider, Error, ExtensionError, GroupError};

const SUITE: CipherSuite = CipherSuite(1);
/// A room-state component (private use range): a plain slot, last update wins.
const ROOM: u16 = 0x8001;
/// A counter component: its data is a big-endian u32, each update one byte added to it;
/// the byte 0xFF is refused, as is an ephemeral datum that is empty.
const COUNTER: u16 = 0x8002;
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn caps() -> Capabilities {
    let mut c = Capabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = vec![APP_DATA_UPDATE, APP_EPHEMERAL];
    c.extensions = vec![APP_DATA_DICTIONARY];
    c
}

/// Records what it was given.
#[derive(Default)]
struct Counter {
    seen_updates: Mutex<Vec<Vec<u8>>>,
    seen_ephemeral: Mutex<Vec<Vec<u8>>>,
}

impl AppComponent for Counter {
    fn apply_updates(
        &self,
        _context: &GroupContext,
        current: Option<&[u8]>,
        updates: &[ComponentUpdate<'_>],
    ) -> Option<Vec<u8>> {
        let mut n = match current {
            Some(b) => u32::from_be_bytes(b.try_into().ok()?),
            None => 0,
        };
        for u in updates {
            self.seen_updates.lock().unwrap().push(u.update.to_vec());
            let [d] = u.update else { return None };
            if *d == 0xFF {
                return None;
            }
            n = n.checked_add(u32::from(*d))?;
        }
        Some(n.to_be_bytes().to_vec())
    }

    fn validate_ephemeral(&self, _context: &GroupContext, _sender: &Sender, data: &[u8]) -> bool {
        self.seen_ephemeral.lock().unwrap().push(data.to_vec());
        !data.is_empty()
    }
}

fn registry(counter: &Arc<Counter>) -> Arc<ComponentRegistry> {
    Arc::new(
        ComponentRegistry::new()
            .with(ROOM, Arc::new(OpaqueComponent))
            .with(COUNTER, counter.clone()),
    )
}

fn config(components: Arc<ComponentRegistry>) -> GroupConfig {
    GroupConfig {
        hooks: GroupHooks::new().with_app_components(components),
        ..GroupConfig::default()
    }
}

/// Alice, Bob and Carol; member `i` uses `configs[i]`; the group starts with `extensions`.
fn group_with(
    p: &Arc<dyn CryptoProvider>,
    configs: [GroupConfig; 3],
    extensions: Extensions,
) -> Result<Vec<Group>, Error> {
    let cs = p.suite(SUITE).unwrap();
    let id = |n: &str| SigningIdentity::generate(cs, Credential::Basic(n.into())).unwrap();
    let [c0, c1, c2] = configs;
    let options = CreateOptions {
        capabilities: Some(caps()),
        extensions,
        ..CreateOptions::default()
    };
    let mut alice =
        Group::create_with_options(p.clone(), SUITE, b"room".to_vec(), id("alice"), c0, options)?;
    let mut joiners = Vec::new();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (name, c) in [("bob", c1), ("carol", c2)] {
        let i = id(name);
        let kp = i
            .key_package_with(
                cs,
                KeyPackageOptions {
                    capabilities: Some(caps()),
                    ..KeyPackageOptions::new(FOREVER)
                },
            )
            .unwrap();
        opts = opts.add_member(kp.key_package.clone());
        joiners.push((i, kp, c));
    }
    let out = alice.commit(opts)?;
    alice.merge_pending_commit()?;
    let w = out.welcome.unwrap();
    let mut groups = vec![alice];
    for (i, kp, c) in joiners {
        groups.push(Group::join(
            p.clone(),
            &w,
            &kp,
            i,
            None,
            c,
            &PskStore::new(),
        )?);
    }
    Ok(groups)
}

fn group(p: &Arc<dyn CryptoProvider>, counter: &Arc<Counter>) -> Vec<Group> {
    let c = config(registry(counter));
    group_with(p, [c.clone(), c.clone(), c], Extensions::default()).unwrap()
}

fn staged(g: &mut Group, msg: &MlsMessage) -> Result<StagedCommit, Error> {
    match g.process(msg, None)?.content {
        ProcessedContent::Commit(s) => Ok(*s),
        _ => panic!("not a commit"),
    }
}

/// Every member but `from` processes and merges `commit`, `from` merges its pending one;
/// returns the application data each receiver saw; all agree on the epoch authenticator
/// and the dictionary.
fn deliver(g: &mut [Group], from: usize, commit: &MlsMessage) -> Vec<CommittedAppData> {
    let mut seen = Vec::new();
    for (i, m) in g.iter_mut().enumerate() {
        if i == from {
            m.merge_pending_commit().unwrap();
            continue;
        }
        let s = staged(m, commit).unwrap();
        seen.push(CommittedAppData::from_custom(s.custom_proposals()).unwrap());
        m.merge_staged_commit(s).unwrap();
    }
    for m in g.iter() {
        assert_eq!(m.epoch_authenticator(), g[0].epoch_authenticator());
        assert_eq!(
            m.app_data_dictionary().unwrap(),
            g[0].app_data_dictionary().unwrap()
        );
    }
    seen
}

fn update(id: u16, data: &[u8]) -> Proposal {
    AppDataUpdate::update(id, data.to_vec())
        .to_proposal()
        .unwrap()
}

fn remove(id: u16) -> Proposal {
    AppDataUpdate::remove(id).to_proposal().unwrap()
}

fn ephemeral(id: u16, data: &[u8]) -> Proposal {
    AppEphemeral {
        component_id: id,
        data: data.to_vec(),
    }
    .to_proposal()
    .unwrap()
}

fn ext(e: Error) -> ExtensionError {
    match e {
        Error::Extension(x) => x,
        e => panic!("not an extension error: {e:?}"),
    }
}

fn commit_with(g: &mut Group, proposals: Vec<Proposal>) -> Result<MlsMessage, Error> {
    let mut o = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    };
    for p in proposals {
        o = o.with_proposal(p);
    }
    Ok(g.commit(o)?.commit)
}

fn has_path(commit: &MlsMessage) -> bool {
    let MlsMessageBody::PublicMessage(m) = &commit.body else {
        panic!("public handshake expected");
    };
    let FramedContentBody::Commit(c) = &m.content.body else {
        panic!("not a commit");
    };
    c.path.is_some()
}

#[test]
fn app_data_update_by_value_and_by_reference() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    assert_eq!(g[0].app_data_dictionary().unwrap(), None);

    // By value, without a path (draft § "MLS Proposal Types": Path Required: N).
    let c = commit_with(
        &mut g[0],
        vec![update(ROOM, b"topic: lunch"), update(COUNTER, &[2])],
    )
    .unwrap();
    assert!(!has_path(&c));
    let seen = deliver(&mut g, 0, &c);
    assert_eq!(seen[0].updates.len(), 2);
    assert_eq!(seen[0].updates[0].1, Sender::Member(LeafIndex(0)));
    for m in &g {
        assert_eq!(m.component_data(ROOM).unwrap().unwrap(), b"topic: lunch");
        assert_eq!(
            m.component_data(COUNTER).unwrap().unwrap(),
            2u32.to_be_bytes()
        );
        // The extension was appended to the GroupContext.
        let last = m.group_context().extensions.iter().last().unwrap();
        assert_eq!(last.extension_type, APP_DATA_DICTIONARY);
    }

    // By reference: Bob proposes, Carol commits; two updates of one component in order.
    let prop = g[1].propose(update(COUNTER, &[3])).unwrap();
    for i in [0, 2] {
        g[i].process(&prop, None).unwrap();
    }
    let c = commit_with(
        &mut g[2],
        vec![update(COUNTER, &[4]), update(ROOM, b"topic: dinner")],
    )
    .unwrap();
    let seen = deliver(&mut g, 2, &c);
    assert!(
        seen[0]
            .updates
            .iter()
            .any(|(_, s)| *s == Sender::Member(LeafIndex(1)))
    );
    for m in &g {
        assert_eq!(
            m.component_data(COUNTER).unwrap().unwrap(),
            9u32.to_be_bytes()
        );
        assert_eq!(m.component_data(ROOM).unwrap().unwrap(), b"topic: dinner");
        let d = m.app_data_dictionary().unwrap().unwrap();
        assert_eq!(d.component_ids().collect::<Vec<_>>(), [ROOM, COUNTER]);
    }
}

#[test]
fn remove_deletes_an_entry_and_needs_one() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let c = commit_with(&mut g[0], vec![update(ROOM, b"x"), update(COUNTER, &[1])]).unwrap();
    deliver(&mut g, 0, &c);
    let c = commit_with(&mut g[1], vec![remove(ROOM)]).unwrap();
    deliver(&mut g, 1, &c);
    for m in &g {
        assert_eq!(m.component_data(ROOM).unwrap(), None);
        assert!(m.component_data(COUNTER).unwrap().is_some());
    }
    // The committer's own check.
    let e = commit_with(&mut g[0], vec![remove(ROOM)]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::RemoveOfAbsentComponent);
    assert!(!g[0].has_pending_commit());
    // A receiver's check of a proposal sent by reference: refused, not stored.
    let prop = g[1].propose(remove(ROOM)).unwrap();
    let e = g[0].process(&prop, None).unwrap_err();
    assert_eq!(ext(e), ExtensionError::RemoveOfAbsentComponent);
    assert_eq!(g[0].pending_proposals().count(), 0);
}

#[test]
fn one_remove_or_only_updates_per_component() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let c = commit_with(&mut g[0], vec![update(ROOM, b"x")]).unwrap();
    deliver(&mut g, 0, &c);
    let e = commit_with(&mut g[0], vec![remove(ROOM), remove(ROOM)]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::MultipleRemovesForComponent);
    let e = commit_with(&mut g[0], vec![update(ROOM, b"y"), remove(ROOM)]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::UpdateAndRemoveForComponent);
    assert!(!g[0].has_pending_commit());
    assert_eq!(g[0].component_data(ROOM).unwrap().unwrap(), b"x");
}

#[test]
fn the_component_decides_and_a_refused_commit_changes_nothing() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    // The committer's component refuses.
    let e = commit_with(&mut g[0], vec![update(COUNTER, &[0xFF])]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::ComponentUpdateRejected);

    // Alice's component accepts everything; Bob's and Carol's refuse 0xFF.
    let lax = config(Arc::new(
        ComponentRegistry::new()
            .with(ROOM, Arc::new(OpaqueComponent))
            .with(COUNTER, Arc::new(OpaqueComponent)),
    ));
    let bytes = g[0].to_bytes().unwrap();
    g[0] = Group::from_bytes_with_hooks(p.clone(), lax.hooks.clone(), bytes.as_bytes()).unwrap();
    let c = commit_with(&mut g[0], vec![update(COUNTER, &[0xFF])]).unwrap();
    let before = g[1].to_bytes().unwrap();
    let e = staged(&mut g[1], &c).unwrap_err();
    assert_eq!(ext(e), ExtensionError::ComponentUpdateRejected);
    assert_eq!(g[1].to_bytes().unwrap().as_bytes(), before.as_bytes());
    // Alice drops it and commits an update every member's components agree on; Bob
    // follows from his unchanged state.
    g[0].clear_pending_commit();
    let c = commit_with(&mut g[0], vec![update(ROOM, b"agreed")]).unwrap();
    let seen = deliver(&mut g, 0, &c);
    assert_eq!(seen.len(), 2);
    assert_eq!(g[1].component_data(ROOM).unwrap().unwrap(), b"agreed");
}

#[test]
fn unknown_components_are_refused() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let knows = config(registry(&counter));
    let only_room = config(Arc::new(
        ComponentRegistry::new().with(ROOM, Arc::new(OpaqueComponent)),
    ));
    let mut g = group_with(&p, [knows.clone(), only_room, knows], Extensions::default()).unwrap();
    let e = commit_with(&mut g[0], vec![update(0x8999, b"?")]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::UnknownComponent);
    let e = commit_with(&mut g[0], vec![ephemeral(0x8999, b"?")]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::UnknownComponent);
    // Bob does not know COUNTER: he refuses Alice's Commit, Carol accepts it.
    let c = commit_with(&mut g[0], vec![update(COUNTER, &[1])]).unwrap();
    assert_eq!(
        ext(staged(&mut g[1], &c).unwrap_err()),
        ExtensionError::UnknownComponent
    );
    assert!(staged(&mut g[2], &c).is_ok());
    assert_eq!(g[1].epoch(), 1);
}

#[test]
fn app_ephemeral_is_delivered_and_changes_no_state() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let ext_before = g[0].group_context().extensions.clone();
    let c = commit_with(
        &mut g[0],
        vec![ephemeral(COUNTER, b"ping"), update(ROOM, b"r")],
    )
    .unwrap();
    assert!(!has_path(&c));
    let seen = deliver(&mut g, 0, &c);
    for s in &seen {
        assert_eq!(s.ephemeral.len(), 1);
        assert_eq!(s.ephemeral[0].0.data, b"ping");
        assert_eq!(s.ephemeral[0].1, Sender::Member(LeafIndex(0)));
    }
    // AppEphemeral is processed before AppDataUpdate; the committer and both receivers
    // asked the component.
    assert!(counter.seen_ephemeral.lock().unwrap().len() >= 3);
    // Only the ROOM update changed the GroupContext.
    let c = commit_with(&mut g[0], vec![ephemeral(COUNTER, b"again")]).unwrap();
    let dict_before = g[0].app_data_dictionary().unwrap();
    deliver(&mut g, 0, &c);
    assert_eq!(g[0].app_data_dictionary().unwrap(), dict_before);
    assert_ne!(g[0].group_context().extensions, ext_before);
    // The component refuses an empty datum.
    let e = commit_with(&mut g[0], vec![ephemeral(COUNTER, b"")]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::AppEphemeralRejected);
}

#[test]
fn app_ack_travels_in_app_ephemeral() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let m = g[1].encrypt_application(b"hello", &[]).unwrap();
    let r = g[0].process(&m, None).unwrap();
    assert!(matches!(r.content, ProcessedContent::Application(_)));
    let ack = AppAck {
        received_ranges: vec![MessageRange {
            sender: 1,
            first_generation: 0,
            last_generation: 0,
        }],
    };
    let prop = ack.to_app_ephemeral().unwrap().to_proposal().unwrap();
    let c = commit_with(&mut g[0], vec![prop]).unwrap();
    let seen = deliver(&mut g, 0, &c);
    let (e, _) = &seen[0].ephemeral[0];
    assert_eq!(e.component_id, APP_ACK);
    assert_eq!(AppAck::decode(&e.data).unwrap(), ack);
    // A malformed AppAck is refused by the built-in app_ack component.
    let e = commit_with(&mut g[0], vec![ephemeral(APP_ACK, &[9, 9])]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::AppEphemeralRejected);
}

#[test]
fn group_context_extensions_may_not_touch_the_dictionary_when_app_data_update_is_required() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let c = config(registry(&counter));
    let mut start = Extensions::default();
    let mut dict = AppDataDictionary::new();
    dict.insert(ROOM, b"initial".to_vec());
    start.write(&dict).unwrap();
    start
        .write(&RequiredCapabilities {
            extension_types: vec![APP_DATA_DICTIONARY],
            proposal_types: vec![APP_DATA_UPDATE],
            credential_types: vec![],
        })
        .unwrap();
    let mut g = group_with(&p, [c.clone(), c.clone(), c], start.clone()).unwrap();
    assert_eq!(g[1].component_data(ROOM).unwrap().unwrap(), b"initial");
    let mut changed = start.clone();
    let mut d2 = dict.clone();
    d2.insert(ROOM, b"sneaky".to_vec());
    changed.write(&d2).unwrap();
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: changed,
    });
    let e = commit_with(&mut g[0], vec![gce]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::GroupContextExtensionsChangeAppData);
    // Removing it is a change too.
    let mut without = start.clone();
    without.remove(APP_DATA_DICTIONARY);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: without,
    });
    let e = commit_with(&mut g[0], vec![gce]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::GroupContextExtensionsChangeAppData);
    // A GroupContextExtensions that keeps it, followed by an AppDataUpdate, is fine.
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: start.clone(),
    });
    let c = commit_with(&mut g[0], vec![gce, update(ROOM, b"by update")]).unwrap();
    deliver(&mut g, 0, &c);
    assert_eq!(g[2].component_data(ROOM).unwrap().unwrap(), b"by update");
}

#[test]
fn members_must_support_the_dictionary_before_an_update_creates_it() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    // Only AppDataUpdate is checked by proposal type; the extension must be supported too:
    // Alice's view of the tree says everyone supports it, so this works.
    let c = commit_with(&mut g[0], vec![update(ROOM, b"a")]).unwrap();
    deliver(&mut g, 0, &c);
    assert!(
        g[0].group_context()
            .extensions
            .get(ExtensionType(0x0006))
            .is_some()
    );
}

#[test]
fn safe_aad_is_required_once_the_group_context_asks_for_it() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    // Plain AAD is allowed before `safe_aad` is in the GroupContext.
    let m = g[0].encrypt_application(b"hi", b"plain").unwrap();
    assert_eq!(g[1].process(&m, None).unwrap().authenticated_data, b"plain");
    // The group requires Safe AAD (an empty list of components is enough).
    let list = ComponentsList::default().encode().unwrap();
    let c = commit_with(&mut g[0], vec![update(SAFE_AAD, &list)]).unwrap();
    deliver(&mut g, 0, &c);
    let e = g[0].encrypt_application(b"hi", b"plain").unwrap_err();
    assert_eq!(ext(e), ExtensionError::UnsafeAuthenticatedData);
    let aad = SafeAad::new()
        .with_item(COUNTER, b"c".to_vec())
        .with_item(ROOM, b"r".to_vec());
    let m = g[0]
        .encrypt_application(b"hi", &aad.encode().unwrap())
        .unwrap();
    let got = g[2].process(&m, None).unwrap();
    let parsed = SafeAad::decode(&got.authenticated_data).unwrap();
    assert_eq!(parsed.get(ROOM), Some(&b"r"[..]));
    // An empty authenticated_data is sent as the empty SafeAAD, for handshakes too.
    let m = g[1].encrypt_application(b"x", &[]).unwrap();
    assert_eq!(g[0].process(&m, None).unwrap().authenticated_data, [0]);
    let c = commit_with(&mut g[1], vec![update(ROOM, b"q")]).unwrap();
    deliver(&mut g, 1, &c);
    // A malformed SafeAAD list in an update of `safe_aad` is refused.
    let e = commit_with(&mut g[0], vec![update(SAFE_AAD, &[7])]).unwrap_err();
    assert_eq!(ext(e), ExtensionError::ComponentUpdateRejected);
}

#[test]
fn safe_hpke_and_signatures_are_separated_by_component() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let g = group(&p, &counter);
    // Signatures: Bob verifies Alice's signature for ROOM, not for COUNTER.
    let sig = g[0].safe_sign_with_label(ROOM, b"vote", b"yes").unwrap();
    g[1].safe_verify_with_label(LeafIndex(0), ROOM, b"vote", b"yes", &sig)
        .unwrap();
    assert_eq!(
        g[1].safe_verify_with_label(LeafIndex(0), COUNTER, b"vote", b"yes", &sig),
        Err(Error::Crypto(CryptoError::InvalidSignature))
    );
    assert_eq!(
        g[1].safe_verify_with_label(LeafIndex(2), ROOM, b"vote", b"yes", &sig),
        Err(Error::Crypto(CryptoError::InvalidSignature))
    );
    assert_eq!(
        g[1].safe_sign_with_label(0, b"vote", b"yes").unwrap_err(),
        Error::Extension(ExtensionError::ReservedComponentId)
    );
    // HPKE to Bob's leaf: only Bob, and only under ROOM.
    let bob = LeafIndex(1).node().unwrap();
    let ct = g[0]
        .safe_encrypt_to_node(bob, ROOM, b"key", b"ctx", b"secret")
        .unwrap();
    let pt = g[1]
        .safe_decrypt_with_node_key(bob, ROOM, b"key", b"ctx", &ct)
        .unwrap();
    assert_eq!(pt.as_bytes(), b"secret");
    assert_eq!(
        g[1].safe_decrypt_with_node_key(bob, COUNTER, b"key", b"ctx", &ct)
            .unwrap_err(),
        Error::Crypto(CryptoError::DecryptionFailed)
    );
    assert_eq!(
        g[2].safe_decrypt_with_node_key(bob, ROOM, b"key", b"ctx", &ct)
            .unwrap_err(),
        Error::Extension(ExtensionError::NoNodePrivateKey)
    );
    // To the whole epoch, through external_pub.
    let ct = g[2]
        .safe_encrypt_to_group(COUNTER, b"k", b"", b"all")
        .unwrap();
    for m in &g {
        let pt = m.safe_decrypt_from_group(COUNTER, b"k", b"", &ct).unwrap();
        assert_eq!(pt.as_bytes(), b"all");
    }
    assert_eq!(
        g[0].safe_encrypt_to_node(NodeIndex(200), ROOM, b"k", b"", b"x")
            .unwrap_err(),
        Error::Group(GroupError::NoSuchMember)
    );
}

#[test]
fn saved_state_needs_its_components_again() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let g = group(&p, &counter);
    let bytes = g[0].to_bytes().unwrap();
    assert_eq!(
        Group::from_bytes(p.clone(), bytes.as_bytes()).unwrap_err(),
        Error::Group(GroupError::MissingHooks)
    );
    let hooks = GroupHooks::new().with_app_components(registry(&counter));
    let back = Group::from_bytes_with_hooks(p.clone(), hooks, bytes.as_bytes()).unwrap();
    assert!(back.config().hooks.has_app_components());
}

#[test]
fn safe_exported_secrets_agree_per_component_and_are_consumed() {
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let a = g[0].safe_export_secret(ROOM).unwrap();
    let b = g[1].safe_export_secret(ROOM).unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
    let other = g[1].safe_export_secret(COUNTER).unwrap();
    assert_ne!(a.as_bytes(), other.as_bytes());
    assert_eq!(
        g[0].safe_export_secret(ROOM).unwrap_err(),
        Error::Extension(ExtensionError::ExportedSecretConsumed)
    );
    // Not the RFC 9420 exporter.
    let plain = g[0].export_secret(b"x", b"", 32).unwrap();
    assert_ne!(plain.as_bytes(), a.as_bytes());
    // A restored group has no Exporter Tree for its epoch; the next epoch has one.
    let bytes = g[2].to_bytes().unwrap();
    let hooks = GroupHooks::new().with_app_components(registry(&counter));
    g[2] = Group::from_bytes_with_hooks(p.clone(), hooks, bytes.as_bytes()).unwrap();
    assert_eq!(
        g[2].safe_export_secret(ROOM).unwrap_err(),
        Error::Extension(ExtensionError::ExporterUnavailable)
    );
    let c = commit_with(&mut g[0], vec![update(ROOM, b"next")]).unwrap();
    deliver(&mut g, 0, &c);
    let a2 = g[0].safe_export_secret(ROOM).unwrap();
    assert_eq!(
        g[2].safe_export_secret(ROOM).unwrap().as_bytes(),
        a2.as_bytes()
    );
    assert_ne!(a2.as_bytes(), a.as_bytes());
}

#[test]
fn application_psks_are_separated_by_component() {
    use melos::crypto::Secret;
    use melos::key_schedule::Psk;
    let p = provider();
    let counter = Arc::new(Counter::default());
    let mut g = group(&p, &counter);
    let value = || Secret::from(b"shared room password".to_vec());
    for m in g.iter_mut() {
        m.psk_store_mut()
            .insert_application(ROOM, b"pw".to_vec(), value());
    }
    let prop = g[0].application_psk_proposal(ROOM, b"pw").unwrap();
    let Proposal::PreSharedKey(psk) = &prop else {
        panic!("not a PSK proposal");
    };
    assert!(matches!(&psk.psk.psk, Psk::Application(a) if a.component_id == ROOM));
    let c = commit_with(&mut g[0], vec![prop]).unwrap();
    deliver(&mut g, 0, &c);

    // The same psk_id under another component is another PSK: Carol only has that one.
    g[2].psk_store_mut().remove_application(ROOM, b"pw");
    g[2].psk_store_mut()
        .insert_application(COUNTER, b"pw".to_vec(), value());
    let prop = g[0].application_psk_proposal(ROOM, b"pw").unwrap();
    let c = commit_with(&mut g[0], vec![prop]).unwrap();
    assert_eq!(
        staged(&mut g[2], &c).unwrap_err(),
        Error::Group(GroupError::UnknownPsk)
    );
    assert!(staged(&mut g[1], &c).is_ok());
    assert_eq!(
        g[0].application_psk_proposal(COUNTER, b"pw").unwrap_err(),
        Error::Group(GroupError::UnknownPsk)
    );
    assert_eq!(
        g[0].application_psk_proposal(0, b"pw").unwrap_err(),
        Error::Extension(ExtensionError::ReservedComponentId)
    );
}

//! draft-ietf-mls-extensions § "Negotiating Extensions and Components" and § "GREASE",
//! end to end: a group that requires components (the GroupContext's `app_components` and
//! `safe_aad` lists) admits only members that advertise them, a GroupContextExtensions or
//! AppDataUpdate proposal cannot require what a member lacks, and GREASE component IDs go
//! into melos's KeyPackages and leaves, where receivers ignore them.

use std::sync::Arc;

use melos::components::{
    APP_COMPONENTS, APP_DATA_DICTIONARY, APP_DATA_UPDATE, AppDataDictionary, AppDataUpdate,
    ComponentId, ComponentRegistry, ComponentsList, OpaqueComponent, SAFE_AAD,
    advertise_components, is_component_grease,
};
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, CreateOptions, ExternalCommitOptions, Group, GroupConfig, GroupHooks,
    GroupInfoOptions, KeyPackageOptions, PathChoice, PskStore, SigningIdentity,
};
use melos::messages::{
    Capabilities, Credential, CredentialType, Extensions, GroupContextExtensions, KeyPackageBundle,
    Lifetime, Proposal,
};
use melos::{CipherSuite, CryptoProvider, Error, ExtensionError};

const SUITE: CipherSuite = CipherSuite(1);
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};
/// A private-use component every test group knows.
const ROOM: ComponentId = 0x8001;

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn caps() -> Capabilities {
    let mut c = Capabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = vec![APP_DATA_UPDATE];
    c.extensions = vec![APP_DATA_DICTIONARY];
    c
}

fn config() -> GroupConfig {
    let reg = ComponentRegistry::new().with(ROOM, Arc::new(OpaqueComponent));
    GroupConfig {
        hooks: GroupHooks::new().with_app_components(Arc::new(reg)),
        ..GroupConfig::default()
    }
}

/// Leaf extensions advertising `components` (and `safe_aad`, if given), and capabilities.
fn advertising(
    components: &[ComponentId],
    safe_aad: Option<&[ComponentId]>,
) -> (Extensions, Capabilities) {
    let mut ext = Extensions::default();
    let mut c = caps();
    if !components.is_empty() || safe_aad.is_some() {
        advertise_components(&mut ext, &mut c, components, safe_aad).unwrap();
    }
    (ext, c)
}

fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.into())).unwrap()
}

fn key_package(
    p: &Arc<dyn CryptoProvider>,
    name: &str,
    components: &[ComponentId],
    safe_aad: Option<&[ComponentId]>,
) -> (SigningIdentity, KeyPackageBundle) {
    let id = identity(p, name);
    let (leaf_extensions, capabilities) = advertising(components, safe_aad);
    let kp = id
        .key_package_with(
            p.suite(SUITE).unwrap(),
            KeyPackageOptions {
                capabilities: Some(capabilities),
                leaf_extensions,
                ..KeyPackageOptions::new(FOREVER)
            },
        )
        .unwrap();
    (id, kp)
}

/// A GroupContext `app_data_dictionary` requiring `components` (and `safe_aad`).
fn requiring(components: Option<&[ComponentId]>, safe_aad: Option<&[ComponentId]>) -> Extensions {
    let mut d = AppDataDictionary::new();
    if let Some(c) = components {
        d.insert(APP_COMPONENTS, list(c));
    }
    if let Some(a) = safe_aad {
        d.insert(SAFE_AAD, list(a));
    }
    let mut e = Extensions::default();
    e.write(&d).unwrap();
    e
}

fn list(ids: &[ComponentId]) -> Vec<u8> {
    ComponentsList {
        component_ids: ids.to_vec(),
    }
    .encode()
    .unwrap()
}

/// Alice (advertising `alice_components`) creates a group whose GroupContext has
/// `extensions`, and adds the given members by one Welcome.
fn group(
    p: &Arc<dyn CryptoProvider>,
    alice_components: &[ComponentId],
    extensions: Extensions,
    members: Vec<(SigningIdentity, KeyPackageBundle)>,
) -> Result<Vec<Group>, Error> {
    let (leaf_extensions, capabilities) = advertising(alice_components, None);
    let options = CreateOptions {
        capabilities: Some(capabilities),
        leaf_extensions,
        extensions,
    };
    let mut alice = Group::create_with_options(
        p.clone(),
        SUITE,
        b"neg".to_vec(),
        identity(p, "alice"),
        config(),
        options,
    )?;
    let mut groups = vec![];
    if !members.is_empty() {
        let mut opts = CommitOptions::default().with_ratchet_tree();
        for (_, kp) in &members {
            opts = opts.add_member(kp.key_package.clone());
        }
        let out = alice.commit(opts)?;
        alice.merge_pending_commit()?;
        let w = out.welcome.unwrap();
        for (id, kp) in members {
            groups.push(Group::join(
                p.clone(),
                &w,
                &kp,
                id,
                None,
                config(),
                &PskStore::new(),
            )?);
        }
    }
    groups.insert(0, alice);
    Ok(groups)
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

fn gce(extensions: Extensions) -> Proposal {
    Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
}

/// `g` refuses `msg` with `err` and keeps its epoch.
fn refuses(g: &mut Group, msg: &MlsMessage, err: ExtensionError) {
    let before = g.epoch_authenticator().to_vec();
    assert_eq!(g.process(msg, None).unwrap_err(), err.into());
    assert_eq!(g.epoch_authenticator(), &before[..]);
}

#[test]
fn a_group_requiring_a_component_admits_only_members_that_advertise_it() {
    let p = provider();
    let bob = key_package(&p, "bob", &[ROOM], None);
    let mut g = group(&p, &[ROOM], requiring(Some(&[ROOM]), None), vec![bob]).unwrap();
    assert_eq!(g.len(), 2);
    // Dave does not advertise ROOM: Alice cannot add him.
    let (_, dave) = key_package(&p, "dave", &[], None);
    let add = Proposal::Add(Box::new(melos::messages::Add {
        key_package: dave.key_package.clone(),
    }));
    assert_eq!(
        commit_with(&mut g[0], vec![add.clone()]).unwrap_err(),
        ExtensionError::RequiredComponentNotSupported.into()
    );
    // Bob proposes it: Alice refuses the proposal.
    let msg = g[1].propose(add).unwrap();
    refuses(
        &mut g[0],
        &msg,
        ExtensionError::RequiredComponentNotSupported,
    );
    // Dave advertising another component only: still refused.
    let (_, dave) = key_package(&p, "dave", &[0x8002], None);
    let add = Proposal::Add(Box::new(melos::messages::Add {
        key_package: dave.key_package.clone(),
    }));
    assert_eq!(
        commit_with(&mut g[0], vec![add]).unwrap_err(),
        ExtensionError::RequiredComponentNotSupported.into()
    );
    // Nor can Dave join by external Commit.
    let gi = g[0].group_info(GroupInfoOptions::default()).unwrap();
    let (leaf_extensions, capabilities) = advertising(&[], None);
    let err = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        identity(&p, "dave"),
        config(),
        &PskStore::new(),
        ExternalCommitOptions {
            capabilities: Some(capabilities),
            leaf_extensions,
            ..Default::default()
        },
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err, ExtensionError::RequiredComponentNotSupported.into());
    // With ROOM advertised, Dave joins by external Commit; everyone accepts his GREASE.
    let (leaf_extensions, capabilities) = advertising(&[ROOM], None);
    let (dave, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        identity(&p, "dave"),
        config(),
        &PskStore::new(),
        ExternalCommitOptions {
            capabilities: Some(capabilities),
            leaf_extensions,
            ..Default::default()
        },
    )
    .unwrap();
    for m in g.iter_mut() {
        m.process_and_merge(&out.commit);
    }
    g.push(dave);
    for m in &g {
        assert_eq!(m.epoch_authenticator(), g[0].epoch_authenticator());
    }
}

trait ProcessAndMerge {
    fn process_and_merge(&mut self, msg: &MlsMessage);
}

impl ProcessAndMerge for Group {
    fn process_and_merge(&mut self, msg: &MlsMessage) {
        let m = self.process(msg, None).unwrap();
        let melos::group::ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        self.merge_staged_commit(*s).unwrap();
    }
}

#[test]
fn requirements_cannot_exceed_what_every_member_advertises() {
    let p = provider();
    let bob = key_package(&p, "bob", &[ROOM], None);
    let carol = key_package(&p, "carol", &[], None);
    let mut g = group(&p, &[ROOM], Extensions::default(), vec![bob, carol]).unwrap();
    // Carol lacks ROOM: a GroupContextExtensions requiring it is refused ...
    let require_room = gce(requiring(Some(&[ROOM]), None));
    assert_eq!(
        commit_with(&mut g[0], vec![require_room.clone()]).unwrap_err(),
        ExtensionError::RequiredComponentNotSupported.into()
    );
    // ... when received as a proposal too ...
    let msg = g[1].propose(require_room).unwrap();
    refuses(
        &mut g[0],
        &msg,
        ExtensionError::RequiredComponentNotSupported,
    );
    // ... and so is an AppDataUpdate of `app_components` or of `safe_aad`.
    let upd = |id, l: &[ComponentId]| AppDataUpdate::update(id, list(l)).to_proposal().unwrap();
    assert_eq!(
        commit_with(&mut g[0], vec![upd(APP_COMPONENTS, &[ROOM])]).unwrap_err(),
        ExtensionError::RequiredComponentNotSupported.into()
    );
    let msg = g[1].propose(upd(APP_COMPONENTS, &[ROOM])).unwrap();
    refuses(
        &mut g[0],
        &msg,
        ExtensionError::RequiredComponentNotSupported,
    );
    assert_eq!(
        commit_with(&mut g[0], vec![upd(SAFE_AAD, &[ROOM])]).unwrap_err(),
        ExtensionError::RequiredSafeAadComponentNotSupported.into()
    );
    // Requiring nothing (empty lists) is fine.
    let c = commit_with(&mut g[0], vec![upd(APP_COMPONENTS, &[])]).unwrap();
    g[0].merge_pending_commit().unwrap();
    g[1].process_and_merge(&c);
    g[2].process_and_merge(&c);
    assert_eq!(
        g[1].component_data(APP_COMPONENTS).unwrap(),
        Some(list(&[]))
    );
}

#[test]
fn safe_aad_requirements_need_the_leafs_safe_aad_list() {
    let p = provider();
    let bob = key_package(&p, "bob", &[ROOM], Some(&[ROOM]));
    let mut g = group(&p, &[ROOM], Extensions::default(), vec![bob]);
    // Alice advertises no safe_aad list: a group requiring Safe AAD for ROOM cannot start.
    assert!(g.is_ok());
    let e = group(&p, &[ROOM], requiring(None, Some(&[ROOM])), vec![])
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e,
        ExtensionError::RequiredSafeAadComponentNotSupported.into()
    );
    // Bob (who lists ROOM in safe_aad) cannot be required to alone: Alice lacks it.
    let g = g.as_mut().unwrap();
    let upd = AppDataUpdate::update(SAFE_AAD, list(&[ROOM]))
        .to_proposal()
        .unwrap();
    let msg = g[1].propose(upd).unwrap();
    refuses(
        &mut g[0],
        &msg,
        ExtensionError::RequiredSafeAadComponentNotSupported,
    );
}

/// The app_data_dictionary of `e`.
fn dict(e: &Extensions) -> AppDataDictionary {
    AppDataDictionary::from_extensions(e).unwrap().unwrap()
}

fn has_grease(l: &[u8]) -> bool {
    ComponentsList::decode(l)
        .unwrap()
        .component_ids
        .iter()
        .any(|c| is_component_grease(*c))
}

#[test]
fn key_packages_and_leaves_carry_component_grease_where_a_dictionary_is() {
    let p = provider();
    let (_, kp) = key_package(&p, "bob", &[ROOM], Some(&[]));
    let leaf = dict(&kp.key_package.leaf_node.extensions);
    assert!(leaf.component_ids().any(is_component_grease));
    assert!(has_grease(leaf.get(APP_COMPONENTS).unwrap()));
    assert!(has_grease(leaf.get(SAFE_AAD).unwrap()));
    assert!(
        ComponentsList::decode(leaf.get(APP_COMPONENTS).unwrap())
            .unwrap()
            .component_ids
            .starts_with(&[APP_COMPONENTS, ROOM])
    );
    // No dictionary, no GREASE dictionary: absent fields stay absent.
    let (_, plain) = key_package(&p, "carol", &[], None);
    assert!(
        plain
            .key_package
            .leaf_node
            .extensions
            .get(APP_DATA_DICTIONARY)
            .is_none()
    );
    assert!(
        plain
            .key_package
            .extensions
            .get(APP_DATA_DICTIONARY)
            .is_none()
    );
    // A last-resort KeyPackage: its KeyPackage dictionary gets a GREASE entry too.
    let id = identity(&p, "dan");
    let lr = id
        .key_package_with(
            p.suite(SUITE).unwrap(),
            KeyPackageOptions {
                last_resort: true,
                ..KeyPackageOptions::new(FOREVER)
            },
        )
        .unwrap();
    assert!(
        dict(&lr.key_package.extensions)
            .component_ids()
            .any(is_component_grease)
    );
    assert!(lr.key_package.is_last_resort());
    // The switch: no GREASE.
    let (leaf_extensions, capabilities) = advertising(&[ROOM], Some(&[]));
    let quiet = id
        .key_package_with(
            p.suite(SUITE).unwrap(),
            KeyPackageOptions {
                capabilities: Some(capabilities),
                leaf_extensions,
                grease: false,
                last_resort: true,
                ..KeyPackageOptions::new(FOREVER)
            },
        )
        .unwrap();
    let leaf = dict(&quiet.key_package.leaf_node.extensions);
    assert!(!leaf.component_ids().any(is_component_grease));
    assert!(!has_grease(leaf.get(APP_COMPONENTS).unwrap()));
    assert!(
        !dict(&quiet.key_package.extensions)
            .component_ids()
            .any(is_component_grease)
    );
    // The creator's leaf gets GREASE from `GroupConfig::grease`; receivers ignore it all.
    let bob = key_package(&p, "bob", &[ROOM], Some(&[]));
    let g = group(&p, &[ROOM], requiring(Some(&[ROOM]), Some(&[])), vec![bob]).unwrap();
    assert_eq!(g[0].epoch_authenticator(), g[1].epoch_authenticator());
}

//! Fixtures built once per process (per fuzzing thread) and cloned per input: groups in
//! which a peer member and a melos member share an epoch, a Welcome both a melos and a peer
//! client can open, and the seeds.

use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    Group, GroupConfig, GroupInfoOptions, KeyPackageOptions, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use mls_rs::client_builder::MlsConfig;
use mls_rs::{ExtensionList, MlsMessage as MlsRsMessage};
use openmls::prelude::{LeafNodeParameters, OpenMlsProvider as _};

use crate::melos_side::{self, Joiner};
use crate::{mlsrs_side, now, openmls_side, write_seed};

fn lifetime() -> Lifetime {
    Lifetime {
        not_before: now() - 3600,
        not_after: now() + 86_400 * 30,
    }
}

/// A melos identity and KeyPackage (defaults: GREASE values in the capabilities).
pub fn melos_client(name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let p = melos_side::provider();
    let cs = p.suite(melos_side::SUITE).expect("suite 1");
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec()))
        .expect("identity");
    let bundle = id
        .key_package_with(cs, KeyPackageOptions::new(lifetime()))
        .expect("key package");
    (id, bundle)
}

/// Encodes a melos KeyPackage as an `MLSMessage`.
pub fn encode_key_package(bundle: &KeyPackageBundle) -> Vec<u8> {
    MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package.clone()))
        .encode()
        .expect("encode")
}

fn melos_join(
    id: SigningIdentity,
    bundle: &KeyPackageBundle,
    welcome: &[u8],
    tree: Option<&[u8]>,
) -> Group {
    let msg = MlsMessage::decode(welcome).expect("welcome decodes");
    Group::join(
        melos_side::provider(),
        &msg,
        bundle,
        id,
        tree,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .expect("melos joins")
}

/// OpenMLS creates a group (Alice) and adds Bob (OpenMLS) and Carol (melos) by one Commit;
/// both join. The seeds are messages from Alice in that epoch.
pub struct OpenMlsGroup {
    /// Bob, OpenMLS member.
    pub bob: openmls_side::Client,
    /// Bob's storage in the shared epoch.
    pub bob_snapshot: openmls_side::Snapshot,
    /// The group id.
    pub group_id: Vec<u8>,
    /// Carol, melos member.
    pub carol: Group,
    /// Alice's application message, Update proposal and Commit (with a path).
    pub seeds: Vec<(&'static str, Vec<u8>)>,
    /// GroupInfos with the tree: Alice's (OpenMLS) and Carol's (melos).
    pub group_infos: Vec<(&'static str, Vec<u8>)>,
}

impl OpenMlsGroup {
    /// Builds it.
    pub fn build() -> Self {
        let alice = openmls_side::Client::new("alice");
        let mut group = alice.create_group();
        let bob = openmls_side::Client::new("bob");
        let (bob_kp, _) = bob.key_package();
        let (carol_id, carol_bundle) = melos_client("carol");
        let (_, welcome) = alice.add(&mut group, &[bob_kp, encode_key_package(&carol_bundle)]);
        let bob_group = bob.join(&welcome).expect("bob joins");
        let carol = melos_join(carol_id, &carol_bundle, &welcome, None);
        assert_eq!(
            carol.epoch_authenticator(),
            bob_group.epoch_authenticator().as_slice()
        );

        let app = alice
            .send(&mut group, b"hello from OpenMLS")
            .expect("application message");
        let (proposal, _) = group
            .propose_self_update(
                &alice.provider,
                &alice.signer,
                LeafNodeParameters::default(),
            )
            .expect("proposal");
        let proposal = proposal.to_bytes().expect("encode");
        group
            .clear_pending_proposals(alice.provider.storage())
            .expect("clear");
        let bundle = group
            .self_update(
                &alice.provider,
                &alice.signer,
                LeafNodeParameters::default(),
            )
            .expect("commit");
        let (commit, _, _) = bundle.into_contents();
        let commit = commit.to_bytes().expect("encode");
        group
            .clear_pending_commit(alice.provider.storage())
            .expect("clear");
        let gi_openmls = group
            .export_group_info(alice.provider.crypto(), &alice.signer, true)
            .expect("group info")
            .to_bytes()
            .expect("encode");
        let gi_melos = carol
            .group_info(GroupInfoOptions::default())
            .expect("group info")
            .encode()
            .expect("encode");
        OpenMlsGroup {
            bob_snapshot: bob.snapshot(),
            group_id: bob_group.group_id().as_slice().to_vec(),
            bob,
            carol,
            seeds: vec![
                ("openmls-application", app),
                ("openmls-update-proposal", proposal),
                ("openmls-commit", commit),
            ],
            group_infos: vec![
                ("openmls-group-info", gi_openmls),
                ("melos-group-info", gi_melos),
            ],
        }
    }
}

/// OpenMLS (Alice) adds Dave's OpenMLS KeyPackage; Dave's private keys are loaded into a
/// melos client as well, so both open the same Welcome.
pub struct OpenMlsWelcome {
    /// Dave, OpenMLS.
    pub dave: openmls_side::Client,
    /// Dave's storage holding the KeyPackage's private keys.
    pub dave_snapshot: openmls_side::Snapshot,
    /// Dave as a melos client.
    pub melos_dave: Joiner,
    /// The Welcome.
    pub welcome: Vec<u8>,
}

impl OpenMlsWelcome {
    /// Builds it.
    pub fn build() -> Self {
        let alice = openmls_side::Client::new("alice");
        let mut group = alice.create_group();
        // Dave's signature key from melos, loaded into OpenMLS.
        let (identity, _) = melos_client("dave");
        let keys = identity
            .key_pair()
            .expect("a generated identity holds a raw key");
        let signer = openmls_basic_credential::SignatureKeyPair::from_raw(
            openmls_side::SUITE.signature_algorithm(),
            keys.private_key.as_bytes().to_vec(),
            keys.public_key.as_bytes().to_vec(),
        );
        let dave = openmls_side::Client::with_signer("dave", signer);
        let (kp, init_private) = dave.key_package();
        let dave_snapshot = dave.snapshot();
        let encryption_private = openmls_side::stored_encryption_private_key(&dave_snapshot)
            .unwrap_or_else(|| init_private.clone());
        let (_, welcome) = alice.add(&mut group, std::slice::from_ref(&kp));
        let MlsMessageBody::KeyPackage(key_package) = MlsMessage::decode(&kp).expect("kp").body
        else {
            panic!("not a KeyPackage")
        };
        let melos_dave = Joiner {
            bundle: KeyPackageBundle {
                key_package,
                init_private_key: melos::crypto::HpkePrivateKey::new(init_private),
                encryption_private_key: melos::crypto::HpkePrivateKey::new(encryption_private),
            },
            identity,
        };
        OpenMlsWelcome {
            dave,
            dave_snapshot,
            melos_dave,
            welcome,
        }
    }
}

/// mls-rs creates a group (Alice) and adds Bob (mls-rs) and Carol (melos) by one Commit.
pub struct MlsRsGroup<C: MlsConfig> {
    /// Bob, mls-rs member.
    pub bob: mls_rs::group::Group<C>,
    /// Carol, melos member.
    pub carol: Group,
    /// Alice's application message, Update proposal and Commit (with a path).
    pub seeds: Vec<(&'static str, Vec<u8>)>,
    /// Alice's GroupInfo with the tree.
    pub group_info: Vec<u8>,
    /// An mls-rs KeyPackage.
    pub key_package: Vec<u8>,
}

/// Builds the mls-rs group fixture.
pub fn mlsrs_group() -> MlsRsGroup<mlsrs_side::Config> {
    let alice = mlsrs_side::client("alice");
    let mut group = alice
        .create_group(ExtensionList::default(), ExtensionList::default(), None)
        .expect("create");
    let bob = mlsrs_side::client("bob");
    let bob_kp = bob
        .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
        .expect("kp");
    let spare_kp = bob
        .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
        .expect("kp")
        .to_bytes()
        .expect("encode");
    let (carol_id, carol_bundle) = melos_client("carol");
    let carol_kp = MlsRsMessage::from_bytes(&encode_key_package(&carol_bundle)).expect("kp");
    let out = group
        .commit_builder()
        .add_member(bob_kp)
        .and_then(|b| b.add_member(carol_kp))
        .and_then(|b| b.build())
        .expect("commit");
    group.apply_pending_commit().expect("apply");
    let welcome = out.welcome_messages.first().expect("welcome");
    let (bob_group, _) = bob.join_group(None, welcome, None).expect("bob joins");
    let welcome_bytes = welcome.to_bytes().expect("encode");
    let carol = melos_join(carol_id, &carol_bundle, &welcome_bytes, None);
    assert_eq!(
        carol.epoch_authenticator(),
        bob_group
            .epoch_authenticator()
            .expect("auth")
            .to_vec()
            .as_slice()
    );
    let app = group
        .encrypt_application_message(b"hello from mls-rs", vec![])
        .expect("app")
        .to_bytes()
        .expect("encode");
    let commit = group
        .clone()
        .commit(vec![])
        .expect("commit")
        .commit_message
        .to_bytes()
        .expect("encode");
    let proposal = group
        .propose_update(vec![])
        .expect("proposal")
        .to_bytes()
        .expect("encode");
    let group_info = group
        .group_info_message(true)
        .expect("group info")
        .to_bytes()
        .expect("encode");
    MlsRsGroup {
        bob: bob_group,
        carol,
        seeds: vec![
            ("mlsrs-application", app),
            ("mlsrs-update-proposal", proposal),
            ("mlsrs-commit", commit),
        ],
        group_info,
        key_package: spare_kp,
    }
}

/// Writes the seeds of a fixture (see [`write_seed`]).
pub fn write_seeds(seeds: &[(&'static str, Vec<u8>)]) {
    for (name, bytes) in seeds {
        write_seed(name, bytes);
    }
}

/// When `MELOS_DIFF_WRITE_SEEDS` names a directory, writes the seeds of `target` there
/// (once per process): valid messages produced by each library.
pub fn write_seeds_once(target: &str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("MELOS_DIFF_WRITE_SEEDS").is_none() {
        return;
    }
    ONCE.call_once(|| match target {
        "diff_key_package" => {
            let (_, melos) = melos_client("erin");
            let (openmls, _) = openmls_side::Client::new("erin").key_package();
            write_seeds(&[
                ("melos-key-package", encode_key_package(&melos)),
                ("openmls-key-package", openmls),
                ("mlsrs-key-package", mlsrs_group().key_package),
            ]);
        }
        "diff_group_info" => {
            write_seeds(&OpenMlsGroup::build().group_infos);
            write_seeds(&[("mlsrs-group-info", mlsrs_group().group_info)]);
        }
        // Patches of the fixture's messages (see `patched`): each message unchanged.
        "diff_welcome" => write_seeds(&[("openmls-welcome", vec![0, 0])]),
        "diff_process" => write_seeds(&[
            ("openmls-application", vec![0, 0]),
            ("openmls-update-proposal", vec![1, 0]),
            ("openmls-commit", vec![2, 0]),
        ]),
        "diff_mlsrs_process" => write_seeds(&[
            ("mlsrs-application", vec![0, 0]),
            ("mlsrs-update-proposal", vec![1, 0]),
            ("mlsrs-commit", vec![2, 0]),
        ]),
        _ => {}
    });
}

impl OpenMlsGroup {
    /// The messages the fuzz inputs patch.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.seeds.iter().map(|(_, m)| m.clone()).collect()
    }
}

impl OpenMlsWelcome {
    /// The messages the fuzz inputs patch.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        vec![self.welcome.clone()]
    }
}

impl<C: MlsConfig> MlsRsGroup<C> {
    /// The messages the fuzz inputs patch.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.seeds.iter().map(|(_, m)| m.clone()).collect()
    }
}

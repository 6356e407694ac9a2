//! The fixed group the member-operations fuzz target starts from: four members of a
//! suite-1 group in epoch 2, built once and cloned per run, and the clients that may join.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::components::{
    APP_DATA_DICTIONARY, APP_DATA_UPDATE, ComponentId, ComponentRegistry, OpaqueComponent,
};
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider, Secret};
use crate::error::Error;
use crate::group::{
    CommitOptions, CreateOptions, Group, GroupConfig, GroupHooks, HandshakeFormat,
    KeyPackageOptions, ProcessedContent, PskStore, SigningIdentity,
};
use crate::messages::{
    Capabilities, Credential, ExtensionType, ExternalSender, KeyPackage, KeyPackageBundle,
    Lifetime, ProposalType,
};

/// The group's cipher suite.
pub const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
/// A custom proposal type every member but the "minimal" spare supports.
pub const CUSTOM_PROPOSAL: ProposalType = ProposalType(0xf0f0);
/// A custom extension type every member but the "minimal" spare supports.
pub const CUSTOM_EXTENSION: ExtensionType = ExtensionType(0xf0f1);
/// A type value no client supports.
pub const UNSUPPORTED: u16 = 0x7777;
/// The id of the external PSK every member (and every joiner) knows.
pub const PSK_ID: &[u8] = b"fuzz psk";
/// How many members the group starts with.
pub const INITIAL_MEMBERS: usize = 4;

/// A client that is not in the group yet and can join by Welcome.
#[derive(Clone)]
pub struct Spare {
    /// Its signing identity.
    pub identity: SigningIdentity,
    /// Its KeyPackage with the private keys.
    pub bundle: KeyPackageBundle,
}

/// The fixed group and what the programs need around it.
#[derive(Clone)]
pub struct Fixture {
    /// The crypto provider.
    pub provider: Arc<dyn CryptoProvider>,
    /// Alice, Bob, Carol and Dave at leaves 0 to 3, all in epoch 2. Carol and Dave send
    /// handshake messages as PrivateMessages, Alice and Bob as PublicMessages; everyone
    /// accepts both.
    pub members: Vec<Group>,
    /// Eve and Frank (the custom types in their capabilities) and Grace (minimal
    /// capabilities).
    pub spares: Vec<Spare>,
    /// KeyPackages for Add proposals: the spares', then Bob's (already a member).
    pub key_packages: Vec<KeyPackage>,
    /// An external sender for `external_senders` extensions.
    pub external_sender: ExternalSender,
    /// The PSKs every client knows.
    pub psks: PskStore,
}

/// Default capabilities plus the custom proposal and extension types.
pub fn capabilities() -> Capabilities {
    let mut caps = Capabilities::minimal(SUITE, crate::messages::CredentialType::BASIC);
    caps.proposals.push(CUSTOM_PROPOSAL);
    caps.extensions.push(CUSTOM_EXTENSION);
    caps
}

/// The application component of the `group_history` target (private-use range,
/// draft-ietf-mls-extensions § "Component IDs"): an [`OpaqueComponent`], last update wins.
pub const APP_COMPONENT: ComponentId = 0x8001;

/// [`capabilities`] plus the draft-ietf-mls-extensions types the `group_history` target
/// exercises: SelfRemove and AppDataUpdate proposals, the `app_data_dictionary` extension.
pub fn extensions_capabilities() -> Capabilities {
    let mut caps = capabilities();
    caps.proposals.push(ProposalType::SELF_REMOVE);
    caps.proposals.push(APP_DATA_UPDATE);
    caps.extensions.push(APP_DATA_DICTIONARY);
    caps
}

/// [`config`] with [`APP_COMPONENT`] registered (`GroupHooks::with_app_components`), for
/// the `group_history` target.
pub fn extensions_config(index: usize) -> GroupConfig {
    let mut config = config(index);
    let components = ComponentRegistry::new().with(APP_COMPONENT, Arc::new(OpaqueComponent));
    config.hooks = GroupHooks::new().with_app_components(Arc::new(components));
    config
}

/// The configuration of the member at `index` (handshake format by parity of index / 2).
pub fn config(index: usize) -> GroupConfig {
    let mut config = GroupConfig::default();
    if (index / 2) % 2 == 1 {
        config.handshake_format = HandshakeFormat::Private;
    }
    config
}

impl Fixture {
    /// Builds the group: Alice creates it and adds Bob, Carol and Dave (epoch 1), Bob
    /// commits with a path (epoch 2).
    pub fn new() -> Result<Self, Error> {
        let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let cs = provider.suite(SUITE)?;
        let forever = Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        };
        let id = |name: &[u8]| SigningIdentity::generate(cs, Credential::Basic(name.to_vec()));
        let kp = |identity: &SigningIdentity, caps: Option<Capabilities>| {
            let mut options = KeyPackageOptions::new(forever);
            options.capabilities = caps;
            identity.key_package_with(cs, options)
        };
        let mut psks = PskStore::new();
        psks.insert(PSK_ID.to_vec(), Secret::new(alloc::vec![0x5a; 32]));

        let alice = id(b"alice")?;
        let options = CreateOptions {
            capabilities: Some(capabilities()),
            ..CreateOptions::default()
        };
        let mut a = Group::create_with_options(
            provider.clone(),
            SUITE,
            b"fuzz member ops".to_vec(),
            alice,
            config(0),
            options,
        )?;
        let joiners: Vec<SigningIdentity> = [&b"bob"[..], b"carol", b"dave"]
            .iter()
            .map(|n| id(n))
            .collect::<Result<_, _>>()?;
        let bundles: Vec<KeyPackageBundle> = joiners
            .iter()
            .map(|j| kp(j, Some(capabilities())))
            .collect::<Result<_, _>>()?;
        let mut options = CommitOptions::default().with_ratchet_tree();
        for b in &bundles {
            options = options.add_member(b.key_package.clone());
        }
        let out = a.commit(options)?;
        a.merge_pending_commit()?;
        let welcome = out.welcome.ok_or(Error::Encode)?;
        let mut members = Vec::from([a]);
        for (i, (identity, bundle)) in joiners.iter().zip(&bundles).enumerate() {
            let index = i.checked_add(1).ok_or(Error::Encode)?;
            members.push(Group::join(
                provider.clone(),
                &welcome,
                bundle,
                identity.clone(),
                None,
                config(index),
                &psks,
            )?);
        }
        // Bob commits with a path, so the tree has parent nodes off Alice's path too.
        let commit = members
            .get_mut(1)
            .ok_or(Error::Encode)?
            .commit(CommitOptions::default())?
            .commit;
        for (i, m) in members.iter_mut().enumerate() {
            if i == 1 {
                m.merge_pending_commit()?;
            } else if let ProcessedContent::Commit(staged) = m.process(&commit, None)?.content {
                m.merge_staged_commit(*staged)?;
            }
            for (psk_id, psk) in psks.iter() {
                m.psk_store_mut().insert(psk_id.clone(), psk.clone());
            }
        }

        let mut spares = Vec::new();
        for (name, caps) in [
            (&b"eve"[..], Some(capabilities())),
            (b"frank", Some(capabilities())),
            (b"grace", None),
        ] {
            let identity = id(name)?;
            let bundle = kp(&identity, caps)?;
            spares.push(Spare { identity, bundle });
        }
        let mut key_packages: Vec<KeyPackage> = spares
            .iter()
            .map(|s| s.bundle.key_package.clone())
            .collect();
        key_packages.extend(bundles.first().map(|b| b.key_package.clone()));
        let ds = id(b"ds")?;
        Ok(Fixture {
            provider,
            members,
            spares,
            key_packages,
            external_sender: ExternalSender {
                signature_key: ds.signature_public_key().clone(),
                credential: ds.credential,
            },
            psks,
        })
    }
}

/// The fixture, built on first use (`None` if building it failed).
#[cfg(feature = "std")]
pub fn shared() -> Option<&'static Fixture> {
    static FIXTURE: std::sync::OnceLock<Option<Fixture>> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::new().ok()).as_ref()
}

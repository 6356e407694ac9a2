//! The §7.3 leaf checks of Adds, Updates and the committer's path leaf (RFC 9420 §12.2,
//! §12.3, §12.4.2), answered from the tree's indexes: key uniqueness in the §12.3 order
//! (Updates, then Removes, then Adds) and the credential checks.

use alloc::vec::Vec;

use super::*;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider, HpkePublicKey};
use crate::group::SigningIdentity;
use crate::messages::{
    Add, Capabilities, Credential, CredentialType, KeyPackageParams, Lifetime, Remove, Update,
};
use crate::ratchet_tree::Node;

const GID: &[u8] = b"proposal checks";
/// A credential type every member of the fixture supports and member 3 uses.
const OTHER: CredentialType = CredentialType(0x0f0f);
/// A credential type no member supports.
const UNKNOWN: CredentialType = CredentialType(0x0e0e);
const LIFETIME: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

/// Accepts every credential and successor: these tests are about the §7.3 checks, and the
/// fixture uses a credential type the default validator refuses.
struct AcceptAll;

impl crate::group::CredentialValidator for AcceptAll {
    fn validate(
        &self,
        _: &Credential,
        _: &crate::crypto::SignaturePublicKey,
        _: CredentialUse,
    ) -> bool {
        true
    }

    fn valid_successor(&self, _: &Credential, _: &Credential) -> bool {
        true
    }
}

fn accept_all() -> GroupHooks {
    GroupHooks::new().with_credential_validator(alloc::sync::Arc::new(AcceptAll))
}

fn with_cs(f: impl FnOnce(&dyn CipherSuiteProvider)) {
    let p = RustCrypto::new();
    f(p.cipher_suite_provider(CipherSuite(1)).unwrap())
}

fn identity(cs: &dyn CipherSuiteProvider, credential: Credential) -> SigningIdentity {
    SigningIdentity::generate(cs, credential).unwrap()
}

fn caps(cs: &dyn CipherSuiteProvider, credentials: &[CredentialType]) -> Capabilities {
    Capabilities {
        credentials: credentials.to_vec(),
        ..Capabilities::minimal(cs.cipher_suite(), CredentialType::BASIC)
    }
}

fn key_package(
    cs: &dyn CipherSuiteProvider,
    id: &SigningIdentity,
    credentials: &[CredentialType],
) -> KeyPackage {
    let params = KeyPackageParams {
        credential: id.credential.clone(),
        capabilities: caps(cs, credentials),
        lifetime: LIFETIME,
        leaf_extensions: Extensions::default(),
        extensions: Extensions::default(),
    };
    KeyPackage::generate(cs, id.key_pair().unwrap(), params)
        .unwrap()
        .key_package
}

/// `kp` with its leaf's encryption key replaced, re-signed.
fn with_encryption_key(
    cs: &dyn CipherSuiteProvider,
    id: &SigningIdentity,
    mut kp: KeyPackage,
    key: &[u8],
) -> KeyPackage {
    kp.leaf_node.encryption_key = HpkePublicKey(key.to_vec());
    kp.leaf_node
        .sign(cs, &id.key_pair().unwrap().private_key, &[], LeafIndex(0))
        .unwrap();
    kp.sign(cs, id.key_pair().unwrap()).unwrap();
    kp
}

/// Four members: 0 to 2 with basic credentials, 3 with an `OTHER` one; all support both.
struct Fixture {
    ids: Vec<SigningIdentity>,
    tree: RatchetTree,
    ctx: GroupContext,
}

fn fixture(cs: &dyn CipherSuiteProvider) -> Fixture {
    let ids: Vec<SigningIdentity> = (0..4u8)
        .map(|i| {
            let credential = if i == 3 {
                Credential::Other {
                    credential_type: OTHER,
                    data: alloc::vec![i],
                }
            } else {
                Credential::Basic(alloc::vec![i])
            };
            identity(cs, credential)
        })
        .collect();
    let mut nodes = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            nodes.push(None);
        }
        let kp = key_package(cs, id, &[CredentialType::BASIC, OTHER]);
        nodes.push(Some(Node::Leaf(kp.leaf_node)));
    }
    let tree = RatchetTree::from_nodes(&nodes).unwrap();
    let ctx = GroupContext::new(
        cs.cipher_suite(),
        GID.to_vec(),
        1,
        Vec::new(),
        Vec::new(),
        Extensions::default(),
    );
    Fixture { ids, tree, ctx }
}

fn add(kp: KeyPackage) -> CommittedProposal {
    CommittedProposal {
        proposal: Proposal::Add(alloc::boxed::Box::new(Add { key_package: kp })),
        sender: Sender::Member(LeafIndex(0)),
    }
}

fn remove(l: u32) -> CommittedProposal {
    CommittedProposal {
        proposal: Proposal::Remove(Remove {
            removed: LeafIndex(l),
        }),
        sender: Sender::Member(LeafIndex(0)),
    }
}

/// An Update from member `l` with a fresh encryption key, signed by `signer` (whose public
/// key becomes the leaf's signature key).
fn update(
    cs: &dyn CipherSuiteProvider,
    f: &Fixture,
    l: u32,
    signer: &SigningIdentity,
) -> CommittedProposal {
    let mut leaf = f.tree.leaf(LeafIndex(l)).unwrap().to_leaf_node().unwrap();
    leaf.encryption_key = cs.kem_generate_key_pair().unwrap().public_key;
    leaf.signature_key = signer.signature_public_key().clone();
    leaf.leaf_node_source = LeafNodeSource::Update;
    leaf.sign(
        cs,
        &signer.key_pair().unwrap().private_key,
        GID,
        LeafIndex(l),
    )
    .unwrap();
    CommittedProposal {
        proposal: Proposal::Update(alloc::boxed::Box::new(Update { leaf_node: leaf })),
        sender: Sender::Member(LeafIndex(l)),
    }
}

fn apply(
    cs: &dyn CipherSuiteProvider,
    f: &Fixture,
    list: &[CommittedProposal],
) -> Result<(), Error> {
    let hooks = accept_all();
    let checks = Checks {
        now: None,
        hooks: &hooks,
        tree_limits: crate::ratchet_tree::TreeLimits::default(),
    };
    apply_proposals(cs, &f.tree, &f.ctx, LeafIndex(0), list, &checks).map(|_| ())
}

fn err(e: GroupError) -> Result<(), Error> {
    Err(Error::Group(e))
}

#[test]
fn add_key_uniqueness_in_commit_order() {
    with_cs(|cs| {
        let f = fixture(cs);
        let new = identity(cs, Credential::Basic(b"new".to_vec()));
        let both = [CredentialType::BASIC, OTHER];
        assert_eq!(apply(cs, &f, &[add(key_package(cs, &new, &both))]), Ok(()));
        let member1 = key_package(cs, &f.ids[1], &both);
        assert_eq!(
            apply(cs, &f, &[add(member1.clone())]),
            err(GroupError::AddOfExistingMember)
        );
        // A member removed by the same commit frees its signature key.
        assert_eq!(apply(cs, &f, &[add(member1.clone()), remove(1)]), Ok(()));
        assert_eq!(
            apply(cs, &f, &[add(member1), remove(2)]),
            err(GroupError::AddOfExistingMember)
        );
        assert_eq!(
            apply(
                cs,
                &f,
                &[
                    add(key_package(cs, &new, &both)),
                    add(key_package(cs, &new, &both))
                ]
            ),
            err(GroupError::DuplicateAdd)
        );
        // Encryption keys: a member's, a removed member's (the commit's Removes do not
        // free them), another Add's.
        let key2 = f.tree.leaf(LeafIndex(2)).unwrap().encryption_key().to_vec();
        let reused = with_encryption_key(cs, &new, key_package(cs, &new, &both), &key2);
        assert_eq!(
            apply(cs, &f, &[add(reused.clone())]),
            err(GroupError::EncryptionKeyInUse)
        );
        assert_eq!(
            apply(cs, &f, &[add(reused), remove(2)]),
            err(GroupError::EncryptionKeyInUse)
        );
        let first = key_package(cs, &new, &both);
        let other = identity(cs, Credential::Basic(b"other".to_vec()));
        let second = with_encryption_key(
            cs,
            &other,
            key_package(cs, &other, &both),
            first.leaf_node.encryption_key.as_bytes(),
        );
        assert_eq!(
            apply(cs, &f, &[add(first), add(second)]),
            err(GroupError::EncryptionKeyInUse)
        );
    });
}

#[test]
fn add_credential_checks() {
    with_cs(|cs| {
        let f = fixture(cs);
        let other = identity(
            cs,
            Credential::Other {
                credential_type: OTHER,
                data: b"o".to_vec(),
            },
        );
        let both = [CredentialType::BASIC, OTHER];
        assert_eq!(
            apply(cs, &f, &[add(key_package(cs, &other, &both))]),
            Ok(())
        );
        // `OTHER` is in use (member 3): a new member must support it.
        let basic = identity(cs, Credential::Basic(b"b".to_vec()));
        assert_eq!(
            apply(
                cs,
                &f,
                &[add(key_package(cs, &basic, &[CredentialType::BASIC]))]
            ),
            err(GroupError::CredentialTypeNotSupported)
        );
        // A type no member supports.
        let unknown = identity(
            cs,
            Credential::Other {
                credential_type: UNKNOWN,
                data: b"u".to_vec(),
            },
        );
        let all = [CredentialType::BASIC, OTHER, UNKNOWN];
        assert_eq!(
            apply(cs, &f, &[add(key_package(cs, &unknown, &all))]),
            err(GroupError::CredentialTypeNotSupported)
        );
    });
}

#[test]
fn update_key_uniqueness_in_commit_order() {
    with_cs(|cs| {
        let f = fixture(cs);
        assert_eq!(apply(cs, &f, &[update(cs, &f, 1, &f.ids[1])]), Ok(()));
        assert_eq!(
            apply(cs, &f, &[update(cs, &f, 1, &f.ids[2])]),
            err(GroupError::SignatureKeyInUse)
        );
        // Updates come before Removes (§12.3): member 2 still holds the key.
        assert_eq!(
            apply(cs, &f, &[remove(2), update(cs, &f, 1, &f.ids[2])]),
            err(GroupError::SignatureKeyInUse)
        );
        // A member moving to a new signature key frees the old one for an Add.
        let fresh = identity(cs, f.ids[1].credential.clone());
        let both = [CredentialType::BASIC, OTHER];
        let old_key = key_package(cs, &f.ids[1], &both);
        assert_eq!(
            apply(cs, &f, &[add(old_key), update(cs, &f, 1, &fresh)]),
            Ok(())
        );
        // ...and takes the new one: an Add of that key is an Add of a member.
        let new_key = key_package(cs, &fresh, &both);
        assert_eq!(
            apply(cs, &f, &[add(new_key), update(cs, &f, 1, &fresh)]),
            err(GroupError::AddOfExistingMember)
        );
        // Two Updates may not take the same new key.
        assert_eq!(
            apply(
                cs,
                &f,
                &[update(cs, &f, 1, &fresh), update(cs, &f, 2, &fresh)]
            ),
            err(GroupError::SignatureKeyInUse)
        );
        let mut enc = update(cs, &f, 1, &f.ids[1]);
        if let Proposal::Update(u) = &mut enc.proposal {
            let key3 = f.tree.leaf(LeafIndex(3)).unwrap().encryption_key().to_vec();
            u.leaf_node.encryption_key = HpkePublicKey(key3);
            u.leaf_node
                .sign(
                    cs,
                    &f.ids[1].key_pair().unwrap().private_key,
                    GID,
                    LeafIndex(1),
                )
                .unwrap();
        }
        assert_eq!(apply(cs, &f, &[enc]), err(GroupError::EncryptionKeyInUse));
    });
}

#[test]
fn path_leaf_checks_exclude_the_committer() {
    with_cs(|cs| {
        let f = fixture(cs);
        let ext = Extensions::default();
        let leaf_of = |l: u32| f.tree.leaf(LeafIndex(l)).unwrap().to_leaf_node().unwrap();
        let hooks = accept_all();
        let check = |tree: &TreeDiff<'_>, l: u32, leaf: &LeafNode| {
            check_path_leaf(
                tree,
                &f.ctx,
                &ext,
                LeafIndex(l),
                leaf,
                &hooks,
                CredentialUse::CommitPath,
            )
        };
        let diff = f.tree.diff();
        assert_eq!(check(&diff, 1, &leaf_of(1)), Ok(()));
        let mut stolen = leaf_of(1);
        stolen.signature_key = f.ids[2].signature_public_key().clone();
        assert_eq!(check(&diff, 1, &stolen), err(GroupError::SignatureKeyInUse));
        let mut own_new = leaf_of(1);
        own_new.signature_key = identity(cs, Credential::Basic(alloc::vec![1]))
            .signature_public_key()
            .clone();
        assert_eq!(check(&diff, 1, &own_new), Ok(()));
        // Dropping `OTHER` while member 3 uses it.
        let mut narrow = leaf_of(1);
        narrow.capabilities = caps(cs, &[CredentialType::BASIC]);
        assert_eq!(
            check(&diff, 1, &narrow),
            err(GroupError::CredentialTypeNotSupported)
        );
        // A credential type the others do not support.
        let mut unknown = leaf_of(1);
        unknown.credential = Credential::Other {
            credential_type: UNKNOWN,
            data: Vec::new(),
        };
        unknown.capabilities = caps(cs, &[CredentialType::BASIC, OTHER, UNKNOWN]);
        assert_eq!(
            check(&diff, 1, &unknown),
            err(GroupError::CredentialTypeNotSupported)
        );
        // Member 3, the only user of `OTHER`, moves to basic and drops `OTHER`.
        let mut switched = leaf_of(3);
        switched.credential = Credential::Basic(alloc::vec![3]);
        switched.capabilities = caps(cs, &[CredentialType::BASIC]);
        assert_eq!(check(&diff, 3, &switched), Ok(()));
        // With member 3 removed in the staged tree, nobody uses `OTHER` any more.
        let mut diff = f.tree.diff();
        diff.remove_leaf(LeafIndex(3)).unwrap();
        assert_eq!(check(&diff, 1, &narrow), Ok(()));
        // A leaf no longer in the staged tree.
        assert_eq!(check(&diff, 3, &leaf_of(3)), err(GroupError::NoSuchMember));
    });
}

/// The KeyPackages of a commit's Adds are checked up front (on all cores with `parallel`),
/// but the error reported is still the first one in proposal order: an Add of an existing
/// member before an Add whose KeyPackage signature is broken reports the former, and the
/// reverse order the latter.
#[test]
fn add_errors_in_proposal_order_with_key_packages_checked_up_front() {
    with_cs(|cs| {
        let f = fixture(cs);
        let both = [CredentialType::BASIC, OTHER];
        let member1 = key_package(cs, &f.ids[1], &both);
        let new = identity(cs, Credential::Basic(b"new".to_vec()));
        let mut broken = key_package(cs, &new, &both);
        let last = broken.signature.len() - 1;
        broken.signature[last] ^= 1;
        let invalid = apply(cs, &f, &[add(broken.clone())]).unwrap_err();
        assert!(
            !matches!(invalid, Error::Group(GroupError::AddOfExistingMember)),
            "{invalid:?}"
        );
        assert_eq!(
            apply(cs, &f, &[add(member1.clone()), add(broken.clone())]),
            err(GroupError::AddOfExistingMember)
        );
        assert_eq!(apply(cs, &f, &[add(broken), add(member1)]), Err(invalid));
    });
}

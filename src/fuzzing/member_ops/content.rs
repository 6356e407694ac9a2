//! Fuzz-chosen proposal content (RFC 9420 §12.1) decoded from a [`Reader`]: mostly
//! structured (genuine KeyPackages and leaves with one field changed and signed again, the
//! group's own PSKs and extension types), sometimes decoded from raw bytes.

use alloc::vec::Vec;

use crate::codec;
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, HpkeKeyPair, HpkePublicKey, SignaturePublicKey,
};
use crate::group::{Group, SigningIdentity};
use crate::key_schedule::{PreSharedKeyId, ResumptionPskUsage};
use crate::messages::{
    Add, ApplicationId, Capabilities, Credential, CredentialType, Extension, ExtensionType,
    Extensions, ExternalInit, ExternalSenders, GroupContextExtensions, KeyPackage, LeafNode,
    LeafNodeSource, Lifetime, PreSharedKey, Proposal, ProposalType, ProtocolVersion, ReInit,
    Remove, RequiredCapabilities, Update,
};
use crate::ratchet_tree::TreeView;
use crate::tree_math::LeafIndex;

use super::fixture::{CUSTOM_EXTENSION, CUSTOM_PROPOSAL, Fixture, PSK_ID, SUITE, UNSUPPORTED};
use super::reader::Reader;

/// A proposal chosen by `r`, as `sender` (a member's current state) would send it. The
/// key pair of a new Update leaf goes to `update_keys`.
pub fn proposal(
    r: &mut Reader<'_>,
    fx: &Fixture,
    sender: &Group,
    update_keys: &mut Vec<HpkeKeyPair>,
) -> Option<Proposal> {
    let cs = fx.provider.suite(SUITE).ok()?;
    Some(match r.below(11) {
        0 => {
            let kp = fx.key_packages.get(r.below(fx.key_packages.len()))?;
            Proposal::Add(alloc::boxed::Box::new(Add {
                key_package: kp.clone(),
            }))
        }
        1 => {
            let spare = fx.spares.get(r.below(fx.spares.len()))?;
            let mut kp = spare.bundle.key_package.clone();
            mutate_key_package(r, cs, fx, sender, &mut kp, &spare.identity);
            Proposal::Add(alloc::boxed::Box::new(Add { key_package: kp }))
        }
        2 => Proposal::Add(alloc::boxed::Box::new(Add {
            key_package: codec::decode_exact::<KeyPackage>(r.blob()).ok()?,
        })),
        3 => Proposal::Update(alloc::boxed::Box::new(Update {
            leaf_node: update_leaf(r, cs, fx, sender, update_keys)?,
        })),
        4 => Proposal::Update(alloc::boxed::Box::new(Update {
            leaf_node: codec::decode_exact::<LeafNode>(r.blob()).ok()?,
        })),
        5 => Proposal::Remove(Remove {
            removed: leaf_index(r),
        }),
        6 => Proposal::PreSharedKey(PreSharedKey {
            psk: psk(r, sender)?,
        }),
        7 => Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions(r, fx),
        }),
        8 => Proposal::ReInit(ReInit {
            group_id: match r.blob() {
                [] => sender.group_id().to_vec(),
                id => id.to_vec(),
            },
            version: if r.flag() {
                ProtocolVersion(r.u16())
            } else {
                ProtocolVersion::MLS10
            },
            cipher_suite: if r.flag() {
                CipherSuite(r.u16())
            } else {
                SUITE
            },
            extensions: extensions(r, fx),
        }),
        9 => match r.below(4) {
            0 => Proposal::ExternalInit(ExternalInit {
                kem_output: r.blob().to_vec(),
            }),
            1 => Proposal::Custom {
                proposal_type: CUSTOM_PROPOSAL,
                data: r.blob().to_vec(),
            },
            2 => Proposal::Custom {
                proposal_type: ProposalType(UNSUPPORTED),
                data: r.blob().to_vec(),
            },
            // A `Custom` of one of the seven RFC 9420 types has no encoding of its own (it
            // would decode as that type): not a proposal a client can send.
            _ => match ProposalType(r.u16()) {
                t if t.is_default() => return None,
                // draft-ietf-mls-extensions: SelfRemove has its own variant (empty content).
                ProposalType::SELF_REMOVE => Proposal::SelfRemove,
                proposal_type => Proposal::Custom {
                    proposal_type,
                    data: r.blob().to_vec(),
                },
            },
        },
        _ => codec::decode_exact::<Proposal>(r.blob()).ok()?,
    })
}

/// A leaf index: mostly small (occupied, blank or just past the tree), sometimes any `u32`.
pub fn leaf_index(r: &mut Reader<'_>) -> LeafIndex {
    match r.byte() {
        b @ 0..0xf0 => LeafIndex(u32::from(b % 8)),
        _ => LeafIndex(r.u32()),
    }
}

/// `sender`'s leaf with a fresh encryption key and source `update` (RFC 9420 §12.1.2), a
/// field perhaps changed, signed again (perhaps for the wrong leaf, perhaps not at all).
fn update_leaf(
    r: &mut Reader<'_>,
    cs: &dyn CipherSuiteProvider,
    fx: &Fixture,
    sender: &Group,
    update_keys: &mut Vec<HpkeKeyPair>,
) -> Option<LeafNode> {
    let me = sender.own_leaf();
    let mut leaf = sender.ratchet_tree().leaf(me)?.to_leaf_node().ok()?;
    let pair = cs.kem_generate_key_pair().ok()?;
    leaf.encryption_key = pair.public_key.clone();
    update_keys.push(pair);
    leaf.leaf_node_source = LeafNodeSource::Update;
    mutate_leaf(r, fx, sender, &mut leaf);
    let signing = r.byte();
    if signing & 2 == 0 {
        let index = if signing & 1 == 0 {
            me
        } else {
            LeafIndex(me.0 ^ 1)
        };
        let signer = sender.identity().signer(cs).ok()?;
        leaf.sign_by(&signer, sender.group_id(), index).ok()?;
    }
    Some(leaf)
}

/// Changes at most one field of `leaf` (the caller signs again).
pub fn mutate_leaf(r: &mut Reader<'_>, fx: &Fixture, group: &Group, leaf: &mut LeafNode) {
    let other = |r: &mut Reader<'_>| {
        group
            .ratchet_tree()
            .leaf(LeafIndex(u32::from(r.byte() % 8)))
    };
    match r.below(12) {
        1 => {
            if let Ok(caps) = codec::decode_exact::<Capabilities>(r.blob()) {
                leaf.capabilities = caps;
            }
        }
        2 => {
            if let Ok(ext) = codec::decode_exact::<Extensions>(r.blob()) {
                leaf.extensions = ext;
            }
        }
        3 => leaf.credential = Credential::Basic(r.blob().to_vec()),
        4 => {
            if let Some(l) = other(r) {
                leaf.encryption_key = HpkePublicKey(l.encryption_key().to_vec());
            }
        }
        5 => {
            if let Some(l) = other(r) {
                leaf.signature_key = SignaturePublicKey(l.signature_key().to_vec());
            }
        }
        6 => leaf.extensions = Extensions(Vec::from([extension(CUSTOM_EXTENSION, r)])),
        7 => leaf.extensions = Extensions(Vec::from([extension(ExtensionType(UNSUPPORTED), r)])),
        8 => leaf.capabilities.credentials.push(CredentialType::X509),
        9 => leaf.capabilities = Capabilities::minimal(SUITE, CredentialType::BASIC),
        10 => leaf.leaf_node_source = LeafNodeSource::KeyPackage(lifetime(r)),
        11 => leaf.extensions = extensions(r, fx),
        _ => {}
    }
}

fn lifetime(r: &mut Reader<'_>) -> Lifetime {
    Lifetime {
        not_before: r.u64(),
        not_after: r.u64(),
    }
}

fn extension(extension_type: ExtensionType, r: &mut Reader<'_>) -> Extension {
    Extension {
        extension_type,
        extension_data: r.blob().to_vec(),
    }
}

/// A spare's KeyPackage with at most one field changed, signed again by its owner (the
/// leaf, the KeyPackage, both or neither).
fn mutate_key_package(
    r: &mut Reader<'_>,
    cs: &dyn CipherSuiteProvider,
    fx: &Fixture,
    group: &Group,
    kp: &mut KeyPackage,
    owner: &SigningIdentity,
) {
    match r.below(9) {
        0 => kp.leaf_node.leaf_node_source = LeafNodeSource::KeyPackage(lifetime(r)),
        1 => kp.cipher_suite = CipherSuite(r.u16()),
        2 => kp.version = ProtocolVersion(r.u16()),
        3 => kp.init_key = kp.leaf_node.encryption_key.clone(),
        4 => kp.extensions = extensions(r, fx),
        5 => mutate_leaf(r, fx, group, &mut kp.leaf_node),
        6 => kp.leaf_node.leaf_node_source = LeafNodeSource::Update,
        7 => kp.init_key = HpkePublicKey(r.blob().to_vec()),
        _ => {}
    }
    let signing = r.byte();
    let Ok(signer) = owner.signer(cs) else {
        return;
    };
    if signing & 1 == 0 {
        let _ = kp.leaf_node.sign_by(&signer, &[], LeafIndex(0));
    }
    if signing & 2 == 0 {
        let _ = kp.sign_by(&signer);
    }
}

/// A PSK id: the group's external PSK, an unknown one, a resumption PSK of this group's
/// recent epochs, or any.
fn psk(r: &mut Reader<'_>, group: &Group) -> Option<PreSharedKeyId> {
    let nonce = |r: &mut Reader<'_>| alloc::vec![r.byte(); 32];
    let usage = |r: &mut Reader<'_>| match r.below(3) {
        0 => ResumptionPskUsage::Application,
        1 => ResumptionPskUsage::Reinit,
        _ => ResumptionPskUsage::Branch,
    };
    Some(match r.below(6) {
        0 => PreSharedKeyId::external(PSK_ID.to_vec(), nonce(r)),
        1 => PreSharedKeyId::external(PSK_ID.to_vec(), r.blob().to_vec()),
        2 => PreSharedKeyId::external(r.blob().to_vec(), nonce(r)),
        3 => {
            let back = u64::from(r.byte() % 4);
            PreSharedKeyId::resumption(
                ResumptionPskUsage::Application,
                group.group_id().to_vec(),
                group.epoch().saturating_sub(back),
                nonce(r),
            )
        }
        4 => {
            let usage = usage(r);
            let id = match r.blob() {
                [] => group.group_id().to_vec(),
                id => id.to_vec(),
            };
            PreSharedKeyId::resumption(usage, id, r.u64(), nonce(r))
        }
        _ => codec::decode_exact::<PreSharedKeyId>(r.blob()).ok()?,
    })
}

/// GroupContext (or ReInit, or KeyPackage) extensions: the known types with plausible
/// content, a custom or unsupported type, duplicates, or any decoded list.
pub fn extensions(r: &mut Reader<'_>, fx: &Fixture) -> Extensions {
    let mut out = Extensions::default();
    let required = |extension_types, proposal_types| RequiredCapabilities {
        extension_types,
        proposal_types,
        credential_types: Vec::from([CredentialType::BASIC]),
    };
    let _ = match r.below(10) {
        1 => out.write(&required(
            Vec::from([CUSTOM_EXTENSION]),
            Vec::from([CUSTOM_PROPOSAL]),
        )),
        2 => out.write(&required(
            Vec::from([ExtensionType(UNSUPPORTED)]),
            Vec::from([ProposalType(r.u16())]),
        )),
        3 => out.write(&ExternalSenders(Vec::from([fx.external_sender.clone()]))),
        4 => {
            out.0.push(extension(CUSTOM_EXTENSION, r));
            Ok(())
        }
        5 => {
            out.0.push(extension(ExtensionType(UNSUPPORTED), r));
            Ok(())
        }
        6 => out.write(&ApplicationId(r.blob().to_vec())),
        7 => {
            out.0.push(extension(ExtensionType(r.u16()), r));
            out.0.push(extension(ExtensionType(r.u16()), r));
            Ok(())
        }
        8 => {
            out = codec::decode_exact::<Extensions>(r.blob()).unwrap_or_default();
            Ok(())
        }
        9 => {
            let _ = out.write(&ExternalSenders(Vec::from([fx.external_sender.clone()])));
            out.0.push(extension(CUSTOM_EXTENSION, r));
            Ok(())
        }
        _ => Ok(()),
    };
    out
}

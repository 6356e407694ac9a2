//! The labeled operations of RFC 9420 §5 built on a [`CipherSuiteProvider`]:
//! `ExpandWithLabel`, `DeriveSecret`, `DeriveTreeSecret` (§8, §9), `SignWithLabel` /
//! `VerifyWithLabel` (§5.1.2), `EncryptWithLabel` / `DecryptWithLabel` (§5.1.3) and
//! `RefHash` (§5.2).
//!
//! All labels get the `"MLS 1.0 "` prefix here; callers pass the bare label (`"epoch"`).

use alloc::vec::Vec;

use super::{
    CipherSuiteProvider, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret,
    SignaturePrivateKey, Signer,
};
use crate::codec::{write_opaque, write_varint};
use crate::error::{CryptoError, Error};

/// The prefix of every MLS label (RFC 9420 §5.1.2 and §8).
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// Encodes `opaque label<V> = "MLS 1.0 " + label` followed by `opaque content<V>`, the shape
/// shared by `SignContent`, `EncryptContext` and (with `value`) `RefHashInput`.
fn labeled_pair(label: &[u8], content: &[u8]) -> Result<Vec<u8>, Error> {
    let full = LABEL_PREFIX.len().saturating_add(label.len());
    let mut out = Vec::with_capacity(full.saturating_add(content.len()).saturating_add(8));
    write_varint(full, &mut out)?;
    out.extend_from_slice(LABEL_PREFIX);
    out.extend_from_slice(label);
    write_opaque(content, &mut out)?;
    Ok(out)
}

/// `ExpandWithLabel(Secret, Label, Context, Length)` (RFC 9420 §8):
///
/// ```text
/// ExpandWithLabel(Secret, Label, Context, Length) =
///     KDF.Expand(Secret, KDFLabel, Length)
///
/// struct {
///     uint16 length;
///     opaque label<V> = "MLS 1.0 " + Label;
///     opaque context<V> = Context;
/// } KDFLabel;
/// ```
pub fn expand_with_label(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    length: usize,
) -> Result<Secret, Error> {
    let len16 = u16::try_from(length).map_err(|_| CryptoError::InvalidLength)?;
    let full = LABEL_PREFIX.len().saturating_add(label.len());
    let mut head = Vec::with_capacity(6);
    head.extend_from_slice(&len16.to_be_bytes());
    write_varint(full, &mut head)?;
    let mut ctx_len = Vec::with_capacity(4);
    write_varint(context.len(), &mut ctx_len)?;
    Ok(cs.kdf_expand(
        secret,
        &[&head, LABEL_PREFIX, label, &ctx_len, context],
        length,
    )?)
}

/// `DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh)` (RFC 9420 §8).
pub fn derive_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
) -> Result<Secret, Error> {
    expand_with_label(cs, secret, label, &[], cs.hash_len())
}

/// `DeriveTreeSecret(Secret, Label, Generation, Length) =
/// ExpandWithLabel(Secret, Label, Generation, Length)` with `Generation` as a `uint32`
/// (RFC 9420 §9).
pub fn derive_tree_secret(
    cs: &dyn CipherSuiteProvider,
    secret: &[u8],
    label: &[u8],
    generation: u32,
    length: usize,
) -> Result<Secret, Error> {
    expand_with_label(cs, secret, label, &generation.to_be_bytes(), length)
}

/// `SignWithLabel(SignatureKey, Label, Content)` (RFC 9420 §5.1.2):
///
/// ```text
/// struct {
///     opaque label<V> = "MLS 1.0 " + Label;
///     opaque content<V> = Content;
/// } SignContent;
/// ```
pub fn sign_with_label(
    cs: &dyn CipherSuiteProvider,
    key: &SignaturePrivateKey,
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(cs.sign(key, &labeled_pair(label, content)?)?)
}

/// `SignWithLabel(SignatureKey, Label, Content)` (RFC 9420 §5.1.2) by a [`Signer`], which
/// signs the encoded `SignContent`.
pub fn sign_with_label_by(
    signer: &dyn Signer,
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(signer.sign(&labeled_pair(label, content)?)?)
}

/// `VerifyWithLabel(VerificationKey, Label, Content, SignatureValue)` (RFC 9420 §5.1.2).
pub fn verify_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    Ok(cs.verify(public_key, &labeled_pair(label, content)?, signature)?)
}

/// `EncryptWithLabel(PublicKey, Label, Context, Plaintext) =
/// SealBase(PublicKey, EncryptContext, "", Plaintext)` (RFC 9420 §5.1.3):
///
/// ```text
/// struct {
///   opaque label<V> = "MLS 1.0 " + Label;
///   opaque context<V> = Context;
/// } EncryptContext;
/// ```
pub fn encrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    label: &[u8],
    context: &[u8],
    plaintext: &[u8],
) -> Result<HpkeCiphertext, Error> {
    Ok(cs.hpke_seal(public_key, &labeled_pair(label, context)?, &[], plaintext)?)
}

/// `EncryptWithLabel(PublicKey_i, Label, Context, Plaintext_i)` (RFC 9420 §5.1.3) for each
/// `(PublicKey_i, Plaintext_i)` of `recipients`, with one `Label` and `Context`: the
/// `EncryptContext` is encoded once and the provider seals to all recipients in one
/// [`CipherSuiteProvider::hpke_seal_batch`] call (each with a fresh ephemeral key). Used for
/// the `GroupSecrets` of a Welcome (RFC 9420 §12.4.3.1).
pub fn encrypt_with_label_batch(
    cs: &dyn CipherSuiteProvider,
    label: &[u8],
    context: &[u8],
    recipients: &[(&HpkePublicKey, &[u8])],
) -> Result<Vec<HpkeCiphertext>, Error> {
    Ok(cs.hpke_seal_batch(&labeled_pair(label, context)?, &[], recipients)?)
}

/// `DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext) =
/// OpenBase(KEMOutput, PrivateKey, EncryptContext, "", Ciphertext)` (RFC 9420 §5.1.3).
pub fn decrypt_with_label(
    cs: &dyn CipherSuiteProvider,
    private_key: &HpkePrivateKey,
    label: &[u8],
    context: &[u8],
    ciphertext: &HpkeCiphertext,
) -> Result<Secret, Error> {
    Ok(cs.hpke_open(ciphertext, private_key, &labeled_pair(label, context)?, &[])?)
}

/// [`decrypt_with_label`] for a caller that also holds the recipient's `PublicKey` (a tree
/// node's `encryption_key`, a KeyPackage's `init_key`): the same result through
/// [`CipherSuiteProvider::hpke_open_with_public_key`], which need not recompute the public
/// key from `private_key`. A `public_key` that does not belong to `private_key` fails to
/// decrypt.
pub fn decrypt_with_label_and_public_key(
    cs: &dyn CipherSuiteProvider,
    private_key: &HpkePrivateKey,
    public_key: &[u8],
    label: &[u8],
    context: &[u8],
    ciphertext: &HpkeCiphertext,
) -> Result<Secret, Error> {
    let info = labeled_pair(label, context)?;
    Ok(cs.hpke_open_with_public_key(ciphertext, private_key, public_key, &info, &[])?)
}

/// `RefHash(label, value) = Hash(RefHashInput)` (RFC 9420 §5.2):
///
/// ```text
/// struct {
///   opaque label<V>;
///   opaque value<V>;
/// } RefHashInput;
/// ```
///
/// Unlike the other labeled operations, `label` is used as given (the RFC's labels already
/// include `"MLS 1.0 "`, e.g. `"MLS 1.0 KeyPackage Reference"`).
pub fn ref_hash(
    cs: &dyn CipherSuiteProvider,
    label: &[u8],
    value: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut input = Vec::with_capacity(label.len().saturating_add(value.len()).saturating_add(8));
    write_opaque(label, &mut input)?;
    write_opaque(value, &mut input)?;
    Ok(cs.hash(&input)?)
}

/// `MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference", value)` where `value`
/// is the encoded `KeyPackage` (RFC 9420 §5.2).
pub fn make_key_package_ref(
    cs: &dyn CipherSuiteProvider,
    key_package: &[u8],
) -> Result<Vec<u8>, Error> {
    ref_hash(cs, b"MLS 1.0 KeyPackage Reference", key_package)
}

/// `MakeProposalRef(value) = RefHash("MLS 1.0 Proposal Reference", value)` where `value` is
/// the encoded `AuthenticatedContent` carrying the proposal (RFC 9420 §5.2).
pub fn make_proposal_ref(
    cs: &dyn CipherSuiteProvider,
    authenticated_content: &[u8],
) -> Result<Vec<u8>, Error> {
    ref_hash(cs, b"MLS 1.0 Proposal Reference", authenticated_content)
}

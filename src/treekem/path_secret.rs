//! Path secrets and the keys derived from them (RFC 9420 §7.4), and their encryption to
//! copath nodes (RFC 9420 §7.6).

use alloc::vec::Vec;

use crate::crypto::labels::{
    decrypt_with_label, decrypt_with_label_and_public_key, derive_secret, encrypt_with_label,
    encrypt_with_label_batch,
};
use crate::crypto::{
    CipherSuiteProvider, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, Secret,
};
use crate::error::Error;

/// The label of `EncryptWithLabel` / `DecryptWithLabel` for path secrets (RFC 9420 §7.6).
const UPDATE_PATH_NODE_LABEL: &[u8] = b"UpdatePathNode";

/// A path secret (RFC 9420 §7.4): zeroized on drop.
///
/// ```text
/// path_secret[0] is sampled at random
/// path_secret[n] = DeriveSecret(path_secret[n-1], "path")
/// node_secret[n] = DeriveSecret(path_secret[n], "node")
/// node_priv[n], node_pub[n] = KEM.DeriveKeyPair(node_secret[n])
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PathSecret(Secret);

impl core::fmt::Debug for PathSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PathSecret([redacted])")
    }
}

impl PathSecret {
    /// Wraps a known path secret (e.g. one decrypted from an `UpdatePath`).
    pub fn new(secret: Secret) -> Self {
        PathSecret(secret)
    }

    /// A fresh `path_secret[0]`: `KDF.Nh` random bytes from the provider (RFC 9420 §7.4).
    pub fn random(cs: &dyn CipherSuiteProvider) -> Result<Self, Error> {
        Ok(PathSecret(cs.random_secret(cs.hash_len())?))
    }

    /// The secret bytes.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// `path_secret[n+1] = DeriveSecret(path_secret[n], "path")` (RFC 9420 §7.4). The value
    /// one past the root's path secret is the `commit_secret` (RFC 9420 §12.4.2).
    pub fn next(&self, cs: &dyn CipherSuiteProvider) -> Result<PathSecret, Error> {
        Ok(PathSecret(derive_secret(cs, self.0.as_bytes(), b"path")?))
    }

    /// The node key pair: `KEM.DeriveKeyPair(DeriveSecret(path_secret, "node"))`
    /// (RFC 9420 §7.4). The intermediate `node_secret` is zeroized when dropped.
    pub fn node_key_pair(&self, cs: &dyn CipherSuiteProvider) -> Result<HpkeKeyPair, Error> {
        let node_secret = derive_secret(cs, self.0.as_bytes(), b"node")?;
        Ok(cs.kem_derive_key_pair(node_secret.as_bytes())?)
    }

    /// `EncryptWithLabel(node_public_key, "UpdatePathNode", group_context, path_secret)`
    /// (RFC 9420 §7.6); `group_context` is the encoded provisional `GroupContext`.
    pub fn encrypt(
        &self,
        cs: &dyn CipherSuiteProvider,
        public_key: &HpkePublicKey,
        group_context: &[u8],
    ) -> Result<HpkeCiphertext, Error> {
        encrypt_with_label(
            cs,
            public_key.as_bytes(),
            UPDATE_PATH_NODE_LABEL,
            group_context,
            self.0.as_bytes(),
        )
    }

    /// `EncryptWithLabel(PublicKey_i, "UpdatePathNode", group_context, PathSecret_i)` for
    /// every `(PublicKey_i, PathSecret_i)` of `recipients` in one provider batch (the
    /// `EncryptContext` is the same for all the nodes of one UpdatePath, RFC 9420 §7.6), in
    /// order. A provider may spread the batch over cores.
    pub fn encrypt_batch(
        cs: &dyn CipherSuiteProvider,
        recipients: &[(&HpkePublicKey, &PathSecret)],
        group_context: &[u8],
    ) -> Result<Vec<HpkeCiphertext>, Error> {
        let pairs: Vec<(&HpkePublicKey, &[u8])> = recipients
            .iter()
            .map(|(pk, secret)| (*pk, secret.0.as_bytes()))
            .collect();
        encrypt_with_label_batch(cs, UPDATE_PATH_NODE_LABEL, group_context, &pairs)
    }

    /// `DecryptWithLabel(node_private_key, "UpdatePathNode", group_context, kem_output,
    /// ciphertext)` (RFC 9420 §7.6). Fails opaquely if the ciphertext does not open.
    pub fn decrypt(
        cs: &dyn CipherSuiteProvider,
        private_key: &HpkePrivateKey,
        group_context: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<PathSecret, Error> {
        Ok(PathSecret(decrypt_with_label(
            cs,
            private_key,
            UPDATE_PATH_NODE_LABEL,
            group_context,
            ciphertext,
        )?))
    }

    /// [`PathSecret::decrypt`] with the node's public key (its `encryption_key` in the
    /// tree, which the sender encrypted to), which spares HPKE recomputing it
    /// ([`decrypt_with_label_and_public_key`]).
    pub fn decrypt_with_public_key(
        cs: &dyn CipherSuiteProvider,
        private_key: &HpkePrivateKey,
        public_key: &[u8],
        group_context: &[u8],
        ciphertext: &HpkeCiphertext,
    ) -> Result<PathSecret, Error> {
        Ok(PathSecret(decrypt_with_label_and_public_key(
            cs,
            private_key,
            public_key,
            UPDATE_PATH_NODE_LABEL,
            group_context,
            ciphertext,
        )?))
    }
}

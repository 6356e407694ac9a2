//! `crypto-basics` vectors: `RefHash`, `ExpandWithLabel`, `DeriveSecret`, `DeriveTreeSecret`,
//! `SignWithLabel` / `VerifyWithLabel` and `EncryptWithLabel` / `DecryptWithLabel`
//! (RFC 9420 §5.1, §5.2, §8, §9) against the default provider.

use melos::CryptoProvider;
use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{CipherSuite, CipherSuiteProvider, HpkeCiphertext, HpkePrivateKey};
use melos::crypto::{SignaturePrivateKey, labels};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, str_field, suite_of, u64_field};

/// Verifies every case into `report`.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    let provider = RustCrypto::new();
    for (index, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        let result = match suite {
            None => Err("missing cipher_suite".to_string()),
            Some(s) => match provider.cipher_suite_provider(CipherSuite(s)) {
                None => Err(format!("cipher suite {s} not supported by the provider")),
                Some(cs) => verify_case(cs, case),
            },
        };
        report.record(suite, index, result);
    }
    true
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    ref_hash(cs, section(case, "ref_hash")?)?;
    expand_with_label(cs, section(case, "expand_with_label")?)?;
    derive_secret(cs, section(case, "derive_secret")?)?;
    derive_tree_secret(cs, section(case, "derive_tree_secret")?)?;
    sign_with_label(cs, section(case, "sign_with_label")?)?;
    encrypt_with_label(cs, section(case, "encrypt_with_label")?)
}

fn section<'a>(case: &'a Value, key: &str) -> Result<&'a Value, String> {
    case.get(key)
        .ok_or_else(|| format!("missing section {key}"))
}

fn length(v: &Value) -> Result<usize, String> {
    usize::try_from(u64_field(v, "length")?).map_err(|e| format!("length: {e}"))
}

fn ref_hash(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let label = str_field(v, "label")?;
    let out = labels::ref_hash(cs, label.as_bytes(), &hex_field(v, "value")?)
        .map_err(|e| format!("ref_hash: {e}"))?;
    check_eq("ref_hash", &out, &hex_field(v, "out")?)
}

fn expand_with_label(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let out = labels::expand_with_label(
        cs,
        &hex_field(v, "secret")?,
        str_field(v, "label")?.as_bytes(),
        &hex_field(v, "context")?,
        length(v)?,
    )
    .map_err(|e| format!("expand_with_label: {e}"))?;
    check_eq("expand_with_label", out.as_bytes(), &hex_field(v, "out")?)
}

fn derive_secret(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let out = labels::derive_secret(
        cs,
        &hex_field(v, "secret")?,
        str_field(v, "label")?.as_bytes(),
    )
    .map_err(|e| format!("derive_secret: {e}"))?;
    check_eq("derive_secret", out.as_bytes(), &hex_field(v, "out")?)
}

fn derive_tree_secret(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let generation = u32::try_from(u64_field(v, "generation")?)
        .map_err(|e| format!("derive_tree_secret generation: {e}"))?;
    let out = labels::derive_tree_secret(
        cs,
        &hex_field(v, "secret")?,
        str_field(v, "label")?.as_bytes(),
        generation,
        length(v)?,
    )
    .map_err(|e| format!("derive_tree_secret: {e}"))?;
    check_eq("derive_tree_secret", out.as_bytes(), &hex_field(v, "out")?)
}

fn sign_with_label(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let sk = SignaturePrivateKey::new(hex_field(v, "priv")?);
    let pk = hex_field(v, "pub")?;
    let label = str_field(v, "label")?.as_bytes();
    let content = hex_field(v, "content")?;
    labels::verify_with_label(cs, &pk, label, &content, &hex_field(v, "signature")?)
        .map_err(|e| format!("verify_with_label of the given signature: {e}"))?;
    let derived = cs
        .signature_public_key(&sk)
        .map_err(|e| format!("signature_public_key: {e}"))?;
    check_eq("signature_public_key(priv)", &derived, &pk)?;
    let own = labels::sign_with_label(cs, &sk, label, &content)
        .map_err(|e| format!("sign_with_label: {e}"))?;
    labels::verify_with_label(cs, &pk, label, &content, &own)
        .map_err(|e| format!("verify_with_label of our own signature: {e}"))
}

fn encrypt_with_label(cs: &dyn CipherSuiteProvider, v: &Value) -> Result<(), String> {
    let sk = HpkePrivateKey::new(hex_field(v, "priv")?);
    let pk = hex_field(v, "pub")?;
    let label = str_field(v, "label")?.as_bytes();
    let context = hex_field(v, "context")?;
    let plaintext = hex_field(v, "plaintext")?;
    let given = HpkeCiphertext {
        kem_output: hex_field(v, "kem_output")?,
        ciphertext: hex_field(v, "ciphertext")?,
    };
    let pt = labels::decrypt_with_label(cs, &sk, label, &context, &given)
        .map_err(|e| format!("decrypt_with_label of the given ciphertext: {e}"))?;
    check_eq("decrypt_with_label(given)", pt.as_bytes(), &plaintext)?;
    // The same with the recipient's public key supplied (hpke_open_with_public_key).
    let pt = labels::decrypt_with_label_and_public_key(cs, &sk, &pk, label, &context, &given)
        .map_err(|e| format!("decrypt_with_label_and_public_key of the given ciphertext: {e}"))?;
    check_eq(
        "decrypt_with_label_and_public_key(given)",
        pt.as_bytes(),
        &plaintext,
    )?;
    let derived = cs
        .kem_public_key(&sk)
        .map_err(|e| format!("kem_public_key: {e}"))?;
    check_eq("kem_public_key(priv)", &derived, &pk)?;
    let own = labels::encrypt_with_label(cs, &pk, label, &context, &plaintext)
        .map_err(|e| format!("encrypt_with_label: {e}"))?;
    let pt = labels::decrypt_with_label(cs, &sk, label, &context, &own)
        .map_err(|e| format!("decrypt_with_label of our own ciphertext: {e}"))?;
    check_eq("decrypt_with_label(own)", pt.as_bytes(), &plaintext)
}

//! `hpke-pq` vectors (hpkewg/hpke-pq `test-vectors.json`, the Test Vectors appendix of
//! draft-ietf-hpke-pq) against `melos::crypto::rust_crypto::hpke_pq`.
//!
//! Per case: `DeriveKeyPair(ikmR)` gives `skRm`/`pkRm`; `Encap(pkRm)` with `ikmE` served as
//! the encapsulation randomness gives `enc` and `shared_secret`; `Decap(enc, skRm)` gives
//! `shared_secret`; `SetupBaseS` with the same randomness seals every `pt` to its `ct` (in
//! sequence-number order), `SetupBaseR` opens every `ct` to its `pt`, and both export every
//! `exported_value`. Counts are kept per `kem_id` (in the report's `by_suite`). A case whose
//! algorithms melos does not implement (the SHAKE/TurboSHAKE KDFs, ML-KEM-512, the
//! classical KEMs, or any KEM without the `pq` feature) is unsupported.

use std::sync::Mutex;

use melos::CryptoError;
use melos::crypto::rust_crypto::hpke_pq::{self, HpkeAlgorithms};
use melos::crypto::{AeadId, HashId, HpkePrivateKey, KemId, RandomSource};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// The vector's `ikmE`, handed out in order; asking for more than it holds fails.
struct VectorRandomness(Mutex<(Vec<u8>, usize)>);

impl RandomSource for VectorRandomness {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        let mut guard = self.0.lock().map_err(|_| CryptoError::Random)?;
        let (bytes, used) = &mut *guard;
        let end = used.checked_add(out.len()).ok_or(CryptoError::Random)?;
        let src = bytes.get(*used..end).ok_or(CryptoError::Random)?;
        out.copy_from_slice(src);
        *used = end;
        Ok(())
    }
}

fn id(case: &Value, key: &str) -> Result<u16, String> {
    u16::try_from(u64_field(case, key)?).map_err(|e| format!("{key}: {e}"))
}

/// Verifies every case into `report`.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    for (index, case) in cases.iter().enumerate() {
        let kem = id(case, "kem_id").ok();
        let alg = match (kem, id(case, "kdf_id"), id(case, "aead_id")) {
            (Some(kem), Ok(kdf), Ok(aead)) => HpkeAlgorithms {
                kem: KemId(kem),
                kdf: HashId(kdf),
                aead: AeadId(aead),
            },
            _ => {
                report.fail(kem, index, "missing or invalid kem_id, kdf_id or aead_id");
                continue;
            }
        };
        if u64_field(case, "mode").ok() != Some(0) || !hpke_pq::is_supported(alg) {
            report.unsupported(kem);
            continue;
        }
        report.record(kem, index, verify_case(alg, case));
    }
    true
}

/// Maps a melos error to the failure message of `what`.
fn err(what: &'static str) -> impl Fn(CryptoError) -> String {
    move |e| format!("{what}: {e}")
}

fn verify_case(alg: HpkeAlgorithms, case: &Value) -> Result<(), String> {
    let info = hex_field(case, "info")?;
    let ikm_e = hex_field(case, "ikmE")?;
    let pk_rm = hex_field(case, "pkRm")?;
    let sk_rm = HpkePrivateKey::new(hex_field(case, "skRm")?);
    let enc_want = hex_field(case, "enc")?;

    let kp = hpke_pq::derive_key_pair(alg.kem, &hex_field(case, "ikmR")?)
        .map_err(err("DeriveKeyPair"))?;
    check_eq("skRm", kp.private_key.as_bytes(), sk_rm.as_bytes())?;
    check_eq("pkRm", &kp.public_key.0, &pk_rm)?;
    let pk = hpke_pq::public_key(alg.kem, &sk_rm).map_err(err("public key of skRm"))?;
    check_eq("pk(skRm)", &pk.0, &pk_rm)?;

    let randomness = || VectorRandomness(Mutex::new((ikm_e.clone(), 0)));
    let (shared_secret, enc) =
        hpke_pq::encap(alg.kem, &pk_rm, &randomness()).map_err(err("Encap"))?;
    check_eq("enc", &enc, &enc_want)?;
    check_eq(
        "shared_secret (Encap)",
        shared_secret.as_bytes(),
        &hex_field(case, "shared_secret")?,
    )?;
    let decapped = hpke_pq::decap(alg.kem, &enc_want, &sk_rm).map_err(err("Decap"))?;
    check_eq(
        "shared_secret (Decap)",
        decapped.as_bytes(),
        &hex_field(case, "shared_secret")?,
    )?;

    let (enc, mut sender) =
        hpke_pq::setup_base_s(alg, &pk_rm, &info, &randomness()).map_err(err("SetupBaseS"))?;
    check_eq("enc (SetupBaseS)", &enc, &enc_want)?;
    let mut receiver =
        hpke_pq::setup_base_r(alg, &enc_want, &sk_rm, &info).map_err(err("SetupBaseR"))?;

    let encryptions = case
        .get("encryptions")
        .and_then(Value::as_array)
        .ok_or("missing encryptions")?;
    for (i, e) in encryptions.iter().enumerate() {
        let (aad, pt, ct) = (
            hex_field(e, "aad")?,
            hex_field(e, "pt")?,
            hex_field(e, "ct")?,
        );
        let sealed = sender
            .seal(&aad, &pt)
            .map_err(|e| format!("Seal {i}: {e}"))?;
        check_eq(&format!("ct {i}"), &sealed, &ct)?;
        let opened = receiver
            .open(&aad, &ct)
            .map_err(|e| format!("Open {i}: {e}"))?;
        check_eq(&format!("pt {i}"), opened.as_bytes(), &pt)?;
    }
    if encryptions.is_empty() {
        return Err("no encryptions".to_string());
    }

    let exports = case
        .get("exports")
        .and_then(Value::as_array)
        .ok_or("missing exports")?;
    for (i, x) in exports.iter().enumerate() {
        let context = hex_field(x, "exporter_context")?;
        let len = usize::try_from(u64_field(x, "L")?).map_err(|e| format!("L: {e}"))?;
        let want = hex_field(x, "exported_value")?;
        let s = sender
            .export(&context, len)
            .map_err(|e| format!("Export {i} (sender): {e}"))?;
        check_eq(&format!("exported_value {i} (sender)"), s.as_bytes(), &want)?;
        let r = receiver
            .export(&context, len)
            .map_err(|e| format!("Export {i} (receiver): {e}"))?;
        check_eq(
            &format!("exported_value {i} (receiver)"),
            r.as_bytes(),
            &want,
        )?;
    }
    if exports.is_empty() {
        return Err("no exports".to_string());
    }
    Ok(())
}

//! The official HPKE post-quantum vectors (draft-ietf-hpke-pq, hpkewg/hpke-pq
//! `test-vectors.json`) through `melos-vectors` (feature `pq`; run with
//! `cargo test -p melos --features pq --test hpke_pq`).
//!
//! Every case with one of the five KEMs melos implements (ML-KEM-768, ML-KEM-1024,
//! MLKEM768-P256, MLKEM1024-P384, X-Wing) and an HKDF KDF must pass: `DeriveKeyPair`, `Encap`
//! with the vector's `ikmE` as randomness, `Decap`, every `Seal`/`Open` and every `Export`.
//! The other cases (SHAKE/TurboSHAKE KDFs, which no MLS suite uses; ML-KEM-512; the
//! classical DHKEMs, covered by RFC 9180's vectors elsewhere) are counted unsupported. The
//! file is read from `$MELOS_TEST_VECTORS/hpke-pq`, else `../shared/test-vectors/hpke-pq`;
//! a missing file fails loudly.

use std::collections::BTreeMap;

/// The KEMs melos implements (draft-ietf-hpke-pq §6).
const KEMS: [u16; 5] = [0x0041, 0x0042, 0x0050, 0x0051, 0x647a];

/// The HKDF KDFs (RFC 9180 §7.2).
const HKDF: [u16; 3] = [0x0001, 0x0002, 0x0003];

#[test]
fn every_hkdf_case_of_the_five_kems_passes() {
    let dir = melos_vectors::vectors_dir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("hpke-pq").join("test-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (the hpke-pq vectors of hpkewg/hpke-pq are expected there)",
            path.display()
        )
    });
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("vector JSON");

    // Expected counts per kem_id, from the file itself: applicable cases must pass, all
    // others must be unsupported.
    let mut want_passed: BTreeMap<u16, usize> = BTreeMap::new();
    let mut want_unsupported = 0;
    for case in &cases {
        let field = |k: &str| {
            case[k]
                .as_u64()
                .and_then(|v| u16::try_from(v).ok())
                .unwrap()
        };
        if KEMS.contains(&field("kem_id")) && HKDF.contains(&field("kdf_id")) {
            *want_passed.entry(field("kem_id")).or_default() += 1;
        } else {
            want_unsupported += 1;
        }
    }

    let report = melos_vectors::verify_file(&path, None).expect("verify");
    println!("{}", report.to_json_line());
    assert_eq!(report.kind, melos_vectors::HPKE_PQ_KIND);
    assert_eq!(
        report.failed,
        0,
        "hpke-pq: {} case(s) failed:\n{}",
        report.failed,
        report.failures.join("\n")
    );
    for (kem, n) in &want_passed {
        let got = report.by_suite.get(kem).map_or(0, |c| c.passed);
        assert_eq!(got, *n, "kem_id 0x{kem:04x}: {got} of {n} cases passed");
    }
    assert_eq!(report.passed, want_passed.values().sum::<usize>());
    assert_eq!(report.unsupported, want_unsupported);
    assert_eq!(report.passed + report.unsupported, cases.len());

    // The file as vendored (hpkewg/hpke-pq): one HKDF case for each of the five KEMs, and
    // eight others.
    let expected: BTreeMap<u16, usize> = KEMS.iter().map(|k| (*k, 1)).collect();
    assert_eq!(want_passed, expected);
    assert_eq!(want_unsupported, 8);
}

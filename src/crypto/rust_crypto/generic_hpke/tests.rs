//! Tests of the generic HPKE against RFC 9180 Appendix A (instantiated with X25519), of the
//! X448 group against RFC 7748, of X448 HPKE against the MLS `crypto-basics` vectors, and
//! round trips and failure cases for the parameters of MLS cipher suites 4 and 6.

use alloc::vec::Vec;

use super::hpke::{self, Kem};
use super::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

// The generic code instantiated with DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256 (the same
// instance the batch seal uses for suites 1 and 3) is checked against RFC 9180 Appendix A.
use super::kems::{DhKemX25519, HkdfSha256};

/// One RFC 9180 Appendix A base-mode vector (mode 0).
struct BaseVector {
    aead: AeadId,
    info: &'static str,
    ikm_e: &'static str,
    pk_em: &'static str,
    sk_em: &'static str,
    ikm_r: &'static str,
    pk_rm: &'static str,
    sk_rm: &'static str,
    enc: &'static str,
    shared_secret: &'static str,
    key_schedule_context: &'static str,
    secret: &'static str,
    key: &'static str,
    base_nonce: &'static str,
    exporter_secret: &'static str,
    /// Sequence number 0.
    pt: &'static str,
    aad: &'static str,
    ct: &'static str,
    /// `(exporter_context, L, exported_value)`.
    exports: [(&'static str, usize, &'static str); 3],
}

/// RFC 9180 A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, Base Setup.
const A1: BaseVector = BaseVector {
    aead: AeadId::AES_128_GCM,
    info: "4f6465206f6e2061204772656369616e2055726e",
    ikm_e: "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
    pk_em: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    sk_em: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    ikm_r: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
    pk_rm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    sk_rm: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    enc: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    shared_secret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    key_schedule_context: "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f30523526106f637abb05449",
    secret: "12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397",
    key: "4531685d41d65f03dc48f6b8302c05b0",
    base_nonce: "56d890e5accaaf011cff4b7d",
    exporter_secret: "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
    pt: "4265617574792069732074727574682c20747275746820626561757479",
    aad: "436f756e742d30",
    ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
    exports: [
        (
            "",
            32,
            "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
        ),
        (
            "00",
            32,
            "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
        ),
        (
            "54657374436f6e74657874",
            32,
            "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
        ),
    ],
};

/// RFC 9180 A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, Base Setup.
const A2: BaseVector = BaseVector {
    aead: AeadId::CHACHA20_POLY1305,
    info: "4f6465206f6e2061204772656369616e2055726e",
    ikm_e: "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
    pk_em: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
    sk_em: "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
    ikm_r: "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
    pk_rm: "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
    sk_rm: "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
    enc: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
    shared_secret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
    key_schedule_context: "00431df6cd95e11ff49d7013563baf7f11588c75a6611ee2a4404a49306ae4cfc5b69c5718a60cc5876c358d3f7fc31ddb598503f67be58ea1e798c0bb19eb9796",
    secret: "5b9cd775e64b437a2335cf499361b2e0d5e444d5cb41a8a53336d8fe402282c6",
    key: "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
    base_nonce: "5c4d98150661b848853b547f",
    exporter_secret: "a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922",
    pt: "4265617574792069732074727574682c20747275746820626561757479",
    aad: "436f756e742d30",
    ct: "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
    exports: [
        (
            "",
            32,
            "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e",
        ),
        (
            "00",
            32,
            "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69",
        ),
        (
            "54657374436f6e74657874",
            32,
            "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53",
        ),
    ],
};

type K25519 = DhKemX25519;
type F256 = HkdfSha256;

fn check_base_vector(v: &BaseVector) {
    // DeriveKeyPair (§7.1.3).
    let (sk_e, pk_e) = hpke::derive_key_pair::<K25519>(&h(v.ikm_e)).unwrap();
    assert_eq!(sk_e.as_bytes(), h(v.sk_em));
    assert_eq!(pk_e.as_bytes(), h(v.pk_em));
    let (sk_r, pk_r) = hpke::derive_key_pair::<K25519>(&h(v.ikm_r)).unwrap();
    assert_eq!(sk_r.as_bytes(), h(v.sk_rm));
    assert_eq!(pk_r.as_bytes(), h(v.pk_rm));

    // Encap / Decap (§4.1).
    let (shared, enc) = hpke::encap::<K25519>(pk_r.as_bytes(), &h(v.ikm_e)).unwrap();
    assert_eq!(enc, h(v.enc));
    assert_eq!(shared.as_bytes(), h(v.shared_secret));
    let shared_r = hpke::decap::<K25519>(&enc, sk_r.as_bytes()).unwrap();
    assert_eq!(shared_r.as_bytes(), h(v.shared_secret));

    // KeySchedule (§5.1).
    let info = h(v.info);
    assert_eq!(
        hpke::key_schedule_context::<K25519, F256>(v.aead, &info),
        h(v.key_schedule_context)
    );
    assert_eq!(
        hpke::key_schedule_secret::<K25519, F256>(v.aead, &shared).as_bytes(),
        h(v.secret)
    );
    let ctx = hpke::key_schedule::<K25519, F256>(v.aead, &shared, &info).unwrap();
    assert_eq!(ctx.key.as_bytes(), h(v.key));
    assert_eq!(ctx.base_nonce.as_bytes(), h(v.base_nonce));
    assert_eq!(ctx.exporter_secret.as_bytes(), h(v.exporter_secret));

    // Seal / Open at sequence number 0 (§5.2), through SetupBaseS / SetupBaseR (§5.1.1).
    let (enc_s, ctx_s) =
        hpke::setup_base_s::<K25519, F256>(v.aead, pk_r.as_bytes(), &info, &h(v.ikm_e)).unwrap();
    assert_eq!(enc_s, h(v.enc));
    let ct = ctx_s.seal(&h(v.aad), &h(v.pt)).unwrap();
    assert_eq!(ct, h(v.ct));
    let ctx_r = hpke::setup_base_r::<K25519, F256>(v.aead, &enc_s, sk_r.as_bytes(), &info).unwrap();
    assert_eq!(ctx_r.open(&h(v.aad), &ct).unwrap().as_bytes(), h(v.pt));

    // Export (§5.3), from both sides.
    for (exporter_context, len, expected) in v.exports {
        let ec = h(exporter_context);
        assert_eq!(
            ctx_s.export::<K25519, F256>(&ec, len).unwrap().as_bytes(),
            h(expected)
        );
        assert_eq!(
            ctx_r.export::<K25519, F256>(&ec, len).unwrap().as_bytes(),
            h(expected)
        );
    }
}

#[test]
fn rfc9180_a1_x25519_sha256_aes128gcm_base() {
    check_base_vector(&A1);
}

#[test]
fn rfc9180_a2_x25519_sha256_chacha20poly1305_base() {
    check_base_vector(&A2);
}

#[test]
fn labeled_expand_rejects_oversized_lengths() {
    let prk = [7u8; 64];
    // L must fit in I2OSP(L, 2) ...
    assert_eq!(
        hpke::labeled_expand::<HkdfSha512>(b"KEM\x00\x21", &prk, b"x", &[], 0x1_0000).err(),
        Some(CryptoError::InvalidLength)
    );
    // ... and in 255 * Nh for HKDF-SHA256.
    assert_eq!(
        hpke::labeled_expand::<HkdfSha256>(b"KEM\x00\x20", &prk, b"x", &[], 255 * 32 + 1).err(),
        Some(CryptoError::InvalidLength)
    );
    assert!(hpke::labeled_expand::<HkdfSha256>(b"KEM\x00\x20", &prk, b"x", &[], 255 * 32).is_ok());
}

// ---------------------------------------------------------------------------------------------
// X448 (RFC 7748).
// ---------------------------------------------------------------------------------------------

fn x448_fn(k: &[u8], u: &[u8]) -> Vec<u8> {
    DhKemX448::raw_dh(k, u).unwrap().as_bytes().to_vec()
}

/// RFC 7748 §5.2: the two X448 scalar multiplication vectors and the iterated test (1 and
/// 1,000 iterations).
#[test]
fn rfc7748_x448_scalar_multiplication() {
    let vectors = [
        (
            "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
            "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
            "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f",
        ),
        (
            "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
            "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
            "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d",
        ),
    ];
    for (k, u, out) in vectors {
        assert_eq!(x448_fn(&h(k), &h(u)), h(out));
        assert_eq!(
            hpke::dh::<DhKemX448>(&h(k), &h(u)).unwrap().as_bytes(),
            h(out)
        );
    }

    let mut k = x448::X448_BASEPOINT_BYTES.to_vec();
    let mut u = k.clone();
    let mut iterate = |n: usize| {
        for _ in 0..n {
            let r = x448_fn(&k, &u);
            u = core::mem::replace(&mut k, r);
        }
        k.clone()
    };
    assert_eq!(
        iterate(1),
        h(
            "3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113"
        )
    );
    assert_eq!(
        iterate(999),
        h(
            "aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38"
        )
    );
}

/// RFC 7748 §6.2: the X448 Diffie-Hellman example (public keys and shared secret).
#[test]
fn rfc7748_x448_key_agreement() {
    let alice_sk = HpkePrivateKey::new(h(
        "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
    ));
    let alice_pk = h(
        "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
    );
    let bob_sk = HpkePrivateKey::new(h(
        "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
    ));
    let bob_pk = h(
        "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
    );
    let shared = h(
        "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d",
    );

    assert_eq!(public_key(&alice_sk).unwrap().as_bytes(), alice_pk);
    assert_eq!(public_key(&bob_sk).unwrap().as_bytes(), bob_pk);
    assert_eq!(
        hpke::dh::<DhKemX448>(alice_sk.as_bytes(), &bob_pk)
            .unwrap()
            .as_bytes(),
        shared
    );
    assert_eq!(
        hpke::dh::<DhKemX448>(bob_sk.as_bytes(), &alice_pk)
            .unwrap()
            .as_bytes(),
        shared
    );
}

/// RFC 7748 §5: non-canonical u-coordinates (>= p) are reduced modulo p. p + 9 must act
/// like 9 (a point of the twist, any non-low-order value would do).
#[test]
fn x448_non_canonical_u_is_reduced() {
    let k = [0x42u8; 56];
    let mut u9 = [0u8; 56];
    u9[0] = 9;
    // p + 9 = 2^448 - 2^224 + 8, little-endian: 0x08, 27 x 0x00, then 28 x 0xff.
    let mut p_plus_9 = [0xffu8; 56];
    p_plus_9[..28].fill(0);
    p_plus_9[0] = 8;
    assert_eq!(x448_fn(&k, &u9), x448_fn(&k, &p_plus_9));
}

// ---------------------------------------------------------------------------------------------
// X448 HPKE: MLS vectors, round trips and failures for suites 4 and 6.
// ---------------------------------------------------------------------------------------------

/// `EncryptContext` (RFC 9420 §5.1.3) for label "EncryptWithLabel" and a 64-byte context.
fn encrypt_context(context: &[u8]) -> Vec<u8> {
    let label = b"MLS 1.0 EncryptWithLabel";
    let mut info = vec![u8::try_from(label.len()).unwrap()];
    info.extend_from_slice(label);
    assert_eq!(context.len(), 64);
    info.extend_from_slice(&[0x40, 0x40]);
    info.extend_from_slice(context);
    info
}

/// The `encrypt_with_label` entries of the MLS `crypto-basics` test vectors for suites 4 and 6
/// (produced by another implementation): `DecryptWithLabel` is `OpenBase` with the
/// `EncryptContext` as `info` and an empty `aad`.
#[test]
fn mls_crypto_basics_encrypt_with_label_suites_4_and_6() {
    struct V {
        aead: AeadId,
        priv_: &'static str,
        pub_: &'static str,
        context: &'static str,
        kem_output: &'static str,
        ciphertext: &'static str,
        plaintext: &'static str,
    }
    let vectors = [
        V {
            aead: AeadId::AES_256_GCM,
            priv_: "f98a74e98ed6f217513be360d6d36378fcbbf548f3e4292cf35078f3cc23855fb370fb0ddce879fa864e5a20fd43ab6eed8d8f606b705b92",
            pub_: "ab23487f3028c6a5dc5f12eb9bb65a2f93d913962ecc60f6505b6ba82db7d292b1af2106404c829192a14854fff94780cfa325995afc22f7",
            context: "a73f953ea54f3785af7ee8c8928e5d71baf489e425d1068b1407d4a6efff3c5ed0f8f7d60f58af1856d7990fe9e04bd0b827bda913aa22f10fba0e5f2b1c8c50",
            kem_output: "c487db6afe43e4537890be46ef126bd804510fbc8f53bb3e60c39e439d8cfce804575ebea1b1c298d9fb31e84677b5bc3270a74feb051209",
            ciphertext: "194059f738cabf5fb568373030024fd73b19cb7bb45b61173639e85309879287e8327c8afd09d784018770bd4994c0b050df3e608430151419fc6886c57f847c8f68e001b39f2346dae17108d1fa36aa",
            plaintext: "d1e409fcb7b955e2b368314dc6a34816142448627958f2ce1a103bc2b38ce2a2c1b05678606ae44b2300c959da77b1287228cd9c10e62e8c665db83665a857b4",
        },
        V {
            aead: AeadId::CHACHA20_POLY1305,
            priv_: "34c86cc64b825321869ee81bcb38bd7baf01a1491fb52f671451b32ed7e89847f3968783a3e351b582b4520179b1a0d710c47b1442ac07f8",
            pub_: "0193786e5197b8ee594a0d2f9554907216e2923367113406c8664a7985df1f1e818e22224eb51a66eae888b527f3cd1ace7296f8e9109ed6",
            context: "edade7087f93e8c34b5949bfb7baeb71f32a0c39d1ccec077625381716bf551275b4ac51019ff290211d81160acf090a89000e3a72eb471a670bd8cbd7a34808",
            kem_output: "d79688d9adb95186b5d475f5745f1e38905ce89fab7c6d890cf6fa257ed24681116e6dc6f3b86aafc47be6c4fd14614b5f05ffb0e64c29be",
            ciphertext: "1cf0b7459dd15bec64bf97584990ee9848dc5474a38557ba07ef17f5b9503be2adb47ec68df6ac4d9b11e6e6df0d64a60127d7caa109a894b58d7c3e9fba61b3ea2345fb65ae0413e9797580c6ab4a1a",
            plaintext: "749869e8f80f186e02881c59cf538ffc6de6d2a6c0e90e6b0362b14f37bd510a82b769ab1544d980c37f294ed68fc0cf7934c058921274908bf2f13f7a18166a",
        },
    ];
    for v in vectors {
        let sk = HpkePrivateKey::new(h(v.priv_));
        assert_eq!(public_key(&sk).unwrap().as_bytes(), h(v.pub_));
        let info = encrypt_context(&h(v.context));
        let ct = HpkeCiphertext {
            kem_output: h(v.kem_output),
            ciphertext: h(v.ciphertext),
        };
        assert_eq!(
            open(v.aead, &ct, &sk, &info, b"").unwrap().as_bytes(),
            h(v.plaintext)
        );
        // The other suite's AEAD (a different suite_id and cipher) must not open it.
        let other = if v.aead == AeadId::AES_256_GCM {
            AeadId::CHACHA20_POLY1305
        } else {
            AeadId::AES_256_GCM
        };
        assert_eq!(
            open(other, &ct, &sk, &info, b"").err(),
            Some(CryptoError::DecryptionFailed)
        );
    }
}

const SUITE_AEADS: [AeadId; 2] = [AeadId::AES_256_GCM, AeadId::CHACHA20_POLY1305];

#[test]
fn derive_key_pair_sizes_and_consistency() {
    let (sk, pk) = derive_key_pair(&[1u8; 56]).unwrap();
    assert_eq!(sk.as_bytes().len(), 56);
    assert_eq!(pk.as_bytes().len(), 56);
    assert_eq!(public_key(&sk).unwrap(), pk);
    let (sk2, pk2) = derive_key_pair(&[1u8; 56]).unwrap();
    assert_eq!((sk2, pk2), (sk, pk.clone()));
    let (_, pk3) = derive_key_pair(&[2u8; 56]).unwrap();
    assert_ne!(pk3, pk);
    // Bad private key lengths.
    assert_eq!(
        public_key(&HpkePrivateKey::new(vec![1; 55])).err(),
        Some(CryptoError::InvalidKey)
    );
    assert_eq!(
        public_key(&HpkePrivateKey::new(vec![])).err(),
        Some(CryptoError::InvalidKey)
    );
}

#[test]
fn seal_open_round_trip_suites_4_and_6() {
    let (sk_r, pk_r) =
        derive_key_pair(b"receiver ikm receiver ikm receiver ikm receiver ikm!!!!").unwrap();
    for aead in SUITE_AEADS {
        for pt in [&b""[..], b"hello", &[0xabu8; 1000][..]] {
            let ct = seal(aead, pk_r.as_bytes(), b"info", b"aad", pt, &[9u8; 56]).unwrap();
            assert_eq!(ct.kem_output.len(), 56);
            assert_eq!(ct.ciphertext.len(), pt.len() + 16);
            assert_eq!(
                open(aead, &ct, &sk_r, b"info", b"aad").unwrap().as_bytes(),
                pt
            );
        }
        // Deterministic given the ephemeral IKM; different IKM gives a different enc.
        let a = seal(aead, pk_r.as_bytes(), b"i", b"a", b"m", &[1u8; 56]).unwrap();
        let b = seal(aead, pk_r.as_bytes(), b"i", b"a", b"m", &[1u8; 56]).unwrap();
        let c = seal(aead, pk_r.as_bytes(), b"i", b"a", b"m", &[2u8; 56]).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.kem_output, c.kem_output);
    }
    // The two suites produce different ciphertexts for the same inputs.
    let a = seal(
        SUITE_AEADS[0],
        pk_r.as_bytes(),
        b"i",
        b"a",
        b"m",
        &[1u8; 56],
    )
    .unwrap();
    let b = seal(
        SUITE_AEADS[1],
        pk_r.as_bytes(),
        b"i",
        b"a",
        b"m",
        &[1u8; 56],
    )
    .unwrap();
    assert_eq!(a.kem_output, b.kem_output);
    assert_ne!(a.ciphertext, b.ciphertext);
}

#[test]
fn open_failures_suites_4_and_6() {
    let (sk_r, pk_r) = derive_key_pair(&[3u8; 56]).unwrap();
    let (wrong_sk, _) = derive_key_pair(&[4u8; 56]).unwrap();
    let fail = Some(CryptoError::DecryptionFailed);
    for aead in SUITE_AEADS {
        let ct = seal(
            aead,
            pk_r.as_bytes(),
            b"info",
            b"aad",
            b"secret",
            &[5u8; 56],
        )
        .unwrap();
        assert_eq!(open(aead, &ct, &wrong_sk, b"info", b"aad").err(), fail);
        assert_eq!(open(aead, &ct, &sk_r, b"other", b"aad").err(), fail);
        assert_eq!(open(aead, &ct, &sk_r, b"info", b"other").err(), fail);

        let mut bad = ct.clone();
        bad.ciphertext[0] ^= 1;
        assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);
        let mut bad = ct.clone();
        bad.ciphertext.truncate(10);
        assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);
        let mut bad = ct.clone();
        bad.ciphertext.clear();
        assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);

        // Truncated, extended, empty and low-order encapsulations: errors, no panic.
        for enc in [
            ct.kem_output[..55].to_vec(),
            [&ct.kem_output[..], &[0]].concat(),
            vec![],
            vec![0; 56],
        ] {
            let bad = HpkeCiphertext {
                kem_output: enc,
                ciphertext: ct.ciphertext.clone(),
            };
            assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);
            assert_eq!(
                export_receiver(aead, &bad.kem_output, &sk_r, b"info", b"ctx", 32).err(),
                Some(CryptoError::InvalidKey)
            );
        }
        // Garbage of the right length is a valid u-coordinate: decapsulation succeeds but
        // yields another key, so open fails and the exported value differs.
        let (enc, exported) =
            export_sender(aead, pk_r.as_bytes(), b"info", b"ctx", 32, &[5u8; 56]).unwrap();
        assert_eq!(enc, ct.kem_output);
        for enc in [vec![0xff; 56], vec![0x5a; 56]] {
            let bad = HpkeCiphertext {
                kem_output: enc,
                ciphertext: ct.ciphertext.clone(),
            };
            assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);
            let other = export_receiver(aead, &bad.kem_output, &sk_r, b"info", b"ctx", 32).unwrap();
            assert_ne!(other, exported);
        }
        let mut bad = ct.clone();
        bad.kem_output[7] ^= 0x10;
        assert_eq!(open(aead, &bad, &sk_r, b"info", b"aad").err(), fail);

        // A malformed private key.
        let short_sk = HpkePrivateKey::new(sk_r.as_bytes()[..40].to_vec());
        assert_eq!(open(aead, &ct, &short_sk, b"info", b"aad").err(), fail);
    }
    // Unknown AEADs (including export-only) are unsupported.
    for aead in [AeadId(0xffff), AeadId(0x0004)] {
        assert_eq!(
            seal(aead, pk_r.as_bytes(), b"", b"", b"m", &[5u8; 56]).err(),
            Some(CryptoError::Unsupported)
        );
        let ct = HpkeCiphertext {
            kem_output: pk_r.as_bytes().to_vec(),
            ciphertext: vec![0; 20],
        };
        assert_eq!(
            open(aead, &ct, &sk_r, b"", b"").err(),
            Some(CryptoError::Unsupported)
        );
    }
}

/// Little-endian encodings of the low-order points of Curve448 and its twist, canonical
/// (0, 1, p - 1) and not (p, p + 1): the DH output is all zero, which RFC 9180 §7.1.4
/// requires to be rejected.
fn low_order_points() -> Vec<Vec<u8>> {
    let zero = vec![0u8; 56];
    let mut one = vec![0u8; 56];
    one[0] = 1;
    // p = 2^448 - 2^224 - 1.
    let mut p = vec![0xffu8; 56];
    p[28] = 0xfe;
    let mut p_minus_1 = p.clone();
    p_minus_1[0] = 0xfe;
    // p + 1 = 2^448 - 2^224.
    let mut p_plus_1 = vec![0xffu8; 56];
    p_plus_1[..28].fill(0);
    vec![zero, one, p_minus_1, p, p_plus_1]
}

#[test]
fn low_order_public_keys_are_rejected() {
    let (sk_r, _) = derive_key_pair(&[6u8; 56]).unwrap();
    for pk in low_order_points() {
        assert_eq!(
            hpke::dh::<DhKemX448>(sk_r.as_bytes(), &pk).err(),
            Some(CryptoError::InvalidKey)
        );
        for aead in SUITE_AEADS {
            assert_eq!(
                seal(aead, &pk, b"", b"", b"m", &[7u8; 56]).err(),
                Some(CryptoError::InvalidKey)
            );
            assert_eq!(
                export_sender(aead, &pk, b"", b"", 32, &[7u8; 56]).err(),
                Some(CryptoError::InvalidKey)
            );
            assert_eq!(
                export_receiver(aead, &pk, &sk_r, b"", b"", 32).err(),
                Some(CryptoError::InvalidKey)
            );
            let ct = HpkeCiphertext {
                kem_output: pk.clone(),
                ciphertext: vec![0; 32],
            };
            assert_eq!(
                open(aead, &ct, &sk_r, b"", b"").err(),
                Some(CryptoError::DecryptionFailed)
            );
        }
    }
    // Malformed public key lengths.
    for aead in SUITE_AEADS {
        for pk in [vec![], vec![9u8; 55], vec![9u8; 57]] {
            assert_eq!(
                seal(aead, &pk, b"", b"", b"m", &[7u8; 56]).err(),
                Some(CryptoError::InvalidKey)
            );
            assert_eq!(
                export_sender(aead, &pk, b"", b"", 32, &[7u8; 56]).err(),
                Some(CryptoError::InvalidKey)
            );
        }
    }
}

#[test]
fn export_round_trip_suites_4_and_6() {
    let (sk_r, pk_r) = derive_key_pair(&[8u8; 56]).unwrap();
    let (wrong_sk, _) = derive_key_pair(&[9u8; 56]).unwrap();
    let mut per_suite = Vec::new();
    for aead in SUITE_AEADS {
        for len in [0usize, 1, 32, 64, 65, 255 * 64] {
            let (enc, s) =
                export_sender(aead, pk_r.as_bytes(), b"info", b"ctx", len, &[10u8; 56]).unwrap();
            assert_eq!(enc.len(), 56);
            assert_eq!(s.len(), len);
            let r = export_receiver(aead, &enc, &sk_r, b"info", b"ctx", len).unwrap();
            assert_eq!(r, s);
        }
        let (enc, s) =
            export_sender(aead, pk_r.as_bytes(), b"info", b"ctx", 64, &[10u8; 56]).unwrap();
        assert_ne!(
            export_receiver(aead, &enc, &wrong_sk, b"info", b"ctx", 64).unwrap(),
            s
        );
        assert_ne!(
            export_receiver(aead, &enc, &sk_r, b"other", b"ctx", 64).unwrap(),
            s
        );
        assert_ne!(
            export_receiver(aead, &enc, &sk_r, b"info", b"other", 64).unwrap(),
            s
        );
        // Too long for HKDF-SHA512 (255 * 64) or for I2OSP(L, 2).
        for len in [255 * 64 + 1, 0x1_0000] {
            assert_eq!(
                export_sender(aead, pk_r.as_bytes(), b"info", b"ctx", len, &[10u8; 56]).err(),
                Some(CryptoError::InvalidLength)
            );
            assert_eq!(
                export_receiver(aead, &enc, &sk_r, b"info", b"ctx", len).err(),
                Some(CryptoError::InvalidLength)
            );
        }
        per_suite.push(s);
    }
    // The AEAD id is part of the HPKE suite_id, so suites 4 and 6 export different values.
    assert_ne!(per_suite[0], per_suite[1]);
}

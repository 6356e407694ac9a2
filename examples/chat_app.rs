//! A small chat application on melos (RFC 9420), written the way an application uses the
//! library: only the public API, and every message crosses the "network" as bytes.
//!
//! Alice, Bob and Carol each run a client. Bob and Carol publish KeyPackages; Alice creates
//! a group and adds them; they join from the Welcome. Everyone talks (with authenticated
//! data), and every receiver names the sender from the credential that verified the
//! message. Carol goes offline: her client saves its state and stops. While she is away Bob
//! and Alice commit twice; when she comes back she restores her state and catches up on
//! her queue in order. Finally Alice removes Carol, and Carol's client is told the group
//! is inactive for her when the next epoch's message arrives.
//!
//! Bob's signature key stays in a (stand-in) keystore behind melos's `Signer` trait: the
//! library only ever hands it bytes to sign. Carol's client saves its identity and its
//! KeyPackage (private keys included) as bytes while it waits for the Welcome, as an app
//! that restarts in between would. A replayed message is refused with an error that says
//! what went wrong.
//!
//! Run with `cargo run --example chat_app`.

use std::collections::VecDeque;
use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{RawKeySigner, SignaturePublicKey, SignatureScheme, Signer};
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, ProcessedMessage, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use melos::{CipherSuite, CryptoError, CryptoProvider, Error, GroupError};

/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1).
const SUITE: CipherSuite = CipherSuite(1);

type AppResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Fails the program with `what` unless `ok`.
fn ensure(ok: bool, what: &str) -> AppResult<()> {
    if ok { Ok(()) } else { Err(what.into()) }
}

/// The display name in a basic credential (RFC 9420 §5.3).
fn name_of(credential: &Credential) -> String {
    match credential {
        Credential::Basic(identity) => String::from_utf8_lossy(identity).into_owned(),
        other => format!("{other:?}"),
    }
}

/// A signature key kept in the device's keystore (an HSM, the OS keychain): melos asks it
/// to sign the encoded `SignContent` (RFC 9420 §5.1.2) and never sees the key bytes.
struct Keystore {
    key: RawKeySigner,
    signatures: std::sync::atomic::AtomicUsize,
}

impl Signer for Keystore {
    fn signature_scheme(&self) -> SignatureScheme {
        self.key.signature_scheme()
    }
    fn public_key(&self) -> &SignaturePublicKey {
        self.key.public_key()
    }
    fn sign(&self, sign_content: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.signatures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.key.sign(sign_content)
    }
}

/// One user's device: its signing identity, its published KeyPackage, its group state and
/// the queue the delivery service fills for it.
struct Client {
    name: &'static str,
    identity: SigningIdentity,
    key_package: Option<KeyPackageBundle>,
    group: Option<Group>,
    inbox: VecDeque<Vec<u8>>,
}

impl Client {
    fn new(provider: &Arc<dyn CryptoProvider>, name: &'static str) -> AppResult<Client> {
        let cs = provider.suite(SUITE)?;
        let credential = Credential::Basic(name.as_bytes().to_vec());
        let identity = SigningIdentity::generate(cs, credential)?;
        Ok(Client {
            name,
            identity,
            key_package: None,
            group: None,
            inbox: VecDeque::new(),
        })
    }

    /// A client whose signature key lives in `keystore` (§5.1.2 signing through `Signer`).
    fn with_keystore(name: &'static str, keystore: Arc<Keystore>) -> Client {
        let credential = Credential::Basic(name.as_bytes().to_vec());
        Client {
            name,
            identity: SigningIdentity::new(credential, keystore),
            key_package: None,
            group: None,
            inbox: VecDeque::new(),
        }
    }

    /// A KeyPackage to publish, as the bytes of an `mls_key_package` MLSMessage (§10).
    fn publish_key_package(&mut self, provider: &Arc<dyn CryptoProvider>) -> AppResult<Vec<u8>> {
        let cs = provider.suite(SUITE)?;
        let lifetime = Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        };
        let bundle = self.identity.key_package(cs, lifetime)?;
        let bytes = MlsMessage::from(bundle.key_package.clone()).encode()?;
        self.key_package = Some(bundle);
        Ok(bytes)
    }

    fn group(&mut self) -> AppResult<&mut Group> {
        let name = self.name;
        self.group
            .as_mut()
            .ok_or_else(|| format!("{name} is in no group").into())
    }

    /// Joins from the bytes of a Welcome, with the KeyPackage it published (§12.4.3.1).
    fn join(&mut self, provider: &Arc<dyn CryptoProvider>, welcome: &[u8]) -> AppResult<()> {
        let welcome = MlsMessage::decode(welcome)?;
        ensure(welcome.as_welcome().is_some(), "expected a Welcome")?;
        let bundle = self.key_package.take().ok_or("no KeyPackage published")?;
        let group = Group::join_builder(provider.clone(), &welcome, &bundle, self.identity.clone())
            .config(GroupConfig::default())
            .join()?;
        println!("  {} joined at epoch {}", self.name, group.epoch());
        self.group = Some(group);
        Ok(())
    }

    /// Sends `text` with `aad` (authenticated, not encrypted, §6.3) as bytes.
    fn say(&mut self, text: &str, aad: &str) -> AppResult<Vec<u8>> {
        let name = self.name;
        let msg = self
            .group()?
            .encrypt_application(text.as_bytes(), aad.as_bytes())?;
        println!("  {name} says {text:?} [aad {aad:?}]");
        Ok(msg.encode()?)
    }

    /// Commits `options`, merges it (the delivery service accepted it), and returns the
    /// Commit's bytes and the Welcome's, if any (§12.4).
    fn commit(&mut self, options: CommitOptions) -> AppResult<(Vec<u8>, Option<Vec<u8>>)> {
        let name = self.name;
        let group = self.group()?;
        let out = group.commit(options)?;
        group.merge_pending_commit()?;
        let welcome = out.welcome.map(|w| w.encode()).transpose()?;
        println!("  {name} committed: now epoch {}", group.epoch());
        Ok((out.commit.encode()?, welcome))
    }

    /// Processes one received message (§6, §12.4.2): prints who sent it, by credential,
    /// merges a Commit, and returns what was processed.
    fn receive(&mut self, bytes: &[u8]) -> AppResult<ProcessedMessage> {
        let name = self.name;
        let msg = MlsMessage::decode(bytes)?;
        let group = self.group()?;
        let got = group.process(&msg, None)?;
        let from = name_of(got.sender_credential());
        match &got.content {
            ProcessedContent::Application(text) => println!(
                "  {name} <- {from}: {:?} [aad {:?}, epoch {}]",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(&got.authenticated_data),
                got.epoch
            ),
            ProcessedContent::Proposal(..) => println!("  {name} <- {from}: a proposal"),
            ProcessedContent::Commit(staged) => {
                let removed: Vec<String> = staged
                    .removed()
                    .iter()
                    .map(|m| name_of(&m.credential))
                    .collect();
                let added: Vec<String> = staged
                    .added()
                    .iter()
                    .map(|m| name_of(&m.credential))
                    .collect();
                let epoch = staged.new_epoch();
                group.merge_staged_commit((**staged).clone())?;
                println!(
                    "  {name} <- {from}: commit to epoch {epoch} (added {added:?}, removed {removed:?})"
                );
                if !group.is_active() {
                    println!("  {name} was removed from the group");
                }
            }
        }
        Ok(got)
    }

    /// Processes the queued messages in order.
    fn catch_up(&mut self) -> AppResult<()> {
        while let Some(bytes) = self.inbox.pop_front() {
            self.receive(&bytes)?;
        }
        Ok(())
    }
}

/// Receives `bytes` at every client in `to`, checking that it names `sender`.
fn broadcast(to: &mut [&mut Client], bytes: &[u8], sender: &str) -> AppResult<()> {
    for client in to.iter_mut() {
        let got = client.receive(bytes)?;
        ensure(
            name_of(got.sender_credential()) == sender,
            "the sender's credential is not who sent it",
        )?;
    }
    Ok(())
}

fn main() -> AppResult<()> {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut alice = Client::new(&provider, "alice")?;
    let keystore = Arc::new(Keystore {
        key: RawKeySigner::generate(provider.clone(), SUITE)?,
        signatures: Default::default(),
    });
    let mut bob = Client::with_keystore("bob", keystore.clone());
    let mut carol = Client::new(&provider, "carol")?;

    println!("1. Bob and Carol publish KeyPackages; Alice creates the group and adds them");
    let published = [
        bob.publish_key_package(&provider)?,
        carol.publish_key_package(&provider)?,
    ];
    let group = Group::create(
        provider.clone(),
        SUITE,
        b"book club".to_vec(),
        alice.identity.clone(),
        GroupConfig::default(),
    )?;
    alice.group = Some(group);
    let mut add = CommitOptions::default().with_ratchet_tree();
    for bytes in &published {
        let kp = MlsMessage::decode(bytes)?
            .into_key_package()
            .ok_or("expected a KeyPackage")?;
        add = add.add_member(kp);
    }
    println!("   Carol's app restarts while she waits: identity and KeyPackage saved as bytes");
    let identity_bytes = carol.identity.to_bytes()?;
    let bundle_bytes = carol.key_package.as_ref().ok_or("no bundle")?.to_bytes()?;
    carol.identity = SigningIdentity::from_bytes(identity_bytes.as_bytes())?;
    carol.key_package = Some(KeyPackageBundle::from_bytes(bundle_bytes.as_bytes())?);
    let (_, welcome) = alice.commit(add)?;
    let welcome = welcome.ok_or("an Add commit has a Welcome")?;
    bob.join(&provider, &welcome)?;
    carol.join(&provider, &welcome)?;

    println!("2. Everyone talks; receivers name the sender from the verified credential");
    let m = alice.say("Welcome to the book club!", "msg-1")?;
    broadcast(&mut [&mut bob, &mut carol], &m, "alice")?;
    let m = bob.say("Thanks! What are we reading?", "msg-2")?;
    broadcast(&mut [&mut alice, &mut carol], &m, "bob")?;
    let m = carol.say("Something short, please.", "msg-3")?;
    broadcast(&mut [&mut alice, &mut bob], &m, "carol")?;

    println!("   The delivery service replays Carol's message to Bob: refused, in words");
    match bob.receive(&m) {
        Err(e) => println!("  bob's client refuses the replay: {e}"),
        Ok(_) => return Err("a replayed message was accepted".into()),
    }
    ensure(
        keystore
            .signatures
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0,
        "Bob's keystore never signed",
    )?;

    println!("3. Carol goes offline: her client saves its state and stops");
    let saved = carol.group()?.to_bytes()?;
    println!(
        "  saved {} bytes (secret: store them encrypted)",
        saved.as_bytes().len()
    );
    carol.group = None;

    println!("4. While she is away: two commits and two messages, queued for her in order");
    let (c, _) = bob.commit(CommitOptions::default())?;
    alice.receive(&c)?;
    carol.inbox.push_back(c);
    let m = alice.say("Bob rotated his keys.", "msg-4")?;
    bob.receive(&m)?;
    carol.inbox.push_back(m);
    let (c, _) = alice.commit(CommitOptions::default())?;
    bob.receive(&c)?;
    carol.inbox.push_back(c);
    let m = bob.say("Chapter one by Friday.", "msg-5")?;
    alice.receive(&m)?;
    carol.inbox.push_back(m);

    println!("5. Carol restores her state and catches up");
    carol.group = Some(Group::from_bytes(provider.clone(), saved.as_bytes())?);
    carol.catch_up()?;
    let (a, c) = (alice.group()?.epoch(), carol.group()?.epoch());
    ensure(a == c, "Carol did not reach Alice's epoch")?;
    let same = alice.group()?.epoch_authenticator() == carol.group()?.epoch_authenticator();
    ensure(same, "Carol's epoch differs from Alice's")?;
    println!("  carol is at epoch {c}, in agreement with alice");

    println!("6. Alice removes Carol (found by her credential)");
    let carols = Credential::Basic(b"carol".to_vec());
    let leaf = alice
        .group()?
        .member_by_credential(&carols)
        .ok_or("no Carol")?
        .index;
    let (c, _) = alice.commit(CommitOptions::default().remove_member(leaf))?;
    bob.receive(&c)?;
    carol.receive(&c)?;
    ensure(!carol.group()?.is_active(), "Carol is still active")?;
    ensure(
        bob.group()?.member_by_credential(&carols).is_none(),
        "Bob still lists Carol",
    )?;

    println!("7. The next epoch's message: Bob reads it, Carol is told she was removed");
    let m = alice.say("Just the two of us now.", "msg-6")?;
    broadcast(&mut [&mut bob], &m, "alice")?;
    match carol.receive(&m) {
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Group(GroupError::GroupInactive)) => {
                println!("  carol's client refuses it: {e}");
            }
            _ => return Err(e),
        },
        Ok(_) => return Err("Carol read a message after her removal".into()),
    }

    let same = alice.group()?.epoch_authenticator() == bob.group()?.epoch_authenticator();
    ensure(same, "Alice and Bob disagree")?;
    println!(
        "Done: alice and bob at epoch {} with {} members",
        alice.group()?.epoch(),
        alice.group()?.member_count()
    );
    Ok(())
}

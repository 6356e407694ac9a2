//! A small command-line chat whose state lives in SQLite between runs: several local users,
//! each a `Client<SqliteStorage>` with its own database file (`<dir>/<user>.sqlite`), and a
//! local "delivery service": a directory of numbered message files (`<dir>/ds/`) and one of
//! published KeyPackages (`<dir>/keypackages/`). Every invocation is a new process that
//! loads the user's client from SQLite, catches up from the delivery service, does one
//! thing and exits.
//!
//! ```text
//! $ alias chat='cargo run -q -p melos-sqlite --example chat -- --dir /tmp/melos-chat'
//! $ chat init alice
//! alice: created, 3 KeyPackages published
//! $ chat init bob
//! bob: created, 3 KeyPackages published
//! $ chat add alice bob
//! alice: now at epoch 1
//! alice: bob joined
//! $ chat send alice "hi bob"
//! $ chat read bob
//! bob: joined the chat at epoch 1
//! bob: <alice> hi bob
//! $ chat send bob "hello alice"
//! $ chat read alice
//! alice: <bob> hello alice
//! $ chat remove alice bob
//! alice: now at epoch 2
//! alice: bob left
//! $ chat read bob
//! bob: you were removed from the chat
//! ```
//!
//! Each user's database key is a random 32-byte file next to the database (a real
//! application keeps it in the platform's keystore). A message the user already processed,
//! its own messages coming back, and Welcomes for others are refused by the client and not
//! shown.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use melos::client::{Client, ClientConfig, ClientEvent};
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{CommitOptions, SigningIdentity};
use melos::messages::Credential;
use melos::{CipherSuite, CryptoProvider};
use melos_sqlite::SqliteStorage;

const GROUP: &[u8] = b"chat";

type Res<T> = Result<T, Box<dyn Error>>;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn name(credential: &Credential) -> String {
    match credential {
        Credential::Basic(n) => String::from_utf8_lossy(n).into_owned(),
        _ => "?".to_string(),
    }
}

/// The chat's directory: the users' stores and keys, the delivery service.
struct Chat {
    dir: PathBuf,
}

impl Chat {
    fn ds(&self) -> PathBuf {
        self.dir.join("ds")
    }

    fn key_packages(&self) -> PathBuf {
        self.dir.join("keypackages")
    }

    /// Opens (or with `create`, creates) `user`'s client.
    fn client(&self, user: &str, create: bool) -> Res<Client<SqliteStorage>> {
        let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let config = ClientConfig::new(CipherSuite(1));
        let key_path = self.dir.join(format!("{user}.key"));
        let db = self.dir.join(format!("{user}.sqlite"));
        if create {
            if db.exists() {
                return Err(format!("{user} exists already").into());
            }
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| e.to_string())?;
            fs::write(&key_path, key)?;
            let store = SqliteStorage::open(&db, &key)?;
            let cs = provider.suite(config.cipher_suite)?;
            let id = SigningIdentity::generate(cs, Credential::Basic(user.as_bytes().to_vec()))?;
            return Ok(Client::create(provider, id, config, store)?);
        }
        let key = fs::read(&key_path).map_err(|_| format!("no user {user} (run init)"))?;
        let store = SqliteStorage::open(&db, &key)?;
        Ok(Client::load(provider, store, config)?)
    }

    /// Publishes KeyPackages of `user`, one file each.
    fn publish(&self, user: &str, kps: Vec<MlsMessage>) -> Res<()> {
        let mut n = 0u32;
        for kp in kps {
            while self.key_packages().join(format!("{user}.{n}")).exists() {
                n += 1;
            }
            fs::write(
                self.key_packages().join(format!("{user}.{n}")),
                kp.encode()?,
            )?;
        }
        Ok(())
    }

    /// Takes (and deletes) one published KeyPackage of `user`.
    fn take_key_package(&self, user: &str) -> Res<melos::messages::KeyPackage> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.key_packages())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|f| f.to_str())
                    .is_some_and(|f| f.starts_with(&format!("{user}.")))
            })
            .collect();
        files.sort();
        let file = files
            .first()
            .ok_or(format!("{user} has no KeyPackage left"))?;
        let kp = MlsMessage::decode(&fs::read(file)?)?;
        fs::remove_file(file)?;
        Ok(kp.into_key_package().ok_or("not a KeyPackage")?)
    }

    /// Appends a message to the delivery service (write, then rename into place).
    fn post(&self, msg: &MlsMessage) -> Res<()> {
        let n = fs::read_dir(self.ds())?.count();
        let tmp = self.ds().join("incoming.tmp");
        fs::write(&tmp, msg.encode()?)?;
        fs::rename(&tmp, self.ds().join(format!("{n:08}.msg")))?;
        Ok(())
    }

    /// `user` processes every message of the delivery service after its cursor.
    fn sync(&self, user: &str, c: &mut Client<SqliteStorage>, out: &mut Vec<String>) -> Res<()> {
        let cursor_path = self.dir.join(format!("{user}.cursor"));
        let mut cursor: usize = fs::read_to_string(&cursor_path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let mut files: Vec<PathBuf> = fs::read_dir(self.ds())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "msg"))
            .collect();
        files.sort();
        for file in files.iter().skip(cursor) {
            for event in c.process_incoming(&fs::read(file)?, now())? {
                match event {
                    ClientEvent::Joined { epoch, .. } => {
                        out.push(format!("{user}: joined the chat at epoch {epoch}"))
                    }
                    ClientEvent::ApplicationMessage { sender, data, .. } => out.push(format!(
                        "{user}: <{}> {}",
                        name(&sender),
                        String::from_utf8_lossy(&data)
                    )),
                    ClientEvent::MemberAdded { member, .. } => {
                        out.push(format!("{user}: {} joined", name(&member.credential)))
                    }
                    ClientEvent::MemberRemoved { member, .. } => {
                        let who = name(&member.credential);
                        if who != user {
                            out.push(format!("{user}: {who} left"));
                        }
                    }
                    ClientEvent::Removed { .. } => {
                        out.push(format!("{user}: you were removed from the chat"))
                    }
                    ClientEvent::OwnCommitMerged { epoch, .. } => {
                        out.push(format!("{user}: now at epoch {epoch}"))
                    }
                    _ => {}
                }
            }
            cursor += 1;
            fs::write(&cursor_path, cursor.to_string())?;
        }
        Ok(())
    }

    /// `user` commits `options` and processes the echo.
    fn commit(
        &self,
        user: &str,
        c: &mut Client<SqliteStorage>,
        options: CommitOptions,
    ) -> Res<Vec<String>> {
        let out = c.commit(GROUP, options.with_ratchet_tree(), now())?;
        self.post(&out.commit)?;
        if let Some(w) = &out.welcome {
            self.post(w)?;
        }
        let mut lines = Vec::new();
        self.sync(user, c, &mut lines)?;
        Ok(lines)
    }
}

/// Runs one command (`init U`, `add U V`, `remove U V`, `send U TEXT`, `read U`) in `dir`;
/// returns what it prints.
pub fn run(dir: &Path, args: &[&str]) -> Res<Vec<String>> {
    let chat = Chat {
        dir: dir.to_path_buf(),
    };
    fs::create_dir_all(chat.ds())?;
    fs::create_dir_all(chat.key_packages())?;
    let mut out = Vec::new();
    match args {
        ["init", user] => {
            let mut c = chat.client(user, true)?;
            let kps = c.generate_key_packages(3, now())?;
            out.push(format!(
                "{user}: created, {} KeyPackages published",
                kps.len()
            ));
            chat.publish(user, kps)?;
        }
        ["add", user, other] => {
            let mut c = chat.client(user, false)?;
            chat.sync(user, &mut c, &mut out)?;
            if c.group(GROUP).is_none() {
                c.create_group(GROUP.to_vec(), now())?;
            }
            let kp = chat.take_key_package(other)?;
            let options = CommitOptions::default().add_member(kp);
            out.extend(chat.commit(user, &mut c, options)?);
        }
        ["remove", user, other] => {
            let mut c = chat.client(user, false)?;
            chat.sync(user, &mut c, &mut out)?;
            let g = c.group(GROUP).ok_or("not in a chat")?;
            let member = g
                .members()
                .into_iter()
                .find(|m| name(&m.credential) == *other)
                .ok_or(format!("{other} is not in the chat"))?;
            let options = CommitOptions::default().remove_member(member.index);
            out.extend(chat.commit(user, &mut c, options)?);
        }
        ["send", user, text] => {
            let mut c = chat.client(user, false)?;
            chat.sync(user, &mut c, &mut out)?;
            let msg = c.send(GROUP, text.as_bytes(), b"")?;
            chat.post(&msg)?;
        }
        ["read", user] => {
            let mut c = chat.client(user, false)?;
            chat.sync(user, &mut c, &mut out)?;
            // Publish new KeyPackages for the ones used.
            let kps = c.replenish(now())?;
            chat.publish(user, kps)?;
        }
        _ => {
            return Err(
                "usage: chat --dir DIR (init U | add U V | remove U V | send U TEXT | read U)"
                    .into(),
            );
        }
    }
    Ok(out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, rest) = match args.split_first() {
        Some((flag, rest)) if flag == "--dir" && !rest.is_empty() => {
            (PathBuf::from(&rest[0]), &rest[1..])
        }
        _ => (std::env::temp_dir().join("melos-chat"), &args[..]),
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match run(&dir, &rest) {
        Ok(lines) => {
            for l in lines {
                println!("{l}");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

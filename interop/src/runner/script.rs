//! Playing one script with one assignment of clients to actors, one suite and one
//! handshake encoding, with the semantics of the IETF test runner
//! (mlswg/mls-implementations `interop/test-runner`): the same actions, the same message
//! cache keyed by step index, the same epoch-authenticator checks after every Commit and
//! Welcome, and the same plaintext checks after `unprotect`.
//!
//! On top of that ([`Run::verify`]), after every step that changes the epoch the runner asks
//! every current member for `StateAuth` and checks they agree; on small groups (and always at
//! the end of the script) it also checks equal `Export`s and has every member protect a
//! message that every other member must unprotect.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use tonic::{Code, Status};

use super::servers::Client;
use crate::proto;

/// Timeout of one RPC (as the IETF runner).
pub(crate) const RPC_TIMEOUT: Duration = Duration::from_secs(120);

/// Groups up to this size get the full check (exports, protect/unprotect by all) after
/// every epoch change; larger ones only at the end of the script.
const FULL_CHECK_MAX_MEMBERS: usize = 8;

/// Why a script stopped.
#[derive(Debug)]
pub enum StepError {
    /// A client answered `Unimplemented`.
    Unimplemented(String),
    /// Anything else.
    Failed(String),
}

impl From<Status> for StepError {
    fn from(s: Status) -> Self {
        if s.code() == Code::Unimplemented {
            StepError::Unimplemented(s.message().to_owned())
        } else {
            StepError::Failed(format!("{:?}: {}", s.code(), s.message()))
        }
    }
}

fn fail<T>(msg: impl Into<String>) -> Result<T, StepError> {
    Err(StepError::Failed(msg.into()))
}

type R<T> = Result<T, StepError>;

/// Calls `rpc` on a clone of the actor's stub with the runner's timeout.
macro_rules! call {
    ($run:expr, $actor:expr, $method:ident, $req:expr) => {{
        let mut c = $run.client($actor)?.rpc.clone();
        #[allow(unused_imports)]
        use $crate::runner::script::StepError;
        match tokio::time::timeout($crate::runner::script::RPC_TIMEOUT, c.$method($req)).await {
            Ok(r) => r
                .map(tonic::Response::into_inner)
                .map_err(|s| match StepError::from(s) {
                    StepError::Failed(m) => {
                        StepError::Failed(format!("{} ({}): {m}", stringify!($method), $actor))
                    }
                    u => u,
                }),
            Err(_) => Err(StepError::Failed(format!(
                "{} ({}): timed out",
                stringify!($method),
                $actor
            ))),
        }
    }};
}

/// A small deterministic generator (splitmix64) for PSK values and assignments.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// The actors of a script (as the IETF runner: `actor`, plus createGroup members,
/// externalJoin and newMemberAddProposal joiners and addExternalSigner signers), sorted.
pub fn actors(script: &[Value]) -> Vec<String> {
    let mut set = BTreeSet::new();
    for step in script {
        let Some(actor) = step.get("actor").and_then(Value::as_str) else {
            continue;
        };
        set.insert(actor.to_owned());
        let action = step
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match action {
            "createGroup" => set.extend(strs(step, "members")),
            "externalJoin" | "newMemberAddProposal" => set.extend(strs(step, "joiner")),
            "addExternalSigner" => set.extend(strs(step, "signer")),
            _ => {}
        }
    }
    set.into_iter().collect()
}

/// A string or list of strings field.
fn strs(step: &Value, key: &str) -> Vec<String> {
    match step.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn str_field(step: &Value, key: &str) -> R<String> {
    match step.get(key).and_then(Value::as_str) {
        Some(s) => Ok(s.to_owned()),
        None => fail(format!("malformed step: no {key}")),
    }
}

fn ints(step: &Value, key: &str) -> Vec<u64> {
    step.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn int(step: &Value, key: &str) -> R<u64> {
    step.get(key)
        .and_then(Value::as_u64)
        .map_or_else(|| fail(format!("malformed step: no {key}")), Ok)
}

/// A boolean under any of `keys` (the configs spell some both ways).
fn flag(step: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .any(|k| step.get(*k).and_then(Value::as_bool).unwrap_or(false))
}

fn extensions(step: &Value) -> R<Vec<proto::Extension>> {
    let mut out = Vec::new();
    for e in step
        .get("extensions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let t = e.get("extension_type").and_then(Value::as_u64);
        let d = e.get("extension_data").and_then(Value::as_str);
        let (Some(t), Some(d)) = (t, d) else {
            return fail("malformed extension");
        };
        let Ok(extension_type) = u32::try_from(t) else {
            return fail("malformed extension type");
        };
        let Ok(extension_data) = base64::engine::general_purpose::STANDARD.decode(d) else {
            return fail("malformed extension data (base64)");
        };
        out.push(proto::Extension {
            extension_type,
            extension_data,
        });
    }
    Ok(out)
}

/// One run of a script.
pub struct Run {
    suite: u32,
    encrypt: bool,
    suites: Vec<u32>,
    clients: HashMap<String, Client>,
    state: HashMap<String, u32>,
    tx: HashMap<String, u32>,
    signer: HashMap<String, u32>,
    cache: Vec<HashMap<&'static str, Vec<u8>>>,
    members: BTreeSet<String>,
    proposals_pending: bool,
    rng: Rng,
    check_counter: u64,
    dump: Option<std::path::PathBuf>,
}

impl Run {
    /// A run with `clients` assigned to actors; `suites` are the suites every client
    /// supports (for ReInit's suite change).
    pub fn new(
        suite: u32,
        encrypt: bool,
        suites: Vec<u32>,
        clients: HashMap<String, Client>,
        rng: Rng,
    ) -> Self {
        Run {
            suite,
            encrypt,
            suites,
            clients,
            state: HashMap::new(),
            tx: HashMap::new(),
            signer: HashMap::new(),
            cache: Vec::new(),
            members: BTreeSet::new(),
            proposals_pending: false,
            rng,
            check_counter: 0,
            dump: None,
        }
    }

    /// Writes every message this run stores for later steps to `dir` (see `--dump-messages`):
    /// `<kind>-<suite>-<hash>`, so a message seen twice is written once.
    pub fn dump_to(&mut self, dir: Option<std::path::PathBuf>) {
        self.dump = dir;
    }

    pub(super) fn client(&self, actor: &str) -> R<&Client> {
        self.clients
            .get(actor)
            .map_or_else(|| fail(format!("no client for actor {actor}")), Ok)
    }

    fn sid(&self, actor: &str) -> u32 {
        self.state.get(actor).copied().unwrap_or(0)
    }

    fn store(&mut self, index: usize, key: &'static str, value: Vec<u8>) {
        if let Some(dir) = &self.dump
            && !value.is_empty()
        {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            value.hash(&mut h);
            let path = dir.join(format!("{key}-{}-{:016x}", self.suite, h.finish()));
            // Best effort: a seed dump must not change the run's outcome.
            let _ = std::fs::write(path, &value);
        }
        if let Some(m) = self.cache.get_mut(index) {
            m.insert(key, value);
        }
    }

    fn get(&self, index: u64, key: &str) -> R<Vec<u8>> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.cache.get(i))
            .and_then(|m| m.get(key))
            .cloned()
            .map_or_else(
                || fail(format!("no message for key {key} at step {index}")),
                Ok,
            )
    }

    /// Plays `script`; `Err((step, error))` on the first failing step.
    pub async fn play(&mut self, script: &[Value]) -> Result<(), (usize, StepError)> {
        self.cache = vec![HashMap::new(); script.len()];
        for (i, step) in script.iter().enumerate() {
            self.step(i, step).await.map_err(|e| (i, e))?;
        }
        self.verify(true).await.map_err(|e| (script.len(), e))
    }

    async fn step(&mut self, index: usize, step: &Value) -> R<()> {
        let action = str_field(step, "action")?;
        let actor = step
            .get("actor")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match action.as_str() {
            "createGroup" => self.create_group(index, &actor, step).await,
            "createKeyPackage" => {
                let kp = self.key_package(&actor).await?;
                self.store(index, "key_package", kp);
                Ok(())
            }
            "joinGroup" => {
                let welcome = self.get(int(step, "welcome")?, "welcome")?;
                self.join(&actor, welcome, Vec::new()).await?;
                self.members.insert(actor);
                Ok(())
            }
            "externalJoin" => self.external_join(index, &actor, step).await,
            "installExternalPSK" => self.install_psk(index, step).await,
            "groupInfo" => {
                let req = proto::GroupInfoRequest {
                    state_id: self.sid(&actor),
                    external_tree: flag(step, &["externalTree", "external_tree"]),
                };
                let r = call!(self, &actor, group_info, req)?;
                self.store(index, "group_info", r.group_info);
                self.store(index, "ratchet_tree", r.ratchet_tree);
                Ok(())
            }
            "addProposal" => {
                let key_package = self.get(int(step, "keyPackage")?, "key_package")?;
                let req = proto::AddProposalRequest {
                    state_id: self.sid(&actor),
                    key_package,
                };
                let r = call!(self, &actor, add_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "updateProposal" => {
                let req = proto::UpdateProposalRequest {
                    state_id: self.sid(&actor),
                };
                let r = call!(self, &actor, update_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "removeProposal" => {
                let req = proto::RemoveProposalRequest {
                    state_id: self.sid(&actor),
                    removed_id: str_field(step, "removed")?.into_bytes(),
                };
                let r = call!(self, &actor, remove_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "externalPSKProposal" => {
                let req = proto::ExternalPskProposalRequest {
                    state_id: self.sid(&actor),
                    psk_id: self.get(int(step, "pskID")?, "psk_id")?,
                };
                let r = call!(self, &actor, external_psk_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "resumptionPSKProposal" => {
                let req = proto::ResumptionPskProposalRequest {
                    state_id: self.sid(&actor),
                    epoch_id: int(step, "epochID")?,
                };
                let r = call!(self, &actor, resumption_psk_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "groupContextExtensionsProposal" => {
                let req = proto::GroupContextExtensionsProposalRequest {
                    state_id: self.sid(&actor),
                    extensions: extensions(step)?,
                };
                let r = call!(self, &actor, group_context_extensions_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "fullCommit" => self.full_commit(index, &actor, step).await,
            "commit" => {
                let req = self.commit_request(&actor, step)?;
                let r = call!(self, &actor, commit, req)?;
                self.store(index, "commit", r.commit);
                self.store(index, "welcome", r.welcome);
                if flag(step, &["external_tree", "externalTree"]) {
                    self.store(index, "ratchet_tree", r.ratchet_tree);
                }
                Ok(())
            }
            "handleCommit" => {
                let req = proto::HandleCommitRequest {
                    state_id: self.sid(&actor),
                    proposal: self.by_reference(step)?,
                    commit: self.get(int(step, "commit")?, "commit")?,
                };
                let r = call!(self, &actor, handle_commit, req)?;
                self.state.insert(actor, r.state_id);
                Ok(())
            }
            "handlePendingCommit" => {
                let req = proto::HandlePendingCommitRequest {
                    state_id: self.sid(&actor),
                };
                let r = call!(self, &actor, handle_pending_commit, req)?;
                self.state.insert(actor, r.state_id);
                Ok(())
            }
            "protect" => {
                let authenticated_data = str_field(step, "authenticatedData")?.into_bytes();
                let plaintext = str_field(step, "plaintext")?.into_bytes();
                let req = proto::ProtectRequest {
                    state_id: self.sid(&actor),
                    authenticated_data: authenticated_data.clone(),
                    plaintext: plaintext.clone(),
                };
                let r = call!(self, &actor, protect, req)?;
                self.store(index, "authenticatedData", authenticated_data);
                self.store(index, "plaintext", plaintext);
                self.store(index, "ciphertext", r.ciphertext);
                Ok(())
            }
            "unprotect" => {
                let ct = int(step, "ciphertext")?;
                let req = proto::UnprotectRequest {
                    state_id: self.sid(&actor),
                    ciphertext: self.get(ct, "ciphertext")?,
                };
                let r = call!(self, &actor, unprotect, req)?;
                if r.authenticated_data != self.get(ct, "authenticatedData")? {
                    return fail("Incorrect authenticated data");
                }
                if r.plaintext != self.get(ct, "plaintext")? {
                    return fail("Incorrect plaintext");
                }
                Ok(())
            }
            "reinit" => super::subgroup::reinit(self, step).await,
            "branch" => super::subgroup::branch(self, &actor, step).await,
            "newMemberAddProposal" => {
                let joiner = str_field(step, "joiner")?;
                let req = proto::GroupInfoRequest {
                    state_id: self.sid(&actor),
                    external_tree: false,
                };
                let gi = call!(self, &actor, group_info, req)?;
                let req = proto::NewMemberAddProposalRequest {
                    group_info: gi.group_info,
                    identity: joiner.clone().into_bytes(),
                };
                let r = call!(self, &joiner, new_member_add_proposal, req)?;
                self.tx.insert(joiner, r.transaction_id);
                self.proposed(index, r.proposal);
                Ok(())
            }
            "addExternalSigner" => {
                let signer = str_field(step, "signer")?;
                let req = proto::CreateExternalSignerRequest {
                    cipher_suite: self.suite,
                    identity: signer.clone().into_bytes(),
                };
                let s = call!(self, &signer, create_external_signer, req)?;
                self.signer.insert(signer, s.signer_id);
                let req = proto::AddExternalSignerRequest {
                    state_id: self.sid(&actor),
                    external_sender: s.external_sender,
                };
                let r = call!(self, &actor, add_external_signer, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            "externalSignerProposal" => {
                let member = str_field(step, "member")?;
                let req = proto::GroupInfoRequest {
                    state_id: self.sid(&member),
                    external_tree: true,
                };
                let gi = call!(self, &member, group_info, req)?;
                let Some(d) = step.get("description") else {
                    return fail("malformed step: no description");
                };
                let description = Some(self.description(d)?);
                let req = proto::ExternalSignerProposalRequest {
                    signer_id: self.signer.get(&actor).copied().unwrap_or(0),
                    signer_index: 0,
                    group_info: gi.group_info,
                    ratchet_tree: gi.ratchet_tree,
                    description,
                };
                let r = call!(self, &actor, external_signer_proposal, req)?;
                self.proposed(index, r.proposal);
                Ok(())
            }
            other => fail(format!("Unknown action: {other}")),
        }
    }

    fn proposed(&mut self, index: usize, proposal: Vec<u8>) {
        self.store(index, "proposal", proposal);
        self.proposals_pending = true;
    }

    /// A fresh KeyPackage of `actor`, whose transaction becomes the actor's.
    pub(super) async fn key_package(&mut self, actor: &str) -> R<Vec<u8>> {
        let req = proto::CreateKeyPackageRequest {
            cipher_suite: self.suite,
            identity: actor.as_bytes().to_vec(),
        };
        let r = call!(self, actor, create_key_package, req)?;
        self.tx.insert(actor.to_owned(), r.transaction_id);
        Ok(r.key_package)
    }

    /// `actor` joins from `welcome`; returns its epoch authenticator.
    async fn join(&mut self, actor: &str, welcome: Vec<u8>, ratchet_tree: Vec<u8>) -> R<Vec<u8>> {
        let Some(&transaction_id) = self.tx.get(actor) else {
            return fail(format!("Malformed step: No transaction for {actor}"));
        };
        let req = proto::JoinGroupRequest {
            transaction_id,
            welcome,
            encrypt_handshake: self.encrypt,
            identity: actor.as_bytes().to_vec(),
            ratchet_tree,
        };
        let r = call!(self, actor, join_group, req)?;
        self.state.insert(actor.to_owned(), r.state_id);
        Ok(r.epoch_authenticator)
    }

    async fn create_group(&mut self, index: usize, actor: &str, step: &Value) -> R<()> {
        let group_id = self.rng.bytes(16);
        let req = proto::CreateGroupRequest {
            group_id: group_id.clone(),
            cipher_suite: self.suite,
            encrypt_handshake: self.encrypt,
            identity: actor.as_bytes().to_vec(),
        };
        let r = call!(self, actor, create_group, req)?;
        self.state.insert(actor.to_owned(), r.state_id);
        self.store(index, "group_id", group_id);
        self.members = BTreeSet::from([actor.to_owned()]);
        let members = strs(step, "members");
        if members.is_empty() {
            return Ok(());
        }
        let mut by_value = Vec::new();
        for m in &members {
            by_value.push(proto::ProposalDescription {
                proposal_type: b"add".to_vec(),
                key_package: self.key_package(m).await?,
                ..Default::default()
            });
        }
        let req = proto::CommitRequest {
            state_id: self.sid(actor),
            by_value,
            ..Default::default()
        };
        let c = call!(self, actor, commit, req)?;
        let auth = self.handle_pending(actor).await?;
        for m in &members {
            let got = self.join(m, c.welcome.clone(), Vec::new()).await?;
            if got != auth {
                return fail(format!(
                    "joiner [{m}] failed to agree on epoch authenticator"
                ));
            }
            self.members.insert(m.clone());
        }
        self.verify(false).await
    }

    async fn handle_pending(&mut self, actor: &str) -> R<Vec<u8>> {
        let req = proto::HandlePendingCommitRequest {
            state_id: self.sid(actor),
        };
        let r = call!(self, actor, handle_pending_commit, req)?;
        self.state.insert(actor.to_owned(), r.state_id);
        Ok(r.epoch_authenticator)
    }

    /// `member` handles `commit` (with by-reference `proposal`s); checks its authenticator.
    async fn handle(
        &mut self,
        member: &str,
        proposal: Vec<Vec<u8>>,
        commit: Vec<u8>,
        expected: &[u8],
    ) -> R<()> {
        let req = proto::HandleCommitRequest {
            state_id: self.sid(member),
            proposal,
            commit,
        };
        let r = call!(self, member, handle_commit, req)?;
        if r.epoch_authenticator != expected {
            return fail(format!(
                "Member [{member}] failed to agree on epoch authenticator"
            ));
        }
        self.state.insert(member.to_owned(), r.state_id);
        Ok(())
    }

    fn by_reference(&self, step: &Value) -> R<Vec<Vec<u8>>> {
        ints(step, "byReference")
            .into_iter()
            .map(|i| self.get(i, "proposal"))
            .collect()
    }

    /// A `ProposalDescription` from its JSON form (IETF runner semantics).
    pub(super) fn description(&mut self, d: &Value) -> R<proto::ProposalDescription> {
        let t = str_field(d, "proposalType")?;
        let mut out = proto::ProposalDescription {
            proposal_type: t.clone().into_bytes(),
            ..Default::default()
        };
        match t.as_str() {
            "add" => out.key_package = self.get(int(d, "keyPackage")?, "key_package")?,
            "remove" => out.removed_id = str_field(d, "removed")?.into_bytes(),
            "externalPSK" => out.psk_id = self.get(int(d, "pskID")?, "psk_id")?,
            "resumptionPSK" => out.epoch_id = int(d, "epochID")?,
            "groupContextExtensions" => out.extensions = extensions(d)?,
            "reinit" => {
                out.extensions = extensions(d)?;
                if flag(d, &["changeCipherSuite", "changeCiphersuite"]) {
                    self.change_suite()?;
                }
                out.cipher_suite = self.suite;
                out.group_id = self.new_group_id(flag(d, &["changeGroupID"]))?;
            }
            other => return fail(format!("unknown proposal type [{other}]")),
        }
        Ok(out)
    }

    /// The ReInit group id: the script's group id, with "++" appended when it changes.
    pub(super) fn new_group_id(&self, change: bool) -> R<Vec<u8>> {
        let mut id = self.get(0, "group_id")?;
        if change {
            id.extend_from_slice(b"++");
        }
        Ok(id)
    }

    /// Moves to another suite every client supports.
    pub(super) fn change_suite(&mut self) -> R<()> {
        match self.suites.iter().find(|s| **s != self.suite) {
            Some(s) => {
                self.suite = *s;
                Ok(())
            }
            None => fail("no remaining supported ciphersuite"),
        }
    }

    fn commit_request(&mut self, actor: &str, step: &Value) -> R<proto::CommitRequest> {
        let by_reference = self.by_reference(step)?;
        let mut by_value = Vec::new();
        for d in step
            .get("byValue")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            by_value.push(self.description(d)?);
        }
        Ok(proto::CommitRequest {
            state_id: self.sid(actor),
            by_reference,
            by_value,
            force_path: flag(step, &["force_path", "forcePath"]),
            external_tree: flag(step, &["external_tree", "externalTree"]),
        })
    }

    async fn full_commit(&mut self, index: usize, actor: &str, step: &Value) -> R<()> {
        let req = self.commit_request(actor, step)?;
        let by_reference = req.by_reference.clone();
        let external_tree = req.external_tree;
        let c = call!(self, actor, commit, req)?;
        self.store(index, "welcome", c.welcome.clone());
        self.store(index, "commit", c.commit.clone());
        if external_tree {
            self.store(index, "ratchet_tree", c.ratchet_tree.clone());
        }
        let auth = self.handle_pending(actor).await?;
        self.store(index, "epoch_authenticator", auth.clone());
        let members = strs(step, "members");
        for m in &members {
            self.handle(m, by_reference.clone(), c.commit.clone(), &auth)
                .await?;
        }
        let joiners = strs(step, "joiners");
        for j in &joiners {
            let tree = if external_tree {
                c.ratchet_tree.clone()
            } else {
                Vec::new()
            };
            if self.join(j, c.welcome.clone(), tree).await? != auth {
                return fail(format!(
                    "Joiner [{j}] failed to agree on epoch authenticator"
                ));
            }
        }
        self.members = std::iter::once(actor.to_owned())
            .chain(members)
            .chain(joiners)
            .collect();
        self.proposals_pending = false;
        self.verify(false).await
    }

    async fn external_join(&mut self, index: usize, actor: &str, step: &Value) -> R<()> {
        let joiner = str_field(step, "joiner")?;
        let external_tree = flag(step, &["externalTree", "external_tree"]);
        let req = proto::GroupInfoRequest {
            state_id: self.sid(actor),
            external_tree,
        };
        let gi = call!(self, actor, group_info, req)?;
        self.store(index, "group_info", gi.group_info.clone());
        self.store(index, "ratchet_tree", gi.ratchet_tree.clone());
        let mut psks = Vec::new();
        for i in ints(step, "psks") {
            psks.push(proto::PreSharedKey {
                psk_id: self.get(i, "psk_id")?,
                psk_secret: self.get(i, "psk_secret")?,
            });
        }
        let req = proto::ExternalJoinRequest {
            group_info: gi.group_info,
            ratchet_tree: gi.ratchet_tree,
            encrypt_handshake: self.encrypt,
            identity: joiner.clone().into_bytes(),
            remove_prior: flag(step, &["removePrior"]),
            psks,
        };
        let r = call!(self, &joiner, external_join, req)?;
        self.state.insert(joiner.clone(), r.state_id);
        self.store(index, "commit", r.commit.clone());
        self.store(index, "epoch_authenticator", r.epoch_authenticator.clone());
        let mut members = strs(step, "members");
        members.push(actor.to_owned());
        for m in &members {
            self.handle(m, Vec::new(), r.commit.clone(), &r.epoch_authenticator)
                .await?;
        }
        self.members = members.into_iter().chain([joiner]).collect();
        self.proposals_pending = false;
        self.verify(false).await
    }

    async fn install_psk(&mut self, index: usize, step: &Value) -> R<()> {
        let psk_id = self.rng.bytes(32);
        let psk_secret = self.rng.bytes(32);
        self.store(index, "psk_id", psk_id.clone());
        self.store(index, "psk_secret", psk_secret.clone());
        for c in strs(step, "clients") {
            let id = self
                .state
                .get(&c)
                .or_else(|| self.tx.get(&c))
                .copied()
                .unwrap_or(0);
            let req = proto::StorePskRequest {
                state_or_transaction_id: id,
                psk_id: psk_id.clone(),
                psk_secret: psk_secret.clone(),
            };
            call!(self, &c, store_psk, req)?;
        }
        Ok(())
    }

    /// Replaces the member set after a subgroup step.
    pub(super) fn set_members(&mut self, members: BTreeSet<String>) {
        self.members = members;
        self.proposals_pending = false;
    }

    pub(super) fn sid_of(&self, actor: &str) -> u32 {
        self.sid(actor)
    }

    pub(super) fn set_state(&mut self, actor: &str, id: u32) {
        self.state.insert(actor.to_owned(), id);
    }

    pub(super) fn tx_of(&self, actor: &str) -> u32 {
        self.tx.get(actor).copied().unwrap_or(0)
    }

    pub(super) fn suite(&self) -> u32 {
        self.suite
    }

    /// A cached message of step `index`.
    pub(super) fn cached(&self, index: u64, key: &str) -> R<Vec<u8>> {
        self.get(index, key)
    }

    /// A random group id.
    pub(super) fn fresh_group_id(&mut self) -> Vec<u8> {
        self.rng.bytes(16)
    }

    /// The common-state check: equal `StateAuth` over the current members; on small groups
    /// or when `full`, also equal exports and protect-by-one, unprotect-by-all-others.
    pub(super) async fn verify(&mut self, full: bool) -> R<()> {
        let members: Vec<String> = self.members.iter().cloned().collect();
        let mut auth: Option<Vec<u8>> = None;
        for m in &members {
            let req = proto::StateAuthRequest {
                state_id: self.sid(m),
            };
            let r = call!(self, m, state_auth, req)?.state_auth_secret;
            match &auth {
                Some(a) if *a != r => {
                    return fail(format!("Members do not agree on state auth secret ({m})"));
                }
                _ => auth = Some(r),
            }
        }
        if !(full || members.len() <= FULL_CHECK_MAX_MEMBERS) || self.proposals_pending {
            return Ok(());
        }
        self.check_counter = self.check_counter.wrapping_add(1);
        let context = self.check_counter.to_be_bytes().to_vec();
        let mut exported: Option<Vec<u8>> = None;
        for m in &members {
            let req = proto::ExportRequest {
                state_id: self.sid(m),
                label: "melos-interop check".to_owned(),
                context: context.clone(),
                key_length: 32,
            };
            let r = call!(self, m, export, req)?.exported_secret;
            match &exported {
                Some(e) if *e != r => return fail(format!("Exports differ ({m})")),
                _ => exported = Some(r),
            }
        }
        for sender in &members {
            let plaintext = format!("check {} from {sender}", self.check_counter).into_bytes();
            let req = proto::ProtectRequest {
                state_id: self.sid(sender),
                authenticated_data: context.clone(),
                plaintext: plaintext.clone(),
            };
            let ct = call!(self, sender, protect, req)?.ciphertext;
            for receiver in members.iter().filter(|r| *r != sender) {
                let req = proto::UnprotectRequest {
                    state_id: self.sid(receiver),
                    ciphertext: ct.clone(),
                };
                let r = call!(self, receiver, unprotect, req)?;
                if r.plaintext != plaintext || r.authenticated_data != context {
                    return fail(format!("{receiver} misread the message of {sender}"));
                }
            }
        }
        Ok(())
    }
}

pub(super) use call;

//! `message-protection` vectors (RFC 9420 §6.2, §6.3): for a proposal, a commit and
//! application data, the given PublicMessage and PrivateMessage unprotect to the given
//! content, and protecting the content ourselves gives messages that unprotect again (an
//! application message must not be protectable as a PublicMessage).

use melos::crypto::{Secret, SignaturePrivateKey, SignaturePublicKey};
use melos::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingContext, MlsMessage,
    MlsMessageBody, PaddingPolicy, PrivateMessage, PublicMessage, Sender, WireFormat,
};
use melos::messages::{Commit, Extensions, GroupContext, Proposal};
use melos::secret_tree::SecretTree;
use melos::tree_math::{LeafIndex, TreeSize};
use melos::{CipherSuiteProvider, FramingError};
use serde_json::Value;

use crate::Report;
use crate::util::{hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

struct Case<'a> {
    cs: &'a dyn CipherSuiteProvider,
    ctx: FramingContext,
    signature_priv: SignaturePrivateKey,
    signature_pub: SignaturePublicKey,
    encryption_secret: Secret,
    sender_data_secret: Secret,
    membership_key: Secret,
}

const SENDER: LeafIndex = LeafIndex(1);

fn err(what: &str) -> impl Fn(melos::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Case<'_> {
    fn tree(&self) -> Result<SecretTree, String> {
        let size = TreeSize::from_leaf_count(2).ok_or("tree size")?;
        Ok(SecretTree::new(self.encryption_secret.clone(), size))
    }

    fn key(&self, leaf: LeafIndex) -> Option<SignaturePublicKey> {
        (leaf == SENDER).then(|| self.signature_pub.clone())
    }

    fn decode(&self, bytes: &[u8], what: &str) -> Result<MlsMessage, String> {
        let msg = MlsMessage::decode(bytes).map_err(err(what))?;
        let again = msg.encode().map_err(err(what))?;
        if again != bytes {
            return Err(format!("{what}: re-encoding differs"));
        }
        Ok(msg)
    }

    fn unprotect_public(&self, msg: MlsMessage, what: &str) -> Result<FramedContentBody, String> {
        let MlsMessageBody::PublicMessage(m) = msg.body else {
            return Err(format!("{what}: not a PublicMessage"));
        };
        let ac = m
            .unprotect(self.cs, &self.ctx, &self.membership_key, |s, _| match s {
                Sender::Member(l) => self.key(*l),
                _ => None,
            })
            .map_err(err(what))?;
        Ok(ac.content.body)
    }

    fn unprotect_private(&self, msg: MlsMessage, what: &str) -> Result<FramedContentBody, String> {
        let MlsMessageBody::PrivateMessage(m) = msg.body else {
            return Err(format!("{what}: not a PrivateMessage"));
        };
        let ac = m
            .unprotect(
                self.cs,
                &self.ctx,
                &mut self.tree()?,
                &self.sender_data_secret,
                |l| self.key(l),
            )
            .map_err(err(what))?;
        Ok(ac.content.body)
    }

    fn sign(
        &self,
        wire_format: WireFormat,
        body: &FramedContentBody,
    ) -> Result<AuthenticatedContent, String> {
        let content = FramedContent {
            group_id: self.ctx.group_id().to_vec(),
            epoch: self.ctx.epoch(),
            sender: Sender::Member(SENDER),
            authenticated_data: Vec::new(),
            body: body.clone(),
        };
        let mut ac = AuthenticatedContent::sign(
            self.cs,
            wire_format,
            content,
            &self.signature_priv,
            &self.ctx,
        )
        .map_err(err("sign"))?;
        if matches!(body, FramedContentBody::Commit(_)) {
            // Any tag: the vectors give no confirmation key.
            ac.auth.confirmation_tag = Some(vec![0x5a; self.cs.hash_len()]);
        }
        Ok(ac)
    }

    fn protect_public(&self, body: &FramedContentBody) -> Result<Vec<u8>, melos::Error> {
        let ac = self
            .sign(WireFormat::MLS_PUBLIC_MESSAGE, body)
            .map_err(|_| melos::Error::Encode)?;
        let m = PublicMessage::protect(self.cs, ac, &self.membership_key, &self.ctx)?;
        MlsMessage::new(MlsMessageBody::PublicMessage(m)).encode()
    }

    fn protect_private(&self, body: &FramedContentBody) -> Result<Vec<u8>, String> {
        let ac = self.sign(WireFormat::MLS_PRIVATE_MESSAGE, body)?;
        let m = PrivateMessage::protect(
            self.cs,
            &ac,
            &mut self.tree()?,
            &self.sender_data_secret,
            PaddingPolicy::PadToMultiple(32),
        )
        .map_err(err("protect private"))?;
        MlsMessage::new(MlsMessageBody::PrivateMessage(m))
            .encode()
            .map_err(err("encode"))
    }

    fn check(
        &self,
        got: FramedContentBody,
        want: &FramedContentBody,
        what: &str,
    ) -> Result<(), String> {
        if &got == want {
            Ok(())
        } else {
            Err(format!("{what}: content differs"))
        }
    }

    /// Every check for one raw value; `pub_msg` is absent for application data.
    fn verify(
        &self,
        name: &str,
        want: &FramedContentBody,
        pub_msg: Option<&[u8]>,
        priv_msg: &[u8],
    ) -> Result<(), String> {
        match pub_msg {
            Some(bytes) => {
                let what = format!("{name}_pub");
                let got = self.unprotect_public(self.decode(bytes, &what)?, &what)?;
                self.check(got, want, &what)?;
                let ours = self.protect_public(want).map_err(err("protect public"))?;
                let what = format!("{name} protected as PublicMessage");
                let got = self.unprotect_public(self.decode(&ours, &what)?, &what)?;
                self.check(got, want, &what)?;
            }
            None => match self.protect_public(want) {
                Err(melos::Error::Framing(FramingError::ApplicationInPublicMessage)) => {}
                other => {
                    return Err(format!(
                        "{name}: protecting as PublicMessage gave {other:?}"
                    ));
                }
            },
        }
        let what = format!("{name}_priv");
        let got = self.unprotect_private(self.decode(priv_msg, &what)?, &what)?;
        self.check(got, want, &what)?;
        let ours = self.protect_private(want)?;
        let what = format!("{name} protected as PrivateMessage");
        let got = self.unprotect_private(self.decode(&ours, &what)?, &what)?;
        self.check(got, want, &what)
    }
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let gc = GroupContext::new(
        cs.cipher_suite(),
        hex_field(case, "group_id")?,
        u64_field(case, "epoch")?,
        hex_field(case, "tree_hash")?,
        hex_field(case, "confirmed_transcript_hash")?,
        Extensions::default(),
    );
    let c = Case {
        cs,
        ctx: FramingContext::new(gc).map_err(err("group context"))?,
        signature_priv: SignaturePrivateKey::new(hex_field(case, "signature_priv")?),
        signature_pub: SignaturePublicKey(hex_field(case, "signature_pub")?),
        encryption_secret: Secret::new(hex_field(case, "encryption_secret")?),
        sender_data_secret: Secret::new(hex_field(case, "sender_data_secret")?),
        membership_key: Secret::new(hex_field(case, "membership_key")?),
    };
    let proposal: Proposal =
        melos::codec::decode_exact(&hex_field(case, "proposal")?).map_err(err("proposal"))?;
    let commit: Commit =
        melos::codec::decode_exact(&hex_field(case, "commit")?).map_err(err("commit"))?;
    c.verify(
        "proposal",
        &FramedContentBody::Proposal(proposal),
        Some(&hex_field(case, "proposal_pub")?),
        &hex_field(case, "proposal_priv")?,
    )?;
    c.verify(
        "commit",
        &FramedContentBody::Commit(commit),
        Some(&hex_field(case, "commit_pub")?),
        &hex_field(case, "commit_priv")?,
    )?;
    c.verify(
        "application",
        &FramedContentBody::Application(hex_field(case, "application")?),
        None,
        &hex_field(case, "application_priv")?,
    )
}

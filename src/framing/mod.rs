//! Message framing (RFC 9420 §6): the content of handshake and application messages, its
//! authentication (signature, confirmation tag, membership tag), and its protection as a
//! [`PublicMessage`] (§6.2) or an encrypted [`PrivateMessage`] (§6.3), inside an
//! [`MlsMessage`].
//!
//! Sending: build a [`FramedContent`], sign it with [`AuthenticatedContent::sign`] (for a
//! Commit, then set the confirmation tag from [`crate::transcript`]), and protect it with
//! [`PublicMessage::protect`] or [`PrivateMessage::protect`].
//!
//! Receiving: [`PublicMessage::unprotect`] and [`PrivateMessage::unprotect`] run every
//! receiver check of §6 (each failing with its own [`crate::FramingError`] variant) and give
//! back the verified [`AuthenticatedContent`].
//!
//! Every per-epoch input is in a [`FramingContext`], which encodes the `GroupContext` once.

mod auth;
mod content;
mod mls_message;
mod padding;
mod private_message;
mod public_message;
pub(crate) mod wire;

pub use auth::{AuthenticatedContent, FramedContentAuthData, FramedContentTBS, FramingContext};
pub use content::{ContentType, FramedContent, FramedContentBody, Sender, WireFormat};
pub use mls_message::{MlsMessage, MlsMessageBody};
pub use padding::{PaddingPolicy, is_zero_padding};
pub use private_message::{
    PrivateContentAAD, PrivateMessage, PrivateMessageContent, SenderData, SenderDataAAD,
};
pub use public_message::{AuthenticatedContentTBM, PublicMessage, membership_tag};

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;

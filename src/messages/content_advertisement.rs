//! Content advertisement (draft-ietf-mls-extensions, "Negotiating Extensions and
//! Components" and "Content Advertisement"): the `supported_wire_formats` LeafNode
//! extension (0x0007) and the `required_wire_formats` GroupContext extension (0x0008),
//! and the wire structures of the `content_media_types` component and of the
//! `ApplicationFraming` of `application_data`.
//!
//! Receiver rule: a leaf joins or stays in a group whose GroupContext has
//! `required_wire_formats` only if its `supported_wire_formats` lists each required
//! non-default wire format ([`GroupError::RequiredWireFormatNotSupported`]); the RFC 9420
//! wire formats (0x0001 to 0x0005) count as supported by every client.

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{ExtensionContent, ExtensionType, Extensions, LeafNode};
use crate::error::{Error, GroupError, MessageError};
use crate::framing::WireFormat;

/// Whether `w` is a wire format of RFC 9420 (§17.2), which every client supports.
fn is_default_wire_format(w: WireFormat) -> bool {
    matches!(w.0, 0x0001..=0x0005)
}

/// `supported_wire_formats` (draft-ietf-mls-extensions): the non-default wire formats a
/// client supports, in its LeafNodes.
///
/// ```text
/// struct {
///    WireFormat wire_formats<V>;
/// } WireFormats;
///
/// WireFormats supported_wire_formats;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct SupportedWireFormats {
    /// The wire formats.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub wire_formats: Vec<WireFormat>,
}

impl ExtensionContent for SupportedWireFormats {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::SUPPORTED_WIRE_FORMATS;
}

/// `required_wire_formats` (draft-ietf-mls-extensions): the non-default wire formats
/// every member must support, in the GroupContext (`WireFormats required_wire_formats;`).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct RequiredWireFormats {
    /// The wire formats.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub wire_formats: Vec<WireFormat>,
}

impl ExtensionContent for RequiredWireFormats {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::REQUIRED_WIRE_FORMATS;
}

/// The `required_wire_formats` of the group extensions `group` are supported by `leaf`:
/// each non-default one is in its `supported_wire_formats`
/// ([`GroupError::RequiredWireFormatNotSupported`]). A malformed extension is
/// [`MessageError::MalformedExtension`].
pub(crate) fn check_wire_formats(leaf: &LeafNode, group: &Extensions) -> Result<(), Error> {
    let Some(required) = group.read::<RequiredWireFormats>()? else {
        return Ok(());
    };
    let supported = leaf
        .extensions
        .read::<SupportedWireFormats>()?
        .unwrap_or_default();
    if required
        .wire_formats
        .iter()
        .all(|w| is_default_wire_format(*w) || supported.wire_formats.contains(w))
    {
        Ok(())
    } else {
        Err(GroupError::RequiredWireFormatNotSupported.into())
    }
}

/// `Parameter` of a media type (draft-ietf-mls-extensions, "Content Advertisement"):
///
/// ```text
/// struct {
///     opaque parameter_name<V>;
///     opaque parameter_value<V>;
/// } Parameter;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct MediaTypeParameter {
    /// The parameter's name, e.g. `charset`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub parameter_name: Vec<u8>,
    /// Its value, without quotation marks or the escaping backslash of a quoted-pair.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub parameter_value: Vec<u8>,
}

/// `MediaType` (draft-ietf-mls-extensions, "Content Advertisement"):
///
/// ```text
/// struct {
///     opaque type<V>;
///     Parameter parameters<V>;
/// } MediaType;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct MediaType {
    /// The IANA top-level type, `/`, and the subtype, e.g. `text/plain`; empty in an
    /// `ApplicationFraming` means the group's first media type.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub media_type: Vec<u8>,
    /// The parameters.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub parameters: Vec<MediaTypeParameter>,
}

/// `MediaTypeList`, the content of the `content_media_types` component
/// (draft-ietf-mls-extensions, component ID 0x0003):
///
/// ```text
/// struct {
///     /* must contain at least one item */
///     MediaType media_type_list<V>;
/// } MediaTypeList;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct MediaTypeList {
    /// The media types, in order of preference.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub media_type_list: Vec<MediaType>,
}

/// The `content_media_types` component ID (draft-ietf-mls-extensions, IANA "MLS Component
/// Types").
pub const CONTENT_MEDIA_TYPES_COMPONENT: u16 = 0x0003;

impl MediaTypeList {
    /// Decodes a `content_media_types` component: [`MessageError::MalformedExtension`] if
    /// it does not decode exactly, [`MessageError::EmptyMediaTypeList`] if it lists no
    /// media type ("must contain at least one item").
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let list: MediaTypeList = crate::codec::decode_exact(bytes)
            .map_err(|_| Error::Message(MessageError::MalformedExtension))?;
        if list.media_type_list.is_empty() {
            return Err(MessageError::EmptyMediaTypeList.into());
        }
        Ok(list)
    }
}

/// `ApplicationFraming` (draft-ietf-mls-extensions, "Framing of application_data"): the
/// `application_data` of a group whose GroupContext has `content_media_types`.
///
/// ```text
/// struct {
///     MediaType media_type;
///     opaque inner_application_content<V>;
/// } ApplicationFraming;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ApplicationFraming {
    /// The content's media type (empty type: the group's first one).
    pub media_type: MediaType,
    /// The application's content.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub inner_application_content: Vec<u8>,
}

impl ApplicationFraming {
    /// Decodes framed `application_data` ([`MessageError::MalformedApplicationFraming`]
    /// if it does not decode exactly).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        crate::codec::decode_exact(bytes)
            .map_err(|_| Error::Message(MessageError::MalformedApplicationFraming))
    }

    /// The media type of the content: its own, or for an empty type the first of the
    /// group's `content_media_types` (`None` if that list is empty).
    pub fn effective_media_type<'a>(&'a self, group: &'a MediaTypeList) -> Option<&'a MediaType> {
        if self.media_type.media_type.is_empty() {
            group.media_type_list.first()
        } else {
            Some(&self.media_type)
        }
    }
}

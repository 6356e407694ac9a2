//! `deserialization` vectors: MLS variable-length vector headers (RFC 9420 §2.1.2).
//!
//! Each header is decoded with [`melos::codec::read_varint`] and must give the expected
//! length; re-encoding the length must give back the header exactly (minimal encoding); and an
//! `opaque<V>` that carries the header but is missing its content must fail to decode without
//! allocating the announced length.

use serde_json::Value;

use crate::Report;
use crate::util::{hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    for (i, case) in cases.iter().enumerate() {
        report.record(None, i, check(case));
    }
    true
}

fn check(case: &Value) -> Result<(), String> {
    let header = hex_field(case, "vlbytes_header")?;
    let length = u64_field(case, "length")?;
    let (decoded, rest) = melos::codec::read_varint(&header).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} bytes left after the header", rest.len()));
    }
    if u64::from(decoded) != length {
        return Err(format!("decoded length {decoded}, want {length}"));
    }
    let mut encoded = Vec::new();
    melos::codec::write_varint(decoded as usize, &mut encoded).map_err(|e| e.to_string())?;
    crate::util::check_eq("re-encoded header", &encoded, &header)?;
    if length > 0 {
        let truncated = melos::codec::vl_bytes::tls_deserialize_bytes(&header);
        if truncated.is_ok() {
            return Err("an opaque<V> without its content decoded".into());
        }
    }
    Ok(())
}

//! Random identifiers shaped like Apple's: resource ids, key ids, issuer UUIDs and serial numbers.

use std::fmt::Write as _;

use rand::RngExt as _;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Ten upper-case letters and digits, the shape of certificate ids, key ids and team ids.
pub(crate) fn apple_id() -> String {
    let mut rng = rand::rng();
    (0..10)
        .map(|_| char::from(ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())]))
        .collect()
}

/// A random (version 4) UUID in lower-case hexadecimal, the shape of issuer ids.
pub(crate) fn uuid() -> String {
    let mut bytes: [u8; 16] = rand::rng().random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Eight random bytes for an X.509 serial number: positive and without a leading zero byte, so the
/// DER integer and the upper-case hexadecimal `serialNumber` are the same bytes.
pub(crate) fn serial_bytes() -> [u8; 8] {
    let mut bytes: [u8; 8] = rand::rng().random();
    bytes[0] = (bytes[0] & 0x7f).max(0x10);
    bytes
}

/// Upper-case hexadecimal, as Apple writes serial numbers.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{b:02X}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_apples() {
        let id = apple_id();
        assert_eq!(id.len(), 10);
        assert!(id.bytes().all(|b| ALPHANUMERIC.contains(&b)));
        let uuid = uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        let serial = hex_upper(&serial_bytes());
        assert_eq!(serial.len(), 16);
        assert!(serial.as_bytes()[0] != b'0' && serial.as_bytes()[0] < b'8');
    }
}

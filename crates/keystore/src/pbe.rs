//! Bounds on the password-based encryption parameters of the files this crate reads.
//!
//! An encrypted PKCS#8 key or a PKCS#12 file names its own key-derivation cost, and the decryption
//! libraries pay whatever it asks: 4 billion PBKDF2 iterations keep a CPU busy for about 12
//! minutes, scrypt's memory cost can ask for terabytes, and an scrypt cost of 0 makes `pkcs5` panic
//! (an integer underflow in its parameter conversion). Every set of PBES2 parameters is checked
//! against these bounds before anything is derived. The bounds sit well above what tools write
//! (OpenSSL: 2,048 PBKDF2 iterations, scrypt N = 16,384, r = 8; this crate: 600,000 iterations).

use pkcs8::der::{AnyRef, Decode as _, Encode as _, Reader as _, SliceReader, Tagged as _};
use pkcs8::pkcs5::{EncryptionScheme, pbes2};

/// The most PBKDF2 iterations accepted in a file that is read: 8 times OWASP's 600,000 for
/// PBKDF2-SHA256. Importing such a key took 0.98 s in a release build here (re-encryption
/// included), and 5.3 s under the fuzz runs' address sanitizer, inside the 10 s they allow one
/// input (10,000,000 took 11.7 s there).
pub const MAX_PBKDF2_ITERATIONS: u32 = 5_000_000;

/// The most memory scrypt may ask for (128 · N · r bytes): 1 GiB.
pub const MAX_SCRYPT_MEMORY: u64 = 1 << 30;

/// The highest scrypt parallelism `p` accepted.
pub const MAX_SCRYPT_PARALLELISM: u16 = 16;

/// How deep [`check_nested`] looks into nested DER before it stops looking.
const MAX_DEPTH: usize = 32;

/// Checks one encryption scheme's key-derivation parameters; the error says which bound is broken.
pub(crate) fn check_scheme(scheme: &EncryptionScheme) -> Result<(), String> {
    match scheme {
        EncryptionScheme::Pbes2(params) => check_kdf(&params.kdf),
        // pkcs5 refuses to decrypt PBES1, and p12-keystore bounds its own PBES1 iterations at
        // 1,000,000.
        EncryptionScheme::Pbes1(_) => Ok(()),
        // A scheme newer than this check: its cost cannot be bounded, so it is not run.
        _ => Err("it uses an encryption scheme whose cost this version cannot check".to_owned()),
    }
}

fn check_kdf(kdf: &pbes2::Kdf) -> Result<(), String> {
    match kdf {
        pbes2::Kdf::Pbkdf2(params) => {
            if params.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(format!(
                    "it asks for {} PBKDF2 iterations; at most {MAX_PBKDF2_ITERATIONS} are accepted",
                    params.iteration_count
                ));
            }
            Ok(())
        }
        pbes2::Kdf::Scrypt(params) => {
            let n = params.cost_parameter;
            if n < 2 || !n.is_power_of_two() {
                return Err(format!(
                    "its scrypt cost N = {n} is not a power of two of at least 2"
                ));
            }
            if params.parallelization > MAX_SCRYPT_PARALLELISM {
                return Err(format!(
                    "its scrypt parallelism p = {} is above {MAX_SCRYPT_PARALLELISM}",
                    params.parallelization
                ));
            }
            let memory = 128u64
                .checked_mul(n)
                .and_then(|m| m.checked_mul(u64::from(params.block_size)));
            match memory {
                Some(bytes) if bytes <= MAX_SCRYPT_MEMORY => Ok(()),
                _ => Err(format!(
                    "its scrypt parameters (N = {n}, r = {}) ask for more than {} MiB of memory",
                    params.block_size,
                    MAX_SCRYPT_MEMORY >> 20
                )),
            }
        }
        _ => Err("it uses a key derivation whose cost this version cannot check".to_owned()),
    }
}

/// Finds every PBES2 algorithm identifier in `der`, looking into constructed values and into OCTET
/// STRINGs that hold DER themselves (as PKCS#12 nests its safes), and checks each with
/// [`check_scheme`].
///
/// What is not DER is left alone: the parser that reads the file next reports it. Content that is
/// still encrypted cannot be seen here; PKCS#12 reading has a second guard for it.
pub(crate) fn check_nested(der: &[u8]) -> Result<(), String> {
    walk(der, 0)
}

fn walk(der: &[u8], depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let Ok(mut reader) = SliceReader::new(der) else {
        return Ok(());
    };
    while !reader.is_finished() {
        let Ok(value) = AnyRef::decode(&mut reader) else {
            return Ok(());
        };
        visit(value, depth)?;
    }
    Ok(())
}

fn visit(value: AnyRef<'_>, depth: usize) -> Result<(), String> {
    let tag = value.tag();
    if tag == pkcs8::der::Tag::Sequence
        && value.value().starts_with(PBES2_OID_DER)
        && let Ok(scheme) = value.to_der().and_then(|der| EncryptionScheme::from_der(&der))
    {
        return check_scheme(&scheme);
    }
    if tag.is_constructed() || tag == pkcs8::der::Tag::OctetString {
        walk(value.value(), depth + 1)?;
    }
    Ok(())
}

/// The DER of PBES2's OBJECT IDENTIFIER (1.2.840.113549.1.5.13), tag and length included.
const PBES2_OID_DER: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];

#[cfg(test)]
pub(crate) mod tests {
    use pkcs8::der::asn1::OctetStringRef;
    use pkcs8::pkcs5::pbes2::{Kdf, Parameters, Pbkdf2Params, Pbkdf2Prf, Salt, ScryptParams};

    use super::*;

    /// DER by hand, for files no well-behaved writer makes: a tag, its length and the content.
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap());
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap());
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

    pub(crate) fn pbkdf2(iterations: u32) -> Kdf {
        Kdf::Pbkdf2(Pbkdf2Params {
            salt: Salt::new([7u8; 16]).unwrap(),
            iteration_count: iterations,
            key_length: None,
            prf: Pbkdf2Prf::HmacWithSha256,
        })
    }

    pub(crate) fn scrypt(n: u64, r: u16, p: u16) -> Kdf {
        Kdf::Scrypt(ScryptParams {
            salt: Salt::new([7u8; 16]).unwrap(),
            cost_parameter: n,
            block_size: r,
            parallelization: p,
            key_length: None,
        })
    }

    /// An `ENCRYPTED PRIVATE KEY` document whose key is derived with `kdf` (the ciphertext is
    /// filler: what matters is what a reader does before decrypting).
    pub(crate) fn encrypted_key_der(kdf: Kdf) -> Vec<u8> {
        let filler = [0u8; 32];
        pkcs8::EncryptedPrivateKeyInfoRef {
            encryption_algorithm: EncryptionScheme::Pbes2(Parameters {
                kdf,
                encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [0; 16] },
            }),
            encrypted_data: OctetStringRef::new(&filler).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn what_tools_write_passes() {
        for kdf in [
            pbkdf2(2048),
            pbkdf2(600_000),
            pbkdf2(MAX_PBKDF2_ITERATIONS),
            scrypt(16_384, 8, 1),
        ] {
            assert_eq!(check_nested(&encrypted_key_der(kdf)), Ok(()));
        }
    }

    #[test]
    fn costs_out_of_bounds_are_named() {
        let cases = [
            (pbkdf2(u32::MAX), "4294967295 PBKDF2 iterations"),
            (scrypt(0, 8, 1), "N = 0 is not a power of two"),
            (scrypt(1, 8, 1), "N = 1 is not a power of two"),
            (scrypt(1000, 8, 1), "N = 1000 is not a power of two"),
            (scrypt(1 << 40, 8, 1), "more than 1024 MiB"),
            (scrypt(1 << 63, u16::MAX, 1), "more than 1024 MiB"),
            (scrypt(16_384, 8, 17), "parallelism p = 17"),
        ];
        for (kdf, expected) in cases {
            let err = check_nested(&encrypted_key_der(kdf)).unwrap_err();
            assert!(err.contains(expected), "{err:?} should say {expected:?}");
        }
    }

    #[test]
    fn parameters_are_found_inside_octet_strings_and_sets() {
        let inner = encrypted_key_der(pbkdf2(u32::MAX));
        let set = tlv(0x31, &tlv(0x04, &inner));
        assert!(check_nested(&set).unwrap_err().contains("PBKDF2 iterations"));
        // Deeper than the walk goes, it is left to the parser.
        let mut deep = inner;
        for _ in 0..=MAX_DEPTH {
            deep = tlv(0x30, &deep);
        }
        assert_eq!(check_nested(&deep), Ok(()));
    }

    #[test]
    fn what_is_not_der_is_left_to_the_parser() {
        for bytes in [&b""[..], b"not der at all", &[0x30, 0x80, 0x00], &[0x04, 0xff]] {
            assert_eq!(check_nested(bytes), Ok(()));
        }
    }
}

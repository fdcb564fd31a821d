//! The age side: [`Recipient`] (a member's public key), [`MemberKey`] (a member's private key),
//! and encryption to every member / decryption with one member's key.
//!
//! Objects are plain binary age files, so the stock `age` and `rage` tools decrypt them with the same
//! identity files and SSH keys.

use std::fmt;
use std::io::Write as _;
use std::str::FromStr;

use age::secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use crate::error::{Result, TeamError};
use crate::text::shorten;

/// A member's public key: an age X25519 recipient (`age1…`), or an `ssh-ed25519` / `ssh-rsa` public
/// key as found in `~/.ssh/id_ed25519.pub` or `authorized_keys` (a trailing comment is dropped).
///
/// ```
/// use ascert_team::Recipient;
/// let r: Recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".parse()?;
/// assert_eq!(r.kind(), "X25519");
/// # Ok::<(), ascert_team::TeamError>(())
/// ```
#[derive(Clone)]
pub struct Recipient {
    inner: RecipientKind,
    /// The canonical text: `age1…`, or `ssh-… <base64>` without the comment.
    text: String,
}

#[derive(Clone)]
enum RecipientKind {
    X25519(age::x25519::Recipient),
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    /// The kind of key: `X25519`, `ssh-ed25519` or `ssh-rsa`.
    pub fn kind(&self) -> &'static str {
        match &self.inner {
            RecipientKind::X25519(_) => "X25519",
            RecipientKind::Ssh(age::ssh::Recipient::SshEd25519(..)) => "ssh-ed25519",
            RecipientKind::Ssh(age::ssh::Recipient::SshRsa(..)) => "ssh-rsa",
        }
    }

    fn as_age(&self) -> &dyn age::Recipient {
        match &self.inner {
            RecipientKind::X25519(r) => r,
            RecipientKind::Ssh(r) => r,
        }
    }
}

impl FromStr for Recipient {
    type Err = TeamError;

    fn from_str(text: &str) -> Result<Self> {
        let text = text.trim();
        let invalid = |reason: String| TeamError::InvalidRecipient {
            recipient: shorten(text),
            reason,
        };
        if text.starts_with("age1") {
            let recipient = age::x25519::Recipient::from_str(text).map_err(|e| {
                invalid(format!(
                    "{e} (only age X25519 recipients are supported: post-quantum and plugin recipients are not)"
                ))
            })?;
            return Ok(Self {
                text: recipient.to_string(),
                inner: RecipientKind::X25519(recipient),
            });
        }
        if text.starts_with("ssh-") {
            // `ssh-ed25519 AAAA… comment`: the comment is not part of the key.
            let canonical = text.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            let recipient = age::ssh::Recipient::from_str(&canonical).map_err(|e| {
                invalid(match e {
                    age::ssh::ParseRecipientKeyError::RsaModulusTooSmall => {
                        "ssh-rsa keys shorter than 2048 bits are refused".to_owned()
                    }
                    age::ssh::ParseRecipientKeyError::RsaModulusTooLarge => {
                        "the ssh-rsa key is larger than age supports".to_owned()
                    }
                    age::ssh::ParseRecipientKeyError::Unsupported(kind) => {
                        format!(
                            "{kind} keys cannot be age recipients; use ssh-ed25519, ssh-rsa or an age1 key"
                        )
                    }
                    _ => "not a valid SSH public key line".to_owned(),
                })
            })?;
            return Ok(Self {
                text: recipient.to_string(),
                inner: RecipientKind::Ssh(recipient),
            });
        }
        Err(invalid(
            "expected an age X25519 recipient (age1…) or an ssh-ed25519 / ssh-rsa public key".to_owned(),
        ))
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", shorten(&self.text))
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Recipient {}

impl serde::Serialize for Recipient {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Recipient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A member's private key, which decrypts what the store encrypted to the member's [`Recipient`]:
/// the X25519 identities of an age identity file, an SSH private key (ssh-ed25519 or ssh-rsa), or
/// the team passphrase's identity ([`TeamStore::unlock_passphrase`](crate::TeamStore::unlock_passphrase)).
///
/// `Debug` shows the public recipients only; the secret parts are wiped when dropped.
#[derive(Clone)]
pub struct MemberKey {
    identities: Vec<IdentityKind>,
    recipients: Vec<Recipient>,
}

#[derive(Clone)]
enum IdentityKind {
    X25519(age::x25519::Identity),
    Ssh(age::ssh::Identity),
}

impl MemberKey {
    /// Generates a new age X25519 key (for a CI runner, or the passphrase member).
    pub fn generate() -> Self {
        Self::from_x25519(vec![age::x25519::Identity::generate()])
    }

    fn from_x25519(identities: Vec<age::x25519::Identity>) -> Self {
        let recipients = identities
            .iter()
            .map(|identity| {
                let recipient = identity.to_public();
                Recipient {
                    text: recipient.to_string(),
                    inner: RecipientKind::X25519(recipient),
                }
            })
            .collect();
        Self {
            identities: identities.into_iter().map(IdentityKind::X25519).collect(),
            recipients,
        }
    }

    /// Reads a key file: an age identity file (lines `AGE-SECRET-KEY-1…`, `#` comments) or an
    /// OpenSSH / PEM SSH private key, told apart by their content.
    ///
    /// # Errors
    ///
    /// As [`MemberKey::from_age_identity_file`] and [`MemberKey::from_ssh_private_key`].
    pub fn parse(text: &str, ssh_passphrase: Option<SecretString>) -> Result<Self> {
        if text.trim_start().starts_with("-----BEGIN") {
            Self::from_ssh_private_key(text, ssh_passphrase)
        } else {
            Self::from_age_identity_file(text)
        }
    }

    /// Reads an age identity file, as `age-keygen` writes it.
    ///
    /// # Errors
    ///
    /// [`TeamError::InvalidMemberKey`] if a line is neither a comment nor an X25519 identity
    /// (plugin identities are not supported), or if the file holds no identity.
    pub fn from_age_identity_file(text: &str) -> Result<Self> {
        let mut identities = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("AGE-PLUGIN-") {
                return Err(TeamError::InvalidMemberKey {
                    reason: format!("line {}: age plugin identities are not supported", number + 1),
                });
            }
            let identity =
                age::x25519::Identity::from_str(line).map_err(|e| TeamError::InvalidMemberKey {
                    reason: format!(
                        "line {} is not an age identity (AGE-SECRET-KEY-1…): {e}",
                        number + 1
                    ),
                })?;
            identities.push(identity);
        }
        if identities.is_empty() {
            return Err(TeamError::InvalidMemberKey {
                reason: "the identity file holds no AGE-SECRET-KEY-1 line".to_owned(),
            });
        }
        Ok(Self::from_x25519(identities))
    }

    /// Whether `text` is an SSH private key protected by a passphrase (so that the caller can ask for
    /// it before [`MemberKey::parse`]).
    pub fn needs_passphrase(text: &str) -> bool {
        text.trim_start().starts_with("-----BEGIN")
            && matches!(
                age::ssh::Identity::from_buffer(text.as_bytes(), None),
                Ok(age::ssh::Identity::Encrypted(_))
            )
    }

    /// Reads an SSH private key (OpenSSH format, or PEM `RSA PRIVATE KEY`): ssh-ed25519 or ssh-rsa.
    /// A key protected by a passphrase needs `passphrase`.
    ///
    /// # Errors
    ///
    /// [`TeamError::InvalidMemberKey`] for text that is not such a key, an unsupported key type, or
    /// an encrypted key without a passphrase; [`TeamError::WrongPassphrase`] if the passphrase does not
    /// decrypt it.
    pub fn from_ssh_private_key(text: &str, passphrase: Option<SecretString>) -> Result<Self> {
        let identity = age::ssh::Identity::from_buffer(text.as_bytes(), None).map_err(|e| {
            TeamError::InvalidMemberKey {
                reason: format!("not an SSH private key age can use ({e})"),
            }
        })?;
        let identity = match identity {
            age::ssh::Identity::Unencrypted(_) => identity,
            age::ssh::Identity::Encrypted(encrypted) => {
                let Some(passphrase) = passphrase else {
                    return Err(TeamError::InvalidMemberKey {
                        reason: "the SSH key is protected by a passphrase; give the passphrase too"
                            .to_owned(),
                    });
                };
                let key = encrypted
                    .decrypt(passphrase)
                    .map_err(|_| TeamError::WrongPassphrase {
                        what: "the SSH private key".to_owned(),
                    })?;
                age::ssh::Identity::Unencrypted(key)
            }
            age::ssh::Identity::Unsupported(_) => {
                return Err(TeamError::InvalidMemberKey {
                    reason: "this kind of SSH key cannot decrypt age files; use ssh-ed25519 or ssh-rsa"
                        .to_owned(),
                });
            }
        };
        let recipient =
            age::ssh::Recipient::try_from(identity.clone()).map_err(|_| TeamError::InvalidMemberKey {
                reason: "the public half of the SSH key cannot be read".to_owned(),
            })?;
        Ok(Self {
            identities: vec![IdentityKind::Ssh(identity)],
            recipients: vec![Recipient {
                text: recipient.to_string(),
                inner: RecipientKind::Ssh(recipient),
            }],
        })
    }

    /// The public recipients of this key (one per identity in the file).
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// The key as an age identity file (`# public key: age1…` then `AGE-SECRET-KEY-1…`), for keys
    /// made by [`MemberKey::generate`]; `None` for an SSH key.
    pub fn to_identity_file(&self) -> Option<SecretString> {
        let mut text = String::new();
        for (identity, recipient) in self.identities.iter().zip(&self.recipients) {
            let IdentityKind::X25519(identity) = identity else {
                return None;
            };
            text.push_str("# public key: ");
            text.push_str(&recipient.text);
            text.push('\n');
            text.push_str(identity.to_string().expose_secret());
            text.push('\n');
        }
        Some(SecretString::from(text))
    }

    fn as_age(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.identities.iter().map(|identity| match identity {
            IdentityKind::X25519(i) => i as &dyn age::Identity,
            IdentityKind::Ssh(i) => i as &dyn age::Identity,
        })
    }

    /// The recipients as one line, for messages.
    pub(crate) fn describe(&self) -> String {
        self.recipients
            .iter()
            .map(|r| shorten(&r.text))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemberKey")
            .field("recipients", &self.recipients)
            .finish_non_exhaustive()
    }
}

/// Encrypts `plaintext` to every recipient of a verified member list, as one binary age file.
pub(crate) fn encrypt(plaintext: &[u8], recipients: &crate::trust::Recipients) -> Result<Vec<u8>> {
    let recipients = recipients.as_slice();
    let failed = |e: &dyn fmt::Display| TeamError::Crypto {
        what: "age encryption",
        reason: e.to_string(),
    };
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(Recipient::as_age)).map_err(|e| failed(&e))?;
    let mut out = Vec::with_capacity(plaintext.len() + 200 * recipients.len() + 64);
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| failed(&e))?;
    writer.write_all(plaintext).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(out)
}

/// The scrypt work factor (log2 N) `passphrase.age` is written with when the caller names none:
/// 2^18, what age's reference implementation writes to every passphrase file. scrypt with age's
/// r = 8 takes 1 KiB of memory per unit of N: 256 MiB, and about 0.9 s to write or open on a busy
/// 2-core AMD EPYC CI machine (less on a laptop), paid by every runner that unlocks the store.
///
/// A fixed number, not age's calibration: age would time one scrypt of 2^10 (about 2 ms) and
/// double until it reached a second, so that the factor written depended on the machine and on
/// its load at that instant. Every machine opens what any machine writes with this one: it is 3
/// below [`MAX_PASSPHRASE_WORK_FACTOR`].
pub const PASSPHRASE_WORK_FACTOR: u8 = 18;

/// The highest scrypt work factor (log2 N) a passphrase file may ask for: 2^21, 2 GiB of memory
/// and about 8 to 11 s on a busy 2-core AMD EPYC CI machine. A file above it is refused before any
/// of the work ([`TeamError::ExcessiveWork`]).
///
/// High enough for every store ascert wrote: 0.1.0 let age calibrate the factor to a second of
/// scrypt of 2^10 on the writing machine, which gives 19 or 20 on that CI machine and 21 on one
/// twice as fast, as a recent Mac can be; 22 would need one four times as fast. Low enough that a
/// bucket writer who replaces `passphrase.age` makes a runner spend at most that, once per unlock,
/// rather than age's own ceiling (its calibration on the reading machine plus 4: up to 2^25,
/// 32 GiB, on a fast one). Fixed, because age's ceiling is timed too: under load it fell below
/// what the store was written with, and a sound store was refused.
pub const MAX_PASSPHRASE_WORK_FACTOR: u8 = 21;

/// Encrypts `plaintext` with a passphrase (age's scrypt recipient, alone in the file as the age
/// specification requires). `work_factor` is scrypt's log2(N); `None` writes
/// [`PASSPHRASE_WORK_FACTOR`].
pub(crate) fn encrypt_with_passphrase(
    plaintext: &[u8],
    passphrase: &SecretString,
    work_factor: Option<u8>,
) -> Result<Vec<u8>> {
    // `Recipient::new` still times its calibration (one small scrypt); the factor set here replaces
    // its result.
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(work_factor.unwrap_or(PASSPHRASE_WORK_FACTOR));
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| TeamError::Crypto {
            what: "age passphrase encryption",
            reason: e.to_string(),
        })?;
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).map_err(|e| TeamError::Crypto {
        what: "age passphrase encryption",
        reason: e.to_string(),
    })?;
    writer
        .write_all(plaintext)
        .and_then(|()| writer.finish().map(|_| ()))
        .map_err(|e| TeamError::Crypto {
            what: "age passphrase encryption",
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// Decrypts an age file with a member key. `object` names it in errors.
pub(crate) fn decrypt(ciphertext: &[u8], key: &MemberKey, object: &str) -> Result<Zeroizing<Vec<u8>>> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|e| header_error(object, &e))?;
    if decryptor.is_scrypt() {
        return Err(TeamError::Tampered {
            object: object.to_owned(),
            reason: "it is encrypted with a passphrase, not to the members".to_owned(),
        });
    }
    let reader = decryptor.decrypt(key.as_age()).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => TeamError::WrongIdentity {
            object: object.to_owned(),
            recipients: key.describe(),
        },
        age::DecryptError::KeyDecryptionFailed => TeamError::WrongPassphrase {
            what: "the SSH private key".to_owned(),
        },
        other => header_error(object, &other),
    })?;
    read_payload(reader, ciphertext.len(), object)
}

/// Decrypts a passphrase-encrypted age file.
pub(crate) fn decrypt_with_passphrase(
    ciphertext: &[u8],
    passphrase: &SecretString,
    object: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|e| header_error(object, &e))?;
    if !decryptor.is_scrypt() {
        return Err(TeamError::Tampered {
            object: object.to_owned(),
            reason: "it is not encrypted with a passphrase".to_owned(),
        });
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    // Replaces age's ceiling, which is timed on this machine at this instant.
    identity.set_max_work_factor(MAX_PASSPHRASE_WORK_FACTOR);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            // The scrypt stanza's AEAD fails: the passphrase is wrong (a changed stanza looks the same).
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                TeamError::WrongPassphrase {
                    what: format!("the team passphrase identity ({object})"),
                }
            }
            // age compares the stanza's factor with the ceiling before it derives anything.
            age::DecryptError::ExcessiveWork { required, .. } => TeamError::ExcessiveWork {
                object: object.to_owned(),
                work_factor: required,
                max: MAX_PASSPHRASE_WORK_FACTOR,
            },
            other => header_error(object, &other),
        })?;
    read_payload(reader, ciphertext.len(), object)
}

fn read_payload(mut reader: impl std::io::Read, capacity: usize, object: &str) -> Result<Zeroizing<Vec<u8>>> {
    // The plaintext is shorter than the ciphertext: this buffer never grows, so never leaves a copy.
    let mut plaintext = Zeroizing::new(Vec::with_capacity(capacity));
    reader
        .read_to_end(&mut plaintext)
        .map_err(|e| TeamError::Tampered {
            object: object.to_owned(),
            reason: format!("the payload fails its authentication: {e}"),
        })?;
    Ok(plaintext)
}

fn header_error(object: &str, error: &age::DecryptError) -> TeamError {
    let reason = match error {
        age::DecryptError::InvalidMac => "the header MAC does not match".to_owned(),
        age::DecryptError::InvalidHeader => "the age header is malformed".to_owned(),
        age::DecryptError::UnknownFormat => "not an age file of a version this ascert knows".to_owned(),
        age::DecryptError::DecryptionFailed => "a recipient stanza fails its authentication".to_owned(),
        other => other.to_string(),
    };
    TeamError::Tampered {
        object: object.to_owned(),
        reason,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trust::Recipients;

    /// Test keys made by ssh-keygen (tests/fixtures/README.md).
    pub(crate) const SSH_ED25519: &str = include_str!("../tests/fixtures/ssh_ed25519");
    const SSH_ED25519_PUB: &str = include_str!("../tests/fixtures/ssh_ed25519.pub");
    const SSH_ENCRYPTED: &str = include_str!("../tests/fixtures/ssh_ed25519_encrypted");
    const SSH_RSA: &str = include_str!("../tests/fixtures/ssh_rsa");
    const SSH_RSA_PUB: &str = include_str!("../tests/fixtures/ssh_rsa.pub");

    #[test]
    fn recipients_parse_in_every_supported_form_and_print_canonically() {
        let key = MemberKey::generate();
        let x25519 = key.recipients()[0].to_string();
        let parsed: Recipient = format!("  {x25519}\n").parse().unwrap();
        assert_eq!(parsed.kind(), "X25519");
        assert_eq!(parsed.to_string(), x25519);

        let ssh = MemberKey::from_ssh_private_key(SSH_ED25519, None).unwrap();
        let public = ssh.recipients()[0].to_string();
        assert!(public.starts_with("ssh-ed25519 AAAA"), "{public}");
        let with_comment: Recipient = SSH_ED25519_PUB.parse().unwrap();
        assert!(SSH_ED25519_PUB.trim().ends_with("ci-runner@ascert-tests"));
        assert_eq!(with_comment, ssh.recipients()[0]);
        assert_eq!(with_comment.kind(), "ssh-ed25519");

        let rsa = MemberKey::parse(SSH_RSA, None).unwrap();
        let from_pub: Recipient = SSH_RSA_PUB.parse().unwrap();
        assert_eq!(from_pub.kind(), "ssh-rsa");
        assert_eq!(rsa.recipients(), [from_pub]);
    }

    #[test]
    fn an_encrypted_ssh_key_needs_its_passphrase() {
        assert!(MemberKey::needs_passphrase(SSH_ENCRYPTED));
        assert!(!MemberKey::needs_passphrase(SSH_ED25519));
        assert!(!MemberKey::needs_passphrase("AGE-SECRET-KEY-1QQQ"));
        let error = MemberKey::parse(SSH_ENCRYPTED, None).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("protected by a passphrase; give the passphrase"),
            "{error}"
        );
        let error = MemberKey::parse(SSH_ENCRYPTED, Some(SecretString::from("wrong"))).unwrap_err();
        assert!(matches!(error, TeamError::WrongPassphrase { .. }), "{error:?}");
        let key = MemberKey::parse(SSH_ENCRYPTED, Some(SecretString::from("ssh passphrase"))).unwrap();
        let sealed = encrypt(b"x", &Recipients::for_tests(key.recipients())).unwrap();
        assert_eq!(&**decrypt(&sealed, &key, "k").unwrap(), b"x");
    }

    #[test]
    fn unusable_recipients_are_refused_with_a_reason() {
        for (text, reason) in [
            ("age1notbech32", "only age X25519 recipients"),
            (
                "ecdsa-sha2-nistp256 AAAAE2VjZHNh",
                "expected an age X25519 recipient",
            ),
            ("ssh-ed25519 !!!", "not a valid SSH public key line"),
            ("", "expected an age X25519 recipient"),
        ] {
            let error = text.parse::<Recipient>().unwrap_err();
            assert!(matches!(error, TeamError::InvalidRecipient { .. }), "{error:?}");
            assert!(error.to_string().contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn identity_files_with_comments_parse_and_plugins_are_refused() {
        let key = MemberKey::generate();
        let file = key.to_identity_file().unwrap();
        let text = format!("# created: today\n\n{}", file.expose_secret());
        let back = MemberKey::from_age_identity_file(&text).unwrap();
        assert_eq!(back.recipients(), key.recipients());
        let error = MemberKey::from_age_identity_file("AGE-PLUGIN-YUBIKEY-1QQQ").unwrap_err();
        assert!(error.to_string().contains("plugin identities are not supported"));
        let error = MemberKey::from_age_identity_file("# nothing\n").unwrap_err();
        assert!(error.to_string().contains("holds no AGE-SECRET-KEY-1 line"));
        let error = MemberKey::parse("AGE-SECRET-KEY-1NOTVALID", None).unwrap_err();
        assert!(
            error.to_string().contains("line 1 is not an age identity"),
            "{error}"
        );
        assert!(!error.to_string().contains("NOTVALID"), "{error}");
    }

    #[test]
    fn encryption_round_trips_for_each_member_and_refuses_others() {
        let alice = MemberKey::generate();
        let bob = MemberKey::from_ssh_private_key(SSH_ED25519, None).unwrap();
        let carol = MemberKey::from_ssh_private_key(SSH_RSA, None).unwrap();
        let mallory = MemberKey::generate();
        let recipients = [&alice, &bob, &carol].map(|k| k.recipients()[0].clone());
        let sealed = encrypt(b"secret key bytes", &Recipients::for_tests(&recipients)).unwrap();
        for member in [&alice, &bob, &carol] {
            assert_eq!(&**decrypt(&sealed, member, "k").unwrap(), b"secret key bytes");
        }
        let error = decrypt(&sealed, &mallory, "k.age").unwrap_err();
        assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        let alice = MemberKey::generate();
        let sealed = encrypt(&[7u8; 300], &Recipients::for_tests(alice.recipients())).unwrap();
        for position in [
            sealed.len() - 1,
            sealed.len() - 40,
            sealed.iter().position(|&b| b == b'-').unwrap() + 4,
        ] {
            let mut bent = sealed.clone();
            bent[position] ^= 0x01;
            let error = decrypt(&bent, &alice, "k.age").unwrap_err();
            assert!(
                matches!(error, TeamError::Tampered { .. }),
                "byte {position}: {error:?}"
            );
        }
    }

    #[test]
    fn passphrase_files_round_trip_and_a_wrong_passphrase_is_told() {
        let passphrase = SecretString::from("correct horse battery staple");
        let sealed = encrypt_with_passphrase(b"identity", &passphrase, Some(10)).unwrap();
        assert_eq!(
            &**decrypt_with_passphrase(&sealed, &passphrase, "p").unwrap(),
            b"identity"
        );
        let error =
            decrypt_with_passphrase(&sealed, &SecretString::from("wrong"), "passphrase.age").unwrap_err();
        assert!(matches!(error, TeamError::WrongPassphrase { .. }), "{error:?}");
        let error = decrypt(&sealed, &MemberKey::generate(), "p").unwrap_err();
        assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    }

    /// The work factor in a passphrase file's scrypt stanza: the header line `-> scrypt SALT LOG_N`.
    pub(crate) fn stanza_work_factor(sealed: &[u8]) -> u8 {
        let header = String::from_utf8_lossy(&sealed[..sealed.len().min(200)]).into_owned();
        let line = header.lines().find(|l| l.starts_with("-> scrypt ")).unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    /// The same file with another work factor in its stanza: what a bucket writer can change
    /// without the passphrase (the header MAC is checked only after the stanza is opened).
    pub(crate) fn with_stanza_work_factor(sealed: &[u8], log_n: u8) -> Vec<u8> {
        let old = format!(" {}\n", stanza_work_factor(sealed));
        let at = sealed
            .windows(old.len())
            .position(|w| w == old.as_bytes())
            .unwrap();
        let mut changed = sealed[..at].to_vec();
        changed.extend_from_slice(format!(" {log_n}\n").as_bytes());
        changed.extend_from_slice(&sealed[at + old.len()..]);
        assert_eq!(stanza_work_factor(&changed), log_n);
        changed
    }

    #[test]
    fn a_passphrase_file_is_written_at_the_documented_work_factor_on_any_machine_and_opens() {
        // The number docs/team.md gives, not a timing of this machine.
        assert_eq!(PASSPHRASE_WORK_FACTOR, 18);
        const { assert!(PASSPHRASE_WORK_FACTOR <= MAX_PASSPHRASE_WORK_FACTOR) };
        let passphrase = SecretString::from("correct horse battery staple");
        let sealed = encrypt_with_passphrase(b"identity", &passphrase, None).unwrap();
        assert_eq!(stanza_work_factor(&sealed), PASSPHRASE_WORK_FACTOR);
        assert_eq!(
            &**decrypt_with_passphrase(&sealed, &passphrase, "passphrase.age").unwrap(),
            b"identity"
        );
    }

    #[test]
    fn a_passphrase_file_asking_for_more_work_than_the_maximum_is_refused_before_any() {
        let passphrase = SecretString::from("correct horse battery staple");
        let sealed = encrypt_with_passphrase(b"identity", &passphrase, Some(10)).unwrap();
        // 2^22 is 4 GiB and some 20 s of scrypt, 2^40 a petabyte: age refuses the stanza before it
        // derives anything (`ExcessiveWork` comes from no other place), so this test takes
        // milliseconds, and the passphrase, right or wrong, is never tried.
        for (log_n, tried) in [
            (MAX_PASSPHRASE_WORK_FACTOR + 1, "correct horse battery staple"),
            (40, "wrong"),
        ] {
            let bent = with_stanza_work_factor(&sealed, log_n);
            let error =
                decrypt_with_passphrase(&bent, &SecretString::from(tried), "passphrase.age").unwrap_err();
            assert!(
                matches!(error, TeamError::ExcessiveWork { work_factor, max, .. }
                    if work_factor == log_n && max == MAX_PASSPHRASE_WORK_FACTOR),
                "{error:?}"
            );
            assert_eq!(error.kind(), crate::ErrorKind::Format);
            assert_eq!(
                error.to_string(),
                format!(
                    "passphrase.age asks for an scrypt work factor of 2^{log_n}, above the 2^21 ascert \
                     accepts; it was not opened"
                )
            );
        }
    }

    #[test]
    fn the_docs_give_the_passphrase_work_factors_of_the_code() {
        let guide = include_str!("../../../docs/team.md");
        for factor in [PASSPHRASE_WORK_FACTOR, MAX_PASSPHRASE_WORK_FACTOR] {
            assert!(
                guide.contains(&format!("2^{factor}")),
                "docs/team.md lacks 2^{factor}"
            );
        }
    }

    #[test]
    fn debug_shows_only_public_keys() {
        let key = MemberKey::generate();
        let secret = key.to_identity_file().unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("age1") && debug.ends_with(", .. }"), "{debug}");
        let secret_line = secret.expose_secret().lines().nth(1).unwrap().to_owned();
        assert!(!debug.contains(&secret_line));
    }
}

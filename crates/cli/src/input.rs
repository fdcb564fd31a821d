//! Reading what the user hands ascert — key files, CSRs, certificates, .p12 bundles, passwords, the
//! config file — with a size limit for each kind, so that no file, pipe or stream can fill the
//! machine's memory: `--api-key /dev/zero` ends at once with a clear error.
//!
//! Every read of a user's file or of standard input in the CLI goes through here (`xtask/tests/tidy.rs`
//! keeps it so). Pipes and process substitution (`--api-key <(vault read …)`) are read as files are,
//! up to the same limit; a FIFO that nobody writes to is waited on, as `cat` would wait. Secrets are
//! read into one buffer, allocated once at the limit's size and wiped when dropped, so no copy is
//! left behind by a growing buffer.
//!
//! The libraries that read files of their own bound them beside their readers, and this module uses
//! their limits for the same kinds: ascert-auth's `key/files.rs` (`MAX_KEY_FILE`, API key files)
//! and ascert-keystore's `bounded.rs` (`MAX_CERTIFICATE_FILE`, certificates in a CA folder).
//! docs/security.md lists every limit.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead as _, IsTerminal as _, Read};
use std::path::Path;

use zeroize::Zeroizing;

use crate::failure::{Exit, UserError};

/// The limit of small inputs: API keys, private keys, CSRs, passwords and the config file.
pub(crate) const SMALL_LIMIT: usize = 64 * 1024;
/// The limit of certificate files and .p12 bundles.
pub(crate) const LARGE_LIMIT: usize = 4 * 1024 * 1024;

/// A kind of input: how large it may be and what a real one weighs, for the error that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// An App Store Connect API key: a `.p8`, or fastlane's or rcodesign's JSON.
    ApiKey,
    /// A private key to import (PEM).
    PrivateKey,
    /// A certificate signing request (PEM).
    Csr,
    /// A password or passphrase (its first line is used).
    Password,
    /// The config file.
    Config,
    /// One or more certificates (PEM or DER), such as `ASCERT_CA_CERT`.
    Certificate,
    /// A PKCS#12 bundle.
    Pkcs12,
    /// A team member's private key: an age identity file or an SSH private key.
    MemberKey,
    /// A team member's public key: an age recipient or an SSH `.pub` file.
    PublicKey,
}

impl Input {
    /// The most ascert reads of this kind.
    pub(crate) const fn limit(self) -> usize {
        match self {
            // The libraries' own limits, so that a key file is refused at one size whichever way
            // it comes in (`--api-key` here, `--private-key` and the variables in ascert-auth).
            Input::ApiKey => ascert_auth::MAX_KEY_FILE,
            Input::Certificate => ascert_keystore::MAX_CERTIFICATE_FILE,
            Input::PrivateKey
            | Input::Csr
            | Input::Password
            | Input::Config
            | Input::MemberKey
            | Input::PublicKey => SMALL_LIMIT,
            Input::Pkcs12 => LARGE_LIMIT,
        }
    }

    /// What a real one weighs, said after "… is larger than LIMIT;".
    const fn typical(self) -> &'static str {
        match self {
            Input::ApiKey => "an App Store Connect key is under 1 KiB",
            Input::PrivateKey => "a PEM private key is under 4 KiB",
            Input::Csr => "a certificate signing request is about 1 KiB",
            Input::Password => "a password is one short line",
            Input::Config => "a config file of a few profiles is under 1 KiB",
            Input::Certificate => "a certificate is about 2 KiB, and a bundle of every public CA under 1 MiB",
            Input::Pkcs12 => "a signing identity's .p12 is under 16 KiB",
            Input::MemberKey => "an age identity or an SSH private key is under 4 KiB",
            Input::PublicKey => "a public key is one line",
        }
    }

    /// The exit code of an input of this kind that is too large: 3 for an API key (a bad key, as
    /// a malformed one is), 2 (usage) for the rest.
    const fn exit(self) -> Exit {
        match self {
            Input::ApiKey | Input::MemberKey => Exit::Auth,
            _ => Exit::Usage,
        }
    }
}

/// A limit as people say it: "64 KiB", "4 MiB".
pub(crate) fn shown_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Why an input could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// What the operating system said: no such file, a folder, no permission, or (for text) bytes
    /// that are not UTF-8.
    Io(io::Error),
    /// More than the kind's limit.
    TooLarge(Input),
}

impl ReadError {
    /// Whether the file does not exist.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(err) if err.kind() == io::ErrorKind::NotFound)
    }

    /// The error as the user sees it, with `subject` naming the input ("the CSR ./x.csr"): past the
    /// limit, a [`UserError`] (exit 2, or 3 for an API key) that says how large such a file is; an
    /// I/O error keeps its cause under "cannot read {subject}".
    pub(crate) fn explained(self, subject: &str) -> anyhow::Error {
        match self {
            ReadError::TooLarge(input) => anyhow::Error::new(too_large(input, subject)),
            ReadError::Io(err) => anyhow::Error::new(err).context(format!("cannot read {subject}")),
        }
    }
}

/// "{subject} is larger than 64 KiB; an App Store Connect key is under 1 KiB", with a hint.
pub(crate) fn too_large(input: Input, subject: &str) -> UserError {
    UserError::new(
        input.exit(),
        format!(
            "{subject} is larger than {}; {}",
            shown_size(input.limit()),
            input.typical()
        ),
    )
    .hint(format!(
        "check that the path names the right file (ascert reads no more than {} of it)",
        shown_size(input.limit())
    ))
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(err) => err.fmt(f),
            ReadError::TooLarge(input) => write!(f, "larger than {}", shown_size(input.limit())),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(err) => Some(err),
            ReadError::TooLarge(_) => None,
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(err: io::Error) -> Self {
        ReadError::Io(err)
    }
}

/// The whole file at `path` (a regular file, a pipe, `/dev/fd/N`), at most `input`'s limit, in a
/// buffer wiped when dropped.
///
/// A regular file larger than the limit is refused from its size, without reading it; anything
/// else is read up to one byte past the limit. A FIFO is waited on until its writer closes it.
pub(crate) fn read_secret(path: &Path, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_file() && metadata.len() > input.limit() as u64 {
        return Err(ReadError::TooLarge(input));
    }
    read_bounded(file, input)
}

/// Like [`read_secret`], as UTF-8 text.
pub(crate) fn read_secret_text(path: &Path, input: Input) -> Result<Zeroizing<String>, ReadError> {
    into_text(read_secret(path, input)?).map_err(ReadError::Io)
}

/// The whole file at `path`, at most `input`'s limit, for public data (certificates, CSRs, the
/// config file).
pub(crate) fn read(path: &Path, input: Input) -> Result<Vec<u8>, ReadError> {
    read_secret(path, input).map(|mut bytes| std::mem::take(&mut *bytes))
}

/// Like [`read`], as UTF-8 text.
pub(crate) fn read_text(path: &Path, input: Input) -> Result<String, ReadError> {
    String::from_utf8(read(path, input)?).map_err(|_| ReadError::Io(not_utf8()))
}

/// Standard input, at most `input`'s limit, wiped when dropped: to its end when it is a pipe or a
/// file; one line when it is a terminal, where the user ends a line, not the stream.
pub(crate) fn read_stdin_secret(input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        let mut line = Zeroizing::new(Vec::with_capacity(input.limit() + 1));
        // The buffer has room for all `take` lets through: it never grows, so never leaves a copy.
        stdin
            .lock()
            .take(input.limit() as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if line.len() > input.limit() {
            return Err(ReadError::TooLarge(input));
        }
        return Ok(line);
    }
    read_bounded(stdin.lock(), input)
}

/// The first line of `bytes` without its line end, as UTF-8 text: a password file's or stream's
/// password.
pub(crate) fn first_line(bytes: &[u8]) -> Result<Zeroizing<String>, ReadError> {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| ReadError::Io(not_utf8()))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads `reader` to its end into one buffer allocated once (one byte past the limit), so that a
/// secret is never copied by a buffer that grows; `TooLarge` when the byte past the limit arrives.
fn read_bounded(mut reader: impl Read, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let limit = input.limit();
    // Allocated zeroed: the pages are the system's untouched zero pages until written, so the
    // memory used is what was read, not the limit.
    let mut buffer = Zeroizing::new(vec![0_u8; limit + 1]);
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(ReadError::Io(err)),
        }
    }
    if filled > limit {
        return Err(ReadError::TooLarge(input));
    }
    buffer.truncate(filled);
    Ok(buffer)
}

/// Turns bytes into text in place (no copy); bytes that are not UTF-8 are wiped.
/// A secret's bytes as UTF-8 text, moved (not copied) and wiped when dropped.
pub(crate) fn into_text(mut bytes: Zeroizing<Vec<u8>>) -> io::Result<Zeroizing<String>> {
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(err) => {
            // Wiped on drop.
            drop(Zeroizing::new(err.into_bytes()));
            Err(not_utf8())
        }
    }
}

fn not_utf8() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// Every kind, its limit and how large a file it is refused at: the table docs/security.md
    /// shows.
    const KINDS: [(Input, usize); 7] = [
        (Input::ApiKey, 64 * 1024),
        (Input::PrivateKey, 64 * 1024),
        (Input::Csr, 64 * 1024),
        (Input::Password, 64 * 1024),
        (Input::Config, 64 * 1024),
        (Input::Certificate, 4 * 1024 * 1024),
        (Input::Pkcs12, 4 * 1024 * 1024),
    ];

    #[test]
    fn a_file_at_the_limit_is_read_and_one_byte_more_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (input, limit) in KINDS {
            assert_eq!(input.limit(), limit, "{input:?}");
            let at = dir.path().join("at");
            std::fs::write(&at, vec![b'a'; limit]).unwrap();
            assert_eq!(read(&at, input).unwrap().len(), limit, "{input:?}");
            let over = dir.path().join("over");
            std::fs::write(&over, vec![b'a'; limit + 1]).unwrap();
            assert!(
                matches!(read(&over, input), Err(ReadError::TooLarge(i)) if i == input),
                "{input:?}"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn endless_devices_end_at_the_limit() {
        for (input, _) in KINDS {
            for device in ["/dev/zero", "/dev/urandom"] {
                let err = read(Path::new(device), input).unwrap_err();
                assert!(matches!(err, ReadError::TooLarge(_)), "{input:?} {device}: {err}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn pipes_are_read_to_their_end_up_to_the_limit() {
        // What `--api-key <(vault read …)` hands ascert: /dev/fd/N, a pipe.
        let (reader, mut writer) = io::pipe().unwrap();
        let feeder = std::thread::spawn(move || writer.write_all(b"-----BEGIN PRIVATE KEY-----\n"));
        let bytes = read_bounded(reader, Input::ApiKey).unwrap();
        feeder.join().unwrap().unwrap();
        assert_eq!(&bytes[..], b"-----BEGIN PRIVATE KEY-----\n");

        let (reader, mut writer) = io::pipe().unwrap();
        // The writer stops when the reader closes its end, past the limit.
        let feeder = std::thread::spawn(move || while writer.write_all(&[0; 8192]).is_ok() {});
        let err = read_bounded(reader, Input::Password).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(Input::Password)), "{err}");
        feeder.join().unwrap();
    }

    #[test]
    fn the_error_says_how_large_such_a_file_is() {
        let err = ReadError::TooLarge(Input::ApiKey).explained("the API key file /dev/zero");
        let user = err.downcast_ref::<UserError>().unwrap();
        assert_eq!(
            user.message,
            "the API key file /dev/zero is larger than 64 KiB; an App Store Connect key is under 1 KiB"
        );
        assert_eq!(user.exit, Exit::Auth);
        let err = ReadError::TooLarge(Input::Pkcs12).explained("x.p12");
        let user = err.downcast_ref::<UserError>().unwrap();
        assert!(
            user.message.starts_with("x.p12 is larger than 4 MiB; "),
            "{}",
            user.message
        );
        assert_eq!(user.exit, Exit::Usage);
    }

    #[test]
    fn missing_files_are_io_errors_that_say_so() {
        let err = read(Path::new("/nonexistent/x"), Input::Config).unwrap_err();
        assert!(err.is_not_found());
        let shown = format!("{:#}", err.explained("the config file /nonexistent/x"));
        assert!(
            shown.starts_with("cannot read the config file /nonexistent/x: "),
            "{shown}"
        );
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("binary");
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let err = read_secret_text(&path, Input::ApiKey).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
        assert!(read_text(&path, Input::Csr).is_err());
    }

    #[test]
    fn a_password_is_the_first_line_without_its_line_end() {
        assert_eq!(first_line(b"secret\r\nsecond\n").unwrap().as_str(), "secret");
        assert_eq!(first_line(b"secret").unwrap().as_str(), "secret");
        assert_eq!(first_line(b"").unwrap().as_str(), "");
        assert!(first_line(&[0xff, b'\n']).is_err());
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(shown_size(SMALL_LIMIT), "64 KiB");
        assert_eq!(shown_size(LARGE_LIMIT), "4 MiB");
        assert_eq!(shown_size(1000), "1000 bytes");
    }
}

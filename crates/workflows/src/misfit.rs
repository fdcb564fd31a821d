//! [`Misfit`]: why a listed provisioning profile was not reused — said by the profile flow's
//! events and its read-only error, so below both.

/// Why a listed profile was not reused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misfit {
    /// App Store Connect lists it as INVALID (a certificate in it was revoked, the bundle ID changed).
    Invalid,
    /// It expires too soon: in this many whole days.
    ExpiresTooSoon {
        /// Days left.
        days_left: i64,
    },
    /// It does not name the certificate in use.
    MissingCertificate,
    /// It lacks this many enabled devices of its platform.
    MissingDevices {
        /// How many.
        count: usize,
    },
    /// App Store Connect sent no content for it.
    NoContent,
}

//! Format 1, written by development versions of ascert: what of it this version still reads.
//!
//! - **Identity records, pending-key records and leases** of format 1 are read by format 2's
//!   structs (`v2.rs`), and keep `format: 1` in the value read. Format 2 changed none of their
//!   fields; it added two optional ones to identity records (`certificateSha256` and
//!   `signatures`), which a format-1 record lacks and so reads without (it carries no team-key
//!   signature). A member change that re-stamps its revision writes it back as format 1, through
//!   the same struct.
//! - **The store header** of format 1 is refused: its member list was not signed.

use crate::error::TeamError;

/// The format-1 header's refusal: what it was, and what to do.
pub(super) fn header_refused(object: &str) -> TeamError {
    TeamError::UnsupportedFormat {
        object: object.to_owned(),
        found: 1,
        reason: "it was made by a development version of ascert whose member list is not signed; \
                 the store must be made again (the identities in it stay readable by their members \
                 with the stock `age` tool)"
            .to_owned(),
    }
}

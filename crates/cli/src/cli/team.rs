//! The grammar of `ascert team …`, and the team store options `identities ensure` shares.

use std::path::PathBuf;

use ascert_models::CertificateType;
use clap::{Args, Subcommand};

use super::values::parse_certificate_type;

/// Where a team store is, and how this member opens it: its own key, or the team passphrase. Never
/// a secret on the command line itself.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct StoreArgs {
    /// The team store: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX or file:///FOLDER
    #[arg(long, value_name = "URL", env = "ASCERT_TEAM_STORE", hide_env_values = true)]
    pub(crate) store: Option<String>,
    /// This member's key: an age identity file or an SSH private key
    #[arg(
        long,
        value_name = "FILE",
        env = "ASCERT_TEAM_IDENTITY",
        hide_env_values = true
    )]
    pub(crate) identity: Option<PathBuf>,
    /// Read the team passphrase (or, with --identity, the SSH key's) from this variable [default: ASCERT_TEAM_PASSPHRASE]
    #[arg(long, value_name = "VAR")]
    pub(crate) passphrase_env: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Read the passphrase from the first line of standard input
    #[arg(long, conflicts_with_all = ["passphrase_env", "passphrase_file"])]
    pub(crate) passphrase_stdin: bool,
    /// Encrypt to no member list but the one with this SHA-256 (`ascert team members list` prints it)
    #[arg(
        long,
        value_name = "SHA256",
        env = "ASCERT_TEAM_MEMBERS_SHA256",
        hide_env_values = true,
        value_parser = parse_members_sha256
    )]
    pub(crate) members_sha256: Option<ascert_team::MembersDigest>,
}

/// `ascert team ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TeamCommand {
    /// Create a team store with its first members (and, if asked, the team passphrase)
    Init {
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
        /// A member: NAME=KEY, KEY an age recipient (age1…), an ssh-ed25519 or ssh-rsa public key, or a .pub file
        #[arg(long = "member", value_name = "NAME=KEY")]
        members: Vec<String>,
        /// Let the team passphrase open the store too, as one more member (read as --passphrase-* say)
        #[arg(long)]
        with_passphrase: bool,
    },
    /// Make an age key for a member (a CI runner, say): write it to FILE (0600) and print its recipient
    Keygen {
        /// The file to write the age identity to
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// The members: list, add, remove (adding and removing re-encrypt every key)
    #[command(subcommand)]
    Members(MembersCommand),
    /// Share identities of the local keystore with the team (all paired ones Apple lists as active, or those named)
    Push {
        /// Certificate ids [default: every local identity Apple lists as active]
        cert_ids: Vec<String>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Fetch the team's identities into the local keystore
    Pull {
        /// Only this certificate type (repeatable)
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
        types: Vec<CertificateType>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the stored identities with their state at App Store Connect
    List {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Move identities whose certificates expired, or that App Store Connect answers 404 for, to the
    /// store's trash (and stale pending keys); --purge empties the trash
    Prune {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
        /// Also remove identities whose certificate is still valid, or whose team cannot be confirmed,
        /// and allow removing every identity
        #[arg(long)]
        force: bool,
        /// Delete what earlier prunes moved to the trash (instead of pruning)
        #[arg(long, conflicts_with = "force")]
        purge: bool,
    },
    /// What is under way in the store: leases (who holds them, for how long) and pending keys
    Status {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Leases: release one that a runner which was killed left held
    #[command(subcommand)]
    Lease(LeaseCommand),
}

/// `ascert team lease ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum LeaseCommand {
    /// Release a lease someone else holds, if it is still the version shown (`team status` shows it)
    Release {
        /// The certificate type of the lease (or `members`)
        #[arg(value_name = "TYPE")]
        lease: String,
        /// Release only this version of the lease (its ETag, as `team status` shows it)
        #[arg(long, value_name = "ETAG")]
        etag: Option<String>,
        /// The store
        #[command(flatten)]
        store: StoreArgs,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
    },
}

/// `ascert team members ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum MembersCommand {
    /// List the members and their public keys
    List {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add members: every key is re-encrypted to include them
    Add {
        /// NAME=KEY, KEY an age recipient, an ssh-ed25519 or ssh-rsa public key, or a .pub file
        #[arg(required = true, value_name = "NAME=KEY")]
        members: Vec<String>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove members (by name or key): every key is re-encrypted without them
    Remove {
        /// Names or public keys
        #[arg(required = true, value_name = "MEMBER")]
        members: Vec<String>,
        /// Remove the member whose key this command opens the store with without asking (needed
        /// when stdin is not a terminal): you lose access to the store
        #[arg(long, short)]
        yes: bool,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Parses `--members-sha256`: 64 hex digits, optionally after `sha256:`.
pub(crate) fn parse_members_sha256(text: &str) -> Result<ascert_team::MembersDigest, String> {
    text.parse().map_err(|e: ascert_team::TeamError| {
        format!("{e}: give the digest `ascert team members list` prints")
    })
}

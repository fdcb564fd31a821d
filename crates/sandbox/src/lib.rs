//! An App Store Connect emulator for `/v1/certificates` and the provisioning resources
//! (`/v1/bundleIds`, `/v1/bundleIdCapabilities`, `/v1/devices`, `/v1/profiles`), in-process for
//! tests and demos.
//!
//! The sandbox answers every operation of Apple's Certificates resource, and the provisioning
//! operations below, the way Apple does, so a client written for Apple works against it with only
//! the base URL changed:
//!
//! - JSON:API documents with `links.self`, an absolute `links.next` on every page but the last,
//!   `meta.paging`, every attribute key (`null` where empty, `"csrContent": null` too), and dates
//!   like `2026-02-12T13:17:50.000+0000`;
//! - filters, sort, sparse fieldsets, `include` (a certificate's `passTypeId`; a profile's
//!   `bundleId`, `certificates` and `devices`; a bundle ID's `profiles` and
//!   `bundleIdCapabilities`) with `limit[…]` and `meta.paging` on included linkages, and `limit`,
//!   with Apple's 400 answers; comma lists split after decoding, so `%2C` separates values like `,`;
//! - bundle IDs (unique identifiers, reverse-DNS checked, `seedId` the team id, In-App Purchase and
//!   Game Center on explicit ones), their capabilities, devices (UDIDs checked per platform, unique
//!   per platform, 100 per family) and provisioning profiles checked as Apple checks them (the
//!   bundle ID and its platform, current certificates of the types the profile takes, enabled
//!   devices of the classes it runs on for development and ad hoc and none for the others, a
//!   unique name), each with a signed `profileContent` and Apple's 409 wording; revoking a
//!   certificate or changing a bundle ID's capabilities turns its profiles `INVALID`, deleting a
//!   bundle ID deletes them; [`SandboxBuilder::bundle_id`] and [`SandboxBuilder::device`] seed
//!   them;
//! - ES256 JWT checks (`kid`, `aud`, `iss` or `sub`, the 20-minute `exp` window after `iat`, or
//!   after now for a token without `iat`, the signature), answered with `401 NOT_AUTHORIZED`, and
//!   `403 FORBIDDEN_ERROR` for keys that may only read;
//! - real X.509 certificates issued from the submitted CSR (RSA 2048, or EC P-256 for `APPLE_PAY`)
//!   under a sandbox root and the intermediate Apple issues the type under (WWDR G2, G3 or G4,
//!   Developer ID or Developer ID G2, each named as Apple's but for an `O` that says sandbox),
//!   `displayName` "Created via API", validity by type, per-type limits answered with 409, and
//!   Developer ID creation refused with Apple's 403;
//! - `X-Rate-Limit` on every answer and `429 RATE_LIMIT_EXCEEDED` past the hourly quota;
//! - seeded, reproducible faults: 429 with `Retry-After`, 500, 503, resets, delays, and dropped
//!   responses after successful creates;
//! - on request, a log of every exchange ([`Sandbox::exchanges`]) to check a client against.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use ascert_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().seed_certificates(50).start().await?;
//! let files = sandbox.api_key().write_files(std::path::Path::new("keys"))?;
//! println!("base URL {}, key file {}", sandbox.base_url(), files.private_key_path.display());
//! # Ok(())
//! # }
//! ```
//!
//! The sandbox never depends on ascert's client crates, so a client bug cannot hide behind the same
//! mistake on both sides of the wire.

mod app;
mod apple_error;
mod auth;
mod body;
mod builder;
mod ca;
mod config;
mod csr;
mod error;
mod faults;
mod fs;
mod ids;
mod issue;
mod key;
mod pipeline;
mod profile_content;
mod provisioning;
mod query;
mod rate_limit;
mod record;
mod render;
mod resource;
mod routes;
mod sandbox;
mod seed;
mod server;
mod state;
mod store;
mod sync;
mod table;
mod tls;
mod types;

pub use auth::{AUDIENCE, MAX_LIFETIME_SECS};
pub use body::MAX_REQUEST_BODY;
pub use builder::{DEFAULT_PAGE_SIZE, SandboxBuilder};
pub use ca::{
    CA_FOLDER, CA_ORGANIZATION, CaCertificates, IPHONE_CA_COMMON_NAME, IPHONE_CA_ORGANIZATIONAL_UNIT,
    Intermediate, IntermediateCertificate, KeyAlgorithm, PROFILE_SIGNER_COMMON_NAME,
    ProfileSigningCertificates, ROOT_COMMON_NAME, ROOT_PATH,
};
pub use config::{FaultConfig, Limits, SeededCertificate, Team};
pub use error::{BoxedSource, SandboxError};
pub use key::{KeyFiles, KeyKind, KeyRole, SandboxApiKey};
pub use pipeline::RATE_LIMIT_HEADER;
pub use profile_content::{ProfileContent, ProfileDistribution, ProfilePlatform};
pub use rate_limit::DEFAULT_RATE_LIMIT;
pub use record::Exchange;
pub use sandbox::Sandbox;

//! App Store Connect API keys from every format users hold, and a cached ES256 JWT.
//!
//! Every request to App Store Connect carries a JWT signed with an API key. This crate loads that
//! key ([`ApiKey`]) and signs, caches and renews the token ([`TokenProvider`], behind the
//! [`TokenSource`] trait the HTTP layer uses). It depends on no other ascert crate.
//!
//! ```no_run
//! use ascert_auth::{ApiKey, TokenProvider, TokenSource};
//!
//! let key = ApiKey::from_p8_file(
//!     "2X9R4HXF34",
//!     Some("57246542-96fe-1a63-e053-0824d011072a"),
//!     "AuthKey_2X9R4HXF34.p8".as_ref(),
//! )?;
//! let tokens = TokenProvider::new(key);
//! let bearer = tokens.token()?; // signed once, reused until a minute before it expires
//! # let _ = bearer;
//! # Ok::<(), ascert_auth::AuthError>(())
//! ```
//!
//! # Where keys come from
//!
//! | source | loader |
//! | --- | --- |
//! | Apple's `.p8` file (PKCS#8 PEM), PEM text, base64 of it | [`ApiKey::from_p8_file`], [`ApiKey::from_pem`], [`ApiKey::from_base64_pem`] |
//! | fastlane's JSON (`key_id`, `issuer_id`, `key`, `is_key_content_base64`, `in_house`, `duration`) | [`ApiKey::from_fastlane_json`], [`ApiKey::from_fastlane_json_file`] |
//! | rcodesign's JSON (`issuer_id`, `key_id`, `private_key` = base64 of the DER) | [`ApiKey::from_rcodesign_json`], [`ApiKey::from_rcodesign_json_file`] |
//! | environment variables | [`ApiKey::from_env`], [`ApiKey::from_env_with`] |
//! | `AuthKey_<KEYID>.p8` in `./private_keys`, `~/private_keys`, `~/.private_keys`, `~/.appstoreconnect/private_keys` | [`ApiKey::from_key_folders`] with [`KeyFolders`] |
//! | the OS credential store, by profile name (feature `credential-store`, on by default) | `CredentialStore` |
//!
//! When several are present, the environment is read in this order, and the first family with any
//! variable set is used (a family with some of its variables missing is an error, not a reason to
//! try the next one, so that a typo is not silently replaced by another key):
//!
//! 1. `ASC_KEY_ID`, `ASC_ISSUER_ID` (for an individual key, which has none: `ASC_INDIVIDUAL_KEY=1`),
//!    and the key from `ASC_PRIVATE_KEY_PATH`, else `ASC_PRIVATE_KEY` (PEM), else
//!    `ASC_PRIVATE_KEY_B64`;
//! 2. fastlane's `APP_STORE_CONNECT_API_KEY_KEY_ID`, `..._ISSUER_ID`, the key from `..._KEY_FILEPATH`,
//!    else `..._KEY` (base64 when `..._IS_KEY_CONTENT_BASE64` is true), with `..._IN_HOUSE` and
//!    `..._DURATION`;
//! 3. fastlane's `APP_STORE_CONNECT_API_KEY_PATH`, the path of a fastlane JSON key;
//! 4. codemagic's `APP_STORE_CONNECT_KEY_IDENTIFIER`, `APP_STORE_CONNECT_ISSUER_ID` and
//!    `APP_STORE_CONNECT_PRIVATE_KEY` (PEM, base64 of it, `@file:PATH` or `@env:VAR`).
//!
//! Then files: a family that gives a key id but no key finds `AuthKey_<KEYID>.p8` in the folders
//! above, in that order. Empty variables count as unset. The OS credential store is read only when
//! asked for by profile, so a stored profile never overrides what the environment says.
//!
//! Every key file is read up to [`MAX_KEY_FILE`] (64 KiB; a key is under 1 KiB) and no further:
//! a wrong path such as `/dev/zero` or a 100 MB download is [`AuthError::KeyFileTooLarge`] at once,
//! and a pipe (`<(vault read …)`) is read to its end within the same limit.
//!
//! # Tokens
//!
//! Header `alg ES256`, `kid`, `typ JWT`; claims `iss` (team key) or `sub: "user"` (individual key),
//! `iat` set back by [`CLOCK_SKEW`] so that a server clock slightly behind ours accepts it,
//! `exp = iat + lifetime` with the lifetime at most [`MAX_LIFETIME`] (20 minutes), `aud`
//! `appstoreconnect-v1` (`apple-developer-enterprise-v1` for enterprise keys) and an optional
//! `scope` list. A token is reused until [`RENEW_BEFORE`] its expiry. jsonwebtoken signs with the
//! aws-lc-rs backend, chosen explicitly.
//!
//! # Secrets
//!
//! Key bytes live in zeroizing buffers and tokens in [`secrecy`] strings; `Debug` of [`ApiKey`],
//! [`Token`], [`TokenProvider`] and `CredentialStore` is written by hand and redacts, and no
//! [`AuthError`] carries key or token material.
//!
//! # Features
//!
//! - `credential-store` (default): `CredentialStore`, API keys saved in the OS credential store
//!   under a profile name, through keyring-core (the macOS keychain; on Linux the Secret Service
//!   over D-Bus, whose vendored libdbus is C code, else the kernel keyring). Without it
//!   (`default-features = false`) keys come from files and the environment, and the crate builds
//!   no C code of its own beyond aws-lc-rs.
//!
//! # Public dependencies
//!
//! With `credential-store`, one third-party crate appears in this crate's API, and is re-exported
//! so that a caller uses the version this crate was built with: `keyring_core` (the store that
//! `CredentialStore::new` takes). Errors of the libraries underneath (jsonwebtoken, the platform
//! credential stores) are kept as boxed sources of [`AuthError`], never as its fields' types.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod key;
mod lifetime;
#[cfg(feature = "credential-store")]
mod store;
mod token;

#[cfg(test)]
mod redaction_tests;
#[cfg(test)]
mod test_keys;

pub use error::{AuthError, StoreSource, looks_like_key_text};
pub use key::ApiKey;
pub use key::env::{ASC_INDIVIDUAL_KEY, EnvLookup};
pub use key::files::{KeyFolders, MAX_KEY_FILE};
pub use lifetime::{CLOCK_SKEW, MAX_LIFETIME, MIN_LIFETIME, RENEW_BEFORE};
#[cfg(feature = "credential-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "credential-store")))]
pub use store::{CredentialStore, DEFAULT_SERVICE, keyring_core};
pub use token::Token;
pub use token::claims::{AUDIENCE, ENTERPRISE_AUDIENCE};
pub use token::clock::{Clock, ManualClock, SystemClock};
pub use token::provider::{TokenProvider, TokenProviderBuilder, TokenSource};

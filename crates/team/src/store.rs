//! [`TeamStore`]: opening and creating a store, the passphrase member, and the shared identities
//! (list, fetch and decrypt, push, prune). Members, leases and pending keys are in their own files.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use age::secrecy::{ExposeSecret as _, SecretString};
use ascert_keystore::{CertificateInfo, PrivateKey};
use ascert_models::CertificateType;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, PutMode, PutOptions, PutPayload, PutResult};
use time::OffsetDateTime;

use crate::backend::{self, StoreOptions};
use crate::crypto::{self, MemberKey};
use crate::digest::MembersDigest;
use crate::error::{self, Result, TeamError};
use crate::layout::{self, Layout};
use crate::records::{self, IdentityRecord, Member, StoreInfo, check_members};
use crate::trust::{self, Anchor, Pins, SeenHeader, Verified};
use crate::url::StoreUrl;
use crate::wire::{self, FORMAT_VERSION};

/// How many objects are read at once when listing records.
pub(crate) const PARALLEL_READS: usize = 8;

/// The most read of one object of a store (4 MiB). The largest a store writes are its header and
/// its key objects, which grow with the members (an ssh-rsa member adds under 2 KiB to each): a team
/// of a thousand stays under half of it. Anyone with write access to the bucket could plant a
/// larger object; it is refused ([`TeamError::TooLarge`]) without being read, or read past the
/// limit.
pub const MAX_OBJECT_SIZE: u64 = 4 * 1024 * 1024;

/// A team store: signing identities shared on object storage, keys encrypted to every member.
///
/// Open one with [`TeamStore::open`] (or create one with [`TeamStore::init`]); it is `Send + Sync`, so
/// one value can serve many tasks. Every operation reads what it needs from storage: another
/// process's changes are seen at once (S3, GCS and Azure are strongly consistent).
///
/// ```no_run
/// use ascert_team::{MemberKey, StoreOptions, StoreUrl, TeamStore};
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let url: StoreUrl = "s3://signing/team-a".parse()?;
/// let store = TeamStore::open(&url, &StoreOptions::new()).await?;
/// let me = MemberKey::parse(&std::fs::read_to_string("ci.agekey")?, None)?;
/// for record in store.identities().await?.records {
///     println!("{} {} expires {}", record.certificate_id, record.certificate_type, record.expires);
/// }
/// let identity = store.fetch("8K2N7Q9X4M", &me).await?;
/// // identity.key and identity.certificate go into ascert_keystore::Keystore.
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TeamStore {
    pub(crate) url: StoreUrl,
    pub(crate) shown: String,
    pub(crate) objects: Arc<dyn ObjectStore>,
    pub(crate) layout: Layout,
    pub(crate) conditional_update: bool,
    pub(crate) actor: String,
    pub(crate) clock_tolerance: Duration,
    pub(crate) pins: Pins,
    /// The header as last verified, and the newest one this process (or the trust folder) saw.
    trust: Arc<Mutex<TrustState>>,
    /// Set once the backend has shown that it honours conditional writes.
    pub(crate) conditional_writes: Arc<tokio::sync::OnceCell<()>>,
    /// Lease versions this process has seen, and since when: the skew-free side of lease expiry.
    pub(crate) observed: Arc<Mutex<HashMap<String, crate::lease::Observation>>>,
}

/// The verified header and the floor below which no header is accepted again.
#[derive(Default)]
struct TrustState {
    verified: Option<Arc<Verified>>,
    floor: Option<SeenHeader>,
}

/// How this process trusts the store's member list (see [`TeamStore::trust`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trust {
    /// How the verified header is anchored.
    pub anchor: Anchor,
    /// The member list's digest (what `ASCERT_TEAM_MEMBERS_SHA256` pins).
    pub members_sha256: MembersDigest,
    /// The header's revision.
    pub revision: u64,
}

/// What [`TeamStore::init`] creates: the first members and, optionally, a passphrase member.
#[derive(Clone, Default)]
pub struct InitOptions {
    members: Vec<Member>,
    passphrase: Option<SecretString>,
    passphrase_work_factor: Option<u8>,
}

impl InitOptions {
    /// No members yet; add them with [`InitOptions::member`] (or a passphrase).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a member.
    #[must_use]
    pub fn member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }

    /// Adds the passphrase member: a new X25519 identity, stored encrypted with this passphrase
    /// (age's scrypt), whose recipient is on every key object.
    #[must_use]
    pub fn passphrase(mut self, passphrase: SecretString) -> Self {
        self.passphrase = Some(passphrase);
        self
    }

    /// Sets scrypt's work factor (log2 N) for the passphrase, instead of
    /// [`PASSPHRASE_WORK_FACTOR`](crate::PASSPHRASE_WORK_FACTOR) (2^18). It is kept between 1 and
    /// [`MAX_PASSPHRASE_WORK_FACTOR`](crate::MAX_PASSPHRASE_WORK_FACTOR) (2^21), so that ascert can
    /// open the store it writes. Each step up doubles the memory and time of every unlock, and of
    /// every guess of the passphrase; lower values are for tests.
    #[must_use]
    pub fn passphrase_work_factor(mut self, log_n: u8) -> Self {
        self.passphrase_work_factor = Some(log_n.clamp(1, crate::MAX_PASSPHRASE_WORK_FACTOR));
        self
    }
}

impl fmt::Debug for InitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitOptions")
            .field("members", &self.members)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

/// A signing identity fetched from the store and decrypted: its record, its certificate and its
/// private key, which is known to match the certificate.
///
/// The key plugs into the keystore: `Keystore::add(&identity.key, label)` then
/// `Keystore::set_certificate(&identity.key.id(), &identity.certificate)`.
#[derive(Clone)]
#[non_exhaustive]
pub struct SharedIdentity {
    /// What the store says about it.
    pub record: IdentityRecord,
    /// The certificate.
    pub certificate: CertificateInfo,
    /// The private key (held in zeroizing memory).
    pub key: PrivateKey,
}

impl fmt::Debug for SharedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedIdentity")
            .field("record", &self.record)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The identity records of a store ([`TeamStore::identities`]).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct IdentityListing {
    /// The records that could be read, sorted by type then expiry.
    pub records: Vec<IdentityRecord>,
    /// The records that could not be read, each with why.
    pub unreadable: Vec<UnreadableRecord>,
}

/// A record [`TeamStore::identities`] could not read.
#[derive(Debug)]
#[non_exhaustive]
pub struct UnreadableRecord {
    /// The certificate id its folder names.
    pub certificate_id: String,
    /// The certificate type it names, when that much of it can be read.
    pub certificate_type: Option<CertificateType>,
    /// Why it cannot be used: [`TeamError::NewerFormat`], [`TeamError::Corrupt`] or
    /// [`TeamError::Tampered`].
    pub error: TeamError,
}

/// What [`TeamStore::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushOutcome {
    /// The identity is in the store now.
    Shared,
    /// It was there already, whole: nothing was written.
    AlreadyShared,
    /// It was there, but its stored key or certificate was damaged or replaced: both were written
    /// again.
    Repaired,
}

/// The record of a pushed identity and what the push did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pushed {
    /// The record, as stored.
    pub record: IdentityRecord,
    /// What the push did.
    pub outcome: PushOutcome,
}

impl fmt::Debug for TeamStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamStore")
            .field("url", &self.shown)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl TeamStore {
    /// Opens the store at `url`: reads its header and verifies it (the team key's signature, then
    /// the pins of `options`: the member list expected, and what this machine saw before).
    ///
    /// # Errors
    ///
    /// [`TeamError::NoStore`] if there is no store there, [`TeamError::Tampered`] if the header's
    /// signature does not verify, [`TeamError::UntrustedMembers`] if the member list is not the one
    /// pinned or goes back from what this machine saw, [`TeamError::BucketNotFound`],
    /// [`TeamError::AccessDenied`], [`TeamError::NewerFormat`] for a store written by a newer ascert,
    /// [`TeamError::Config`] / [`TeamError::UnsupportedBackend`] for settings this build cannot use.
    pub async fn open(url: &StoreUrl, options: &StoreOptions) -> Result<Self> {
        let connection = backend::connect(url, options, false)?;
        let store = Self::new(url, options, connection);
        store.load_floor()?;
        store.verified_now().await?;
        Ok(store)
    }

    /// Creates a store at `url` with its first members, and opens it.
    ///
    /// The bucket must exist (a `file://` folder is created). Creation is a create-if-absent write of
    /// the header, so two `init`s of one URL cannot both succeed. The header is signed by a new team
    /// key, sealed to the members.
    ///
    /// # Errors
    ///
    /// [`TeamError::AlreadyExists`] if a store is there, [`TeamError::InvalidInput`] without any member
    /// or with a name or key twice, and the storage errors of [`TeamStore::open`].
    pub async fn init(url: &StoreUrl, options: &StoreOptions, init: InitOptions) -> Result<Self> {
        let actor = options.actor();
        let now = records::now();
        let members = stamp(init.members, &actor, now);
        check_members(&members, init.passphrase.is_some())?;
        let connection = backend::connect(url, options, true)?;
        let mut store = Self::new(url, options, connection);
        // The member list is being made here: a pinned one (of another store) does not apply.
        store.pins.members = None;
        let header = store.layout.header();
        if store.get(&header).await?.is_some() {
            return Err(store.already_exists("a team store"));
        }
        let mut passphrase_recipient = None;
        if let Some(passphrase) = &init.passphrase {
            if passphrase.expose_secret().is_empty() {
                return Err(TeamError::InvalidInput {
                    what: "passphrase",
                    reason: "it is empty".to_owned(),
                });
            }
            let identity = MemberKey::generate();
            let Some(file) = identity.to_identity_file() else {
                unreachable!("a generated key is X25519");
            };
            let sealed = crypto::encrypt_with_passphrase(
                file.expose_secret().as_bytes(),
                passphrase,
                init.passphrase_work_factor,
            )?;
            store
                .put(&store.layout.passphrase(), sealed, PutMode::Overwrite)
                .await
                .map_err(|e| store.error(&store.layout.passphrase(), "write", e))?;
            passphrase_recipient = Some(identity.recipients()[0].clone());
        }
        let signed = trust::genesis(
            crate::lease::random_id()?,
            &actor,
            now,
            members,
            passphrase_recipient,
        )?;
        match store.put(&header, signed.to_json(), PutMode::Create).await {
            Ok(_) => {}
            Err(object_store::Error::AlreadyExists { .. }) => {
                return Err(store.already_exists("a team store"));
            }
            Err(e) => return Err(store.error(&header, "write", e)),
        }
        // What was written is read back and verified like any header, and becomes what this machine saw.
        store.verify_header(false).await?;
        Ok(store)
    }

    fn new(url: &StoreUrl, options: &StoreOptions, connection: backend::Connection) -> Self {
        Self {
            url: url.clone(),
            shown: url.to_string(),
            objects: connection.objects,
            layout: Layout::new(connection.prefix),
            conditional_update: connection.conditional_update,
            actor: options.actor(),
            clock_tolerance: options.clock_tolerance(),
            pins: options.pins(),
            trust: Arc::default(),
            conditional_writes: Arc::default(),
            observed: Arc::default(),
        }
    }

    /// The store's URL (prints without credentials).
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The header as last verified by this value: format, members, passphrase recipient.
    /// [`TeamStore::refresh`] reads and verifies it again.
    pub fn info(&self) -> StoreInfo {
        self.verified().info.clone()
    }

    /// How this process trusts the member list it verified last: pinned, seen before, or first use.
    pub fn trust(&self) -> Trust {
        let verified = self.verified();
        Trust {
            anchor: verified.anchor.clone(),
            members_sha256: verified.digest,
            revision: verified.info.revision,
        }
    }

    /// Whether `key` is a member (or the passphrase member) of the member list verified last.
    pub fn is_member(&self, key: &MemberKey) -> bool {
        self.verified().is_recipient(key)
    }

    /// Reads the header again and verifies it (another member may have changed the members).
    ///
    /// # Errors
    ///
    /// The errors of [`TeamStore::open`].
    pub async fn refresh(&self) -> Result<StoreInfo> {
        Ok(self.verified_now().await?.info.clone())
    }

    /// The header as last verified.
    pub(crate) fn verified(&self) -> Arc<Verified> {
        self.trust
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .verified
            .clone()
            .expect("a TeamStore is verified when it is opened")
    }

    /// Reads what the trust folder kept of this store, if one is configured.
    fn load_floor(&self) -> Result<()> {
        let Some(folder) = &self.pins.trust_folder else {
            return Ok(());
        };
        let seen = trust::read_seen(folder, &self.shown)?;
        self.trust
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .floor = seen;
        Ok(())
    }

    /// Reads the header and verifies it against the pins and the newest header seen so far; what
    /// passes becomes the floor (kept in the trust folder when it changed).
    pub(crate) async fn verified_now(&self) -> Result<Arc<Verified>> {
        self.verify_header(true).await
    }

    /// [`TeamStore::verified_now`]; `with_trust_folder` false for a store this process just made
    /// (what the trust folder kept of an earlier store at the URL is replaced, not compared).
    async fn verify_header(&self, with_trust_folder: bool) -> Result<Arc<Verified>> {
        let path = self.layout.header();
        let name = self.layout.name(&path);
        let (bytes, meta) = self.get(&path).await?.ok_or_else(|| TeamError::NoStore {
            store: self.shown.clone(),
            object: name.clone(),
        })?;
        let version = object_store::UpdateVersion {
            e_tag: meta.e_tag,
            version: meta.version,
        };
        let in_memory = self
            .trust
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .floor
            .clone();
        // Another process on this machine may have seen a newer header since this one opened the
        // store: the higher of the two is the floor, so that neither can be rolled back past the other.
        let on_disk = match &self.pins.trust_folder {
            Some(folder) if with_trust_folder => trust::read_seen(folder, &self.shown)?,
            _ => None,
        };
        let floor = match (in_memory, on_disk) {
            (Some(a), Some(b)) => Some(if b.revision > a.revision { b } else { a }),
            (a, b) => a.or(b),
        };
        let verified = Arc::new(trust::verify(
            &bytes,
            &name,
            version,
            &self.shown,
            &self.pins,
            floor.as_ref(),
        )?);
        let seen = trust::seen_of(&verified, &self.shown);
        let moved = floor.as_ref().is_none_or(|floor| {
            (
                floor.store_id.as_str(),
                floor.revision,
                floor.members_sha256,
                floor.team_key.as_str(),
            ) != (
                seen.store_id.as_str(),
                seen.revision,
                seen.members_sha256,
                seen.team_key.as_str(),
            )
        });
        if moved && let Some(folder) = &self.pins.trust_folder {
            trust::write_seen(folder, &seen)?;
        }
        let mut state = self
            .trust
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if moved {
            state.floor = Some(seen);
        }
        state.verified = Some(verified.clone());
        Ok(verified)
    }

    /// Decrypts the team passphrase's identity, which then decrypts every key like any member key.
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`] if the store has no passphrase member, [`TeamError::WrongPassphrase`],
    /// [`TeamError::Tampered`] if the object fails age's checks or holds another identity than the
    /// header names, [`TeamError::ExcessiveWork`] if it asks for more scrypt work than
    /// [`MAX_PASSPHRASE_WORK_FACTOR`](crate::MAX_PASSPHRASE_WORK_FACTOR) (refused before any), and
    /// storage errors.
    pub async fn unlock_passphrase(&self, passphrase: &SecretString) -> Result<MemberKey> {
        let info = self.info();
        let Some(expected) = info.passphrase_recipient else {
            return Err(self.not_found("a passphrase member"));
        };
        let path = self.layout.passphrase();
        let name = self.layout.name(&path);
        let (sealed, _) = self
            .get(&path)
            .await?
            .ok_or_else(|| self.not_found(&format!("the passphrase identity ({name})")))?;
        let plain = crypto::decrypt_with_passphrase(&sealed, passphrase, &name)?;
        let tampered = |reason: &str| TeamError::Tampered {
            object: name.clone(),
            reason: reason.to_owned(),
        };
        let text = std::str::from_utf8(&plain).map_err(|_| tampered("it does not hold an identity file"))?;
        let key = MemberKey::from_age_identity_file(text)
            .map_err(|_| tampered("it does not hold an identity file"))?;
        if key.recipients() != [expected] {
            return Err(tampered(
                "it holds another identity than the header's passphrase recipient",
            ));
        }
        Ok(key)
    }

    /// Every shared identity's record, without decrypting anything, sorted by type then expiry.
    ///
    /// A record that cannot be read (damaged, of a newer format, or naming another certificate than
    /// its folder) does not stop the listing: it is reported in [`IdentityListing::unreadable`], so
    /// that a fleet upgrading runner by runner, or a store with one bad object, keeps working.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn identities(&self) -> Result<IdentityListing> {
        let records: Vec<Path> = self
            .list(&self.layout.identities())
            .await?
            .into_iter()
            .filter(|meta| {
                let parts = self.layout.parts(&meta.location);
                parts.len() == 3 && parts[2] == layout::RECORD
            })
            .map(|meta| meta.location)
            .collect();
        let read: Vec<Option<std::result::Result<IdentityRecord, Box<UnreadableRecord>>>> =
            futures::stream::iter(records)
                .map(|path| async move {
                    let folder = self.layout.parts(&path)[1].clone();
                    let bytes = match self.get(&path).await {
                        Ok(Some((bytes, _))) => bytes,
                        // Pruned between the listing and the read.
                        Ok(None) => return Ok::<_, TeamError>(None),
                        // Planted by a bucket writer: one record, not the listing, is unreadable.
                        Err(error @ TeamError::TooLarge { .. }) => {
                            return Ok(Some(Err(Box::new(UnreadableRecord {
                                certificate_id: folder,
                                certificate_type: None,
                                error,
                            }))));
                        }
                        Err(error) => return Err(error),
                    };
                    Ok(Some(self.read_record(&path, &folder, &bytes)))
                })
                .buffer_unordered(PARALLEL_READS)
                .try_collect()
                .await?;
        let mut listing = IdentityListing::default();
        for item in read.into_iter().flatten() {
            match item {
                Ok(record) => listing.records.push(record),
                Err(unreadable) => listing.unreadable.push(*unreadable),
            }
        }
        listing.records.sort_by(|a, b| {
            (a.certificate_type.as_str(), a.expires, &a.certificate_id).cmp(&(
                b.certificate_type.as_str(),
                b.expires,
                &b.certificate_id,
            ))
        });
        listing
            .unreadable
            .sort_by(|a, b| a.certificate_id.cmp(&b.certificate_id));
        Ok(listing)
    }

    /// Reads one record, which must name the certificate of its folder.
    fn read_record(
        &self,
        path: &Path,
        folder: &str,
        bytes: &[u8],
    ) -> std::result::Result<IdentityRecord, Box<UnreadableRecord>> {
        let name = self.layout.name(path);
        let unreadable = |error: TeamError| {
            Box::new(UnreadableRecord {
                certificate_id: folder.to_owned(),
                certificate_type: wire::peek_type(bytes),
                error,
            })
        };
        let record: IdentityRecord = wire::read(bytes, &name).map_err(unreadable)?;
        if record.certificate_id != folder {
            return Err(unreadable(TeamError::Tampered {
                object: name,
                reason: format!(
                    "it names certificate {} but is stored as {folder}",
                    crate::text::printable(&record.certificate_id)
                ),
            }));
        }
        Ok(record)
    }

    /// Fetches one identity and decrypts its key with a member key.
    ///
    /// This checks the identity against itself only (the key must be its certificate's); before
    /// using it for signing, check the certificate against App Store Connect's with
    /// [`TeamStore::fetch_confirmed`].
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`] if no identity has this certificate id, [`TeamError::WrongIdentity`] if
    /// the key is not a member, [`TeamError::Tampered`] if the key object fails age's checks or the
    /// record names another certificate, [`TeamError::KeyMismatch`] if the decrypted key does not
    /// belong to the certificate, and storage errors.
    pub async fn fetch(&self, certificate_id: &str, member: &MemberKey) -> Result<SharedIdentity> {
        let id = layout::certificate_id(certificate_id)?;
        let record_path = self.layout.identity(id, layout::RECORD);
        let (bytes, _) = self
            .get(&record_path)
            .await?
            .ok_or_else(|| self.not_found(&format!("identity {id}")))?;
        let record = self
            .read_record(&record_path, id, &bytes)
            .map_err(|unreadable| unreadable.error)?;
        self.fetch_listed(record, member).await
    }

    /// Fetches the identity of a record [`TeamStore::identities`] returned, and decrypts its key: as
    /// [`TeamStore::fetch`], one read fewer. The key is checked against the certificate and the
    /// record as there.
    ///
    /// # Errors
    ///
    /// As [`TeamStore::fetch`].
    pub async fn fetch_listed(&self, record: IdentityRecord, member: &MemberKey) -> Result<SharedIdentity> {
        let id = layout::certificate_id(&record.certificate_id)?;
        let certificate_path = self.layout.identity(id, layout::CERTIFICATE);
        let key_path = self.layout.identity(id, layout::KEY);
        let (certificate, sealed) = futures::try_join!(self.get(&certificate_path), self.get(&key_path))?;
        let (certificate, _) =
            certificate.ok_or_else(|| self.not_found(&format!("the certificate of identity {id}")))?;
        let (sealed, _) = sealed.ok_or_else(|| self.not_found(&format!("the key of identity {id}")))?;
        let certificate = CertificateInfo::from_der(&certificate).map_err(|e| TeamError::Corrupt {
            object: self.layout.name(&certificate_path),
            kind: "certificate",
            reason: e.to_string(),
        })?;
        if !self.verified().check_identity(&record, certificate.der()) {
            return Err(TeamError::Tampered {
                object: self.layout.name(&self.layout.identity(id, layout::RECORD)),
                reason:
                    "it is not signed by the team key for this certificate: no member shared it (or a member \
                         change that replaced the team key did not finish)"
                        .to_owned(),
            });
        }
        let key = self.open_key(&sealed, &key_path, member)?;
        let what = format!("certificate {id}");
        check_key(&what, &key, certificate.key_id())?;
        check_key(&what, &key, record.public_key_sha256)?;
        Ok(SharedIdentity {
            record,
            certificate,
            key,
        })
    }

    /// Fetches a stored identity for use: its certificate must be App Store Connect's (`apple`, as
    /// Apple answered for the record's id: same id, same DER), and its key must be that
    /// certificate's. The identity returned carries Apple's certificate, whatever the record says of
    /// its type or expiry (a record is written by whoever can write to the bucket; only Apple's
    /// answer decides).
    ///
    /// Nothing is written anywhere before these checks pass.
    ///
    /// # Errors
    ///
    /// [`TeamError::Tampered`] if the stored certificate is not Apple's (someone changed the store),
    /// and the errors of [`TeamStore::fetch`].
    pub async fn fetch_confirmed(
        &self,
        record: IdentityRecord,
        apple: &ascert_models::Certificate,
        member: &MemberKey,
    ) -> Result<SharedIdentity> {
        let id = layout::certificate_id(&record.certificate_id)?.to_owned();
        let object = self.layout.name(&self.layout.identity(&id, layout::CERTIFICATE));
        let tampered = |reason: String| TeamError::Tampered {
            object: object.clone(),
            reason,
        };
        if apple.id != id {
            return Err(tampered(format!(
                "App Store Connect's certificate {} was given for identity {id}",
                crate::text::printable(&apple.id)
            )));
        }
        let apple_certificate = CertificateInfo::from_model(apple).map_err(|e| TeamError::Corrupt {
            object: format!("App Store Connect's certificate {id}"),
            kind: "certificate",
            reason: e.to_string(),
        })?;
        let mut shared = self.fetch_listed(record, member).await?;
        if shared.certificate.der() != apple_certificate.der() {
            return Err(tampered(format!(
                "it holds certificate serial {}, not App Store Connect's certificate {id} (serial {}): the store \
                 was changed by someone with write access to it; the identity was not used",
                shared.certificate.serial(),
                apple_certificate.serial()
            )));
        }
        shared.certificate = apple_certificate;
        Ok(shared)
    }

    /// Decrypts a key object and reads the key in it.
    pub(crate) fn open_key(&self, sealed: &[u8], path: &Path, member: &MemberKey) -> Result<PrivateKey> {
        let name = self.layout.name(path);
        let pem = crypto::decrypt(sealed, member, &name)?;
        let text = std::str::from_utf8(&pem).map_err(|_| TeamError::Corrupt {
            object: name.clone(),
            kind: "key object",
            reason: "it does not hold PEM text".to_owned(),
        })?;
        PrivateKey::from_pem(text).map_err(|e| TeamError::Corrupt {
            object: name,
            kind: "key object",
            reason: e.to_string(),
        })
    }

    /// Shares a signing identity: its certificate, its key (encrypted to every member of the verified
    /// member list) and its record. `member` is the sharing member's key: the stored copy of an
    /// identity already shared is checked with it, and written again if it is damaged or was
    /// replaced.
    ///
    /// The record is written last, so an identity is listed only once it is whole; after it, the
    /// member list is checked again, and the key encrypted again if it changed meanwhile.
    ///
    /// # Errors
    ///
    /// [`TeamError::KeyMismatch`] if the key does not belong to the certificate (nothing is written),
    /// [`TeamError::AlreadyExists`] if the certificate id is stored with another key,
    /// [`TeamError::WrongIdentity`] if `member` is not a member, [`TeamError::InvalidInput`] for an
    /// unusable certificate id, the verification errors of [`TeamStore::open`], and storage errors.
    pub async fn push(
        &self,
        certificate_id: &str,
        certificate_type: &CertificateType,
        certificate: &CertificateInfo,
        key: &PrivateKey,
        member: &MemberKey,
    ) -> Result<Pushed> {
        let id = layout::certificate_id(certificate_id)?;
        check_key(&format!("certificate {id}"), key, certificate.key_id())?;
        let verified = self.verified_now().await?;
        if !verified.is_recipient(member) {
            return Err(TeamError::WrongIdentity {
                object: format!("the member list of {}", self.shown),
                recipients: member.describe(),
            });
        }
        let header_name = self.layout.name(&self.layout.header());
        // Only a member holds the team key: its signature on the record is what makes the identity
        // one a member shared.
        let team_key = verified.team_key(member, &header_name)?;
        let record_path = self.layout.identity(id, layout::RECORD);
        let key_path = self.layout.identity(id, layout::KEY);
        let certificate_path = self.layout.identity(id, layout::CERTIFICATE);
        let existing = self.existing_record(&record_path, id, key).await?;
        if let Some(existing) = &existing
            && verified.check_identity(existing, certificate.der())
            && self.stored_copy_is_whole(id, certificate, key, member).await?
        {
            return Ok(Pushed {
                record: existing.clone(),
                outcome: PushOutcome::AlreadyShared,
            });
        }
        let pem = key.to_pkcs8_pem();
        let sealed = crypto::encrypt(pem.as_bytes(), &verified.recipients())?;
        self.put(&key_path, sealed, PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&key_path, "write", e))?;
        self.put(&certificate_path, certificate.der().to_vec(), PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&certificate_path, "write", e))?;
        let mut record = IdentityRecord {
            format: FORMAT_VERSION,
            certificate_id: id.to_owned(),
            certificate_type: certificate_type.clone(),
            serial_number: certificate.serial().to_owned(),
            common_name: certificate.common_name().map(str::to_owned),
            expires: certificate.not_after(),
            public_key_sha256: key.id(),
            pushed_by: self.actor.clone(),
            pushed_at: records::now(),
            members_revision: verified.info.revision,
            certificate_sha256: Some(trust::certificate_digest(certificate.der())),
            signatures: Vec::new(),
        };
        team_key.sign_identity(&verified.info.store_id, &mut record);
        let damaged = existing.is_none() && self.get(&record_path).await?.is_some();
        let outcome = if existing.is_some() || damaged {
            // The record is there and names this key, or cannot be read at all: the key and
            // certificate beside it, and the record, are whole again.
            self.put(&record_path, wire::write(&record), PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&record_path, "write", e))?;
            PushOutcome::Repaired
        } else {
            match self
                .put(&record_path, wire::write(&record), PutMode::Create)
                .await
            {
                Ok(_) => PushOutcome::Shared,
                Err(object_store::Error::AlreadyExists { .. }) => {
                    // Another runner pushed the same certificate id at the same moment.
                    return match self.existing_record(&record_path, id, key).await? {
                        Some(existing) => Ok(Pushed {
                            record: existing,
                            outcome: PushOutcome::AlreadyShared,
                        }),
                        None => Err(self.already_exists(&format!("identity {id}"))),
                    };
                }
                Err(object_store::Error::Precondition { .. }) => {
                    return Err(self.already_exists(&format!("identity {id}")));
                }
                Err(e) => return Err(self.error(&record_path, "write", e)),
            }
        };
        // Members may have changed while this key was encrypted: a member change re-encrypts only
        // the records it can see, so check the member list again now that the record is visible
        // (waiting out a member change under way), and encrypt and sign again if it moved.
        let current = self.after_member_changes().await?;
        if current.info.revision != verified.info.revision {
            let sealed = crypto::encrypt(pem.as_bytes(), &current.recipients())?;
            self.put(&key_path, sealed, PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&key_path, "write", e))?;
            record.members_revision = current.info.revision;
            current
                .team_key(member, &header_name)?
                .sign_identity(&current.info.store_id, &mut record);
            self.put(&record_path, wire::write(&record), PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&record_path, "write", e))?;
        }
        Ok(Pushed { record, outcome })
    }

    /// The record at `path` if there is one: `Some` if it is for this key, an error if for another.
    /// A record that cannot be read is `None`: the push writes it again.
    async fn existing_record(
        &self,
        path: &Path,
        id: &str,
        key: &PrivateKey,
    ) -> Result<Option<IdentityRecord>> {
        let Some((bytes, _)) = self.get(path).await? else {
            return Ok(None);
        };
        let Ok(record) = self.read_record(path, id, &bytes) else {
            return Ok(None);
        };
        if record.public_key_sha256 == key.id() {
            Ok(Some(record))
        } else {
            Err(self.already_exists(&format!("identity {} (with another key)", record.certificate_id)))
        }
    }

    /// Whether the stored key and certificate of an identity are this key and certificate, readable
    /// by `member`.
    async fn stored_copy_is_whole(
        &self,
        id: &str,
        certificate: &CertificateInfo,
        key: &PrivateKey,
        member: &MemberKey,
    ) -> Result<bool> {
        let key_path = self.layout.identity(id, layout::KEY);
        let certificate_path = self.layout.identity(id, layout::CERTIFICATE);
        let (stored_certificate, sealed) =
            futures::try_join!(self.get(&certificate_path), self.get(&key_path))?;
        let (Some((stored_certificate, _)), Some((sealed, _))) = (stored_certificate, sealed) else {
            return Ok(false);
        };
        if stored_certificate != certificate.der() {
            return Ok(false);
        }
        Ok(self
            .open_key(&sealed, &key_path, member)
            .is_ok_and(|stored| stored.id() == key.id()))
    }

    /// Reads the certificate stored for an identity (public; nothing is decrypted).
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`], [`TeamError::Corrupt`] and storage errors.
    pub async fn certificate(&self, certificate_id: &str) -> Result<CertificateInfo> {
        let id = layout::certificate_id(certificate_id)?;
        let path = self.layout.identity(id, layout::CERTIFICATE);
        let (bytes, _) = self
            .get(&path)
            .await?
            .ok_or_else(|| self.not_found(&format!("the certificate of identity {id}")))?;
        CertificateInfo::from_der(&bytes).map_err(|e| TeamError::Corrupt {
            object: self.layout.name(&path),
            kind: "certificate",
            reason: e.to_string(),
        })
    }

    // Storage helpers: every read and write of the crate goes through these.

    /// Reads an object, at most [`MAX_OBJECT_SIZE`] bytes of it; `None` if it does not exist.
    pub(crate) async fn get(&self, path: &Path) -> Result<Option<(Vec<u8>, ObjectMeta)>> {
        self.get_limited(path, MAX_OBJECT_SIZE).await
    }

    /// Reads an object, at most `max` bytes of it; `None` if it does not exist.
    pub(crate) async fn get_limited(&self, path: &Path, max: u64) -> Result<Option<(Vec<u8>, ObjectMeta)>> {
        let result = match self
            .objects
            .get_opts(path, object_store::GetOptions::default())
            .await
        {
            Ok(result) => result,
            Err(object_store::Error::NotFound { source, .. })
                if !error::is_missing_bucket(&source.to_string()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(self.error(path, "read", e)),
        };
        let meta = result.meta.clone();
        let too_large = || TeamError::TooLarge {
            object: self.layout.name(path),
            limit: max,
        };
        // The size the service announces is checked first (object_store's own `bytes()` would
        // allocate all of it up front), and the stream is cut one chunk past the limit in case the
        // answer runs longer than announced.
        if meta.size > max {
            return Err(too_large());
        }
        let limit = usize::try_from(max).unwrap_or(usize::MAX);
        let mut bytes = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.try_next().await.map_err(|e| self.error(path, "read", e))? {
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some((bytes, meta)))
    }

    /// Writes an object; the caller maps the error (conflicts are answers, not failures, for some).
    pub(crate) async fn put(
        &self,
        path: &Path,
        bytes: Vec<u8>,
        mode: PutMode,
    ) -> object_store::Result<PutResult> {
        self.objects
            .put_opts(path, PutPayload::from(bytes), PutOptions::from(mode))
            .await
    }

    /// Deletes an object; one that is already gone is fine.
    pub(crate) async fn delete(&self, path: &Path) -> Result<()> {
        use object_store::ObjectStoreExt as _;
        match self.objects.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(path, "delete", e)),
        }
    }

    /// Lists every object under `prefix`.
    pub(crate) async fn list(&self, prefix: &Path) -> Result<Vec<ObjectMeta>> {
        match self.objects.list(Some(prefix)).try_collect().await {
            Ok(list) => Ok(list),
            // The local backend reports a folder that does not exist yet as not found.
            Err(object_store::Error::NotFound { source, .. })
                if !error::is_missing_bucket(&source.to_string()) =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(self.error(prefix, "list", e)),
        }
    }

    pub(crate) fn error(&self, path: &Path, verb: &str, error: object_store::Error) -> TeamError {
        error::storage(&self.shown, format!("{verb} {}", self.layout.name(path)), error)
    }

    pub(crate) fn not_found(&self, what: &str) -> TeamError {
        TeamError::NotFound {
            store: self.shown.clone(),
            what: what.to_owned(),
        }
    }

    pub(crate) fn already_exists(&self, what: &str) -> TeamError {
        TeamError::AlreadyExists {
            store: self.shown.clone(),
            what: what.to_owned(),
        }
    }
}

/// The decrypted `key` must have the id `expected` (its certificate's or its record's).
pub(crate) fn check_key(what: &str, key: &PrivateKey, expected: ascert_keystore::KeyId) -> Result<()> {
    if key.id() == expected {
        Ok(())
    } else {
        Err(TeamError::KeyMismatch {
            what: what.to_owned(),
            key_id: key.id(),
            expected,
        })
    }
}

/// Fills in when and by whom members were added.
pub(crate) fn stamp(members: Vec<Member>, actor: &str, now: OffsetDateTime) -> Vec<Member> {
    members
        .into_iter()
        .map(|mut m| {
            m.added = now;
            actor.clone_into(&mut m.added_by);
            m
        })
        .collect()
}

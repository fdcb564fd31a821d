//! `identities ensure --store`: the team store is the source of truth.
//!
//! Fast path: the identities the store holds, against the one list call already made to Apple;
//! Apple's answer decides the type and the expiry, and the stored certificate must be Apple's before
//! anything is written here. Slow path, when none will do: take the store's lease for the type
//! (waiting, with backoff, while another runner holds it and checking whether its identity has
//! arrived), keep it renewed in the background, look again, adopt a certificate Apple already
//! issued for a pending key, or else make a key (or resume one this machine made), store it
//! encrypted as pending *before* the request goes to Apple, confirm the lease immediately before the
//! request, create, share, and release — on every way out, signals and the deadline included.
//!
//! A pending key read from the store is never sent to Apple in a CSR: anyone who can write to the
//! bucket can plant one (age says nothing of who wrote a file), and would then hold the team's new
//! signing identity. A pending key is only used to adopt a certificate Apple already issued for it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ascert_certificates::{CertificatesApi, Outcome};
use ascert_keystore::{CertificateInfo, KeyAlgorithm, Keystore, PrivateKey, create_csr};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{
    ErrorKind, IdentityRecord, KeptLease, LeaseAttempt, LeaseHolder, MemberKey, PendingKey, Release,
    TeamError, TeamStore, printable,
};
use time::OffsetDateTime;

use super::Found;
use crate::cli::{EnsureArgs, StoreArgs};
use crate::commands::conflict::{Known, Renewal, explain_full_slot};
use crate::commands::team::{self, identities::warn_unreadable, keep_locally};
use crate::commands::{Context, creatable};
use crate::failure::{Exit, UserError};

/// How long a lease lasts without renewal; the holder renews it at a third of that.
const LEASE_TTL: Duration = Duration::from_secs(300);
/// Shortens the lease for tests (a holder that dies is taken over sooner). Not for normal use: a
/// lease shorter than a create's round trip would let two runners create.
const LEASE_TTL_ENV: &str = "ASCERT_TEAM_LEASE_TTL";
/// The longest pause between two looks while another runner holds the lease.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Where the key of a certificate this run created or adopted came from (`keyOrigin` in `--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOrigin {
    /// Made by this run.
    New,
    /// A pending key this machine made in an earlier run, taken from its own keystore.
    LocalPending,
    /// A pending key whose certificate Apple had already issued: the certificate was adopted.
    Adopted,
}

impl KeyOrigin {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::LocalPending => "local-pending",
            Self::Adopted => "adopted",
        }
    }
}

/// What the store path found or made.
pub(super) struct Made {
    pub(super) outcome: &'static str,
    pub(super) found: Found,
    pub(super) key_origin: Option<KeyOrigin>,
}

/// Everything the store path works with.
pub(super) struct StoreRun<'a> {
    pub(super) ctx: &'a Context,
    pub(super) args: &'a EnsureArgs,
    /// App Store Connect, unless `--readonly` runs without an API key.
    pub(super) api: Option<&'a CertificatesApi>,
    pub(super) keystore: &'a Keystore,
    /// Apple's certificates of the type, listed once at the start (empty without an API key).
    pub(super) listed: &'a [Certificate],
    /// Certificates must be valid after this.
    pub(super) not_before: OffsetDateTime,
    /// The runners this one waited for (lease holders), in order, for the report.
    pub(super) waited_for: std::sync::Mutex<Vec<String>>,
    /// The lease's time-to-live, read once before the run asks anything ([`lease_ttl`]).
    pub(super) lease_ttl: Duration,
}

impl StoreRun<'_> {
    fn certificate_type(&self) -> &CertificateType {
        &self.args.certificate_type
    }

    /// The renewal this run makes when it creates: certificates that expire before `not_before`
    /// are no longer used.
    fn renewal(&self) -> Renewal {
        Renewal {
            not_before: self.not_before,
            min_days_left: self.args.min_days_left,
        }
    }

    fn api(&self) -> Result<&CertificatesApi> {
        self.api.ok_or_else(|| {
            UserError::new(
                Exit::Auth,
                "creating a certificate needs an App Store Connect API key",
            )
            .hint("give one (see `ascert --help`), or run with --readonly to use only what the store holds")
            .into()
        })
    }

    /// Finds or makes the identity, with the store `prepare` opened.
    pub(super) async fn ensure(&self, prepared: Prepared) -> Result<Made> {
        let Prepared { team, me, records } = prepared;
        let mut known: BTreeMap<String, Certificate> =
            self.listed.iter().map(|c| (c.id.clone(), c.clone())).collect();
        if let Some(found) = self.use_records(&team, &me, &mut known, records).await? {
            return Ok(reused(found));
        }
        if self.args.readonly {
            return Err(UserError::new(
                Exit::NotFound,
                format!(
                    "{} holds no usable {} identity, and --readonly does not create one",
                    team.url(),
                    self.certificate_type()
                ),
            )
            .hint(
                "run once without --readonly where the App Store Connect API key is available (or ask a \
                 member to), then this command finds it; `ascert team list` shows what is stored",
            )
            .into());
        }
        if self.certificate_type().is_developer_id() {
            return Err(creatable::no_developer_id(self.certificate_type(), &team.url().to_string()).into());
        }
        self.api()?;
        team::note_unpinned(self.ctx, &team);
        let kept = match self.take_lease(&team, &me, &mut known).await? {
            Taken::Lease(kept) => kept,
            Taken::Arrived(found) => return Ok(reused(found)),
        };
        self.with_lease(&team, &me, &mut known, kept).await
    }

    /// The stored identity of the type that Apple lists as active and that is valid long enough
    /// (the one that expires last), fetched, checked against Apple's certificate, decrypted and
    /// kept in the local keystore.
    async fn look_in_store(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
    ) -> Result<Option<Found>> {
        let listing = team.identities().await?;
        let records = readable(self.ctx, listing, self.certificate_type())?;
        self.use_records(team, me, known, records).await
    }

    /// [`StoreRun::look_in_store`] over records already listed.
    ///
    /// The record is a hint (anyone who can write to the bucket can write one): the type and expiry
    /// that decide are Apple's, and the stored certificate must be Apple's, byte for byte.
    async fn use_records(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
        records: Vec<IdentityRecord>,
    ) -> Result<Option<Found>> {
        let mut records: Vec<_> = records
            .into_iter()
            .filter(|r| &r.certificate_type == self.certificate_type())
            .collect();
        records.sort_by_key(|r| std::cmp::Reverse(r.expires));
        let Some(api) = self.api else {
            return self.use_records_offline(team, me, records).await;
        };
        // A record Apple did not list at the start may be a certificate made since (by the runner this
        // one waited for): Apple's list of the type is read again, once — never a request per record,
        // since anyone who can write to the bucket can write records by the thousand.
        if records.iter().any(|r| !known.contains_key(&r.certificate_id)) {
            for certificate in api
                .list()
                .certificate_type(self.certificate_type().clone())
                .limit(200)?
                .all()
                .await?
            {
                known.insert(certificate.id.clone(), certificate);
            }
        }
        let mut candidates = Vec::new();
        for record in records {
            let Some(certificate) = known.get(&record.certificate_id) else {
                continue;
            };
            if ascert_team::usable_at_apple(certificate, self.certificate_type(), self.not_before) {
                candidates.push((certificate.clone(), record));
            }
        }
        // Apple's expiry decides which one: the one that expires last.
        candidates.sort_by_key(|(c, _)| std::cmp::Reverse(c.attributes.expiration_date));
        for (certificate, record) in candidates {
            let id = record.certificate_id.clone();
            match team.fetch_confirmed(record, &certificate, me).await {
                Ok(shared) => {
                    keep_locally(
                        self.keystore,
                        &shared.key,
                        &shared.certificate,
                        &format!("team {id}"),
                    )?;
                    return Ok(Some(Found {
                        certificate,
                        key: shared.key.id(),
                        leaf: shared.certificate,
                    }));
                }
                Err(err) if unusable(&err) => {
                    // Someone changed this identity in the store: nothing of it was written here.
                    self.ctx.out.warn(format!(
                        "did not use the stored identity {}: {err}; nothing of it was written to this machine",
                        printable(&id)
                    ));
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(None)
    }

    /// Without an API key (`--readonly`): the stored identity whose own certificate is valid long
    /// enough, checked against itself only; said on stderr.
    async fn use_records_offline(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        records: Vec<IdentityRecord>,
    ) -> Result<Option<Found>> {
        for record in records {
            let id = record.certificate_id.clone();
            let shared = match team.fetch_listed(record, me).await {
                Ok(shared) => shared,
                Err(err) if unusable(&err) => {
                    self.ctx.out.warn(format!(
                        "did not use the stored identity {}: {err}",
                        printable(&id)
                    ));
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            if shared.certificate.not_after() <= self.not_before {
                continue;
            }
            self.ctx.out.warn(
                "no App Store Connect API key was given, so App Store Connect was not asked whether the \
                 certificate is still valid; a revoked one is not noticed here",
            );
            keep_locally(
                self.keystore,
                &shared.key,
                &shared.certificate,
                &format!("team {id}"),
            )?;
            let certificate = offline_model(&id, self.certificate_type(), &shared.certificate);
            return Ok(Some(Found {
                certificate,
                key: shared.key.id(),
                leaf: shared.certificate,
            }));
        }
        Ok(None)
    }

    /// Takes the lease for the type, waiting while another runner holds it (up to `--wait`), and
    /// looking in the store between tries: the holder's identity may arrive first. Time spent
    /// waiting is added to the deadline; time spent asking the store is not.
    async fn take_lease(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
    ) -> Result<Taken> {
        let ttl = self.lease_ttl;
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let mut backoff = Duration::from_millis(250);
        let mut announced: Option<LeaseHolder> = None;
        loop {
            let held = match team.take_lease(self.certificate_type(), ttl).await {
                Ok(LeaseAttempt::Acquired(lease)) => {
                    let kept = team.keep_lease(lease);
                    self.ctx.cleanup.hold(kept.releaser());
                    return Ok(Taken::Lease(kept));
                }
                Ok(LeaseAttempt::Held(held)) => held,
                Ok(_) => {
                    return Err(anyhow::anyhow!(
                        "the team store answered the lease in an unknown way"
                    ));
                }
                Err(err @ TeamError::UnsupportedBackend { .. }) => {
                    return Err(anyhow::Error::new(err).context(
                        UserError::new(
                            Exit::Failure,
                            "this team store cannot arbitrate between runners, so ascert will not create a \
                             certificate through it",
                        )
                        .hint(format!(
                            "create the identity where only one job runs, then share it: `ascert identities \
                             ensure --type {certificate_type}` (without --store), then `ascert team push \
                             CERTIFICATE_ID --store {store}` with the id it printed; runners then get it with \
                             this command and --readonly. Or use a store that supports conditional writes \
                             (S3, GCS, Azure)",
                            certificate_type = self.certificate_type(),
                            store = team.url(),
                        )),
                    ));
                }
                Err(err) => return Err(err.into()),
            };
            if announced.as_ref() != Some(&held.holder) {
                self.ctx.out.note(format!(
                    "Waiting for {}, which is creating the {} identity (if it stops, its lease is taken over in \
                     {} s)…",
                    runner(&held.holder),
                    self.certificate_type(),
                    held.takeover_in.as_secs()
                ));
                announced = Some(held.holder.clone());
                if let Ok(mut waited_for) = self.waited_for.lock() {
                    waited_for.push(held.holder.to_string());
                }
            }
            if waited >= self.args.wait {
                return Err(UserError::new(
                    Exit::Failure,
                    format!(
                        "waited {} s ({} s in all) for {} to create the {} identity, and it has not arrived",
                        waited.as_secs(),
                        started.elapsed().as_secs(),
                        held.holder,
                        self.certificate_type()
                    ),
                )
                .hint("run again later (a longer --wait), or see `ascert team status`")
                .into());
            }
            let pause = backoff
                .min(self.args.wait.saturating_sub(waited))
                .min(held.takeover_in.max(Duration::from_millis(100)));
            // Waiting for another runner is what --wait is for: it does not count against --timeout.
            self.ctx.deadline.extend(pause);
            tokio::time::sleep(pause).await;
            waited += pause;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if let Some(found) = self.look_in_store(team, me, known).await? {
                return Ok(Taken::Arrived(found));
            }
        }
    }

    /// With the lease held: look again, adopt, or create; always give the lease back.
    async fn with_lease(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
        kept: KeptLease,
    ) -> Result<Made> {
        let outcome = self.under_lease(team, me, known, &kept).await;
        if kept.in_flight() {
            // The request's outcome is unknown: leave the lease to run out; the next holder adopts
            // what the request made (its key is pending in the store) instead of repeating it.
            self.ctx.out.warn(format!(
                "kept the {} lease: the request to App Store Connect may have gone through; the next run adopts \
                 its certificate once the lease runs out (in at most {} s)",
                self.certificate_type(),
                kept.ttl().as_secs()
            ));
            return outcome;
        }
        let lost_to = kept.lost_to().await;
        match kept.release().await {
            Ok(Release::TakenOver { holder }) if lost_to.is_none() => self.ctx.out.warn(format!(
                "the lease had run out and {holder} took it over before it was released"
            )),
            Err(err) if outcome.is_ok() => {
                return Err(anyhow::Error::new(err).context("cannot release the lease"));
            }
            // Released; or a release that failed after the work had already failed: the lease runs out.
            Ok(_) | Err(_) => {}
        }
        outcome
    }

    async fn under_lease(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
        kept: &KeptLease,
    ) -> Result<Made> {
        // Another runner may have finished between our first look and our taking the lease.
        if let Some(found) = self.look_in_store(team, me, known).await? {
            return Ok(reused(found));
        }
        let pending = team.pending(self.certificate_type()).await?;
        if let Some(found) = self.adopt_issued(team, me, &pending).await? {
            return Ok(Made {
                outcome: "adopted",
                found,
                key_origin: Some(KeyOrigin::Adopted),
            });
        }
        let (key, key_origin) = self.choose_key(team, &pending)?;
        // The key is on this machine before the request goes: the local keystore keeps it, and it is
        // what proves, on a later run, that this machine made it.
        self.keystore
            .add(
                &key,
                &format!(
                    "{} (team)",
                    crate::commands::keys::default_label(self.certificate_type())
                ),
            )
            .context("cannot keep the new key in the local keystore")?;
        // In the store, encrypted to the verified member list (again, if the members changed since an
        // earlier run wrote it), before the request goes.
        let pending_key = kept.write_pending(&key).await?;
        let (certificate, outcome) = self.create(team, kept, &key).await?;
        let leaf = self
            .share_created(team, me, kept, &certificate, &key, &pending_key)
            .await?;
        let (outcome, key_origin) = match outcome {
            Outcome::Adopted => ("adopted", KeyOrigin::Adopted),
            Outcome::Created => ("created", key_origin),
        };
        Ok(Made {
            outcome,
            found: Found {
                certificate,
                key: key.id(),
                leaf,
            },
            key_origin: Some(key_origin),
        })
    }

    /// The key to ask a certificate for: a pending key this machine made for this store and type
    /// (its trust folder recorded writing it, and its keystore holds it with no certificate yet),
    /// resumed from the keystore, or a new one. Any other pending key is left alone: it may have been
    /// planted by someone who can write to the bucket.
    fn choose_key(&self, team: &TeamStore, pending: &[PendingKey]) -> Result<(PrivateKey, KeyOrigin)> {
        // Ours: the keystore holds the key, and it has no certificate yet (a key of an identity this
        // machine already has is not taken for a new certificate, whatever a pending object says).
        // Nor is a key of another algorithm than the type takes; a record that cannot tell (written
        // before records kept the algorithm) is of the RSA-2048 keys ensure made then.
        let wanted = KeyAlgorithm::for_certificate_type(self.certificate_type());
        let is_own = |p: &&PendingKey| {
            team.made_here(p).unwrap_or(false)
                && self.keystore.record(&p.key_id).is_ok_and(|record| {
                    record.certificate_id.is_none()
                        && record.algorithm().is_none_or(|algorithm| algorithm == wanted)
                })
        };
        let own = pending.iter().filter(is_own).max_by_key(|p| p.written_at);
        for other in pending.iter().filter(|p| !is_own(p)) {
            self.ctx.out.warn(format!(
                "Left pending key {} ({}, written by {} on {}) alone: this machine did not make it, and App \
                 Store Connect issued no certificate for it, so it is never sent to Apple; `ascert team prune` \
                 removes it once it is stale",
                other.key_id,
                other.certificate_type,
                printable(other.written_by.as_deref().unwrap_or("an unknown runner")),
                other.written_at.date()
            ));
        }
        if let Some(own) = own {
            self.ctx.out.note(format!(
                "Resuming key {} that this machine made for {} certificate in an earlier run that did not get \
                 one (it stopped, or App Store Connect refused its request).",
                own.key_id,
                crate::commands::creatable::with_article(self.certificate_type())
            ));
            let key = self
                .keystore
                .load_key(&own.key_id)
                .context("cannot read this machine's pending key from the local keystore")?;
            return Ok((key, KeyOrigin::LocalPending));
        }
        let algorithm = KeyAlgorithm::for_certificate_type(self.certificate_type());
        let spinner = self.ctx.out.spinner(&format!("Generating an {algorithm} key…"));
        let key = PrivateKey::generate(algorithm).context("cannot make a new key")?;
        spinner.finish_and_clear();
        Ok((key, KeyOrigin::New))
    }

    /// Keeps a certificate just created with its key here and in the store, and clears its pending
    /// key; a lease lost while Apple created it is an error that names the certificate to revoke.
    async fn share_created(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        kept: &KeptLease,
        certificate: &Certificate,
        key: &PrivateKey,
        pending_key: &PendingKey,
    ) -> Result<CertificateInfo> {
        let leaf = CertificateInfo::from_model(certificate).context("the new certificate cannot be read")?;
        keep_locally(self.keystore, key, &leaf, &format!("team {}", certificate.id))?;
        team.push(&certificate.id, self.certificate_type(), &leaf, key, me)
            .await
            .map_err(|err| {
                let exit = crate::failure::team_exit(err.kind());
                anyhow::Error::new(err).context(
                    UserError::new(
                        exit,
                        format!(
                            "certificate {} was created at App Store Connect, but could not be shared through {}",
                            certificate.id,
                            team.url()
                        ),
                    )
                    .hint(format!(
                        "nothing is lost: its key is in this machine's keystore (key {}) and in the team store as \
                         a pending key; the next `ascert identities ensure --store …` adopts the certificate",
                        key.id()
                    )),
                )
            })?;
        team.remove_pending(pending_key).await?;
        // Asked of the store now, not of what the background renewal last found.
        let _ = kept.confirm(Duration::ZERO).await;
        if let Some(holder) = kept.lost_to().await {
            return Err(UserError::new(
                Exit::Conflict,
                format!(
                    "the lease was taken over by {holder} while App Store Connect created certificate {}: another \
                     runner may have created {} certificate as well",
                    certificate.id,
                    crate::commands::creatable::with_article(self.certificate_type())
                ),
            )
            .hint(format!(
                "the certificate and its key are shared in the team store; if `ascert certificates list --type {}` \
                 shows two new ones, revoke this one once no machine uses it: `ascert certificates revoke {}`",
                self.certificate_type(),
                certificate.id
            ))
            .into());
        }
        Ok(leaf)
    }

    /// A certificate Apple already issued for one of the pending keys (its holder died after the
    /// request went through): shared with its key, and the pending key cleared. Issuing needed the
    /// team's API key, so the key is the team's whoever wrote the pending object.
    async fn adopt_issued(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        pending: &[PendingKey],
    ) -> Result<Option<Found>> {
        if pending.is_empty() {
            return Ok(None);
        }
        let listed = self
            .api()?
            .list()
            .certificate_type(self.certificate_type().clone())
            .limit(200)?
            .all()
            .await?;
        for certificate in listed {
            // Only a certificate that would do: an expiring or inactive one is no identity to adopt.
            if !ascert_team::usable_at_apple(&certificate, self.certificate_type(), self.not_before) {
                continue;
            }
            let Ok(leaf) = CertificateInfo::from_model(&certificate) else {
                continue;
            };
            let Some(pending) = pending.iter().find(|p| p.key_id == leaf.key_id()) else {
                continue;
            };
            let key = match team.read_pending(pending, me).await {
                Ok(key) => key,
                Err(err) if unusable(&err) => {
                    self.ctx.out.warn(format!(
                        "did not adopt certificate {} with the pending key stored for it: {err}",
                        certificate.id
                    ));
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            keep_locally(self.keystore, &key, &leaf, &format!("team {}", certificate.id))?;
            team.push(&certificate.id, self.certificate_type(), &leaf, &key, me)
                .await?;
            team.remove_pending(pending).await?;
            return Ok(Some(Found {
                certificate,
                key: key.id(),
                leaf,
            }));
        }
        Ok(None)
    }

    /// Asks Apple for the certificate of `key` (adopting one already issued for it), right after
    /// confirming the lease: renewed now, with at least half of its time-to-live left. The lease
    /// keeps being renewed in the background while the request is in flight.
    async fn create(
        &self,
        team: &TeamStore,
        kept: &KeptLease,
        key: &PrivateKey,
    ) -> Result<(Certificate, Outcome)> {
        let api = self.api()?;
        let subject = ascert_keystore::CsrSubject::new(
            self.args.common_name.clone(),
            self.args.email.clone().unwrap_or_default(),
        );
        let csr = create_csr(key, &subject)?;
        let margin = self.lease_ttl / 2;
        match kept.confirm(margin).await {
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::Lease => {
                // Nothing was sent: the pending key of this run is this machine's, and a later run here
                // resumes it.
                return Err(anyhow::Error::new(err).context(
                    UserError::new(
                        Exit::Conflict,
                        format!(
                            "this runner no longer holds the lease for {} certificates, so it did not ask App \
                             Store Connect for one",
                            self.certificate_type()
                        ),
                    )
                    .hint(
                        "another runner took the lease over (this one was stopped or slowed for longer than the \
                         lease lasts) and creates the certificate; run again to fetch it",
                    ),
                ));
            }
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context("cannot renew the lease before asking App Store Connect; nothing was sent"));
            }
        }
        let request = api.create(csr.pem().to_owned(), self.certificate_type().clone());
        let spinner = self
            .ctx
            .out
            .spinner("Asking App Store Connect for the certificate…");
        kept.set_in_flight(true);
        let result = request.send_reconciled().await;
        spinner.finish_and_clear();
        match result {
            Ok(reconciled) => {
                kept.set_in_flight(false);
                Ok((reconciled.certificate, reconciled.outcome))
            }
            Err(err) if err.is_certificate_limit() => {
                // Apple refused it: nothing was made, the lease may go.
                kept.set_in_flight(false);
                let shared: Vec<String> = team
                    .identities()
                    .await
                    .map(|listing| listing.records.into_iter().map(|r| r.certificate_id).collect())
                    .unwrap_or_default();
                let known = Known {
                    keystore: Some(self.keystore),
                    shared: &shared,
                    renew_before: Some(self.renewal()),
                };
                Err(explain_full_slot(api, known, self.certificate_type(), err).await)
            }
            // Any other answer of Apple's (a 4xx) is a refusal: nothing was made, the lease may go.
            Err(err) if !err.is_ambiguous() && err.status().is_some() => {
                kept.set_in_flight(false);
                Err(anyhow::Error::new(err).context(format!(
                    "App Store Connect refused to create the {} certificate (its key {} is kept on this machine \
                     and in the team store as pending)",
                    self.certificate_type(),
                    key.id()
                )))
            }
            // Whether the request went through is not known (the flag stays set: the lease is left to
            // run out, and the next holder adopts what it made).
            Err(err) => Err(anyhow::Error::new(err).context(format!(
                "cannot create the certificate (its key {} is kept on this machine and in the team store as \
                 pending; the next run adopts a certificate App Store Connect made for it, or resumes it)",
                key.id()
            ))),
        }
    }
}

/// Another runner as a person reads it: "the runner on HOST (pid N)", with its actor when that is
/// not just the host's name again ("ci's runner on HOST (pid N)").
fn runner(holder: &ascert_team::LeaseHolder) -> String {
    let host = printable(&holder.host);
    if holder.actor == holder.host || holder.actor.is_empty() {
        format!("the runner on {host} (pid {})", holder.pid)
    } else {
        format!(
            "the runner of {} on {host} (pid {})",
            printable(&holder.actor),
            holder.pid
        )
    }
}

/// Whether a stored identity failed for a reason of its own (damaged, replaced, not a member's,
/// missing a part), so that the next one is tried, rather than for one that stops the run (the
/// store or the network).
pub(crate) fn unusable(err: &TeamError) -> bool {
    matches!(
        err,
        TeamError::Tampered { .. }
            | TeamError::KeyMismatch { .. }
            | TeamError::Corrupt { .. }
            | TeamError::TooLarge { .. }
            | TeamError::NotFound { .. }
            | TeamError::WrongIdentity { .. }
            | TeamError::WrongPassphrase { .. }
            | TeamError::InvalidInput { .. }
            | TeamError::NewerFormat { .. }
    )
}

fn reused(found: Found) -> Made {
    Made {
        outcome: "reused",
        found,
        key_origin: None,
    }
}

/// Apple's view of a certificate, as far as the certificate itself tells it: for `--readonly`
/// without an API key, where Apple is not asked.
fn offline_model(id: &str, certificate_type: &CertificateType, leaf: &CertificateInfo) -> Certificate {
    let mut certificate = Certificate::new(id);
    certificate.attributes.certificate_type = Some(certificate_type.clone());
    certificate.attributes.expiration_date = Some(leaf.not_after());
    certificate.attributes.serial_number = Some(leaf.serial().to_owned());
    certificate.attributes.activated = Some(true);
    certificate
}

/// The team store opened, this member's key read and checked, and the identities listed: done while
/// the list call to Apple is in flight, so the store's latency hides behind Apple's.
pub(super) struct Prepared {
    team: TeamStore,
    me: MemberKey,
    records: Vec<IdentityRecord>,
}

/// Opens the store of `--store` for this member and lists its identities.
pub(super) async fn prepare(
    ctx: &Context,
    args: &StoreArgs,
    certificate_type: &CertificateType,
) -> Result<Prepared> {
    let team = team::open(ctx, args).await?;
    let me = team::member_key(ctx, &team, args).await?;
    if !team.is_member(&me) {
        let tried: Vec<String> = me.recipients().iter().map(ToString::to_string).collect();
        return Err(anyhow::Error::new(TeamError::WrongIdentity {
            object: format!("the member list of {}", team.url()),
            recipients: tried.join(", "),
        }));
    }
    let records = readable(ctx, team.identities().await?, certificate_type)?;
    Ok(Prepared { team, me, records })
}

/// The records of a listing, after saying which could not be read. A record of this type in a newer
/// format stops the run (a newer ascert shares it); the others are skipped with a warning.
fn readable(
    ctx: &Context,
    listing: ascert_team::IdentityListing,
    certificate_type: &CertificateType,
) -> Result<Vec<IdentityRecord>> {
    if let Some(newer) = listing.unreadable.iter().find(|u| {
        matches!(u.error, TeamError::NewerFormat { .. })
            && u.certificate_type.as_ref() == Some(certificate_type)
    }) {
        return Err(UserError::new(
            Exit::Failure,
            format!(
                "the stored {certificate_type} identity {} was written by a newer ascert: {}",
                printable(&newer.certificate_id),
                newer.error
            ),
        )
        .hint("upgrade ascert on this runner")
        .into());
    }
    warn_unreadable(ctx, &listing);
    Ok(listing.records)
}

/// What waiting for the lease ended with.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run, moved once: boxing would only add an allocation"
)]
enum Taken {
    Lease(KeptLease),
    /// The holder's identity arrived while waiting.
    Arrived(Found),
}

/// The lease's time-to-live: [`LEASE_TTL`], or `ASCERT_TEAM_LEASE_TTL` (for tests).
pub(super) fn lease_ttl() -> Result<Duration> {
    match std::env::var(LEASE_TTL_ENV) {
        Ok(text) => crate::duration::parse(&text)
            .ok()
            .filter(|ttl| *ttl >= Duration::from_secs(1))
            .ok_or_else(|| {
                UserError::usage(format!(
                    "{LEASE_TTL_ENV} must be a duration of 1 s or more, such as 2s"
                ))
                .into()
            }),
        Err(_) => Ok(LEASE_TTL),
    }
}

#[cfg(test)]
mod runner_tests {
    #[test]
    fn another_runner_is_named_once_by_its_host() {
        let holder = |actor: &str| -> ascert_team::LeaseHolder {
            serde_json::from_value(serde_json::json!({
                "actor": actor, "host": "vm", "pid": 4242, "id": "0f3a9c1e55"
            }))
            .unwrap()
        };
        assert_eq!(super::runner(&holder("vm")), "the runner on vm (pid 4242)");
        assert_eq!(super::runner(&holder("ci")), "the runner of ci on vm (pid 4242)");
    }
}

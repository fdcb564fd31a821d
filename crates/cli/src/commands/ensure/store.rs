//! `identities ensure --store`: the team store is the source of truth.
//!
//! Fast path: the identities the store holds of the type, against the one list call already made
//! to Apple; one fetch and decrypt. Slow path, when none will do: take the store's lease for the
//! type (waiting, with backoff, while another runner holds it and checking whether its identity has
//! arrived), look again, adopt a certificate Apple already issued for a pending key a runner that
//! died left behind, or else make a key, store it encrypted as pending *before* the request goes to
//! Apple, create, share, and release. The lease is renewed while the request is in flight.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ascert_certificates::{CertificatesApi, Outcome};
use ascert_keystore::{CertificateInfo, Keystore, PrivateKey, create_csr};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{
    IdentityRecord, Lease, LeaseAttempt, LeaseHolder, MemberKey, PendingKey, Release, TeamError, TeamStore,
};
use time::OffsetDateTime;

use super::Found;
use crate::cli::{EnsureArgs, StoreArgs, parse_duration};
use crate::commands::Context;
use crate::commands::create::explain_conflict;
use crate::commands::team::{self, keep_locally};
use crate::failure::{Exit, UserError};

/// How long a lease lasts without renewal; the holder renews it at a third of that.
const LEASE_TTL: Duration = Duration::from_secs(300);
/// Shortens the lease for tests (a holder that dies is taken over sooner). Not for normal use: a
/// lease shorter than a create's round trip would let two runners create.
const LEASE_TTL_ENV: &str = "ASCERT_TEAM_LEASE_TTL";
/// The longest pause between two looks while another runner holds the lease.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Everything the store path works with.
pub(super) struct StoreRun<'a> {
    pub(super) ctx: &'a Context,
    pub(super) args: &'a EnsureArgs,
    pub(super) api: &'a CertificatesApi,
    pub(super) keystore: &'a Keystore,
    /// Apple's certificates of the type, listed once at the start.
    pub(super) listed: &'a [Certificate],
    /// Certificates must be valid after this.
    pub(super) not_before: OffsetDateTime,
    /// The runners this one waited for (lease holders), in order, for the report.
    pub(super) waited_for: std::sync::Mutex<Vec<String>>,
}

impl StoreRun<'_> {
    fn certificate_type(&self) -> &CertificateType {
        &self.args.certificate_type
    }

    /// Finds or makes the identity, with the store `prepare` opened.
    pub(super) async fn ensure(&self, prepared: Prepared) -> Result<(&'static str, Found)> {
        let Prepared { team, me, records } = prepared;
        let mut known: BTreeMap<String, Certificate> =
            self.listed.iter().map(|c| (c.id.clone(), c.clone())).collect();
        if let Some(found) = self.use_records(&team, &me, &mut known, records).await? {
            return Ok(("reused", found));
        }
        let lease = self.take_lease(&team, &me, &mut known).await?;
        let lease = match lease {
            Taken::Lease(lease) => lease,
            Taken::Arrived(found) => return Ok(("reused", found)),
        };
        self.with_lease(&team, &me, &mut known, lease).await
    }

    /// The stored identity of the type that Apple lists as active and that is valid long enough
    /// (the one that expires last), fetched, decrypted and kept in the local keystore.
    ///
    /// An identity Apple did not list at the start (shared since) is looked up with Apple once, so
    /// that nothing the store holds is used unless Apple issued it to this team.
    async fn look_in_store(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
    ) -> Result<Option<Found>> {
        let records = team.identities().await?;
        self.use_records(team, me, known, records).await
    }

    /// [`StoreRun::look_in_store`] over records already listed.
    async fn use_records(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
        records: Vec<IdentityRecord>,
    ) -> Result<Option<Found>> {
        let mut records: Vec<_> = records
            .into_iter()
            .filter(|r| &r.certificate_type == self.certificate_type() && r.expires > self.not_before)
            .collect();
        records.sort_by_key(|r| std::cmp::Reverse(r.expires));
        for record in records {
            if !known.contains_key(&record.certificate_id) {
                match self.api.get(&record.certificate_id).send().await {
                    Ok(certificate) => {
                        known.insert(certificate.id.clone(), certificate);
                    }
                    Err(err) if err.status() == Some(404) => continue,
                    Err(err) => return Err(err.into()),
                }
            }
            let Some(certificate) = known.get(&record.certificate_id) else {
                continue;
            };
            let usable = certificate.attributes.activated != Some(false)
                && certificate
                    .attributes
                    .expiration_date
                    .is_some_and(|expires| expires > self.not_before);
            if !usable {
                continue;
            }
            let label = format!("team {}", record.certificate_id);
            let shared = team.fetch_listed(record, me).await?;
            // Apple's copy, with its id, is what the local keystore records.
            let leaf = CertificateInfo::from_model(certificate).unwrap_or(shared.certificate);
            keep_locally(self.keystore, &shared.key, &leaf, &label)?;
            return Ok(Some(Found {
                certificate: certificate.clone(),
                key: shared.key.id(),
                leaf,
            }));
        }
        Ok(None)
    }

    /// Takes the lease for the type, waiting while another runner holds it (up to `--wait`), and
    /// looking in the store between tries: the holder's identity may arrive first.
    async fn take_lease(
        &self,
        team: &TeamStore,
        me: &MemberKey,
        known: &mut BTreeMap<String, Certificate>,
    ) -> Result<Taken> {
        let ttl = lease_ttl()?;
        let started = Instant::now();
        let mut backoff = Duration::from_millis(250);
        let mut announced: Option<LeaseHolder> = None;
        loop {
            let held = match team.take_lease(self.certificate_type(), ttl).await {
                Ok(LeaseAttempt::Acquired(lease)) => return Ok(Taken::Lease(lease)),
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
                        .hint(
                            "create the identity once where only one job runs (`ascert identities ensure` \
                             without --store, then `ascert team push`), or use a store that supports \
                             conditional writes (S3, GCS, Azure)",
                        ),
                    ));
                }
                Err(err) => return Err(err.into()),
            };
            if announced.as_ref() != Some(&held.holder) {
                self.ctx.out.note(format!(
                    "Waiting for {}, who is creating the {} identity (if it stops, its lease is taken over in {} s)…",
                    held.holder,
                    self.certificate_type(),
                    held.takeover_in.as_secs()
                ));
                announced = Some(held.holder.clone());
                if let Ok(mut waited) = self.waited_for.lock() {
                    waited.push(held.holder.to_string());
                }
            }
            let waited = started.elapsed();
            if waited >= self.args.wait {
                return Err(UserError::new(
                    Exit::Failure,
                    format!(
                        "waited {} s for {} to create the {} identity, and it has not arrived",
                        waited.as_secs(),
                        held.holder,
                        self.certificate_type()
                    ),
                )
                .hint("run again later (a longer --wait), or see `ascert team list`")
                .into());
            }
            let pause = backoff
                .min(self.args.wait.saturating_sub(waited))
                .min(held.takeover_in.max(Duration::from_millis(100)));
            tokio::time::sleep(pause).await;
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
        mut lease: Lease,
    ) -> Result<(&'static str, Found)> {
        let outcome = self.under_lease(team, me, known, &mut lease).await;
        match team.release_lease(lease).await {
            Ok(Release::TakenOver { holder }) => self.ctx.out.warn(format!(
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
        lease: &mut Lease,
    ) -> Result<(&'static str, Found)> {
        // Another runner may have finished between our first look and our taking the lease.
        if let Some(found) = self.look_in_store(team, me, known).await? {
            return Ok(("reused", found));
        }
        let pending = team.pending(self.certificate_type()).await?;
        if let Some(found) = self.adopt_issued(team, me, &pending).await? {
            return Ok(("adopted", found));
        }
        // The newest pending key of a runner that died is taken up again; otherwise a new key goes
        // into the store, encrypted, before its request leaves for Apple.
        let (key, pending_key) = if let Some(pending) = pending.iter().max_by_key(|p| p.written_at) {
            self.ctx.out.note(format!(
                "Taking up key {} that {} stored for a {} certificate and did not finish.",
                pending.key_id,
                pending.written_by.as_deref().unwrap_or("a runner"),
                self.certificate_type()
            ));
            (team.read_pending(pending, me).await?, pending.clone())
        } else {
            let spinner = self.ctx.out.spinner("Generating an RSA-2048 key…");
            let key = PrivateKey::generate_rsa_2048().context("cannot make a new key")?;
            spinner.finish_and_clear();
            let pending = team.write_pending(lease, &key).await?;
            (key, pending)
        };
        // The key is also on this machine before the request goes: the local keystore keeps it.
        self.keystore
            .add(
                &key,
                &format!(
                    "{} {} (team)",
                    self.certificate_type(),
                    OffsetDateTime::now_utc().date()
                ),
            )
            .context("cannot keep the new key in the local keystore")?;
        let (certificate, outcome) = self.create(team, lease, &key).await?;
        let leaf = CertificateInfo::from_model(&certificate).context("the new certificate cannot be read")?;
        team.push(&certificate.id, self.certificate_type(), &leaf, &key)
            .await?;
        keep_locally(self.keystore, &key, &leaf, &format!("team {}", certificate.id))?;
        team.remove_pending(&pending_key).await?;
        let outcome = match outcome {
            Outcome::Adopted => "adopted",
            Outcome::Created => "created",
        };
        Ok((
            outcome,
            Found {
                certificate,
                key: key.id(),
                leaf,
            },
        ))
    }

    /// A certificate Apple already issued for one of the pending keys (its holder died after the
    /// request went through): shared with its key, and the pending key cleared.
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
            .api
            .list()
            .certificate_type(self.certificate_type().clone())
            .limit(200)?
            .all()
            .await?;
        for certificate in listed {
            let Ok(leaf) = CertificateInfo::from_model(&certificate) else {
                continue;
            };
            let Some(pending) = pending.iter().find(|p| p.key_id == leaf.key_id()) else {
                continue;
            };
            let key = team.read_pending(pending, me).await?;
            team.push(&certificate.id, self.certificate_type(), &leaf, &key)
                .await?;
            keep_locally(self.keystore, &key, &leaf, &format!("team {}", certificate.id))?;
            team.remove_pending(pending).await?;
            return Ok(Some(Found {
                certificate,
                key: key.id(),
                leaf,
            }));
        }
        Ok(None)
    }

    /// Asks Apple for the certificate of `key` (adopting one already issued for it), renewing the
    /// lease at a third of its time-to-live while the request is in flight.
    async fn create(
        &self,
        team: &TeamStore,
        lease: &mut Lease,
        key: &PrivateKey,
    ) -> Result<(Certificate, Outcome)> {
        let subject = ascert_keystore::CsrSubject::new(
            self.args.common_name.clone(),
            self.args.email.clone().unwrap_or_default(),
        );
        let csr = create_csr(key, &subject)?;
        let request = self
            .api
            .create(csr.pem().to_owned(), self.certificate_type().clone());
        let spinner = self
            .ctx
            .out
            .spinner("Asking App Store Connect for the certificate…");
        let send = request.send_reconciled();
        tokio::pin!(send);
        let mut renew = tokio::time::interval(lease.ttl() / 3);
        renew.tick().await;
        let result = loop {
            tokio::select! {
                result = &mut send => break result,
                _ = renew.tick() => {
                    team.renew_lease(lease).await.context(
                        "lost the team store's lease while App Store Connect was creating the certificate; \
                         its key is stored as pending, and the next run adopts the certificate",
                    )?;
                }
            }
        };
        spinner.finish_and_clear();
        match result {
            Ok(reconciled) => Ok((reconciled.certificate, reconciled.outcome)),
            Err(err) if err.is_conflict() => {
                let shared: Vec<String> = team
                    .identities()
                    .await
                    .map(|records| records.into_iter().map(|r| r.certificate_id).collect())
                    .unwrap_or_default();
                Err(explain_conflict(self.api, Some(self.keystore), &shared, self.certificate_type(), err).await)
            }
            Err(err) => Err(anyhow::Error::new(err).context(format!(
                "cannot create the certificate (its key {} is stored in the team store as pending; the next run \
                 takes it up)",
                key.id()
            ))),
        }
    }
}

/// The team store opened, this member's key read and checked, and the identities listed: done while
/// the list call to Apple is in flight, so the store's latency hides behind Apple's.
pub(super) struct Prepared {
    team: TeamStore,
    me: MemberKey,
    records: Vec<IdentityRecord>,
}

/// Opens the store of `--store` for this member and lists its identities.
pub(super) async fn prepare(ctx: &Context, args: &StoreArgs) -> Result<Prepared> {
    let team = team::open(args).await?;
    let me = team::member_key(ctx, &team, args).await?;
    check_member(&team, &me)?;
    let records = team.identities().await?;
    Ok(Prepared { team, me, records })
}

/// What waiting for the lease ended with.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run, moved once: boxing would only add an allocation"
)]
enum Taken {
    Lease(Lease),
    /// The holder's identity arrived while waiting.
    Arrived(Found),
}

/// The member key must be one the store encrypts to, or nothing it writes could be read back by
/// this member: refused before anything is written.
fn check_member(team: &TeamStore, me: &MemberKey) -> Result<()> {
    let recipients = team.info().recipients();
    if me.recipients().iter().any(|r| recipients.contains(r)) {
        return Ok(());
    }
    let tried: Vec<String> = me.recipients().iter().map(ToString::to_string).collect();
    Err(anyhow::Error::new(TeamError::WrongIdentity {
        object: format!("the team store {}", team.url()),
        recipients: tried.join(", "),
    }))
}

/// The lease's time-to-live: [`LEASE_TTL`], or `ASCERT_TEAM_LEASE_TTL` (for tests).
fn lease_ttl() -> Result<Duration> {
    match std::env::var(LEASE_TTL_ENV) {
        Ok(text) => parse_duration(&text)
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

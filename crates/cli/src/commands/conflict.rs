//! A full slot, explained: App Store Connect's 409 "You already have a current … certificate or a
//! pending certificate request". Which certificates fill the slots, where each one's key is as far as
//! ascert can tell, and the way out that breaks nobody's signing: renew the run's own certificate,
//! reuse or share one whose key is here, and only then revoke one, saying that whoever holds its key
//! can no longer sign with it. Every other 409 (a refused CSR, a missing pass type id) is Apple's own
//! error, explained by its code in `apple_errors.rs`.

use ascert_models::{Certificate, CertificateType};
use ascert_workflows::{FullSlots, Holder, Renewal};

use crate::failure::{Exit, UserError};
use crate::view::describe;

/// The error for a create refused because the slots of its type are full (ascert-workflows found
/// which certificates fill them): Apple's answer (kept for `--json`'s `errors`) under a message that
/// lists the certificates in the way and says what to do.
pub(crate) fn explain_full_slot(slots: FullSlots) -> anyhow::Error {
    let FullSlots {
        certificate_type,
        in_use,
        renewal,
        source,
        ..
    } = slots;
    let apple = source
        .transport()
        .and_then(|t| t.api_errors().first())
        .map(ToString::to_string)
        .unwrap_or_default();
    let holders: Vec<(&Certificate, Holder)> = in_use.iter().map(|u| (&u.certificate, u.holder)).collect();
    let mut message = format!(
        "App Store Connect has no free slot for another {certificate_type} certificate (Apple: {apple})"
    );
    for (certificate, holder) in &holders {
        message.push_str("\n  in use: ");
        message.push_str(&describe(certificate));
        // Apple counts a deactivated certificate until it is revoked or expires.
        if certificate.attributes.activated == Some(false) {
            message.push_str(" (deactivated, and still filling its slot until revoked)");
        }
        message.push_str(match holder {
            Holder::Renewing => " (its key is here: the certificate this run renews)",
            Holder::Here => " (its key is in the local keystore)",
            Holder::Team => " (its key is in the team store)",
            _ => " (its key is not here nor in the team store)",
        });
    }
    let hint = advice(&holders, renewal, &certificate_type);
    anyhow::Error::new(source).context(UserError::new(Exit::Conflict, message).hint(hint).quoting_cause())
}

/// What to do: the first of renewing the run's own certificate, using one whose key is here or in
/// the team store, and revoking one whose key is elsewhere (with what that breaks).
fn advice(
    holders: &[(&Certificate, Holder)],
    renewal: Option<Renewal>,
    certificate_type: &CertificateType,
) -> String {
    let of = |wanted: Holder| {
        holders
            .iter()
            .filter(move |(_, holder)| *holder == wanted)
            .map(|(c, _)| *c)
    };
    // Of several, the one that expires first (the one to renew, or the one with the least to lose),
    // or the one that lasts longest (the one to use).
    let first = |wanted: Holder| of(wanted).min_by_key(|c| c.attributes.expiration_date);
    let last = |wanted: Holder| of(wanted).max_by_key(|c| c.attributes.expiration_date);
    if let (Some(own), Some(renewal)) = (first(Holder::Renewing), renewal) {
        let expires = own
            .attributes
            .expiration_date
            .map_or_else(|| "soon".to_owned(), |d| format!("on {}", d.date()));
        return format!(
            "this run wanted a new certificate because its own, {id}, expires {expires}, within --min-days-left \
             {days}; it is still valid, so a smaller --min-days-left keeps using it. To renew now, revoke it \
             (`ascert certificates revoke {id}`) and run again: every machine that signs with it must then \
             fetch the new identity (with a team store, the next run shares it)",
            id = own.id,
            days = renewal.min_days_left,
        );
    }
    if let Some(mine) = last(Holder::Here) {
        return format!(
            "certificate {id} has its key in the local keystore: use it instead of making another \
             (`ascert identities ensure --type {certificate_type}` reuses it, `ascert identities export {id}` \
             writes the .p12), and share it with the team with `ascert team push {id}`",
            id = mine.id
        );
    }
    if let Some(shared) = last(Holder::Team) {
        return format!(
            "certificate {id} is in the team store: fetch it (`ascert team pull --type {certificate_type}`, or \
             `ascert identities ensure --store URL`) instead of making another",
            id = shared.id
        );
    }
    match first(Holder::Elsewhere) {
        Some(other) => format!(
            "none of them has its key on this machine or in the team store: each is someone else's ({whose}), \
             or its key is lost. Ask who made it to share it (`ascert team push`); revoking one (`ascert \
             certificates revoke {id}`) frees the slot but breaks signing for whoever holds its key. The key \
             made for this run is kept and will be reused",
            whose = whose(other),
            id = other.id,
        ),
        // Apple counts a pending request too, which no listing shows.
        None => "App Store Connect lists no current certificate of this type: a certificate request may be \
                 pending (Apple counts it); wait a few minutes and run this again. The key made for this run \
                 is kept and will be reused"
            .to_owned(),
    }
}

/// Who made `certificate`, as far as App Store Connect's names tell.
fn whose(certificate: &Certificate) -> String {
    let a = &certificate.attributes;
    match a.display_name.as_deref().or(a.name.as_deref()) {
        Some("Created via API") => {
            format!(
                "{} was made through the API, by a tool or a CI job",
                certificate.id
            )
        }
        Some(name) => format!("{} is named \"{}\"", certificate.id, name.escape_debug()),
        None => format!("{} has no name", certificate.id),
    }
}

//! `ascert auth login | status | logout | token`: the API key in the OS credential store, which key
//! is in use, and a token for curl.

use std::time::Duration;

use anyhow::{Context as _, Result};
use ascert_auth::{KeyStore, TokenProvider, TokenSource as _};

use crate::cli::AuthCommand;
use crate::commands::Context;
use crate::credentials::DEFAULT_PROFILE;

pub(crate) async fn run(ctx: &Context, command: AuthCommand) -> Result<()> {
    let profile = ctx.global.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    match command {
        AuthCommand::Login => {
            let credentials = ctx.credentials()?;
            let store = KeyStore::platform().context("the OS credential store is not available")?;
            store
                .save(profile, &credentials.key)
                .context("cannot save the API key")?;
            ctx.out.note(format!(
                "Saved API key {} (from {}) as profile {profile:?} in {}.",
                credentials.key.key_id(),
                credentials.source,
                store.vendor()
            ));
            if store.is_volatile() {
                ctx.out.note(
                    "note: there is no Secret Service here (no desktop keyring on a session bus), so the key \
                     went to the kernel keyring, which forgets it after 3 days without use and at a reboot; \
                     keep the .p8 file (or the ASC_* variables) for anything that must last",
                );
            }
            Ok(())
        }
        AuthCommand::Logout => {
            let store = KeyStore::platform().context("the OS credential store is not available")?;
            store
                .delete(profile)
                .with_context(|| format!("cannot remove profile {profile:?}"))?;
            ctx.out
                .note(format!("Removed profile {profile:?} from {}.", store.vendor()));
            Ok(())
        }
        AuthCommand::Status => status(ctx).await,
        AuthCommand::Token { scope, lifetime } => {
            let credentials = ctx.credentials()?;
            let tokens = TokenProvider::builder(credentials.key)
                .lifetime(Duration::from_secs(lifetime))?
                .scope(scope)
                .build();
            let token = tokens.token()?;
            // The token is the command's output: it goes to stdout and nowhere else.
            ctx.out.text(&format!("{}\n", token.expose()))
        }
    }
}

/// `auth status`: which key, from where, for which server, and whether App Store Connect accepts
/// it. The report goes to stdout (as JSON with `--json`); a key refused or a server not reached
/// also ends the command with its error and exit code, after the report.
async fn status(ctx: &Context) -> Result<()> {
    let credentials = ctx.credentials()?;
    let base_url = ctx.base_url(&credentials);
    let key_id = credentials.key.key_id().to_owned();
    let issuer = credentials.key.issuer_id().map(str::to_owned);
    let source = credentials.source.clone();
    let api = ascert_certificates::CertificatesApi::new(
        ctx.client(&base_url, TokenProvider::new(credentials.key))?,
    );
    let check = api.list().limit(1)?.page().await;
    let rate_limit = api.client().rate_limit();
    // An answer with a status is App Store Connect's verdict on the key; no answer is no verdict.
    let answered = match &check {
        Ok(_) => true,
        Err(err) => err.status().is_some(),
    };
    let accepted = answered.then_some(check.is_ok());
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({
            "keyId": key_id,
            "issuerId": issuer,
            "source": source,
            "baseUrl": base_url,
            "reachable": answered,
            "accepted": accepted,
            "certificates": check.as_ref().ok().and_then(ascert_models::CertificatesResponse::total),
            "rateLimit": rate_limit.map(|r| serde_json::json!({"limit": r.limit, "remaining": r.remaining})),
        }))?;
    } else {
        let kind = issuer.map_or("individual key".into(), |i| format!("issuer {i}"));
        let verdict = match &check {
            Ok(page) => format!(
                "yes; {} certificate(s){}",
                page.total().map_or_else(|| "some".into(), |t| t.to_string()),
                rate_limit.map(|r| format!("; {r}")).unwrap_or_default()
            ),
            Err(_) if answered => "no".to_owned(),
            Err(_) => "unknown: the server did not answer".to_owned(),
        };
        ctx.out.text(&format!(
            "API key:  {key_id} ({kind})\nFrom:     {source}\nServer:   {base_url}\nAccepted: {verdict}\n"
        ))?;
    }
    match check {
        Ok(_) => Ok(()),
        Err(err) if answered => Err(err).context("App Store Connect did not accept the key"),
        Err(err) => Err(err).with_context(|| {
            format!("cannot check the key: no answer from {base_url} (is it the server you meant?)")
        }),
    }
}

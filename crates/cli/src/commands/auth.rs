//! `ascert auth login | status | logout | token`: the API key in the OS credential store, which key
//! is in use, and a token for curl.

use std::time::Duration;

use anyhow::{Context as _, Result};
use ascert_auth::{AuthError, CredentialStore, TokenProvider, TokenSource as _};

use crate::cli::AuthCommand;
use crate::commands::Context;
use crate::config;
use crate::credentials::DEFAULT_PROFILE;
use crate::failure::UserError;

pub(crate) async fn run(ctx: &Context, command: AuthCommand) -> Result<()> {
    let profile = ctx.global.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    match command {
        AuthCommand::Login => login(ctx, profile),
        AuthCommand::Logout => logout(ctx, profile),
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

/// `auth login`: the key in the OS credential store; a base URL given with it (`--base-url`,
/// `ASCERT_BASE_URL`) in the config file's profile, so that the profile alone reaches that server.
fn login(ctx: &Context, profile: &str) -> Result<()> {
    let credentials = ctx.credentials_to_save().map_err(|err| {
        if crate::credentials::is_missing_key(&err) || crate::credentials::is_missing_profile(&err) {
            // The general hint ends in "save one with `ascert auth login`": not what to say here.
            UserError::new(
                crate::failure::Exit::Auth,
                "auth login saves an API key given to it, and none was given",
            )
            .hint(
                "give the key as `ascert auth login --api-key AuthKey_<KEY_ID>.p8 --issuer-id UUID` (or a \
                 fastlane or rcodesign JSON file), or with ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH",
            )
            .into()
        } else {
            err
        }
    })?;
    if let Some(url) = &ctx.global.base_url {
        check_base_url(url)?;
    }
    let store = CredentialStore::platform().context("the OS credential store is not available")?;
    store
        .save(profile, &credentials.key)
        .context("cannot save the API key")?;
    let config = ctx
        .global
        .base_url
        .as_deref()
        .map(|url| config::save_base_url(profile, url))
        .transpose()?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "profile": profile,
            "keyId": credentials.key.key_id(),
            "store": store.vendor(),
            "volatile": store.is_volatile(),
            "baseUrl": ctx.global.base_url,
            "config": config,
        }));
    }
    ctx.out.note(format!(
        "Saved API key {} (from {}) as profile {profile:?} in {}.",
        credentials.key.key_id(),
        credentials.source,
        store.display_name()
    ));
    if let (Some(url), Some(path)) = (&ctx.global.base_url, &config) {
        ctx.out.note(format!(
            "Saved base URL {url} for profile {profile:?} in {}.",
            path.display()
        ));
    }
    if store.is_volatile() {
        ctx.out.warn(
            "there is no Secret Service here (no desktop keyring on a session bus), so the key went to \
             the kernel keyring, which forgets it after 3 days without use and at a reboot; keep the .p8 \
             file (or the ASC_* variables) for anything that must last",
        );
    }
    Ok(())
}

/// A base URL must be http(s) with a host, or every later command fails with it.
fn check_base_url(url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url).ok();
    let usable = parsed
        .as_ref()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if usable {
        Ok(())
    } else {
        Err(
            UserError::usage(format!("--base-url {url:?} is not an http(s) URL"))
                .hint(
                    "for example https://api.appstoreconnect.apple.com or a sandbox's http://127.0.0.1:PORT",
                )
                .into(),
        )
    }
}

/// `auth logout`: the profile's key out of the OS credential store, and the profile `auth login`
/// wrote into the config file (a base URL alone). Nothing saved is not a failure: the profile is
/// gone either way.
fn logout(ctx: &Context, profile: &str) -> Result<()> {
    let store = CredentialStore::platform().context("the OS credential store is not available")?;
    let removed = match store.delete(profile) {
        Ok(()) => true,
        Err(AuthError::ProfileNotFound { .. }) => false,
        Err(err) => return Err(err).with_context(|| format!("cannot remove profile {profile:?}")),
    };
    let config = config::forget_login_profile(profile)?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "profile": profile,
            "removed": removed,
            "config": config,
        }));
    }
    if removed {
        ctx.out.note(format!(
            "Removed profile {profile:?} from {}.",
            store.display_name()
        ));
    } else {
        ctx.out.note(format!(
            "No API key was saved as profile {profile:?} in {}; nothing to remove.",
            store.display_name()
        ));
    }
    if let Some(path) = config {
        ctx.out.note(format!(
            "Removed profile {profile:?} (its base URL) from {}.",
            path.display()
        ));
    }
    Ok(())
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

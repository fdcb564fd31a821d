//! `ascert auth login | status | logout | token`: the API key in the OS credential store, which key
//! is in use, and a token for curl.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use ascert_auth::{AuthError, CredentialStore, TokenProvider, TokenSource as _};
use serde::Serialize;

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

/// What `auth login --json` reports. The fields of this and the other reports here are in the
/// alphabetical order of their keys, the order the reports have always had.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginReport<'a> {
    /// The base URL saved with the profile (`--base-url`), or `null`.
    base_url: Option<&'a str>,
    /// The config file the base URL was saved in, or `null`.
    config: Option<&'a Path>,
    /// The API key's id (never the key).
    key_id: &'a str,
    /// The profile the key was saved as.
    profile: &'a str,
    /// The credential store that holds it (its vendor's name).
    store: String,
    /// Whether that store forgets the key (the Linux kernel keyring).
    volatile: bool,
}

/// What `auth logout --json` reports.
#[derive(Debug, Serialize)]
struct LogoutReport<'a> {
    /// The config file the profile's base URL was removed from, or `null`.
    config: Option<&'a Path>,
    /// The profile.
    profile: &'a str,
    /// Whether the credential store held a key for it.
    removed: bool,
}

/// What `auth status --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusReport<'a> {
    /// Whether App Store Connect accepted the key; `null` when it did not answer.
    accepted: Option<bool>,
    /// The server asked.
    base_url: &'a str,
    /// How many certificates the team has, when the answer says.
    certificates: Option<u64>,
    /// The issuer id; `null` for an individual key.
    issuer_id: Option<&'a str>,
    /// The API key's id.
    key_id: &'a str,
    /// The rate limit App Store Connect reported, if it did.
    rate_limit: Option<RateLimitReport>,
    /// Whether the server answered at all.
    reachable: bool,
    /// Where the key came from.
    source: &'a str,
}

/// App Store Connect's hourly request limit, as `auth status --json` shows it.
#[derive(Debug, Serialize)]
struct RateLimitReport {
    /// Requests allowed per rolling hour.
    limit: u32,
    /// Requests left in the current hour.
    remaining: u32,
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
        return ctx.out.json(&LoginReport {
            base_url: ctx.global.base_url.as_deref(),
            config: config.as_deref(),
            key_id: credentials.key.key_id(),
            profile,
            store: store.vendor(),
            volatile: store.is_volatile(),
        });
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
        return ctx.out.json(&LogoutReport {
            config: config.as_deref(),
            profile,
            removed,
        });
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
        ctx.out.json(&StatusReport {
            accepted,
            base_url: &base_url,
            certificates: check
                .as_ref()
                .ok()
                .and_then(ascert_models::CertificatesResponse::total),
            issuer_id: issuer.as_deref(),
            key_id: &key_id,
            rate_limit: rate_limit.map(|r| RateLimitReport {
                limit: r.limit,
                remaining: r.remaining,
            }),
            reachable: answered,
            source: &source,
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_report_keys_in_order_with_nulls() {
        let report = LoginReport {
            base_url: None,
            config: None,
            key_id: "2X9R4HXF34",
            profile: "default",
            store: "Linux keyutils".to_owned(),
            volatile: true,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "baseUrl": null,
  "config": null,
  "keyId": "2X9R4HXF34",
  "profile": "default",
  "store": "Linux keyutils",
  "volatile": true
}"#
        );
    }

    #[test]
    fn logout_report_keys_in_order() {
        let report = LogoutReport {
            config: Some(Path::new("/home/me/.config/ascert/config.toml")),
            profile: "ci",
            removed: false,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "config": "/home/me/.config/ascert/config.toml",
  "profile": "ci",
  "removed": false
}"#
        );
    }

    #[test]
    fn status_report_keys_in_order_with_nulls() {
        let report = StatusReport {
            accepted: None,
            base_url: "https://api.appstoreconnect.apple.com",
            certificates: None,
            issuer_id: None,
            key_id: "2X9R4HXF34",
            rate_limit: None,
            reachable: false,
            source: "ASC_* variables",
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "accepted": null,
  "baseUrl": "https://api.appstoreconnect.apple.com",
  "certificates": null,
  "issuerId": null,
  "keyId": "2X9R4HXF34",
  "rateLimit": null,
  "reachable": false,
  "source": "ASC_* variables"
}"#
        );
        let report = StatusReport {
            accepted: Some(true),
            certificates: Some(3),
            issuer_id: Some("69a6de7f-0000-47e3-e053-5b8c7c11a4d1"),
            rate_limit: Some(RateLimitReport {
                limit: 3500,
                remaining: 3499,
            }),
            reachable: true,
            ..report
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "accepted": true,
  "baseUrl": "https://api.appstoreconnect.apple.com",
  "certificates": 3,
  "issuerId": "69a6de7f-0000-47e3-e053-5b8c7c11a4d1",
  "keyId": "2X9R4HXF34",
  "rateLimit": {
    "limit": 3500,
    "remaining": 3499
  },
  "reachable": true,
  "source": "ASC_* variables"
}"#
        );
    }
}

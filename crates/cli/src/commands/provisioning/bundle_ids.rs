//! `ascert bundle-ids list | get | create`.

use anyhow::Result;
use ascert_models::jsonapi::{ListQuery, ResourceQuery};
use ascert_models::{BundleId, BundleIdPlatform};
use futures::TryStreamExt as _;

use super::view;
use crate::cli::BundleIdsCommand;
use crate::commands::Context;
use crate::exit::Exit;
use crate::failure::UserError;
use crate::output::Table;

pub(crate) async fn run(ctx: &Context, command: BundleIdsCommand) -> Result<()> {
    match command {
        BundleIdsCommand::List { platform, identifier } => list(ctx, platform, identifier).await,
        BundleIdsCommand::Get { identifier } => get(ctx, &identifier).await,
        BundleIdsCommand::Create {
            identifier,
            name,
            platform,
        } => create(ctx, &identifier, name, platform).await,
    }
}

async fn list(ctx: &Context, platform: Option<BundleIdPlatform>, identifier: Option<String>) -> Result<()> {
    let api = ctx.profiles_api()?;
    let mut query = ListQuery::<BundleId>::new().limit(200)?;
    let filtered = platform.is_some() || identifier.is_some();
    if let Some(platform) = &platform {
        query = query.filter("platform", platform.as_str())?;
    }
    if let Some(identifier) = identifier {
        query = query.filter("identifier", identifier)?;
    }
    let spinner = ctx.out.spinner("Listing bundle IDs…");
    let bundles: Vec<BundleId> = api.bundle_ids(query).stream().try_collect().await?;
    spinner.finish_and_clear();
    if ctx.out.json {
        return ctx.out.json(&bundles);
    }
    if bundles.is_empty() {
        ctx.out.note(if filtered {
            "No bundle IDs match these filters; `ascert bundle-ids list` shows them all."
        } else {
            "The team has no bundle IDs yet; `ascert bundle-ids create com.example.app` registers one."
        });
        return Ok(());
    }
    let mut table = Table::new(&view::BUNDLE_ID_COLUMNS);
    for bundle in &bundles {
        table.push(view::bundle_id_row(bundle));
    }
    ctx.out.table(&table)?;
    ctx.out.note(format!(
        "{} bundle ID{}",
        bundles.len(),
        if bundles.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// The bundle ID registered as exactly `identifier`, or the not-found error that says how to
/// register it.
pub(crate) async fn find(api: &ascert_profiles::ProfilesApi, identifier: &str) -> Result<BundleId> {
    match api.find_bundle_id(identifier).await? {
        Some(bundle) => Ok(bundle),
        None => Err(unknown(identifier).into()),
    }
}

/// No bundle ID `identifier`: what to run to register it.
pub(crate) fn unknown(identifier: &str) -> UserError {
    UserError::new(
        Exit::NotFound,
        format!("no bundle ID {identifier} is registered with App Store Connect"),
    )
    .hint(format!(
        "register it with `ascert bundle-ids create {identifier} --platform IOS` (MAC_OS for a macOS app, \
         UNIVERSAL for both); `ascert bundle-ids list` shows those registered"
    ))
}

async fn get(ctx: &Context, identifier: &str) -> Result<()> {
    let api = ctx.profiles_api()?;
    let bundle = find(&api, identifier).await?;
    let document = api
        .bundle_id(&bundle.id, &ResourceQuery::new().include("profiles")?)
        .await?;
    let capabilities = api.capabilities(&bundle.id).await?;
    if ctx.out.json {
        return ctx.out.json(&view::BundleIdReport {
            bundle_id: &document.data,
            capabilities: &capabilities,
            profiles: document
                .included
                .iter()
                .flatten()
                .filter_map(|i| i.as_profile())
                .collect(),
        });
    }
    view::show_bundle_id(&ctx.out, &document, &capabilities)
}

async fn create(
    ctx: &Context,
    identifier: &str,
    name: Option<String>,
    platform: BundleIdPlatform,
) -> Result<()> {
    check_identifier(identifier)?;
    let api = ctx.profiles_api()?;
    let name = name.unwrap_or_else(|| identifier.replace(['.', '*'], " ").trim().to_owned());
    let bundle = api.create_bundle_id(&name, platform, identifier).await?;
    if ctx.out.json {
        return ctx.out.json(&bundle);
    }
    ctx.out.note(format!(
        "Registered bundle ID {identifier} ({}, id {}).",
        bundle
            .attributes
            .platform
            .as_ref()
            .map_or("", BundleIdPlatform::as_str),
        bundle.id
    ));
    Ok(())
}

/// Refuses an identifier App Store Connect would refuse, before asking: reverse-DNS letters,
/// digits, hyphens and dots, or a wildcard ending in `*`.
fn check_identifier(identifier: &str) -> Result<()> {
    let body = identifier.strip_suffix('*').unwrap_or(identifier);
    let fine = !identifier.is_empty()
        && identifier.len() <= 255
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !body.starts_with('.')
        && !body.contains("..")
        && (body.len() == identifier.len() || body.is_empty() || body.ends_with('.'));
    if fine {
        Ok(())
    } else {
        Err(UserError::usage(format!(
            "{:?} is not a bundle identifier: use reverse-DNS letters, digits, hyphens and dots \
             (com.example.app), or a wildcard ending in .* (com.example.*)",
            identifier.chars().take(80).collect::<String>()
        ))
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::check_identifier;

    #[test]
    fn identifiers_are_checked_before_apple_is_asked() {
        for good in ["com.example.app", "com.example.*", "*", "com.ex-ample.App2"] {
            assert!(check_identifier(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "com.example app",
            "com..example",
            ".com",
            "com.exa*mple",
            "com.example*",
            "com/x",
        ] {
            assert!(check_identifier(bad).is_err(), "{bad}");
        }
    }
}

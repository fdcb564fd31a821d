//! `ascert profiles ensure` (and the profile step of `identities ensure --provisioning-profile`):
//! the identity's certificate, the profile that names it (reused or made again by
//! `ascert_workflows::ensure_profile`), installed where Xcode looks, and the settings of a manual
//! signing build.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, CsrSubject, FileMode, write_atomic};
use ascert_mobileprovision::ProfileDirs;
use ascert_models::{Certificate, ProfileType};
use ascert_workflows::{Ensure, EnsureRequest, ProfileRequest, ensure_profile};
use serde::Serialize;
use time::OffsetDateTime;

use super::export_options::ExportOptions;
use super::local;
use crate::cli::ProfilesEnsureArgs;
use crate::commands::Context;
use crate::commands::flows::{self, Progress};
use crate::exit::Exit;
use crate::failure::UserError;

/// The profile to ensure beside an identity, and what to do with it.
#[derive(Debug, Clone)]
pub(crate) struct ProfileTarget {
    pub(crate) bundle_identifier: String,
    pub(crate) profile_type: ProfileType,
    pub(crate) name: Option<String>,
    pub(crate) min_days_left: u32,
    pub(crate) readonly: bool,
    /// Where to install it; `None`: not installed.
    pub(crate) install: Option<ProfileDirs>,
    /// Where to save the file too.
    pub(crate) out: Option<PathBuf>,
    /// Where to write the ExportOptions.plist.
    pub(crate) export_options: Option<PathBuf>,
}

/// The build settings of a manual signing build with the profile, in the order they are printed.
#[derive(Debug, Serialize)]
#[allow(non_snake_case, reason = "the keys are Xcode's build setting names")]
pub(crate) struct XcodeSettings {
    CODE_SIGN_STYLE: &'static str,
    DEVELOPMENT_TEAM: String,
    CODE_SIGN_IDENTITY: String,
    PROVISIONING_PROFILE_SPECIFIER: String,
}

impl XcodeSettings {
    /// `KEY=VALUE` words for an xcodebuild command line (no value holds a space).
    fn words(&self) -> String {
        format!(
            "CODE_SIGN_STYLE={} DEVELOPMENT_TEAM={} CODE_SIGN_IDENTITY={} PROVISIONING_PROFILE_SPECIFIER={}",
            self.CODE_SIGN_STYLE,
            self.DEVELOPMENT_TEAM,
            self.CODE_SIGN_IDENTITY,
            self.PROVISIONING_PROFILE_SPECIFIER
        )
    }
}

/// What `profiles ensure` did, as lines for people or one JSON object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfileReport {
    /// The bundle identifier.
    bundle_id: String,
    /// The certificate the profile names.
    certificate_id: String,
    /// Days until the profile expires.
    days_left: i64,
    /// When it expires (RFC 3339, UTC).
    #[serde(serialize_with = "crate::output::date::serialize")]
    expires: OffsetDateTime,
    /// The ExportOptions.plist written, if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    export_options: Option<PathBuf>,
    /// The files it was installed as.
    installed: Vec<PathBuf>,
    /// The profile's name.
    name: String,
    /// `reused` or `created`; `stored` for the team store's, taken without App Store Connect.
    outcome: &'static str,
    /// Its id at App Store Connect (not known of a profile taken from the team store).
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_id: Option<String>,
    /// Its type.
    profile_type: String,
    /// The profiles of the same name it replaced (deleted at App Store Connect).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replaced: Vec<String>,
    /// The file saved with --out.
    #[serde(skip_serializing_if = "Option::is_none")]
    saved: Option<PathBuf>,
    /// The team id inside the profile.
    team_id: String,
    /// The profile's UUID.
    uuid: String,
    /// The settings of a manual signing build.
    xcodebuild: XcodeSettings,
    /// The profile file, to share through a team store.
    #[serde(skip)]
    pub(crate) der: Vec<u8>,
}

impl ProfileReport {
    /// The profile's UUID.
    pub(crate) fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The certificate it names.
    pub(crate) fn certificate_id(&self) -> &str {
        &self.certificate_id
    }
}

impl ProfileTarget {
    fn from_args(args: &ProfilesEnsureArgs) -> Result<Self> {
        Ok(Self {
            bundle_identifier: args.bundle_id.clone(),
            profile_type: args.profile_type.clone(),
            name: args.name.clone(),
            min_days_left: args.min_days_left,
            readonly: args.readonly,
            install: if args.no_install {
                None
            } else {
                Some(local::dirs(&args.dir)?)
            },
            out: args.out.clone(),
            export_options: args.export_options.clone(),
        })
    }

    /// Refuses what can be refused before Apple is asked: files that exist, folders that do not.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(path) = &self.out {
            crate::target_file::check_new(path, true)?;
        }
        if let Some(path) = &self.export_options {
            crate::target_file::check_new(path, true)?;
        }
        Ok(())
    }
}

/// `profiles ensure`: the identity `identities ensure` would use (read-only) or `--certificate`,
/// then the profile.
pub(crate) async fn run(ctx: &Context, args: ProfilesEnsureArgs) -> Result<()> {
    let target = ProfileTarget::from_args(&args)?;
    target.check()?;
    let certificates = ctx.api()?;
    let api = ascert_profiles::ProfilesApi::new(certificates.client().clone());
    let certificate = match &args.certificate {
        Some(id) => certificates.get(id).send().await?,
        None => identity_certificate(ctx, &certificates, &target).await?,
    };
    let leaf = CertificateInfo::from_model(&certificate)
        .with_context(|| format!("certificate {} as App Store Connect sent it", certificate.id))?;
    let report = ensure(ctx, &api, &target, &certificate, &leaf).await?;
    print(ctx, &report)
}

/// The certificate of the identity `identities ensure --readonly` finds for the profile's type:
/// of the types the profile takes, the first with a usable identity here.
async fn identity_certificate(
    ctx: &Context,
    api: &ascert_certificates::CertificatesApi,
    target: &ProfileTarget,
) -> Result<Certificate> {
    let store = ctx.keystore()?;
    let progress = Progress::new(ctx);
    let types = target.profile_type.certificate_types();
    for certificate_type in types {
        let request = EnsureRequest::new(certificate_type.clone(), CsrSubject::new("ascert", ""))
            .with_min_days_left(target.min_days_left)
            .read_only(true);
        let ensure = Ensure::new(Some(api), &store, request, &progress);
        let listed = ensure.list().await.map_err(flows::explain)?;
        match ensure.locally(&listed).await {
            Ok(ensured) => return Ok(ensured.certificate),
            Err(ascert_workflows::Error::NoneUsable { .. }) => {}
            Err(err) => return Err(flows::explain(err)),
        }
    }
    let wanted = types.first().map(ToString::to_string).unwrap_or_default();
    Err(UserError::new(
        Exit::NotFound,
        format!(
            "this machine has no usable identity a {} profile can name ({}), valid for --min-days-left {} days",
            target.profile_type,
            super::view::or_list(types),
            target.min_days_left
        ),
    )
    .hint(format!(
        "`ascert identities ensure --type {wanted} --provisioning-profile {}:{}` makes both; or name a certificate \
         with --certificate ID",
        target.bundle_identifier, target.profile_type
    ))
    .into())
}

/// Ensures the profile of `target` for `certificate`, then installs, saves and writes what it asks.
pub(crate) async fn ensure(
    ctx: &Context,
    api: &ascert_profiles::ProfilesApi,
    target: &ProfileTarget,
    certificate: &Certificate,
    leaf: &CertificateInfo,
) -> Result<ProfileReport> {
    let certificate_type = certificate
        .attributes
        .certificate_type
        .clone()
        .unwrap_or_else(|| ascert_models::CertificateType::from(""));
    let request = ProfileRequest::new(
        &target.bundle_identifier,
        target.profile_type.clone(),
        &certificate.id,
        certificate_type,
    )
    .with_min_days_left(target.min_days_left)
    .with_name(target.name.clone())
    .read_only(target.readonly);
    let ensured = {
        let progress = Progress::new(ctx);
        let spinner = ctx.out.spinner("Looking for the profile…");
        let ensured = ensure_profile(api, &request, &progress).await;
        spinner.finish_and_clear();
        ensured.map_err(flows::explain)?
    };
    let bytes = ensured.profile.content_der()?;
    let file = local::parse(&bytes).with_context(|| {
        format!(
            "the content App Store Connect sent for profile {}",
            ensured.profile.id
        )
    })?;
    let got = Got {
        outcome: ensured.outcome.as_str(),
        profile_id: Some(ensured.profile.id.clone()),
        replaced: ensured.replaced.iter().map(|(p, _)| p.id.clone()).collect(),
    };
    deliver(ctx, target, &certificate.id, leaf, &file, bytes, got)
}

/// How a profile was had: `reused`, `created` (with its id at App Store Connect and the profiles
/// it replaced) or `stored`.
pub(crate) struct Got {
    pub(crate) outcome: &'static str,
    pub(crate) profile_id: Option<String>,
    pub(crate) replaced: Vec<String>,
}

/// Installs, saves and writes what `target` asks of a profile had (`file`, read from `bytes`), and
/// reports it.
pub(crate) fn deliver(
    ctx: &Context,
    target: &ProfileTarget,
    certificate_id: &str,
    leaf: &CertificateInfo,
    file: &ascert_mobileprovision::Profile,
    bytes: Vec<u8>,
    got: Got,
) -> Result<ProfileReport> {
    let installed = match &target.install {
        Some(dirs) => local::install(ctx, file, dirs)?.paths,
        None => Vec::new(),
    };
    if let Some(path) = &target.out {
        write_atomic(path, &bytes, FileMode::Public)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let sha1 = leaf.sha1_hex().to_ascii_uppercase();
    if let Some(path) = &target.export_options {
        ExportOptions {
            profile_type: &target.profile_type,
            team_id: file.team_id(),
            certificate_sha1: &sha1,
            bundle_identifier: &target.bundle_identifier,
            profile_uuid: file.uuid(),
        }
        .write(path)?;
    }
    let now = OffsetDateTime::now_utc();
    Ok(ProfileReport {
        bundle_id: target.bundle_identifier.clone(),
        certificate_id: certificate_id.to_owned(),
        days_left: (file.expiration_date() - now).whole_days(),
        expires: file.expiration_date(),
        export_options: target.export_options.clone(),
        installed,
        name: file.name().to_owned(),
        outcome: got.outcome,
        profile_id: got.profile_id,
        profile_type: target.profile_type.to_string(),
        replaced: got.replaced,
        saved: target.out.clone(),
        team_id: file.team_id().to_owned(),
        uuid: file.uuid().to_owned(),
        xcodebuild: XcodeSettings {
            CODE_SIGN_STYLE: "Manual",
            DEVELOPMENT_TEAM: file.team_id().to_owned(),
            CODE_SIGN_IDENTITY: sha1,
            PROVISIONING_PROFILE_SPECIFIER: file.uuid().to_owned(),
        },
        der: bytes,
    })
}

/// The report: one JSON object, or a line and the build settings for people.
fn print(ctx: &Context, report: &ProfileReport) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(report);
    }
    ctx.out.text(&format!("{}\n", line(report)))
}

/// What people read of a profile report: what happened, and the build settings.
pub(crate) fn line(report: &ProfileReport) -> String {
    let mut line = format!(
        "{} profile \"{}\" ({}, UUID {}, expires {}, {} days left)",
        report.outcome,
        report.name.escape_debug(),
        report.profile_type,
        report.uuid,
        report.expires.date(),
        report.days_left
    );
    if !report.installed.is_empty() {
        line.push_str(", installed");
    }
    if let Some(path) = &report.saved {
        let _ = write!(line, ", saved to {}", path.display());
    }
    if let Some(path) = &report.export_options {
        let _ = write!(line, ", export options in {}", path.display());
    }
    let _ = write!(line, "\nxcodebuild settings: {}", report.xcodebuild.words());
    line
}

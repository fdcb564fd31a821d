//! The export part of a plan, shared by the commands that write a new identity out: the .p12 to
//! write (its path, its password, and what an earlier run left there) and the keychain to install
//! into, each read and checked before anything is asked of Apple.

use std::path::{Path, PathBuf};

use anyhow::Result;
use ascert_keystore::{CertificateInfo, Keystore};
use zeroize::Zeroizing;

use crate::cli::{KeychainPasswordArgs, PasswordArgs, Pkcs12Args};
use crate::commands::keychain::KeychainOptions;
use crate::commands::pkcs12;
use crate::inputs::Inputs;
use crate::output::Output;

/// The .p12 `--p12` names.
pub(crate) struct P12Target {
    /// Where it goes.
    pub(crate) path: PathBuf,
    /// Its password.
    pub(crate) password: Zeroizing<String>,
    /// The identity an earlier run wrote there, rewritten without `--force` (see
    /// [`pkcs12::earlier_export`]); `None` when there is no file, or `--force` replaces it.
    pub(crate) earlier: Option<CertificateInfo>,
}

/// Where a new identity goes besides the keystore.
pub(crate) struct ExportPlan {
    /// The .p12 to write, with `--p12`.
    pub(crate) p12: Option<P12Target>,
    /// The keychain to install into, with `--keychain`.
    pub(crate) keychain: Option<KeychainOptions>,
    /// How the .p12 is written (format, CA folder).
    pub(crate) options: Pkcs12Args,
}

/// What the export options of a command say.
pub(crate) struct ExportArgs<'a> {
    pub(crate) p12: Option<&'a Path>,
    pub(crate) password: &'a PasswordArgs,
    pub(crate) pkcs12: &'a Pkcs12Args,
    pub(crate) keychain: Option<&'a String>,
    pub(crate) keychain_password: &'a KeychainPasswordArgs,
}

impl ExportPlan {
    /// The exports of `identities ensure`, which runs in every CI job: a .p12 an earlier run wrote
    /// is rewritten without `--force` when its password opens it (deciding that needs the password,
    /// which a generated one never is). Standard input is claimed by the caller.
    pub(crate) fn for_ensure(
        args: &ExportArgs<'_>,
        inputs: &Inputs<'_>,
        out: &Output,
        keystore: &dyn Fn() -> Result<Keystore>,
    ) -> Result<Self> {
        let keychain = Self::keychain(args, out)?;
        let p12 = match args.p12 {
            Some(path) => {
                let exists = !args.pkcs12.force && std::fs::symlink_metadata(path).is_ok();
                if !exists || args.pkcs12.generate_password {
                    crate::target_file::check_new(path, args.pkcs12.force)?;
                }
                let password =
                    crate::password::for_new_p12_from(inputs, args.password, args.pkcs12, path, out)?;
                let earlier = if exists {
                    Some(pkcs12::earlier_export(path, &password, &keystore()?)?)
                } else {
                    None
                };
                Some(P12Target {
                    path: path.to_path_buf(),
                    password,
                    earlier,
                })
            }
            None => None,
        };
        Ok(Self {
            p12,
            keychain,
            options: args.pkcs12.clone(),
        })
    }

    /// The keychain of `--keychain [NAME]`, when given: `security` found and the keychain password
    /// read (standard input is claimed by the caller).
    pub(crate) fn keychain(args: &ExportArgs<'_>, out: &Output) -> Result<Option<KeychainOptions>> {
        KeychainOptions::requested(args.keychain, args.keychain_password, &[], out)
    }

    /// The exports of `certificates create`: a .p12 that exists is replaced only with `--force`, or
    /// when it was written since `pending_since` (the unfinished output of the interrupted run this
    /// one resumes).
    pub(crate) fn for_create(
        args: &ExportArgs<'_>,
        keychain: Option<KeychainOptions>,
        pending_since: Option<time::OffsetDateTime>,
        inputs: &Inputs<'_>,
        out: &Output,
    ) -> Result<Self> {
        let p12 = match args.p12 {
            Some(path) => {
                crate::target_file::check_new_or_rerun(path, args.pkcs12.force, pending_since)?;
                let password =
                    crate::password::for_new_p12_from(inputs, args.password, args.pkcs12, path, out)?;
                Some(P12Target {
                    path: path.to_path_buf(),
                    password,
                    earlier: None,
                })
            }
            None => None,
        };
        Ok(Self {
            p12,
            keychain,
            options: args.pkcs12.clone(),
        })
    }
}

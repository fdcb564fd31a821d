//! `ascert profiles …`, `ascert bundle-ids …` and `ascert devices …`: the provisioning side of
//! signing, over ascert-profiles (App Store Connect), ascert-mobileprovision (the files Xcode
//! reads) and ascert-workflows' `ensure_profile`.

pub(crate) mod bundle_ids;
pub(crate) mod devices;
pub(crate) mod ensure;
pub(crate) mod export_options;
pub(crate) mod local;
pub(crate) mod profiles;
pub(crate) mod view;

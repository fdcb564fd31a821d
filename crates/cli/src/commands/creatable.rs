//! What App Store Connect's API creates, and what each certificate type needs, checked before a key
//! is made or a request sent: Developer ID certificates are made on the developer website (the way
//! there is offered instead), a Wallet pass certificate needs its pass type id and an Apple Pay one
//! its merchant id, and neither id belongs on any other type.

use ascert_models::{CertificateType, RequiredRelationship};

use crate::failure::{Exit, UserError};

/// Refuses what App Store Connect would refuse a create of `certificate_type` for, with what to do
/// instead.
pub(crate) fn check(
    certificate_type: &CertificateType,
    pass_type_id: Option<&str>,
    merchant_id: Option<&str>,
) -> Result<(), UserError> {
    if certificate_type.is_developer_id() {
        return Err(developer_id(certificate_type));
    }
    let needed = certificate_type.required_relationship();
    let given = [
        (RequiredRelationship::PassTypeId, "--pass-type-id", pass_type_id),
        (RequiredRelationship::MerchantId, "--merchant-id", merchant_id),
    ];
    for (relationship, option, value) in given {
        match (needed == Some(relationship), value) {
            (true, None) => {
                let what = if relationship == RequiredRelationship::PassTypeId {
                    "pass type id (pass.com.example.…)"
                } else {
                    "merchant id (merchant.com.example.…)"
                };
                return Err(UserError::usage(format!(
                    "a {certificate_type} certificate belongs to one {what}: give it with {option} ID"
                ))
                .hint(
                    "the identifiers are listed in Certificates, Identifiers & Profiles → Identifiers on \
                     developer.apple.com",
                ));
            }
            (true, Some(id)) if id.trim().is_empty() => {
                return Err(UserError::usage(format!("{option} is empty")));
            }
            (false, Some(_)) => {
                let takes = match certificate_type.required_relationship() {
                    Some(RequiredRelationship::PassTypeId) => "it takes --pass-type-id",
                    Some(RequiredRelationship::MerchantId) => "it takes --merchant-id",
                    _ => "it belongs to no pass type or merchant id",
                };
                return Err(UserError::usage(format!(
                    "{option} does not apply to {} certificate: {takes}",
                    with_article(certificate_type)
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Developer ID certificates are made by the Account Holder on the developer website (or in Xcode),
/// not through the API: the way that works, with a key kept here.
pub(crate) fn developer_id(certificate_type: &CertificateType) -> UserError {
    UserError::usage(format!(
        "App Store Connect's API does not create {certificate_type} certificates: the Account Holder makes \
         Developer ID certificates on the developer website or in Xcode"
    ))
    .hint(developer_id_path(certificate_type))
}

/// The steps that make a Developer ID identity with a key kept here.
pub(crate) fn developer_id_path(certificate_type: &CertificateType) -> String {
    format!(
        "make the key and its CSR here: `ascert keys csr --type {certificate_type} --out developerID.certSigningRequest`; \
         the Account Holder uploads the CSR at https://developer.apple.com/account/resources/certificates/add \
         (Developer ID, G2 Sub-CA) and downloads the certificate; then `ascert identities import \
         developerID_application.cer` pairs it with the key, for `identities export`, `identities install` and \
         `team push` as any identity (the same import serves Developer ID Installer certificates)"
    )
}

/// `identities ensure` found no usable Developer ID identity in `place` and cannot create one.
pub(crate) fn no_developer_id(certificate_type: &CertificateType, place: &str) -> UserError {
    UserError::new(
        Exit::NotFound,
        format!(
            "{place} holds no usable {certificate_type} identity, and App Store Connect's API does not create \
             Developer ID certificates (the Account Holder makes them on the developer website or in Xcode)"
        ),
    )
    .hint(format!(
        "{}; with a team store, `ascert team push ID` then shares it and this command finds it",
        developer_id_path(certificate_type)
    ))
}

/// A certificate type (or any word) with its indefinite article, as a sentence says it: "an
/// `IOS_DISTRIBUTION`", "an `APPLE_PAY`", "a `DISTRIBUTION`". The types are read letter by letter or
/// as words, so a vowel letter first takes "an".
pub(crate) fn with_article(word: impl std::fmt::Display) -> String {
    let word = word.to_string();
    let article = if word.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

#[cfg(test)]
mod article_tests {
    #[test]
    fn types_take_the_article_they_are_read_with() {
        assert_eq!(super::with_article("IOS_DISTRIBUTION"), "an IOS_DISTRIBUTION");
        assert_eq!(super::with_article("APPLE_PAY"), "an APPLE_PAY");
        assert_eq!(super::with_article("DISTRIBUTION"), "a DISTRIBUTION");
    }
}

//! Response shapes Apple is known to send beyond its specification, read from fixtures in
//! `tests/fixtures/` written from public reports (docs/sandbox.md lists the evidence):
//!
//! - attributes the developer portal adds (`certificateTypeId`, `requesterEmail`, `status`,
//!   `machineName`, …) next to the documented ones;
//! - every attribute key present, `null` where empty (`"platform": null` for `DEVELOPMENT`,
//!   `DISTRIBUTION` and `PASS_TYPE_ID`, `"csrContent": null`);
//! - a 403 whose error carries a relative `links.see` (`"/agreements"`), which the specification's
//!   `ErrorLinks` does not list (kept all the same);
//! - the 400 Apple answers `filter[certificateType]=DEVELOPER_ID_APPLICATION_G2` with.
//!
//! Each must read without error, what a user is shown must come out right, and a certificate's
//! attributes must be written back as Apple sent them.

use ascert_models::{
    BundleIdPlatform, CertificateType, CertificatesResponse, ErrorResponse, ErrorSource, Paged as _,
};
use serde::de::DeserializeOwned;

/// Reads `tests/fixtures/<name>` as `T`, naming the JSON path on failure.
fn fixture<T: DeserializeOwned>(name: &str) -> T {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
        .unwrap_or_else(|e| panic!("{name} at {}: {e}", e.path()))
}

#[test]
fn a_page_with_developer_portal_extras_and_null_platforms_reads() {
    let page: CertificatesResponse = fixture("certificates_page_with_portal_extras.json");
    let types: Vec<_> = page
        .data
        .iter()
        .map(|c| c.attributes.certificate_type.clone().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            CertificateType::Development,
            CertificateType::Distribution,
            CertificateType::PassTypeId,
            CertificateType::IosDistribution,
            CertificateType::DeveloperIdApplicationG2,
        ]
    );
    let platforms: Vec<_> = page.data.iter().map(|c| c.attributes.platform.clone()).collect();
    assert_eq!(
        platforms,
        [
            None,
            None,
            None,
            Some(BundleIdPlatform::Ios),
            Some(BundleIdPlatform::MacOs)
        ],
        "platform: null reads as no platform"
    );
    let development = &page.data[0];
    assert_eq!(
        development.attributes.name.as_deref(),
        Some("Apple Development: Jane Appleseed (Q4R7T2W9XZ)")
    );
    assert_eq!(
        development.attributes.serial_number.as_deref(),
        Some("4C1D9F0E2B7A6358")
    );
    assert_eq!(
        development.attributes.expiration_date,
        Some(time::macros::datetime!(2027-03-04 10:11:12 UTC))
    );
    assert_eq!(development.attributes.activated, Some(true));
    assert_eq!(page.data[3].attributes.activated, Some(false));
    assert_eq!(
        page.data[2]
            .relationships
            .as_ref()
            .and_then(|r| r.pass_type_id.as_ref())
            .and_then(|p| p.data.as_ref())
            .map(|d| d.id.as_str()),
        Some("PT5R6Q7W8E")
    );
    assert_eq!(page.total(), Some(12));
    assert_eq!(
        page.next_link(),
        Some("https://api.appstoreconnect.apple.com/v1/certificates?cursor=BQ.ANL6lKo&limit=5")
    );

    // Written back, every certificate's attributes are what Apple sent: the extras kept, `null`
    // where Apple wrote null, nothing added where Apple wrote nothing (the CLI's `--json` prints
    // Apple's documents as Apple sends them).
    let written = serde_json::to_value(&page).unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/certificates_page_with_portal_extras.json"),
    )
    .unwrap();
    let sent: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (i, certificate) in sent["data"].as_array().unwrap().iter().enumerate() {
        let mut expected = certificate["attributes"].clone();
        // Dates are written in Apple's one form, with milliseconds.
        if let Some(date) = expected["expirationDate"].as_str() {
            let parsed = ascert_models::date::parse(date).unwrap();
            expected["expirationDate"] = ascert_models::date::format(parsed).into();
        }
        assert_eq!(written["data"][i]["attributes"], expected, "certificate {i}");
    }
    assert!(written["data"][0]["attributes"]["platform"].is_null());
    assert!(
        written["data"][0]["attributes"]
            .as_object()
            .unwrap()
            .contains_key("csrContent")
    );
}

#[test]
fn the_agreement_403_with_a_relative_see_link_reads() {
    let response: ErrorResponse = fixture("error_agreement_missing_403.json");
    let [error] = response.errors.as_slice() else {
        panic!("one error: {response:?}")
    };
    assert_eq!(error.status_code(), Some(403));
    assert_eq!(error.code, "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED");
    assert_eq!(
        response.to_string(),
        "A required agreement is missing or has expired. \
         (FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED): This request requires an in-effect \
         agreement that has not been signed or has expired."
    );
    // `see` is not among the specification's ErrorLinks (`about`, `associated`), but it is where the
    // user fixes the problem, so it is kept (and written back).
    let links = error.links.as_ref().expect("the links object is read");
    assert_eq!((links.about.as_deref(), links.associated.is_none()), (None, true));
    assert_eq!(links.see.as_deref(), Some("/agreements"));
    let again: ErrorResponse = serde_json::from_str(&serde_json::to_string(&response).unwrap()).unwrap();
    assert_eq!(again, response);
}

#[test]
fn the_g2_filter_400_reads_and_names_the_parameter() {
    let response: ErrorResponse = fixture("error_g2_filter_400.json");
    let error = &response.errors[0];
    assert_eq!(error.status_code(), Some(400));
    assert_eq!(error.code, "PARAMETER_ERROR.INVALID");
    assert!(
        matches!(&error.source, Some(ErrorSource::Parameter(p)) if p.parameter == "filter[certificateType]"),
        "{:?}",
        error.source
    );
    assert!(
        response
            .to_string()
            .ends_with("[parameter filter[certificateType]]")
    );

    // Apple's list of filter values: every one is a type this crate knows, and what it leaves out
    // is exactly the two G2 types, which a robust client filters for locally.
    let listed: Vec<CertificateType> = error
        .detail
        .split_once("Expected one of: ")
        .expect("Apple lists the accepted values")
        .1
        .split(", ")
        .map(CertificateType::from)
        .collect();
    assert!(listed.iter().all(CertificateType::is_known), "{listed:?}");
    let left_out: Vec<&CertificateType> = CertificateType::KNOWN
        .iter()
        .filter(|t| !listed.contains(t))
        .collect();
    assert_eq!(
        left_out,
        [
            &CertificateType::DeveloperIdKextG2,
            &CertificateType::DeveloperIdApplicationG2
        ]
    );
}

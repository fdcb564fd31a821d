//! What App Store Connect's error codes mean and what to do about them: one table, code → meaning →
//! action → exit code, read by `failure.rs` for every error document Apple answers with. docs/cli.md
//! lists the same table (a test below keeps the two together).
//!
//! Codes are hierarchical (`ENTITY_ERROR.ATTRIBUTE.INVALID`): a row's code matches itself and every
//! code below it. Where Apple uses one code for causes that need different fixes (`FORBIDDEN_ERROR`
//! for a role and for a lapsed membership), a phrase of the detail tells them apart. The first row
//! that matches wins, so the specific rows come first.

use ascert_models::ApiError;

use crate::exit::Exit;

/// One row of the table.
#[derive(Debug)]
pub(crate) struct Row {
    /// The HTTP status Apple answers with.
    pub(crate) status: u16,
    /// Apple's code; matches itself and the codes below it.
    pub(crate) code: &'static str,
    /// A phrase of the detail (any case) that this row needs, where the code alone is ambiguous.
    pub(crate) detail_has: Option<&'static str>,
    /// The collection the request must be for (`/v1/profiles`), where one code means different
    /// things for different resources; `None`: any.
    pub(crate) on: Option<&'static str>,
    /// The exit code.
    pub(crate) exit: Exit,
    /// What it means.
    pub(crate) why: &'static str,
    /// What to do.
    pub(crate) action: &'static str,
}

const AGREEMENT_WHY: &str = "the team has not accepted a new or renewed Apple agreement (such as the Apple \
     Developer Program License Agreement); until the Account Holder accepts it, App Store Connect refuses \
     every API key of the team. The key itself is fine";
const AGREEMENT_ACTION: &str = "the Account Holder signs in to App Store Connect (Business) or to \
     developer.apple.com/account and accepts the agreement; then run this again. A new API key does not help";
const APPLE_TROUBLE_WHY: &str = "App Store Connect failed on its side";
const APPLE_TROUBLE_ACTION: &str = "ascert already retried while its deadline allowed; try again in a few \
     minutes, and see https://developer.apple.com/system-status/";

/// The table, most specific rows first.
pub(crate) static TABLE: &[Row] = &[
    Row {
        status: 401,
        code: "NOT_AUTHORIZED",
        detail_has: None,
        on: None,
        exit: Exit::Auth,
        why: "App Store Connect did not accept the token: the key id or issuer id does not belong to this \
              key, the key was revoked, or this computer's clock is off by more than a few minutes",
        action: "check the key with `ascert auth status`; in App Store Connect (Users and Access → \
                 Integrations) see that the key is still active: a revoked key cannot be restored, make a new \
                 one; an individual key takes no issuer id",
    },
    Row {
        status: 403,
        code: "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED",
        detail_has: None,
        on: None,
        exit: Exit::Auth,
        why: AGREEMENT_WHY,
        action: AGREEMENT_ACTION,
    },
    // The same, as Apple worded it before the code above existed ("Access Unavailable").
    Row {
        status: 403,
        code: "FORBIDDEN",
        detail_has: Some("agreement"),
        on: None,
        exit: Exit::Auth,
        why: AGREEMENT_WHY,
        action: AGREEMENT_ACTION,
    },
    Row {
        status: 403,
        code: "FORBIDDEN_ERROR",
        detail_has: Some("active membership"),
        on: None,
        exit: Exit::Auth,
        why: "the team's Apple Developer Program membership has expired",
        action: "the Account Holder renews the membership at developer.apple.com/account; then run this again",
    },
    Row {
        status: 403,
        code: "FORBIDDEN_ERROR",
        detail_has: Some("account holder"),
        on: None,
        exit: Exit::Auth,
        why: "only the team's Account Holder may do this, on the developer website or in Xcode: App Store \
              Connect refuses it to every API key, whatever its role (it answers so for creating Developer ID \
              certificates)",
        action: "for a Developer ID certificate: `ascert keys csr --type TYPE --out FILE`, the Account Holder \
                 uploads it at developer.apple.com, then `ascert identities import FILE.cer`",
    },
    Row {
        status: 403,
        code: "FORBIDDEN_ERROR",
        detail_has: Some("maximum number of registered"),
        on: None,
        exit: Exit::Conflict,
        why: "the team has registered as many devices of this kind as Apple allows in a membership year (100 \
              each of iPhone, iPad, Apple TV, Apple Watch, Vision Pro and Mac); disabled devices still count",
        action: "disabling a device frees no place: at the start of the next membership year the Account Holder \
                 can remove devices on the developer website; until then, use the devices registered \
                 (`ascert devices list`)",
    },
    Row {
        status: 403,
        code: "FORBIDDEN_ERROR",
        detail_has: None,
        on: None,
        exit: Exit::Auth,
        why: "the API key may not do this: its role has no access to certificates, or it is an individual key, \
              which cannot use the provisioning endpoints",
        action: "use a team key (Users and Access → Integrations → Team Keys): reading certificates takes access \
                 to Certificates, Identifiers & Profiles; creating, activating and revoking them takes the Admin \
                 role (or App Manager with that access)",
    },
    Row {
        status: 404,
        code: "NOT_FOUND",
        detail_has: None,
        on: Some("/v1/profiles"),
        exit: Exit::NotFound,
        why: "there is no such profile: the id is wrong, or the profile was deleted",
        action: "`ascert profiles list` shows the ids that exist",
    },
    Row {
        status: 404,
        code: "NOT_FOUND",
        detail_has: None,
        on: Some("/v1/bundleIds"),
        exit: Exit::NotFound,
        why: "there is no such bundle ID: the id is wrong (it is Apple's id, not the identifier), or it was deleted",
        action: "`ascert bundle-ids list` shows the ids that exist",
    },
    Row {
        status: 404,
        code: "NOT_FOUND",
        detail_has: None,
        on: Some("/v1/devices"),
        exit: Exit::NotFound,
        why: "there is no such device: the id is wrong (it is Apple's id, not the UDID)",
        action: "`ascert devices list` shows the ids that exist",
    },
    Row {
        status: 404,
        code: "NOT_FOUND",
        detail_has: None,
        on: None,
        exit: Exit::NotFound,
        why: "there is no such resource: the id is wrong, or the certificate was revoked and is gone",
        action: "`ascert certificates list` shows the ids that exist",
    },
    Row {
        status: 405,
        code: "METHOD_NOT_ALLOWED",
        detail_has: None,
        on: None,
        exit: Exit::Failure,
        why: "App Store Connect does not offer this operation on this path",
        action: "check --base-url (it must be the API's root, not a page of the web site); otherwise this is a \
                 bug in ascert: please report it",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR",
        detail_has: Some("already have a current"),
        on: None,
        exit: Exit::Conflict,
        why: "no free slot: the team already has as many certificates of this type as Apple allows, or a \
              request for one is pending",
        action: "`ascert certificates list --type TYPE` shows which certificates fill the slots: reuse one whose \
                 key you have (`ascert identities list`) or ask whoever has a key to share it (`ascert team \
                 push`); revoking one (`ascert certificates revoke ID`) breaks signing for whoever holds its key",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR.ATTRIBUTE.INVALID",
        detail_has: None,
        on: Some("/v1/certificates"),
        exit: Exit::Conflict,
        why: "App Store Connect refused a value of the request, named in the error (for a create, usually the \
              CSR)",
        action: "with --csr, make a new CSR (`ascert keys csr --type TYPE` makes the right key): an EC P-256 key \
                 for APPLE_PAY, an RSA-2048 key for every other type, signed with SHA-256; otherwise check the \
                 value the error names",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR.RELATIONSHIP",
        detail_has: None,
        on: Some("/v1/certificates"),
        exit: Exit::Conflict,
        why: "the certificate type needs a pass type ID or a merchant ID, or the one given does not exist",
        action: "give --pass-type-id for the PASS_TYPE_ID types and --merchant-id for the Apple Pay types, with \
                 an id that App Store Connect lists",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR.ATTRIBUTE.INVALID",
        detail_has: Some("multiple profiles found with the name"),
        on: Some("/v1/profiles"),
        exit: Exit::Conflict,
        why: "a profile of this name exists already: names are unique in a team",
        action: "`ascert profiles list --name NAME` shows it; delete it (`ascert profiles delete ID`) or choose \
                 another --name; `ascert profiles ensure` replaces its own profile by itself",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR",
        detail_has: None,
        on: Some("/v1/profiles"),
        exit: Exit::Conflict,
        why: "App Store Connect refused the profile's bundle ID, certificates or devices: a certificate of a type \
              the profile type does not take, expired or revoked; no devices for a development or ad hoc \
              profile, devices for the others, or devices of another platform; a bundle ID that is not the \
              team's",
        action: "`ascert profiles ensure` picks what fits; with `profiles create`, name certificates of a type the \
                 profile takes (`ascert certificates list`) and enabled devices of its platform (`ascert devices \
                 list`)",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR.ATTRIBUTE.INVALID",
        detail_has: None,
        on: Some("/v1/bundleIds"),
        exit: Exit::Conflict,
        why: "App Store Connect refused the identifier: it is registered already (by this team or another: \
              bundle IDs are unique across all teams) or not a valid reverse-DNS identifier",
        action: "`ascert bundle-ids get IDENTIFIER` shows it if it is this team's; otherwise choose another \
                 identifier",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR",
        detail_has: None,
        on: Some("/v1/devices"),
        exit: Exit::Conflict,
        why: "App Store Connect refused the device: its UDID is registered already, or not a UDID of the \
              platform given",
        action: "`ascert devices list` shows the registered ones (`ascert devices enable ID` enables a disabled \
                 one); check the UDID in Finder or Xcode's Devices window, and --platform",
    },
    Row {
        status: 409,
        code: "ENTITY_ERROR",
        detail_has: None,
        on: None,
        exit: Exit::Conflict,
        why: "App Store Connect refused the content of the request; the error names the field",
        action: "check the value the error names; if ascert wrote it, please report it",
    },
    Row {
        status: 409,
        code: "STATE_ERROR",
        detail_has: None,
        on: None,
        exit: Exit::Conflict,
        why: "the resource is not in a state that allows this, such as a certificate already revoked or still \
              being processed",
        action: "look at it again (`ascert certificates get ID`) and retry once its state allows",
    },
    Row {
        status: 422,
        code: "ENTITY_UNPROCESSABLE",
        detail_has: None,
        on: None,
        exit: Exit::Failure,
        why: "App Store Connect could not read the request's document",
        action: "a bug in ascert, or a proxy that changes requests: please report it with the output of -vv",
    },
    Row {
        status: 400,
        code: "PARAMETER_ERROR",
        detail_has: None,
        on: None,
        exit: Exit::Failure,
        why: "App Store Connect refused a parameter of the request (a filter, sort or limit), named in the error",
        action: "check that option's value; where the error lists the values it expects, use one of those",
    },
    Row {
        status: 429,
        code: "RATE_LIMIT_EXCEEDED",
        detail_has: None,
        on: None,
        exit: Exit::RateLimited,
        why: "the API key's hourly request quota is used up",
        action: "wait and run the command again: the quota frees up over a rolling hour, and ascert already \
                 retried while its deadline allowed; every tool that uses this key shares the quota",
    },
    Row {
        status: 500,
        code: "UNEXPECTED_ERROR",
        detail_has: None,
        on: None,
        exit: Exit::Failure,
        why: APPLE_TROUBLE_WHY,
        action: APPLE_TROUBLE_ACTION,
    },
    Row {
        status: 503,
        code: "SERVICE_UNAVAILABLE",
        detail_has: None,
        on: None,
        exit: Exit::Failure,
        why: APPLE_TROUBLE_WHY,
        action: APPLE_TROUBLE_ACTION,
    },
];

/// Whether `code` is `family` or below it (`PARAMETER_ERROR` holds `PARAMETER_ERROR.INVALID`).
fn within(code: &str, family: &str) -> bool {
    code == family
        || code
            .strip_prefix(family)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl Row {
    fn matches(&self, status: u16, error: &ApiError, path: Option<&str>) -> bool {
        self.status == status
            && within(&error.code, self.code)
            && self
                .on
                .is_none_or(|collection| path.is_some_and(|p| in_collection(p, collection)))
            && self
                .detail_has
                .is_none_or(|phrase| error.detail.to_lowercase().contains(phrase))
    }
}

/// Whether the request `url` (or path) is for `collection` (`/v1/profiles`): the collection or one
/// of its resources, not another collection that starts the same.
fn in_collection(url: &str, collection: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.match_indices(collection)
        .any(|(at, _)| matches!(path[at + collection.len()..].chars().next(), None | Some('/')))
}

/// The row for the first of Apple's errors that has one, for a request to `url` (the resource's
/// rows apply only when it is known).
pub(crate) fn row_for<'e>(
    status: u16,
    errors: &'e [ApiError],
    url: Option<&str>,
) -> Option<(&'static Row, &'e ApiError)> {
    errors.iter().find_map(|error| {
        TABLE
            .iter()
            .find(|row| row.matches(status, error, url))
            .map(|row| (row, error))
    })
}

/// The page of App Store Connect an error's `links.see` names (Apple sends `/agreements`), as a
/// URL a person can open; `None` for a link that is not a plain path or https URL.
pub(crate) fn see_url(errors: &[ApiError]) -> Option<String> {
    let see = errors
        .iter()
        .find_map(|e| e.links.as_ref().and_then(|l| l.see.as_deref()))?
        .trim();
    let plain = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-._~%#?=&:+".contains(c))
    };
    if let Some(rest) = see.strip_prefix("https://") {
        return plain(rest).then(|| see.to_owned());
    }
    if see.contains("://") || !plain(see) {
        return None;
    }
    Some(format!(
        "https://appstoreconnect.apple.com/{}",
        see.trim_start_matches('/')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ascert_models::ErrorLinks;

    fn apple(status: u16, code: &str, detail: &str) -> ApiError {
        ApiError::new(status, code, "Title", detail)
    }

    const CERTIFICATES: &str = "https://api.appstoreconnect.apple.com/v1/certificates";
    const PROFILES: &str = "https://api.appstoreconnect.apple.com/v1/profiles";
    const DEVICES: &str = "https://api.appstoreconnect.apple.com/v1/devices";

    /// The same code answers a certificate and a profile differently: the pass type id is only the
    /// certificates' cause, a device's relationship only the profiles'.
    #[test]
    fn one_code_is_explained_by_the_resource_it_answers() {
        let relationship = [apple(409, "ENTITY_ERROR.RELATIONSHIP.INVALID", "x")];
        let (row, _) = row_for(409, &relationship, Some(CERTIFICATES)).unwrap();
        assert!(row.why.contains("pass type ID"), "{}", row.why);
        let (row, _) = row_for(409, &relationship, Some(&format!("{PROFILES}/P1"))).unwrap();
        assert!(
            row.why.contains("bundle ID, certificates or devices"),
            "{}",
            row.why
        );
        let invalid = [apple(409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "x")];
        let (row, _) = row_for(409, &invalid, Some(DEVICES)).unwrap();
        assert!(
            !row.action.contains("CSR"),
            "a device's refusal is not about a CSR: {}",
            row.action
        );
        // A collection whose name starts the same is another collection.
        assert!(!in_collection("https://h/v1/profilesX", "/v1/profiles"));
        assert!(in_collection(
            "https://h/v1/profiles?include=bundleId",
            "/v1/profiles"
        ));
        // Without the request's URL only the rows for any resource apply.
        let (row, _) = row_for(409, &relationship, None).unwrap();
        assert!(row.why.contains("the error names the field"), "{}", row.why);
    }

    /// The row an error of a request to `url` lands on, by its index in the table.
    fn row_index(status: u16, code: &str, detail: &str, url: &str) -> Option<usize> {
        let errors = [apple(status, code, detail)];
        let (row, _) = row_for(status, &errors, Some(url))?;
        TABLE.iter().position(|r| std::ptr::eq(r, row))
    }

    /// One error as Apple sends it for every row, in the table's order, with the request it answers.
    const CASES: &[(u16, &str, &str, &str)] = &[
        (
            401,
            "NOT_AUTHORIZED",
            "Provide a properly configured and signed bearer token, and make sure that it has not expired.",
            CERTIFICATES,
        ),
        (
            403,
            "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED",
            "This request requires an in-effect agreement that has not been signed or has expired.",
            CERTIFICATES,
        ),
        (
            403,
            "FORBIDDEN",
            "You currently don't have access to this resource. To resolve this issue, the Account Holder must \
                 agree to the latest Program License Agreement in their account on the Apple Developer website.",
            CERTIFICATES,
        ),
        (
            403,
            "FORBIDDEN_ERROR",
            "Team ID: 'X' is not associated with an active membership. To check your teams membership \
                 status, sign in your account on the developer website.",
            CERTIFICATES,
        ),
        // Apple's answer to creating a Developer ID certificate with any API key (fastlane #27149).
        (
            403,
            "FORBIDDEN_ERROR",
            "This operation can only be performed by the Account Holder.",
            CERTIFICATES,
        ),
        // The device limit (AtB-AS/mittatb-app #5972).
        (
            403,
            "FORBIDDEN_ERROR",
            "Your development team has reached the maximum number of registered iPhone devices.",
            DEVICES,
        ),
        (
            403,
            "FORBIDDEN_ERROR",
            "The API key in use does not allow this request",
            CERTIFICATES,
        ),
        (
            404,
            "NOT_FOUND",
            "There is no resource of type 'profiles' with id 'X'",
            PROFILES,
        ),
        (
            404,
            "NOT_FOUND",
            "There is no resource of type 'bundleIds' with id 'X'",
            "https://api.appstoreconnect.apple.com/v1/bundleIds/X",
        ),
        (
            404,
            "NOT_FOUND",
            "There is no resource of type 'devices' with id 'X'",
            DEVICES,
        ),
        (
            404,
            "NOT_FOUND",
            "There is no resource of type 'certificates' with id 'X'",
            CERTIFICATES,
        ),
        (
            405,
            "METHOD_NOT_ALLOWED",
            "The request method 'PUT' is not valid for the resource path.",
            CERTIFICATES,
        ),
        (
            409,
            "ENTITY_ERROR",
            "You already have a current Distribution certificate or a pending certificate request.",
            CERTIFICATES,
        ),
        (
            409,
            "ENTITY_ERROR.ATTRIBUTE.INVALID",
            "The CSR is invalid.",
            CERTIFICATES,
        ),
        (
            409,
            "ENTITY_ERROR.RELATIONSHIP.REQUIRED",
            "You must provide a value for the relationship 'passTypeId' with this request",
            CERTIFICATES,
        ),
        // fastlane #13629.
        (
            409,
            "ENTITY_ERROR.ATTRIBUTE.INVALID",
            "Multiple profiles found with the name 'CI'.  Please remove the duplicate profiles and try again.",
            PROFILES,
        ),
        // codemagic cli-tools #26: devices on an App Store profile.
        (
            409,
            "ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED",
            "No devices can be associated to Provisioning Profiles for the App Store.",
            PROFILES,
        ),
        (
            409,
            "ENTITY_ERROR.ATTRIBUTE.INVALID",
            "An App ID with Identifier 'com.example.app' is not available. Please enter a different string.",
            "https://api.appstoreconnect.apple.com/v1/bundleIds",
        ),
        (
            409,
            "ENTITY_ERROR",
            "A device with number '00008110-000A1B2C3D4E801E' already exists on this team.",
            DEVICES,
        ),
        (
            409,
            "ENTITY_ERROR.INCLUDED.INVALID_ID",
            "The resource id in the request body does not match the id in the path",
            CERTIFICATES,
        ),
        (
            409,
            "STATE_ERROR",
            "The certificate has already been revoked.",
            CERTIFICATES,
        ),
        (
            422,
            "ENTITY_UNPROCESSABLE",
            "The request entity is not valid",
            CERTIFICATES,
        ),
        (
            400,
            "PARAMETER_ERROR.INVALID",
            "'DEVELOPER_ID_APPLICATION_G2' is not a valid filter value.",
            CERTIFICATES,
        ),
        (
            429,
            "RATE_LIMIT_EXCEEDED",
            "We've received too many requests for this API. Please wait and try again or slow down your \
                 request rate.",
            CERTIFICATES,
        ),
        (
            500,
            "UNEXPECTED_ERROR",
            "An unexpected error occurred on the server side.",
            CERTIFICATES,
        ),
        (
            503,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable. Please try again later.",
            CERTIFICATES,
        ),
    ];

    /// One error as Apple sends it for every row, in the table's order: each lands on its own row.
    #[test]
    fn each_code_in_the_table_lands_on_its_row() {
        let cases = CASES;
        assert_eq!(cases.len(), TABLE.len(), "one case per row");
        for (index, (status, code, detail, url)) in cases.iter().enumerate() {
            assert_eq!(
                row_index(*status, code, detail, url),
                Some(index),
                "{status} {code}: {detail}"
            );
        }
    }

    #[test]
    fn the_agreement_403_says_to_accept_the_agreement_not_to_change_the_key() {
        let errors = [apple(
            403,
            "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED",
            "This request requires an in-effect agreement that has not been signed or has expired.",
        )];
        let (row, _) = row_for(403, &errors, Some(CERTIFICATES)).unwrap();
        assert_eq!(row.exit, Exit::Auth);
        assert!(row.action.contains("Account Holder") && row.action.contains("accepts the agreement"));
        assert!(!row.action.contains("role"), "{}", row.action);
    }

    #[test]
    fn codes_match_their_family_and_the_status_must_agree() {
        assert_eq!(
            row_index(400, "PARAMETER_ERROR.ILLEGAL", "x", CERTIFICATES),
            row_index(400, "PARAMETER_ERROR", "x", CERTIFICATES)
        );
        assert_eq!(
            row_index(400, "PARAMETER_ERRORS", "x", CERTIFICATES),
            None,
            "not a member of the family"
        );
        assert_eq!(
            row_index(500, "NOT_FOUND", "x", CERTIFICATES),
            None,
            "a code under another status"
        );
        assert_eq!(row_index(418, "I_AM_A_TEAPOT", "x", CERTIFICATES), None);
    }

    #[test]
    fn the_first_error_with_a_row_explains_the_response() {
        let errors = [
            apple(409, "SOMETHING_NEW", "unknown"),
            apple(409, "STATE_ERROR", "known"),
        ];
        let (row, error) = row_for(409, &errors, Some(CERTIFICATES)).unwrap();
        assert_eq!((row.code, error.detail.as_str()), ("STATE_ERROR", "known"));
    }

    #[test]
    fn see_links_become_app_store_connect_urls() {
        let with_see = |see: &str| {
            let mut error = apple(403, "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED", "x");
            let mut links = ErrorLinks::default();
            links.see = Some(see.to_owned());
            error.links = Some(links);
            see_url(&[error])
        };
        assert_eq!(
            with_see("/agreements").as_deref(),
            Some("https://appstoreconnect.apple.com/agreements")
        );
        assert_eq!(
            with_see("agreements/#/").as_deref(),
            Some("https://appstoreconnect.apple.com/agreements/#/")
        );
        assert_eq!(
            with_see("https://developer.apple.com/account").as_deref(),
            Some("https://developer.apple.com/account")
        );
        for refused in [
            "javascript:alert(1)",
            "http://example.com/x",
            "/a b",
            "/\u{1b}[31m",
            "",
        ] {
            assert_eq!(with_see(refused), None, "{refused:?}");
        }
        assert_eq!(see_url(&[apple(403, "FORBIDDEN_ERROR", "x")]), None);
    }

    /// docs/cli.md lists the table: every code, with its status, in the table's order.
    #[test]
    fn the_guide_lists_every_code_of_the_table() {
        let guide = include_str!("../../../docs/cli.md");
        let section = guide
            .split("## Apple's error codes")
            .nth(1)
            .expect("docs/cli.md has a section \"Apple's error codes\"");
        let section = section.split("\n## ").next().unwrap_or(section);
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| ")).skip(2).collect();
        assert_eq!(rows.len(), TABLE.len(), "one line per row:\n{section}");
        for (line, row) in rows.iter().zip(TABLE) {
            let status = format!("| {} |", row.status);
            let code = format!("`{}`", row.code);
            assert!(
                line.starts_with(&status) && line.contains(&code),
                "the guide's line for {} {} is out of order or missing:\n{line}",
                row.status,
                row.code
            );
            let exit = format!("| {} |", row.exit as u8);
            assert!(line.contains(&exit), "{line}: exit code {}", row.exit as u8);
        }
    }
}

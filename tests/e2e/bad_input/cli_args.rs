//! Hostile or broken command lines: limits out of range, ids that try to escape their URL path,
//! malformed identities, missing files and impossible destinations.

use super::{Case, Stocked};

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "a table of cases, one per line")]
async fn hostile_command_lines_fail_cleanly() {
    let stocked = Stocked::start().await;
    let key = stocked.key_id.as_str();
    let cert = stocked.certificate_id.as_str();
    let missing_dir = stocked.env.path("no/such/folder");
    let missing = |name: &str| missing_dir.join(name).to_string_lossy().into_owned();
    let create = |extra: &[&str]| {
        let mut args = vec!["certificates", "create", "--type", "DEVELOPMENT"];
        args.extend(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let cases = vec![
        Case::new("a negative limit", ["certificates", "list", "--limit", "-1"]).exit(2),
        Case::new(
            "a limit past u32",
            ["certificates", "list", "--limit", "99999999999999999999"],
        )
        .exit(2),
        Case::new(
            "a limit past Apple's 200",
            ["certificates", "list", "--limit", "4294967295"],
        )
        .exit(2),
        Case::new("an empty type filter", ["certificates", "list", "--type", ""]).exit(2),
        Case::new(
            "a sort key with injected query",
            ["certificates", "list", "--sort", "id&limit=1"],
        )
        .exit(2),
        Case::new(
            "an id that climbs out of the path",
            ["certificates", "get", "../../v1/certificates"],
        ),
        Case::new(
            "an id carrying a query",
            ["certificates", "get", "X?include=passTypeId"],
        ),
        Case::new(
            "an id with an encoded slash",
            ["certificates", "get", "a%2F..%2F.."],
        ),
        Case::new("an empty id", ["certificates", "get", ""]),
        Case::new(
            "an id of 10,000 characters",
            vec!["certificates".to_owned(), "get".to_owned(), "A".repeat(10_000)],
        ),
        Case::new(
            "a revoke of an unknown id",
            ["certificates", "revoke", "NOSUCHCERT", "--yes"],
        )
        .exit(4),
        Case::new(
            "a revoke without --yes and no terminal",
            ["certificates", "revoke", cert],
        )
        .exit(2),
        Case::new(
            "an activate of an unknown id",
            ["certificates", "activate", "NOSUCHCERT"],
        )
        .exit(4),
        Case::new(
            "an empty common name",
            create(&["--common-name", " ", "--email", "a@example.com"]),
        )
        .exit(2),
        Case::new(
            "an e-mail with a space",
            create(&["--common-name", "Jane", "--email", "jane @example.com"]),
        )
        .exit(2),
        Case::new(
            "a three-letter country",
            create(&[
                "--common-name",
                "Jane",
                "--email",
                "jane@example.com",
                "--country",
                "USA",
            ]),
        )
        .exit(2),
        Case::new(
            "an unknown certificate type",
            [
                "certificates",
                "create",
                "--type",
                "ROOT_CA",
                "--common-name",
                "J",
                "--email",
                "j@example.com",
            ],
        )
        .exit(2),
        Case::new(
            "a .p12 with an empty password",
            create(&[
                "--common-name",
                "Jane",
                "--email",
                "jane@example.com",
                "--p12",
                "x.p12",
            ]),
        )
        .env("ASCERT_P12_PASSWORD", "")
        .exit(2),
        Case::new(
            "a CSR file that does not exist",
            create(&["--csr", &missing("a.csr")]),
        ),
        Case::new(
            "a key id that matches nothing",
            ["keys", "csr", "ffffffffffffffff"],
        ),
        Case::new(
            "a key export into a missing folder",
            ["keys", "export", key, "--out", &missing("k.pem")],
        ),
        Case::new(
            "a key delete without --yes and no terminal",
            ["keys", "delete", key],
        )
        .exit(2),
        Case::new(
            "a certificate saved into a missing folder",
            ["certificates", "get", cert, "--out", &missing("c.cer")],
        ),
        Case::new(
            "an identity export of an unknown certificate",
            ["identities", "export", "NOSUCHCERT", "--p12", "x.p12"],
        )
        .env("ASCERT_P12_PASSWORD", "long-enough-pw"),
        Case::new(
            "an identity export into a missing folder",
            ["identities", "export", cert, "--p12", &missing("x.p12")],
        )
        .env("ASCERT_P12_PASSWORD", "long-enough-pw"),
        Case::new(
            "a password file that does not exist",
            [
                "identities",
                "export",
                cert,
                "--p12",
                "x.p12",
                "--password-file",
                &missing("long-enough-pw"),
            ],
        ),
        Case::new("a token lifetime too short", ["auth", "token", "--lifetime", "5"]).exit(2),
        Case::new(
            "a token lifetime too long",
            ["auth", "token", "--lifetime", "86400"],
        )
        .exit(2),
        Case::new(
            "a base URL that is not a URL",
            ["--base-url", "not a url", "certificates", "list"],
        ),
        Case::new(
            "a base URL with another scheme",
            ["--base-url", "ftp://127.0.0.1/", "certificates", "list"],
        ),
        Case::new(
            "a base URL with a port nobody listens on",
            ["--base-url", "http://127.0.0.1:9", "certificates", "list"],
        ),
    ];
    stocked.check(cases).await;
}

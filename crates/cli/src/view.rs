//! How a certificate looks to people, wherever a command shows one: a table row, a one-line
//! description, a two-column sheet.
//!
//! The NAME column is Apple's `displayName`, the field `certificates list --name` filters on and
//! `--sort displayName` sorts by, so a filter or a sort can be checked from the table.

use ascert_models::{Certificate, CertificateType};
use time::OffsetDateTime;

use crate::output::color::validity_tone;
use crate::output::{Column, Output, Row, Table};

/// The columns of a certificate list. On a narrow terminal NAME is shortened first, then SERIAL
/// and EXPIRES are left out, in that order.
pub(crate) const CERTIFICATE_COLUMNS: [Column; 7] = [
    Column::keep("ID"),
    Column::keep("TYPE"),
    Column::shorten("NAME"),
    Column::drop("SERIAL", 0),
    Column::drop("EXPIRES", 1),
    Column::keep("DAYS LEFT"),
    Column::keep("ACTIVE"),
];

/// The name people know a certificate by: its display name, else Apple's longer `name`.
pub(crate) fn name(certificate: &Certificate) -> Option<&str> {
    let a = &certificate.attributes;
    a.display_name.as_deref().or(a.name.as_deref())
}

/// The cells of one certificate, in the order of [`CERTIFICATE_COLUMNS`].
fn cells(certificate: &Certificate, now: OffsetDateTime) -> Vec<String> {
    let a = &certificate.attributes;
    vec![
        certificate.id.clone(),
        a.certificate_type
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        name(certificate).unwrap_or_default().to_owned(),
        a.serial_number.clone().unwrap_or_default(),
        a.expiration_date
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        certificate
            .days_left(now)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        match a.activated {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
    ]
}

/// One table row for a certificate: red when expired, yellow within 30 days of its expiry, dim
/// when inactive.
pub(crate) fn certificate_row(certificate: &Certificate, now: OffsetDateTime) -> Row {
    let tone = validity_tone(certificate.days_left(now), certificate.attributes.activated);
    Row::new(cells(certificate, now)).tone(tone)
}

/// A table of certificates.
pub(crate) fn certificate_table<'c>(
    certificates: impl IntoIterator<Item = &'c Certificate>,
    now: OffsetDateTime,
) -> Table {
    let mut table = Table::new(&CERTIFICATE_COLUMNS);
    for certificate in certificates {
        table.push(certificate_row(certificate, now));
    }
    table
}

/// One certificate as a two-column sheet, FIELD and VALUE, every value in full.
pub(crate) fn show_certificate(out: &Output, certificate: &Certificate) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut sheet = Table::new(&[Column::keep("FIELD"), Column::keep("VALUE")]);
    for (column, value) in CERTIFICATE_COLUMNS.iter().zip(cells(certificate, now)) {
        sheet.push(Row::new(vec![column.header().to_owned(), value]));
    }
    out.table(&sheet)
}

/// `ID (TYPE, NAME, expires DATE)`.
pub(crate) fn describe(certificate: &Certificate) -> String {
    let a = &certificate.attributes;
    let kind = a
        .certificate_type
        .as_ref()
        .map_or_else(|| "certificate".to_owned(), CertificateType::to_string);
    let expiry = a
        .expiration_date
        .map(|d| format!(", expires {}", d.date()))
        .unwrap_or_default();
    format!(
        "{} ({kind}, {}{expiry})",
        certificate.id,
        name(certificate).unwrap_or("unnamed")
    )
}

//! Tables for people, in the style of `gh` and `kubectl`: a header, then one line per row, columns
//! as wide as their content and two spaces apart, no rules.
//!
//! On a terminal narrower than the table, long key ids are shown by their first 12 characters (as
//! git shows commits: the prefix is what `ascert keys` commands take), then the free-text column
//! (a name or a label) is shortened with "…"; when that is not enough, low-value columns are
//! dropped, in the order each table gives (a certificate list drops SERIAL, then EXPIRES), and
//! only then is the free text cut to its header's width. Certificate ids, types, dates and serials
//! are never broken. With no width (piped output, `--wide`) every value is written in full.

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use super::color::{Paint, Tone};

/// Spaces between two columns.
const GAP: usize = 2;

/// A shortened column keeps at least this many characters (or its header's width, or its widest
/// value, whichever is less): a name cut shorter says nothing, and a column is dropped instead.
const SHORTEST: usize = 16;

/// What may happen to a column when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Always shown in full: ids, types, dates, serials, states.
    Keep,
    /// An id that its first N characters identify: cut to them, without "…", before anything else.
    Prefix(usize),
    /// The free-text column: shortened with "…" before anything is dropped.
    Shorten,
}

/// A column: its header and what may happen to it on a narrow terminal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    header: &'static str,
    fit: Fit,
    /// Dropped when shortening is not enough, the lowest rank first; never broken.
    drop: Option<u8>,
}

impl Column {
    /// A column shown in full whatever the width.
    pub(crate) const fn keep(header: &'static str) -> Self {
        Self {
            header,
            fit: Fit::Keep,
            drop: None,
        }
    }

    /// An id shown by its first `len` characters on a narrow terminal.
    pub(crate) const fn prefix(header: &'static str, len: usize) -> Self {
        Self {
            header,
            fit: Fit::Prefix(len),
            drop: None,
        }
    }

    /// The free-text column, shortened first.
    pub(crate) const fn shorten(header: &'static str) -> Self {
        Self {
            header,
            fit: Fit::Shorten,
            drop: None,
        }
    }

    /// A column shown in full, or dropped on a narrow terminal: rank 0 goes first.
    pub(crate) const fn drop(header: &'static str, rank: u8) -> Self {
        Column::keep(header).or_drop(rank)
    }

    /// The column, dropped on a narrow terminal when cutting and shortening are not enough.
    pub(crate) const fn or_drop(mut self, rank: u8) -> Self {
        self.drop = Some(rank);
        self
    }

    /// The column's header.
    pub(crate) const fn header(&self) -> &'static str {
        self.header
    }
}

/// One row: its cells, in the order of the columns, and what its colour says.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    cells: Vec<String>,
    tone: Tone,
}

impl Row {
    /// A row with no particular meaning.
    pub(crate) fn new(cells: Vec<String>) -> Self {
        Self {
            cells,
            tone: Tone::Normal,
        }
    }

    /// The row in the colour of `tone` (on a terminal with colour).
    pub(crate) fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }
}

/// A table to print: columns and rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    columns: Vec<Column>,
    rows: Vec<Row>,
}

/// A rendered table: its lines (without line ends) and the headers of the columns left out to fit.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) lines: Vec<String>,
    pub(crate) dropped: Vec<&'static str>,
}

impl Table {
    /// An empty table with these columns.
    pub(crate) fn new(columns: &[Column]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra cells are ignored.
    pub(crate) fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// Whether the table has no rows.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines at most `width` columns wide (`None`: no limit), coloured with `paint`.
    pub(crate) fn render(&self, width: Option<usize>, paint: Paint) -> Rendered {
        let natural = self.natural_widths();
        let mut shown: Vec<usize> = (0..self.columns.len()).collect();
        let mut dropped = Vec::new();
        let widths = loop {
            let Some(width) = width else {
                break natural.clone();
            };
            if let Some(widths) = self.fit(&natural, &shown, width, Floor::Readable) {
                break widths;
            }
            let lowest = shown
                .iter()
                .copied()
                .filter_map(|i| self.columns[i].drop.map(|rank| (rank, i)))
                .min();
            if let Some((_, i)) = lowest {
                shown.retain(|&c| c != i);
                dropped.push(self.columns[i].header);
                continue;
            }
            // Nothing left to drop: the free text gives up all but its header's width, and a table
            // that is still too wide is written at its narrowest (the terminal wraps it).
            break self
                .fit(&natural, &shown, width, Floor::Header)
                .unwrap_or_else(|| self.shortest_widths(&natural, Floor::Header));
        };
        let header: Vec<&str> = self.columns.iter().map(|c| c.header).collect();
        let fits: Vec<Fit> = self.columns.iter().map(|c| c.fit).collect();
        let mut lines = vec![line(&header, &fits, &widths, &shown, Tone::Normal, paint)];
        for row in &self.rows {
            let cells: Vec<&str> = (0..self.columns.len())
                .map(|i| row.cells.get(i).map_or("", String::as_str))
                .collect();
            lines.push(line(&cells, &fits, &widths, &shown, row.tone, paint));
        }
        Rendered { lines, dropped }
    }

    /// The width of each column with every value in full.
    fn natural_widths(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                self.rows
                    .iter()
                    .filter_map(|r| r.cells.get(i))
                    .map(|c| c.width())
                    .chain([column.header.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The least each column can take, at `floor`; columns that are neither shortened nor cut to a
    /// prefix take their full width.
    fn shortest_widths(&self, natural: &[usize], floor: Floor) -> Vec<usize> {
        self.columns
            .iter()
            .zip(natural)
            .map(|(column, &width)| {
                let header = column.header.width();
                match (column.fit, floor) {
                    (Fit::Prefix(len), _) => width.min(len.max(header)),
                    (Fit::Shorten, Floor::Readable) => width.min(SHORTEST.max(header)),
                    (Fit::Shorten, Floor::Header) => width.min(header),
                    _ => width,
                }
            })
            .collect()
    }

    /// Widths that put the `shown` columns within `width`: ids cut to their prefix first, then the
    /// free text shortened as little as needed, down to `floor`; `None` when that is not enough.
    fn fit(&self, natural: &[usize], shown: &[usize], width: usize, floor: Floor) -> Option<Vec<usize>> {
        let total = |widths: &[usize]| {
            shown.iter().map(|&i| widths[i]).sum::<usize>() + GAP * shown.len().saturating_sub(1)
        };
        let mut widths = natural.to_vec();
        let mut excess = total(&widths).saturating_sub(width);
        let shortest = self.shortest_widths(natural, floor);
        let prefixes = shown
            .iter()
            .filter(|&&i| matches!(self.columns[i].fit, Fit::Prefix(_)));
        let texts = shown.iter().filter(|&&i| self.columns[i].fit == Fit::Shorten);
        for &i in prefixes {
            if excess == 0 {
                break;
            }
            // A prefix is all or nothing: the id in full, or its first characters.
            excess = excess.saturating_sub(widths[i] - shortest[i]);
            widths[i] = shortest[i];
        }
        for &i in texts {
            let cut = (widths[i] - shortest[i]).min(excess);
            widths[i] -= cut;
            excess -= cut;
        }
        (excess == 0).then_some(widths)
    }
}

/// How far a free-text column may be shortened.
#[derive(Debug, Clone, Copy)]
enum Floor {
    /// To [`SHORTEST`] characters, still readable: before any column is dropped.
    Readable,
    /// To its header's width: when no column is left to drop.
    Header,
}

/// One line: the `shown` cells padded to their widths, the last without trailing spaces.
fn line(cells: &[&str], fits: &[Fit], widths: &[usize], shown: &[usize], tone: Tone, paint: Paint) -> String {
    let mut out = String::new();
    for (n, &i) in shown.iter().enumerate() {
        let cell = match fits[i] {
            Fit::Prefix(_) => cells[i].chars().take(widths[i]).collect(),
            _ => shorten(cells[i], widths[i]),
        };
        out.push_str(&cell);
        if n + 1 < shown.len() {
            let pad = widths[i] - cell.width() + GAP;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    paint.apply(tone, out.trim_end())
}

/// `text` cut to `width` columns, its last character replaced with "…" when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate list with the columns of `certificates list`.
    fn certificates() -> Table {
        let mut table = Table::new(&crate::view::CERTIFICATE_COLUMNS);
        let rows = [
            [
                "8T4J5S2W9Q",
                "MAC_INSTALLER_DISTRIBUTION",
                "Jane Appleseed",
                "5C2B1F0A9E8D7C6B",
                "2027-03-14",
                "102",
                "yes",
            ],
            [
                "Q2W9S5J4T8",
                "DEVELOPER_ID_APPLICATION_G2",
                "Appleseed Software International Ltd",
                "0A1B2C3D4E5F6A7B",
                "2030-11-02",
                "1432",
                "yes",
            ],
            [
                "Z9Y8X7W6V5",
                "IOS_DEVELOPMENT",
                "CI Box",
                "7B6C5D4E3F2A1B0C",
                "2026-10-20",
                "-42",
                "no",
            ],
        ];
        for row in rows {
            table.push(Row::new(row.map(str::to_owned).to_vec()));
        }
        table
    }

    fn text(table: &Table, width: Option<usize>) -> String {
        let rendered = table.render(width, Paint::default());
        let mut text = rendered.lines.join("\n");
        if !rendered.dropped.is_empty() {
            text.push_str("\n(dropped: ");
            text.push_str(&rendered.dropped.join(", "));
            text.push(')');
        }
        text
    }

    #[test]
    fn at_80_columns_serial_and_expires_are_dropped_and_the_name_shortened() {
        let text = text(&certificates(), Some(80));
        assert_eq!(
            text,
            "\
ID          TYPE                         NAME                  DAYS LEFT  ACTIVE
8T4J5S2W9Q  MAC_INSTALLER_DISTRIBUTION   Jane Appleseed        102        yes
Q2W9S5J4T8  DEVELOPER_ID_APPLICATION_G2  Appleseed Software …  1432       yes
Z9Y8X7W6V5  IOS_DEVELOPMENT              CI Box                -42        no
(dropped: SERIAL, EXPIRES)"
        );
        for line in text.lines().take(4) {
            assert!(line.width() <= 80, "{line:?} is {} wide", line.width());
        }
    }

    #[test]
    fn at_100_columns_only_the_serial_goes() {
        let text = text(&certificates(), Some(100));
        assert_eq!(
            text,
            "\
ID          TYPE                         NAME                          EXPIRES     DAYS LEFT  ACTIVE
8T4J5S2W9Q  MAC_INSTALLER_DISTRIBUTION   Jane Appleseed                2027-03-14  102        yes
Q2W9S5J4T8  DEVELOPER_ID_APPLICATION_G2  Appleseed Software Internat…  2030-11-02  1432       yes
Z9Y8X7W6V5  IOS_DEVELOPMENT              CI Box                        2026-10-20  -42        no
(dropped: SERIAL)"
        );
    }

    #[test]
    fn at_200_columns_and_piped_every_column_is_in_full() {
        let full = "\
ID          TYPE                         NAME                                  SERIAL            EXPIRES     DAYS LEFT  ACTIVE
8T4J5S2W9Q  MAC_INSTALLER_DISTRIBUTION   Jane Appleseed                        5C2B1F0A9E8D7C6B  2027-03-14  102        yes
Q2W9S5J4T8  DEVELOPER_ID_APPLICATION_G2  Appleseed Software International Ltd  0A1B2C3D4E5F6A7B  2030-11-02  1432       yes
Z9Y8X7W6V5  IOS_DEVELOPMENT              CI Box                                7B6C5D4E3F2A1B0C  2026-10-20  -42        no";
        assert_eq!(text(&certificates(), Some(200)), full);
        assert_eq!(text(&certificates(), None), full);
    }

    #[test]
    fn a_name_is_shortened_before_any_column_is_dropped() {
        // 126 columns in full: the name (36 wide) gives 16 before SERIAL must go.
        let text = text(&certificates(), Some(110));
        assert!(!text.contains("dropped"), "{text}");
        assert!(text.contains(" Appleseed Software … "), "{text}");
        assert!(text.lines().all(|l| l.width() <= 110), "{text}");
    }

    #[test]
    fn on_a_very_narrow_terminal_nothing_is_broken_but_the_name() {
        let text = text(&certificates(), Some(20));
        assert!(text.contains("DEVELOPER_ID_APPLICATION_G2"), "{text}");
        assert!(text.contains("8T4J5S2W9Q"), "{text}");
        assert!(text.contains("(dropped: SERIAL, EXPIRES)"), "{text}");
        assert_eq!(text.lines().count(), 5, "one line per row: {text}");
    }

    #[test]
    fn key_ids_are_cut_to_their_prefix_before_the_label_is_shortened() {
        let id = "3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a";
        let mut table = Table::new(&[
            Column::prefix("KEY", 12),
            Column::shorten("LABEL"),
            Column::keep("FOR TYPE"),
        ]);
        table.push(Row::new(vec![
            id.into(),
            "ascert demo".into(),
            "DISTRIBUTION".into(),
        ]));
        let narrow = table.render(Some(80), Paint::default()).lines;
        assert_eq!(narrow[1], "3f9a0c1d2e4b  ascert demo  DISTRIBUTION");
        let full = table.render(None, Paint::default()).lines;
        assert!(full[1].starts_with(id), "{full:?}");
    }

    #[test]
    fn wide_characters_count_twice() {
        let mut table = Table::new(&[Column::keep("ID"), Column::shorten("LABEL")]);
        table.push(Row::new(vec!["1".into(), "証明書のキー 開発用 ビルド機".into()]));
        let rendered = table.render(Some(20), Paint::default());
        for line in &rendered.lines {
            assert!(line.width() <= 20, "{line:?} is {} wide", line.width());
        }
        assert!(rendered.lines[1].ends_with('…'), "{:?}", rendered.lines);
    }

    #[test]
    fn colour_marks_rows_only_when_asked_and_pads_outside_the_escapes() {
        let mut table = Table::new(&[Column::keep("ID"), Column::keep("DAYS LEFT")]);
        table.push(Row::new(vec!["A".into(), "-3".into()]).tone(Tone::Bad));
        table.push(Row::new(vec!["B".into(), "12".into()]).tone(Tone::Warning));
        table.push(Row::new(vec!["C".into(), "300".into()]));
        let plain = table.render(None, Paint::default()).lines;
        assert!(plain.iter().all(|l| !l.contains('\x1b')), "{plain:?}");
        let coloured = table.render(None, Paint::new(true)).lines;
        assert_eq!(coloured[1], "\x1b[31mA   -3\x1b[0m");
        assert_eq!(coloured[2], "\x1b[33mB   12\x1b[0m");
        assert_eq!(coloured[3], "C   300");
    }
}

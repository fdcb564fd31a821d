//! The help of every command, as transcripts (tests/cmd/*.md): what a user reads must not
//! change by accident. Regenerate with `TRYCMD=overwrite cargo test -p ascert --test e2e help`.

#[test]
fn help_transcripts() {
    trycmd::TestCases::new()
        .register_bin("ascert", std::path::Path::new(env!("CARGO_BIN_EXE_ascert")))
        .env("COLUMNS", "100")
        .case("../../tests/cmd/*.md");
}

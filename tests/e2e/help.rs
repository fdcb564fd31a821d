//! The help of every command, as transcripts (tests/cmd/*.md), and the generated completions and
//! man page. Regenerate the transcripts with `TRYCMD=overwrite cargo test -p ascert --test e2e help`.

use crate::support::{Env, run};

#[test]
fn help_transcripts() {
    trycmd::TestCases::new()
        .register_bin("ascert", std::path::Path::new(env!("CARGO_BIN_EXE_ascert")))
        .env("COLUMNS", "100")
        .case("../../tests/cmd/*.md");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_man_page_are_generated() {
    let env = Env::start().await;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let mut command = env.bare();
        command.args(["completions", shell]);
        let result = run(command).await;
        assert!(result.ok().contains("certificates"), "{shell}: {}", result.stdout);
    }
    let mut command = env.bare();
    command.arg("man");
    let man = run(command).await;
    assert!(man.ok().contains(".TH ascert"), "{}", man.stdout);
    assert!(man.stdout.contains("certificates"));
}

//! The fake `security` of the keychain tests (`fixtures/fake_security.sh`, through
//! `ASCERT_SECURITY_TOOL`): its files, its log of calls, and the checks every test makes of them.

use std::path::PathBuf;

use crate::support::{Env, Run};

/// The fake `security` and its state, in the test's folder.
pub(crate) struct Fake {
    pub(crate) dir: PathBuf,
    pub(crate) login: PathBuf,
    /// Whether runs get `ASCERT_KEY_PASSPHRASE` too.
    pub(crate) passphrase: bool,
}

/// One recorded call.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) args: Vec<String>,
    stdin_null: bool,
    env: Vec<(String, String)>,
}

/// Secrets put in ascert's own environment: none may reach `security`.
const P12_PASSWORD: &str = "p12-secret-Zq81x";
const KEY_PASSPHRASE: &str = "passphrase-secret-Wm40";
const ASC_KEY: &str = "asc-private-key-secret-Hr77";

impl Fake {
    /// A fake whose importer labels keys with the friendlyName (`friendly`, `security import`
    /// without `-f`) or "Imported Private Key" (`imported`, the new importer of macOS 15+).
    pub(crate) fn new(env: &Env, label_mode: &str) -> Fake {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = env.path("fake-security");
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("security");
        std::fs::write(&script, include_str!("../fixtures/fake_security.sh")).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("label-mode"), label_mode).unwrap();
        // HOME is the test folder (support.rs): a login keychain there, first in the search list.
        let keychains = env.path("Library/Keychains");
        std::fs::create_dir_all(&keychains).unwrap();
        let login = keychains.join("login.keychain-db");
        std::fs::write(&login, "password\tlogin-pw\nlocked\t0\n").unwrap();
        std::fs::write(dir.join("search-list"), format!("{}\n", login.display())).unwrap();
        std::fs::write(dir.join("default"), format!("{}\n", login.display())).unwrap();
        Fake {
            dir,
            login,
            passphrase: false,
        }
    }

    pub(crate) fn vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            (
                "ASCERT_SECURITY_TOOL".into(),
                self.dir.join("security").display().to_string(),
            ),
            ("ASCERT_SECURITY_TIMEOUT".into(), "20".into()),
            ("ASCERT_P12_PASSWORD".into(), P12_PASSWORD.into()),
            ("ASC_PRIVATE_KEY".into(), ASC_KEY.into()),
        ];
        if self.passphrase {
            // Keys encrypted at rest cost a slow key derivation per run: only where it is checked.
            vars.push(("ASCERT_KEY_PASSPHRASE".into(), KEY_PASSPHRASE.into()));
        }
        vars
    }

    pub(crate) async fn run(&self, env: &Env, extra: &[(&str, &str)], args: &[&str]) -> Run {
        let mut vars = self.vars();
        vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        env.run_with(&vars, args).await
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        let mut calls = Vec::new();
        let mut current: Option<Call> = None;
        for line in self.log().lines() {
            match line {
                "call" => {
                    current = Some(Call {
                        args: Vec::new(),
                        stdin_null: false,
                        env: Vec::new(),
                    });
                }
                "end" => calls.extend(current.take()),
                "stdin null" => current.as_mut().unwrap().stdin_null = true,
                _ => {
                    if let Some(call) = current.as_mut() {
                        if let Some(arg) = line.strip_prefix("arg ") {
                            call.args.push(arg.to_owned());
                        } else if let Some((name, value)) =
                            line.strip_prefix("env ").and_then(|e| e.split_once('='))
                        {
                            call.env.push((name.to_owned(), value.to_owned()));
                        }
                    }
                }
            }
        }
        calls
    }

    /// The calls of one sub-command, as their argument lists.
    pub(crate) fn args_of(&self, subcommand: &str) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|c| c.args.first().is_some_and(|a| a == subcommand))
            .map(|c| c.args)
            .collect()
    }

    /// The fake's default keychain.
    pub(crate) fn default_keychain(&self) -> String {
        std::fs::read_to_string(self.dir.join("default"))
            .unwrap()
            .trim()
            .to_owned()
    }

    pub(crate) fn search_list(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("search-list"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every call: stdin was /dev/null, no prompt, and the environment held only what `security`
    /// needs — none of ascert's secrets.
    pub(crate) fn assert_every_call_was_clean(&self) {
        let calls = self.calls();
        assert!(!calls.is_empty(), "security was never run");
        assert!(
            !self.log().lines().any(|l| l == "prompt"),
            "security was made to ask for a password:\n{}",
            self.log()
        );
        let allowed = ["PATH", "HOME", "USER", "LOGNAME", "TMPDIR"];
        let added_by_sh = ["PWD", "SHLVL", "_", "OLDPWD"];
        for call in &calls {
            assert!(call.stdin_null, "stdin was not /dev/null for {:?}", call.args);
            for (name, value) in &call.env {
                assert!(
                    allowed.contains(&name.as_str()) || added_by_sh.contains(&name.as_str()),
                    "{name} reached security in {:?}",
                    call.args
                );
                for secret in [P12_PASSWORD, KEY_PASSPHRASE, ASC_KEY] {
                    assert!(!value.contains(secret), "{name} carried a secret to security");
                }
            }
            let path = call
                .env
                .iter()
                .find(|(n, _)| n == "PATH")
                .map(|(_, v)| v.as_str());
            assert_eq!(path, Some("/usr/bin:/bin:/usr/sbin:/sbin"), "{:?}", call.args);
        }
    }
}

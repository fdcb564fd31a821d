//! The grammar of `ascert auth …`: status, login, logout.

use clap::Subcommand;

/// `ascert auth ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Save the API key given by the global options in the OS credential store, under --profile
    Login,
    /// Show which API key is in use and whether App Store Connect accepts it
    Status,
    /// Remove the profile's API key from the OS credential store
    Logout,
    /// Print a signed token, for `curl -H "Authorization: Bearer $(ascert auth token)"`
    Token {
        /// Limit the token to these requests, e.g. "GET /v1/certificates" (repeatable)
        #[arg(long, value_name = "SCOPE")]
        scope: Vec<String>,
        /// Seconds the token is valid, 180 to 1200
        #[arg(long, value_name = "SECS", default_value_t = 1200, value_parser = clap::value_parser!(u64).range(180..=1200))]
        lifetime: u64,
    },
}

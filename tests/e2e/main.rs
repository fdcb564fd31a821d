//! End-to-end tests: the built `ascert` binary against the sandbox, one module per area.
//!
//! Each test starts its own in-process sandbox and runs the binary in a clean environment (its own
//! HOME, keystore, config file and API key file), so tests never see the machine's keys or each other.

mod action;
mod apple_errors;
mod apple_pay;
mod auth;
mod bad_input;
mod certificates;
mod check;
mod conflicts;
mod crash;
mod create;
mod deadlines;
mod demo;
mod docs_examples;
mod encryption;
mod ensure;
mod errors;
mod every_type;
mod help;
mod hostile_server;
mod identities;
mod json;
mod keychain;
mod keys;
mod keys_prune;
mod overwrite;
mod profiles;
mod sandbox_ca;
mod sandbox_serve;
mod secrets;
mod signals;
mod soak;
mod support;
mod team;
mod team_azure;
mod team_fleet;
mod team_trust;
mod terminal;

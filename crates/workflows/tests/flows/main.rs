//! The flows against a fake App Store Connect (`support.rs`), real keystores in temporary folders and
//! `memory://` team stores: each branch of create, ensure and the team store's lease protocol, as a
//! user of the library would see it (what is returned, what is kept on disk, what Apple was asked).

mod check;
mod create;
mod local;
mod profile;
mod share;
mod support;
mod team;

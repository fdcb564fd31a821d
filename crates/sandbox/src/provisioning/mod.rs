//! The provisioning resources — bundle IDs with their capabilities, devices and profiles — as the
//! sandbox keeps them (`store/provisioning.rs`), checks what clients send for them (`rules.rs`), shows them
//! (`render.rs`, through the generic handlers' [`Resource`](crate::resource::Resource) in
//! `resource.rs`) and fills a profile's `profileContent` (`content.rs`). Their handlers are in
//! `routes/` beside the certificates'.

pub(crate) mod content;
pub(crate) mod render;
pub(crate) mod resource;
pub(crate) mod rules;

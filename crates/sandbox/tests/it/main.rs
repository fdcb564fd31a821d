//! End-to-end tests of the sandbox over HTTP, one module per area; every response document is
//! validated against Apple's OpenAPI schemas.

mod api;
mod auth;
mod body_limit;
mod common;
mod exchanges;
mod faults;
mod issuance;
mod linkages;
mod profile_content;
mod provisioning;
mod state;
mod third_party;

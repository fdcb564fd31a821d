//! Integration tests of ascert-mobileprovision, one binary with a module per area. Profiles are
//! built here for real: an rcgen chain (root, intermediate, signer) and a CMS `SignedData` signed
//! with the signer's key, so every check of `verify` meets the structure it checks in Apple's.

mod install;
mod openssl;
mod parse;
mod support;
mod verify;

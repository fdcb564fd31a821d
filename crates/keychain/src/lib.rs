//! Import signing identities into the macOS keychain (placeholder until the macOS code lands).

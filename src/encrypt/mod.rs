//! Encrypted formats of Secrets, each in its own file: `sops.rs` (SOPS's YAML format with
//! AES-256-GCM values). Pure functions over JSON values: no I/O, no clock and no randomness of
//! their own (the caller passes a random source and wraps data keys for recipients), so the
//! library stays deterministic for a given source. They know nothing of Kubernetes kinds;
//! `passes::seal` decides what is encrypted.

pub mod sops;

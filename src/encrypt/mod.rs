//! Encrypted formats of secret values for Git, each in its own file: `sops.rs` (SOPS's YAML
//! format with AES-256-GCM values, which Flux decrypts) and `sealed.rs` (Bitnami SealedSecrets,
//! for the controller's certificate). Pure functions of their inputs (a public key or
//! certificate, the values, a random source and key wrapping the caller passes in): no I/O, no
//! clock, no environment, and never a private key. They know nothing of Kubernetes kinds;
//! `passes::seal` decides what is encrypted.

pub mod sealed;
pub mod sops;

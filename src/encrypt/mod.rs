//! Encryption of secret values for Git: the formats a cluster-side controller decrypts
//! (`sealed`: Bitnami SealedSecrets). Pure functions of their inputs (a public key or
//! certificate, the value, a random number generator the caller passes in); no I/O, no
//! clock, no environment, and never a private key: k8gen only ever encrypts.

pub mod sealed;

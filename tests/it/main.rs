//! The one integration test binary: golden output, golden errors, invariants over every spec,
//! YAML 1.1 read-back, the Rust API, and hostile input (fuzz). `UPDATE_EXPECT=1 cargo test`
//! rewrites golden files.

mod api;
mod architecture;
mod argocd;
mod concurrency;
mod confine;
mod diff;
mod engine;
mod engines;
mod env_order;
mod env_tree;
mod environments;
mod equivalence;
mod errors;
mod features;
mod flux;
mod fuzz;
mod fuzz_output;
mod golden;
mod hashed;
mod hostile;
mod import;
mod init;
mod invariants;
mod lints;
mod passthrough;
mod paths;
mod python;
mod release;
mod rollout;
mod scale;
mod schema;
mod sealed;
mod sealed_tree;
mod secrets;
mod set_image;
mod support;
mod takeover;
mod tree;
mod yaml_readback;

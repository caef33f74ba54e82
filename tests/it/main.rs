//! The one integration test binary: golden output, golden errors, invariants over every spec,
//! YAML 1.1 read-back, the Rust API, and hostile input (fuzz). `UPDATE_EXPECT=1 cargo test`
//! rewrites golden files.

mod api;
mod architecture;
mod concurrency;
mod diff;
mod engine;
mod env_order;
mod environments;
mod equivalence;
mod errors;
mod features;
mod fuzz;
mod fuzz_output;
mod golden;
mod hostile;
mod import;
mod init;
mod invariants;
mod lints;
mod python;
mod release;
mod rollout;
mod scale;
mod schema;
mod secrets;
mod set_image;
mod support;
mod takeover;
mod tree;
mod yaml_readback;

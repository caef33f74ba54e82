//! The `k8gen` binary: parse flags, call the library, map the outcome to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    ExitCode::from(cli::run(args) as u8)
}

//! hikyaku (飛脚): e-mail campaigns the way 特定電子メール法 and the big mailbox
//! providers require.
//!
//! The pipeline runs one way: [`config`] and [`recipients`] load the inputs,
//! [`plan`] decides who receives what against the [`store`], and the later
//! stages render, sign, deliver and journal. [`commands`] wires the stages to
//! the command line defined in [`cli`].
//!
//! Only what the integration tests and the benchmarks use is public; the
//! rest is `pub(crate)`, so that the compiler reports code nothing uses.

#![warn(unreachable_pub)]

pub mod address;
mod address_set;
mod cli;
mod clock;
mod commands;
pub mod compose;
pub mod config;
mod csv_input;
mod deliver;
mod digest;
mod error;
mod estimate;
pub mod feedback;
mod files;
mod html;
mod list;
mod output;
mod plan;
mod recipients;
mod render;
mod report;
mod serve;
mod sign;
pub mod store;
mod tls;
pub mod token;

use std::process::ExitCode;

/// Parses the command line, runs the command, and reports any error on stderr.
pub fn main() -> ExitCode {
    use clap::Parser;
    let cli = cli::Cli::parse();
    if let Err(message) = clock::check_override() {
        eprintln!("error: {message}");
        return ExitCode::from(error::exit::USAGE);
    }
    match commands::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = error.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

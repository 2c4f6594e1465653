//! hikyaku (飛脚): e-mail campaigns the way 特定電子メール法 and the big mailbox
//! providers require.
//!
//! The pipeline runs one way: [`config`] and [`recipients`] load the inputs,
//! [`plan`] decides who receives what against the [`store`], and the later
//! stages render, sign, deliver and journal. [`commands`] wires the stages to
//! the command line defined in [`cli`].

pub mod address;
pub mod address_set;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod compose;
pub mod config;
pub mod csv_input;
pub mod deliver;
pub mod digest;
pub mod error;
pub mod estimate;
pub mod feedback;
pub mod files;
pub mod html;
pub mod list;
pub mod output;
pub mod plan;
pub mod recipients;
pub mod render;
pub mod report;
pub mod serve;
pub mod sign;
pub mod store;
pub mod tls;
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

//! What each subcommand does: it loads what it needs, runs the stages, and
//! reports. The stages themselves know nothing of the command line.

mod approve;
mod check;
mod consent;
mod dns;
mod import;
mod ingest;
mod init;
mod preview;
mod send;
mod serve;
mod session;
mod status;
mod suppress;

use std::path::PathBuf;

use crate::cli::{Cli, Command, StoreCommand};
use crate::config::Campaign;
use crate::error::{Error, Outcome};
use crate::output::Ui;
use crate::store::Store;

/// The store used when neither --store, HIKYAKU_STORE nor the campaign names one.
pub(crate) const DEFAULT_STORE: &str = "hikyaku.db";

/// What every command gets from the global flags.
pub(crate) struct Context {
    store_flag: Option<PathBuf>,
    ui: Ui,
}

impl Context {
    /// The store path: --store (or HIKYAKU_STORE), else the campaign's `store`,
    /// else ./hikyaku.db.
    pub(crate) fn store_path(&self, campaign: Option<&Campaign>) -> PathBuf {
        self.store_flag
            .clone()
            .or_else(|| campaign.and_then(|c| c.store.clone()))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE))
    }

    fn open_store(&self, campaign: Option<&Campaign>) -> Result<Store, Error> {
        let path = self.store_path(campaign);
        self.ui.detail(format_args!("store: {}", path.display()));
        let store = Store::open(&path)?;
        // Whoever can read the store can unsubscribe anyone (its secret makes
        // every token) and reads every address and consent record.
        if let Some(open) = Store::files(&path)
            .into_iter()
            .find(|file| crate::files::readable_by_others(file))
        {
            self.ui.warn(format_args!(
                "{}: readable by other users of this machine, yet it holds the secret behind every \
                 unsubscribe link and every address; run `hikyaku --store {} store secure` \
                 (or chmod 600 the store and its -wal and -shm files)",
                open.display(),
                path.display()
            ));
        }
        Ok(store)
    }
}

/// Runs the command: how it ended, or why it failed.
pub(crate) fn run(cli: Cli) -> Result<Outcome, Error> {
    let context = Context {
        store_flag: cli.store,
        ui: Ui {
            quiet: cli.quiet,
            verbose: cli.verbose,
        },
    };
    match cli.command {
        Command::Init { dir } => init::init(&context, &dir),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "hikyaku", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut std::io::stdout())
            .map_err(Error::Output),
        Command::Check(args) => check::check(&context, &args),
        Command::Preview(args) => preview::preview(&context, &args),
        Command::Send(args) => return send::send(&context, &args),
        Command::Approve(args) => approve::approve(&context, &args),
        Command::Status(args) => status::status(&context, &args),
        Command::Report(args) => status::report(&context, &args),
        Command::Suppress(command) => suppress::run(&context, command),
        Command::Consent(command) => consent::run(&context, command),
        Command::Serve(args) => serve::serve(&context, &args),
        Command::Ingest(args) => ingest::ingest(&context, &args),
        Command::Store(StoreCommand::Secure) => secure_store(&context),
        Command::Store(StoreCommand::Backup { file }) => {
            let store = context.open_store(None)?;
            store.backup_to(&file)?;
            context.ui.info(format_args!(
                "{}: a consistent copy of {} (readable by its owner only)",
                file.display(),
                store.path().display()
            ));
            Ok(())
        }
    }?;
    Ok(Outcome::Done)
}

/// `hikyaku store secure`: the store and its -wal and -shm files become
/// readable by their owner only.
fn secure_store(context: &Context) -> Result<(), Error> {
    let path = context.store_path(None);
    for file in Store::files(&path) {
        if crate::files::make_private(&file).map_err(|source| Error::Write {
            path: file.clone(),
            source,
        })? {
            context.ui.info(format_args!(
                "{}: readable by its owner only (0600)",
                file.display()
            ));
        }
    }
    Ok(())
}

/// Parses an address given on the command line into its store key.
fn address_key(text: &str) -> Result<String, Error> {
    crate::address::Address::parse(text)
        .map(|a| a.key())
        .map_err(|e| Error::BadArgument(format!("{text:?} is not a usable address: {e}")))
}

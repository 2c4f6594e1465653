//! `serve`: the unsubscribe endpoint (see [`crate::serve`]).

use std::io::Write;
use std::sync::Arc;

use super::Context;
use crate::cli::ServeArgs;
use crate::error::Error;
use crate::serve::{self, Endpoint};

/// Runs the endpoint until SIGINT or SIGTERM.
pub(super) fn serve(context: &Context, args: &ServeArgs) -> Result<(), Error> {
    let store = context.open_store(None)?;
    // Store work must end (503, try again) before the request's deadline.
    store.set_busy_timeout((args.read_timeout / 2).min(std::time::Duration::from_secs(5)))?;
    let store_path = store.path().to_owned();
    let endpoint = Arc::new(Endpoint::new(
        store,
        Box::new(|line| {
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop unsubscribes from being honoured.
            let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        }),
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let result = runtime.block_on(async {
        let listener = serve::bind(args.listen).await?;
        let address = listener.local_addr().map_err(serve::ServeError::Io)?;
        {
            // The first line tells scripts (and tests) the port when --listen said 0.
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "listening on http://{address}/ (store {})",
                store_path.display()
            )?;
            out.flush()?;
        }
        let limits = serve::Limits {
            max_connections: args.max_connections as usize,
            read_timeout: args.read_timeout,
            ..serve::Limits::default()
        };
        serve::run(listener, endpoint, limits, shutdown_signal()).await?;
        context.ui.info("stopped");
        Ok(())
    });
    // Store work still running after the connections were cut is given a
    // moment, not the whole busy timeout.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    result
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

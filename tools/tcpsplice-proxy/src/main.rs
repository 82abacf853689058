// SPDX-License-Identifier: GPL-2.0
//! `tcpsplice-proxy --config FILE` runs the proxy; `--check` validates FILE.
use clap::Parser;
use std::process::ExitCode;
use tcpsplice_proxy::{config::Config, info, proxy::Proxy, splice, warn};

#[derive(Parser)]
#[command(
    name = "tcpsplice-proxy",
    version,
    about = "Layer-7 proxy that splices connections in the kernel with tcpsplice"
)]
struct Cli {
    /// The TOML configuration file.
    #[arg(short, long, value_name = "FILE")]
    config: std::path::PathBuf,
    /// Only check the configuration: print "FILE: ok" or the first error
    /// (file, line, reason) and exit.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = cli.config.display().to_string();
    let cfg = match std::fs::read_to_string(&cli.config) {
        Ok(text) => Config::parse(&text, &name),
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(1);
        }
    };
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    if cli.check {
        println!("{name}: ok");
        return ExitCode::SUCCESS;
    }
    let fallback = if cfg.splice {
        splice::probe()
    } else {
        Some(splice::Fallback::Disabled)
    };
    match &fallback {
        Some(why) => warn!("splicing unavailable, relaying in userspace: {why}"),
        None => info!("splicing connections with tcpsplice"),
    }
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async move {
        let metrics = cfg.metrics;
        let proxy = Proxy::new(cfg, fallback);
        let listeners = match proxy.bind().await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("tcpsplice-proxy: {e}");
                return ExitCode::from(1);
            }
        };
        for l in listeners {
            info!(
                "listening on {} ({:?})",
                l.0.local_addr().map(|a| a.to_string()).unwrap_or_default(),
                l.1
            );
            tokio::spawn(proxy.clone().serve(l));
        }
        if let Some(addr) = metrics {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => {
                    info!("metrics on http://{addr}/metrics");
                    tokio::spawn(tcpsplice_proxy::metrics::serve(l, proxy.clone()));
                }
                Err(e) => {
                    eprintln!("tcpsplice-proxy: metrics on {addr}: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        info!("stopping: {}", proxy.stats.line());
        ExitCode::SUCCESS
    })
}

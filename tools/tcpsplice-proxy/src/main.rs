// SPDX-License-Identifier: GPL-2.0
//! `tcpsplice-proxy --config FILE` runs the proxy; `--check` validates FILE.
use clap::{CommandFactory, Parser};
use std::process::ExitCode;
use tcpsplice_proxy::{access, config::Config, info, proxy::Proxy, splice, warn, watch::Watch};

#[derive(Parser)]
#[command(
    name = "tcpsplice-proxy",
    version,
    about = "Layer-7 proxy that splices connections in the kernel with tcpsplice",
    after_long_help = "The configuration is described in tcpsplice-proxy.toml(5). SIGHUP \
reloads it for new connections; SIGTERM drains (stops accepting, lets the connections \
in flight be spliced or end, at most drain_timeout_ms) and exits. Exit status: 0 after \
a drain or a good --check; 1 a bad configuration, or a listener, the access log or the \
admin socket that cannot be opened; 2 a usage error."
)]
struct Cli {
    /// The TOML configuration file.
    #[arg(short, long, value_name = "FILE", required_unless_present = "generate")]
    config: Option<std::path::PathBuf>,
    /// For packaging: write the man page (`man`) or a completion script
    /// (`bash`, `zsh`, `fish`, ...) to stdout.
    #[arg(long, hide = true, value_name = "WHAT")]
    generate: Option<String>,
    /// Only check the configuration: print "FILE: ok" or the first error
    /// (file, line, reason) and exit.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(what) = &cli.generate {
        let mut out = std::io::stdout();
        let done = match what.as_str() {
            "man" => clap_mangen::Man::new(Cli::command())
                .section("8")
                .render(&mut out)
                .is_ok(),
            shell => match shell.parse::<clap_complete::Shell>() {
                Ok(s) => {
                    clap_complete::generate(s, &mut Cli::command(), "tcpsplice-proxy", &mut out);
                    true
                }
                Err(_) => false,
            },
        };
        if !done {
            eprintln!("tcpsplice-proxy: cannot generate {what:?}");
        }
        return if done {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    let path = cli.config.expect("required unless --generate");
    let name = path.display().to_string();
    let cfg = match std::fs::read_to_string(&path) {
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
    let access = match &cfg.access_log {
        Some(path) => match access::AccessLog::open(path, cfg.access_log_format) {
            Ok(log) => Some(log),
            Err(e) => {
                eprintln!("tcpsplice-proxy: access log {path}: {e}");
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    if let (Some(log), None) = (&access, &fallback) {
        // Spliced connections' lines wait for the module's end events.
        if let Err(e) = log.follow_splices() {
            warn!("access log: cannot follow splice events ({e}): spliced connections are logged when spliced");
        }
    }
    // The module watches this process only if it splices.
    let watched = fallback.is_none();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async move {
        let metrics = cfg.metrics;
        let release_vips_after_ms = cfg.release_vips_after_ms;
        let admin_socket = cfg.admin_socket.clone();
        let proxy = Proxy::new(cfg, fallback);
        if let Some(log) = access {
            proxy.set_access_log(log);
        }
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
        if let Some(path) = &admin_socket {
            match tcpsplice_proxy::admin::listen(path) {
                Ok(l) => {
                    info!("admin socket {path}");
                    tokio::spawn(tcpsplice_proxy::admin::serve(l, proxy.clone()));
                }
                Err(e) => {
                    eprintln!("tcpsplice-proxy: admin socket {path}: {e}");
                    return ExitCode::from(1);
                }
            }
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
        // Serving: from now on this process's end releases the VIPs.
        let mut watch = Watch::default();
        if watched {
            watch.set(release_vips_after_ms);
        }
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("signal");
        let mut hup = signal(SignalKind::hangup()).expect("signal");
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
                _ = hup.recv() => {
                    if let Some(ms) = reload(&proxy, &path).filter(|_| watched) {
                        watch.set(ms);
                    }
                }
            }
        }
        // The drain: the listeners close (a new proxy on the same addresses
        // takes over), the connections in flight finish their heads and are
        // spliced, or relayed until they end or the drain time is up.
        let limit = proxy.drain_timeout();
        info!(
            "draining: accepting no more, {} connections in flight, at most {} ms",
            proxy.in_flight(),
            limit.as_millis()
        );
        if !proxy.drain(limit).await {
            warn!(
                "drain: {} connections still in flight after {} ms are closed",
                proxy.in_flight(),
                limit.as_millis()
            );
        }
        info!("stopping: {}", proxy.stats.line());
        ExitCode::SUCCESS
    })
}

/// SIGHUP: read the configuration again and apply it to new connections;
/// on any error keep the running one. The new `release_vips_after_ms`, if
/// it was applied.
fn reload(proxy: &Proxy, path: &std::path::Path) -> Option<u32> {
    let name = path.display().to_string();
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| format!("{name}: {e}"))
        .and_then(|text| Config::parse(&text, &name).map_err(|e| e.to_string()));
    let release = parsed.as_ref().map(|c| c.release_vips_after_ms).ok();
    match parsed.and_then(|cfg| proxy.reload(cfg)) {
        Ok(()) => {
            info!("reloaded {name}");
            release
        }
        Err(e) => {
            warn!("reload refused, keeping the running configuration: {e}");
            None
        }
    }
}

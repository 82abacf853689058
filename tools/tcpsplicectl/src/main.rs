// SPDX-License-Identifier: GPL-2.0
//! `tcpsplicectl`: configure and inspect tcpsplice in the current network
//! namespace.
use tcpsplice_client as client;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tcpsplicectl",
    version,
    about = "Configure and inspect tcpsplice (in-kernel TCP splicing)"
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Act in the named network namespace (/run/netns/NAME), like `ip -n`.
    #[arg(short = 'n', long, global = true, value_name = "NAME")]
    netns: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Module version, this namespace's settings and counters.
    Status,
    /// Change this namespace's settings (needs CAP_NET_ADMIN).
    Set {
        /// Size bound of the splice table (1..1048576).
        #[arg(long)]
        max_splices: Option<u32>,
        /// Seconds a splice may stay idle before it is removed (1..86400).
        #[arg(long)]
        idle_timeout: Option<u32>,
    },
    /// Zero this namespace's counters (needs CAP_NET_ADMIN).
    ResetStats,
    /// Only the counters (text: one `name value` per line).
    Stats,
    /// Splice two established local connections (needs CAP_NET_ADMIN).
    /// Each connection is named as the proxy sees it: local then remote
    /// address, e.g. `192.0.2.100:80 198.51.100.7:40001`.
    Splice {
        /// The proxy's address of the client connection.
        client_local: std::net::SocketAddr,
        /// The client's address.
        client_remote: std::net::SocketAddr,
        /// The proxy's address of the backend connection.
        backend_local: std::net::SocketAddr,
        /// The backend's address.
        backend_remote: std::net::SocketAddr,
    },
    /// Remove a splice by its id (needs CAP_NET_ADMIN).
    Unsplice {
        /// The id `list` shows.
        id: u64,
    },
    /// The splices of this namespace (needs CAP_NET_ADMIN).
    List,
}

/// Move this process into a named network namespace.
fn enter_netns(name: &str) -> Result<(), client::Error> {
    if name.contains('/') {
        return Err(client::Error::Usage(format!("bad namespace name {name:?}")));
    }
    let path = format!("/run/netns/{name}");
    let f = std::fs::File::open(&path).map_err(|e| client::Error::Usage(format!("{path}: {e}")))?;
    use std::os::fd::AsRawFd;
    // SAFETY: setns() only reads the descriptor, which `f` keeps open.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(client::Error::Usage(format!(
            "cannot enter {path}: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), client::Error> {
    if let Some(ns) = &cli.netns {
        enter_netns(ns)?;
    }
    let mut c = client::Client::connect()?;
    match cli.cmd {
        Cmd::Status => {
            let s = c.status()?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&s).expect("serialisable")
                );
            } else {
                print!("{}", s.to_text());
            }
        }
        Cmd::Set {
            max_splices,
            idle_timeout,
        } => {
            if max_splices.is_none() && idle_timeout.is_none() {
                return Err(client::Error::Usage(
                    "nothing to set: give --max-splices and/or --idle-timeout".into(),
                ));
            }
            c.set_config(max_splices, idle_timeout)?;
        }
        Cmd::ResetStats => c.reset_stats()?,
        Cmd::Stats => {
            let s = c.status()?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&s.stats).expect("serialisable")
                );
            } else {
                for (k, v) in &s.stats {
                    println!("{k} {v}");
                }
            }
        }
        Cmd::Splice {
            client_local,
            client_remote,
            backend_local,
            backend_remote,
        } => {
            let e = c.splice(
                (client_local, client_remote),
                (backend_local, backend_remote),
            )?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&e).expect("serialisable")
                );
            } else {
                println!("spliced: id {}", e.id);
            }
        }
        Cmd::Unsplice { id } => c.unsplice(id)?,
        Cmd::List => {
            let l = c.list()?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&l).expect("serialisable")
                );
            } else {
                print!("{}", client::table(&l));
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tcpsplicectl: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

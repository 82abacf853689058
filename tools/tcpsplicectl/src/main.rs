// SPDX-License-Identifier: GPL-2.0
//! `tcpsplicectl`: configure and inspect tcpsplice in the current network
//! namespace.
use tcpsplice_client as client;
mod cluster_file;
mod render;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tcpsplicectl",
    version,
    about = "Configure and inspect tcpsplice (in-kernel TCP splicing)",
    after_long_help = EXIT_STATUS
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
    /// Only the counters (text: one `name value` per line), this
    /// namespace's and, in a cluster, each peer's (`peerN.tx`, `.rx`,
    /// `.retransmitted`, `.bulk_syncs`, `.failures`; needs CAP_NET_ADMIN).
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
    /// The splices of this namespace (needs CAP_NET_ADMIN). A `*` after
    /// the state marks a replica from a cluster peer.
    List,
    /// Cluster membership: configuration, peers and VIPs.
    Cluster {
        #[command(subcommand)]
        cmd: ClusterCmd,
    },
    /// The busiest splices, by bytes per second, refreshed (needs
    /// CAP_NET_ADMIN).
    Top {
        /// Seconds between samples.
        #[arg(long, default_value_t = 1.0)]
        interval: f64,
        /// Stop after this many samples (and do not clear the screen).
        #[arg(long)]
        count: Option<usize>,
        /// How many splices to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// For packaging: write the man page (`man`) or a completion script
    /// (`bash`, `zsh`, `fish`, `elvish`, `powershell`) to stdout, or
    /// (`man-dir DIR`) a man page per command and subcommand into DIR.
    #[command(hide = true)]
    Generate {
        what: String,
        dir: Option<std::path::PathBuf>,
    },
    /// Print a new cluster key (32 hex digits, from the kernel's random
    /// number generator), or write it to FILE, created with mode 0600 (and
    /// its directory with 0700), never over an existing file.
    Genkey {
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Print events as they happen, each with the time it was received:
    /// cluster events (peer up/down, takeover, release, ready) and splices
    /// made and gone (splice_new; splice_end with bytes each way, duration
    /// and how it ended).
    Monitor {
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
        /// Only cluster events.
        #[arg(long, conflicts_with = "splices")]
        cluster: bool,
        /// Only splice events.
        #[arg(long)]
        splices: bool,
    },
}

#[derive(Subcommand)]
enum ClusterCmd {
    /// Replace this node's cluster configuration (needs CAP_NET_ADMIN).
    Set {
        /// This node's id (1..).
        #[arg(long)]
        node_id: u32,
        /// UDP port of every node's sync socket (default 7010).
        #[arg(long)]
        port: Option<u16>,
        /// Heartbeat interval in ms (10..10000, default 100).
        #[arg(long)]
        interval: Option<u32>,
        /// Missed heartbeats that declare a peer dead (2..100, default 5).
        #[arg(long)]
        misses: Option<u32>,
        /// File holding the shared key: 32 hex digits (16 bytes).
        #[arg(long, value_name = "FILE")]
        key_file: std::path::PathBuf,
        /// Hand VIPs back to more preferred nodes when they return.
        #[arg(long)]
        preempt: bool,
        /// A peer, as ID=ADDRESS (repeat).
        #[arg(long, value_name = "ID=ADDRESS")]
        peer: Vec<String>,
        /// A VIP and its owners in priority order, as ADDRESS=ID,ID,... (repeat).
        #[arg(long, value_name = "ADDRESS=IDS")]
        vip: Vec<String>,
        /// (On a proxy) a backend that split splices may be handed to, as
        /// ID=ADDRESS, the address its service listens on (repeat).
        #[arg(long, value_name = "ID=ADDRESS")]
        backend_peer: Vec<String>,
        /// This node is a backend of split splices: its peers are the
        /// proxies that may hand it splices; no VIPs.
        #[arg(long)]
        backend: bool,
    },
    /// Replace this node's cluster configuration with the one in a TOML
    /// file (needs CAP_NET_ADMIN); errors name the file and line.
    Load {
        /// The file (see Documentation/cluster.rst).
        file: std::path::PathBuf,
        /// Only check the file and its key: print "FILE: ok" or the first
        /// error (file, line, reason); the module is not needed.
        #[arg(long)]
        check: bool,
        /// Read the key from KEY_FILE instead of the file's key_file (for
        /// a key systemd passes as a credential: the cluster unit).
        #[arg(long, value_name = "KEY_FILE")]
        key_file: Option<std::path::PathBuf>,
    },
    /// Leave the cluster: close the sync socket, give up every VIP
    /// (needs CAP_NET_ADMIN).
    Leave,
    /// Configuration, peer states and VIP ownership (needs CAP_NET_ADMIN).
    Show,
    /// The running configuration as a cluster file, which 'cluster load'
    /// accepts as it is; the module never reports the key, so the file
    /// names KEY_FILE for it (needs CAP_NET_ADMIN).
    Showconf {
        #[arg(long, value_name = "KEY_FILE")]
        key_file: std::path::PathBuf,
    },
}

fn usage(m: String) -> client::Error {
    client::Error::Usage(m)
}

/// The key file: 32 hex digits, whitespace ignored.
fn read_key(path: &std::path::Path) -> Result<[u8; 16], client::Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut key = [0u8; 16];
    if hex.len() != 32 {
        return Err(usage(format!(
            "{}: the key must be 32 hex digits",
            path.display()
        )));
    }
    for (i, k) in key.iter_mut().enumerate() {
        *k = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| usage(format!("{}: the key must be 32 hex digits", path.display())))?;
    }
    Ok(key)
}

fn parse_peer(s: &str) -> Result<(u32, std::net::IpAddr), client::Error> {
    let bad = || {
        usage(format!(
            "--peer {s:?}: expected ID=ADDRESS, e.g. 2=10.0.0.2"
        ))
    };
    let (id, addr) = s.split_once('=').ok_or_else(bad)?;
    Ok((
        id.parse().map_err(|_| bad())?,
        addr.parse().map_err(|_| bad())?,
    ))
}

fn parse_vip(s: &str) -> Result<(std::net::IpAddr, Vec<u32>), client::Error> {
    let bad = || {
        usage(format!(
            "--vip {s:?}: expected ADDRESS=ID,ID,..., e.g. 192.0.2.1=1,2"
        ))
    };
    let (addr, ids) = s.split_once('=').ok_or_else(bad)?;
    let ids = ids
        .split(',')
        .map(|i| i.parse().map_err(|_| bad()))
        .collect::<Result<Vec<u32>, _>>()?;
    Ok((addr.parse().map_err(|_| bad())?, ids))
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

/// Print `value` as JSON (`--json`; `pretty` for one document, not one per
/// line) or as the text `text` renders.
fn emit<T: serde::Serialize>(json: bool, pretty: bool, value: &T, text: impl FnOnce(&T) -> String) {
    if !json {
        print!("{}", text(value));
    } else if pretty {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("serialisable")
        );
    } else {
        println!("{}", serde_json::to_string(value).expect("serialisable"));
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// What the exit status says (every command; the man page's EXIT STATUS).
const EXIT_STATUS: &str = "Exit status: 0 success; 1 an error the module or \
the system reported (its message says which); 2 a usage error (bad arguments, a \
bad file); 3 the tcpsplice module is not loaded; 4 permission denied (the \
command changes state and needs CAP_NET_ADMIN in the namespace).";

/// `generate man|man-dir DIR|SHELL`: the man page(s) or a shell's
/// completions.
fn generate(what: &str, dir: Option<&std::path::Path>) -> Result<(), client::Error> {
    let mut out = std::io::stdout();
    match what {
        "man" => clap_mangen::Man::new(Cli::command())
            .section("8")
            .render(&mut out)
            .map_err(|e| usage(format!("writing the man page: {e}"))),
        "man-dir" => {
            let dir = dir.ok_or_else(|| usage("generate man-dir needs a directory".into()))?;
            let mut cmd = Cli::command().disable_help_subcommand(true);
            cmd.build();
            man_pages(&cmd, dir).map_err(|e| usage(format!("writing the man pages: {e}")))
        }
        shell => {
            let s: clap_complete::Shell = shell
                .parse()
                .map_err(|_| usage(format!("generate: unknown {shell:?}")))?;
            clap_complete::generate(s, &mut Cli::command(), "tcpsplicectl", &mut out);
            Ok(())
        }
    }
}

/// A section-8 page for `cmd` and each of its visible subcommands, named
/// as man(1) finds them (`tcpsplicectl-cluster-set.8`).
fn man_pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, dir)?;
    }
    clap_mangen::Man::new(cmd.clone())
        .section("8")
        .generate_to(dir)
        .map(drop)
}

/// `genkey`: a new key as 32 hex digits and a newline, to stdout or to a new
/// file only its owner can read.
fn genkey(out: Option<&std::path::Path>) -> Result<(), client::Error> {
    let mut key = [0u8; 16];
    // SAFETY: getrandom() writes at most `key.len()` bytes into `key`.
    let n = unsafe { libc::getrandom(key.as_mut_ptr().cast(), key.len(), 0) };
    if n != key.len() as isize {
        return Err(usage(format!(
            "getrandom: {}",
            std::io::Error::last_os_error()
        )));
    }
    let text: String = key.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n";
    let Some(path) = out else {
        print!("{text}");
        return Ok(());
    };
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let fail = |e: std::io::Error| usage(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(fail)?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(fail)
}

/// `cluster load FILE`: the file's configuration with its key (from
/// `key_file` if given, else from the file's), read before the namespace is
/// entered (the paths are the caller's).
fn load_cluster_file(
    file: &std::path::Path,
    key_file: Option<&std::path::Path>,
) -> Result<client::ClusterConfig, client::Error> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| usage(format!("{name}: {e}")))?;
    let (mut cfg, file_key) = cluster_file::parse(&text, &name).map_err(usage)?;
    cfg.key = Some(read_key(key_file.unwrap_or(&file_key))?);
    Ok(cfg)
}

/// `stats`: the namespace's counters and, where the caller may read the
/// cluster (it needs CAP_NET_ADMIN), each peer's as peerN.tx and so on.
fn stats(c: &mut client::Client, json: bool) -> Result<(), client::Error> {
    let mut all = c.status()?.stats;
    if let Ok(cl) = c.cluster() {
        for p in &cl.peers {
            for (k, v) in p.counters() {
                all.insert(format!("peer{}.{k}", p.id), v);
            }
        }
    }
    emit(json, true, &all, |all| {
        all.iter().map(|(k, v)| format!("{k} {v}\n")).collect()
    });
    Ok(())
}

/// The configuration `cluster set` describes.
fn cluster_config(cmd: ClusterCmd) -> Result<client::ClusterConfig, client::Error> {
    let ClusterCmd::Set {
        node_id,
        port,
        interval,
        misses,
        key_file,
        preempt,
        peer,
        vip,
        backend_peer,
        backend,
    } = cmd
    else {
        unreachable!("only cluster set describes a configuration")
    };
    if node_id == 0 {
        return Err(usage(
            "--node-id must not be 0 (use 'cluster leave')".into(),
        ));
    }
    let peers = |list: &[String]| list.iter().map(|p| parse_peer(p)).collect::<Result<_, _>>();
    Ok(client::ClusterConfig {
        node_id,
        port,
        interval_ms: interval,
        misses,
        key: Some(read_key(&key_file)?),
        preempt,
        peers: peers(&peer)?,
        vips: vip.iter().map(|v| parse_vip(v)).collect::<Result<_, _>>()?,
        backend,
        backend_peers: peers(&backend_peer)?,
    })
}

/// `cluster set|load|leave|show`; `loaded` is what `load` read.
fn cluster(
    c: &mut client::Client,
    cmd: ClusterCmd,
    loaded: Option<client::ClusterConfig>,
    json: bool,
) -> Result<(), client::Error> {
    match cmd {
        ClusterCmd::Set { .. } => c.set_cluster(&cluster_config(cmd)?),
        ClusterCmd::Load { .. } => c.set_cluster(&loaded.expect("read before")),
        ClusterCmd::Leave => c.set_cluster(&client::ClusterConfig {
            node_id: 0,
            port: None,
            interval_ms: None,
            misses: None,
            key: None,
            preempt: false,
            peers: Vec::new(),
            vips: Vec::new(),
            backend: false,
            backend_peers: Vec::new(),
        }),
        ClusterCmd::Show => {
            emit(json, true, &c.cluster()?, render::cluster);
            Ok(())
        }
        ClusterCmd::Showconf { key_file } => {
            let text = cluster_file::show(&c.cluster()?, &key_file)
                .ok_or_else(|| usage("this namespace is in no cluster".into()))?;
            print!("{text}");
            Ok(())
        }
    }
}

/// `monitor`: print the module's events as they come, `count` of them.
fn monitor(
    count: Option<usize>,
    groups: client::MonitorGroups,
    json: bool,
) -> Result<(), client::Error> {
    let mut m = client::Monitor::connect(groups)?;
    let mut seen = 0;
    while count.is_none_or(|n| seen < n) {
        for e in m.wait()? {
            emit(json, false, &e, |e| render::event(e) + "\n");
            seen += 1;
        }
    }
    Ok(())
}

/// `top`: the busiest entries every `interval` seconds, `count` times.
fn top(
    c: &mut client::Client,
    interval: f64,
    count: Option<usize>,
    limit: usize,
    json: bool,
) -> Result<(), client::Error> {
    if !(interval > 0.0 && interval.is_finite()) {
        return Err(usage(
            "--interval must be a positive number of seconds".into(),
        ));
    }
    // The first sample only sets the baseline.
    let (_, mut before) = client::busiest(&client::Sample::new(), &c.list()?, 1.0, 0);
    let mut t0 = std::time::Instant::now();
    let mut shown = 0;
    while count.is_none_or(|n| shown < n) {
        std::thread::sleep(std::time::Duration::from_secs_f64(interval));
        let l = c.list()?;
        let secs = t0.elapsed().as_secs_f64();
        t0 = std::time::Instant::now();
        let (rows, next) = client::busiest(&before, &l, secs, limit);
        before = next;
        emit(json, false, &rows, |rows| {
            // Interactive (no count): redraw the screen.
            let clear = if count.is_none() { "\x1b[H\x1b[2J" } else { "" };
            format!("{clear}{}", render::top(l.len(), rows))
        });
        shown += 1;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), client::Error> {
    let json = cli.json;
    let loaded = match &cli.cmd {
        Cmd::Generate { what, dir } => return generate(what, dir.as_deref()),
        Cmd::Genkey { out } => return genkey(out.as_deref()),
        Cmd::Cluster {
            cmd:
                ClusterCmd::Load {
                    file,
                    check,
                    key_file,
                },
        } => {
            let cfg = load_cluster_file(file, key_file.as_deref())?;
            if *check {
                println!("{}: ok", file.display());
                return Ok(());
            }
            Some(cfg)
        }
        _ => None,
    };
    if let Some(ns) = &cli.netns {
        enter_netns(ns)?;
    }
    let mut c = client::Client::connect()?;
    match cli.cmd {
        Cmd::Status => emit(json, true, &c.status()?, render::status),
        Cmd::Set {
            max_splices,
            idle_timeout,
        } => {
            if max_splices.is_none() && idle_timeout.is_none() {
                return Err(usage(
                    "nothing to set: give --max-splices and/or --idle-timeout".into(),
                ));
            }
            c.set_config(max_splices, idle_timeout)?;
        }
        Cmd::ResetStats => c.reset_stats()?,
        Cmd::Stats => stats(&mut c, json)?,
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
            emit(json, true, &e, |e| format!("spliced: id {}\n", e.id));
        }
        Cmd::Unsplice { id } => c.unsplice(id)?,
        Cmd::List => emit(json, true, &c.list()?, |l| render::table(l)),
        Cmd::Cluster { cmd } => cluster(&mut c, cmd, loaded, json)?,
        Cmd::Monitor {
            count,
            cluster,
            splices,
        } => {
            let groups = client::MonitorGroups {
                cluster: !splices,
                splices: !cluster,
            };
            monitor(count, groups, json)?
        }
        Cmd::Top {
            interval,
            count,
            limit,
        } => top(&mut c, interval, count, limit, json)?,
        Cmd::Generate { .. } | Cmd::Genkey { .. } => unreachable!("handled above"),
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

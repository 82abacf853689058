// SPDX-License-Identifier: GPL-2.0
//! Handing a connection pair to the kernel.
//!
//! The proxy asks right after writing what it forwards. The module moves
//! what either socket received and the proxy has not read into the other's
//! send queue, and hands over a socket whose peer has not acknowledged all
//! it was given, which keeps sending it until it does
//! (Documentation/splicing.rst), and passes on a FIN that arrived before
//! the splice. It refuses for now (EAGAIN) only what passes by itself (a
//! Fast Open handshake not over, out-of-order data, unread bytes the other
//! socket cannot take yet); the proxy then asks again, without reading or
//! relaying anything, for a bounded time. In a
//! split splice the backend must have acknowledged everything first (its
//! acknowledgements do not pass the proxy then). Anything else it cannot
//! fix (module missing, table full, different IP versions) makes it relay
//! in userspace, with the reason logged.
use std::cell::RefCell;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};
use tcpsplice_client::{Client, Error};
use tokio::net::TcpStream;

/// How long to keep asking before relaying in userspace instead.
const SPLICE_WAIT: Duration = Duration::from_secs(10);

/// How often a spliced pair's sockets are looked at until the module has
/// retired both (a handed-over socket stays until its peer acknowledged
/// what was in flight).
const RETIRED_POLL: Duration = Duration::from_millis(20);

/// Why a connection is relayed in userspace instead of spliced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// Splicing is switched off in the configuration.
    Disabled,
    /// The tcpsplice module is not loaded.
    NoModule,
    /// The module refused or failed.
    Error(String),
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fallback::Disabled => f.write_str("splicing is disabled in the configuration"),
            Fallback::NoModule => f.write_str("the tcpsplice module is not loaded"),
            Fallback::Error(e) => write!(f, "tcpsplice: {e}"),
        }
    }
}

/// Ask the module what it can do. Blocking (netlink): call at start-up.
/// `None` means splicing is available.
pub fn probe() -> Option<Fallback> {
    match Client::connect().and_then(|mut c| c.status()) {
        Ok(_) => None,
        Err(Error::NoModule(_)) => Some(Fallback::NoModule),
        Err(e) => Some(Fallback::Error(e.to_string())),
    }
}

/// Asks the module to splice. Each worker thread keeps its own netlink
/// socket, so splices from different threads do not wait for each other.
pub struct Splicer {
    /// Ask the module to answer once a cluster peer holds the entry.
    pub wait_sync: bool,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

fn ioctl_int(fd: i32, req: libc::c_ulong) -> std::io::Result<i32> {
    let mut v: libc::c_int = 0;
    // SAFETY: SIOCINQ/SIOCOUTQ write one int through the pointer, which
    // points to a live local.
    if unsafe { libc::ioctl(fd, req as _, &mut v) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(v)
}

/// Bytes queued for sending, sent or not, that the peer has not acknowledged.
fn unacknowledged(s: &TcpStream) -> std::io::Result<i32> {
    ioctl_int(s.as_raw_fd(), libc::TIOCOUTQ)
}

/// The socket's `TCP_INFO`, None if it cannot be read.
pub(crate) fn tcp_info(s: &TcpStream) -> Option<libc::tcp_info> {
    // SAFETY: tcp_info is plain integers, for which all zeroes is valid.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: Passes pointers to a live tcp_info and its size.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    (r == 0).then_some(info)
}

/// The socket is closed: the module retired it (or it died).
fn closed(s: &TcpStream) -> bool {
    tcp_info(s).is_none_or(|i| i.tcpi_state == TCP_CLOSE)
}

/// `TCP_CLOSE` (include/net/tcp_states.h).
const TCP_CLOSE: u8 = 7;

/// Keep a spliced pair's sockets until the module has retired both, then
/// close them. A socket handed over with bytes in flight stays until its
/// peer acknowledges them: closing it earlier would throw them away (in
/// repair mode its close sends nothing). Retired sockets are closed at once.
pub async fn close_when_retired(client: TcpStream, backend: TcpStream) {
    while !closed(&client) || !closed(&backend) {
        tokio::time::sleep(RETIRED_POLL).await;
    }
}

/// The address as the kernel's socket tables hold it (IPv4-mapped IPv6
/// addresses of a dual-stack listener are IPv4 connections).
fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

fn addrs(s: &TcpStream) -> std::io::Result<(SocketAddr, SocketAddr)> {
    Ok((canonical(s.local_addr()?), canonical(s.peer_addr()?)))
}

/// What [`Splicer::splice`] did.
pub enum Outcome {
    /// The kernel has the connection (id); the sockets are retired.
    Spliced(u64),
    /// Relay in userspace instead: why.
    Relay(Fallback),
}

impl Splicer {
    fn ask(
        &self,
        client: (SocketAddr, SocketAddr),
        backend: (SocketAddr, SocketAddr),
        split: bool,
    ) -> Result<u64, Error> {
        CLIENT.with_borrow_mut(|g| {
            if g.is_none() {
                *g = Some(Client::connect()?);
            }
            let c = g.as_mut().expect("connected above");
            match c.splice_split(client, backend, self.wait_sync, split) {
                Ok((e, _)) => Ok(e.id),
                Err(e) => {
                    if matches!(e, Error::Netlink(_)) {
                        *g = None;
                    }
                    Err(e)
                }
            }
        })
    }

    /// Try to hand the pair to the kernel: call right after writing what
    /// the proxy forwards.
    pub async fn splice(
        &self,
        client: &mut TcpStream,
        backend: &mut TcpStream,
        split: bool,
    ) -> Outcome {
        // A fast backend starts its response with the acknowledgement of
        // the request. What arrives before the splice is moved to the
        // client's socket, whose peer must acknowledge it before the
        // backend's later bytes count as received: keep that to what the
        // peers were already offered by clamping the windows the sockets
        // offer from now on. (A receive buffer shrunk below what was
        // offered would drop what the peer may still send; the window
        // scales stay, and the module sends each peer the other's window
        // once spliced.)
        let _ = set_window_clamp(client, ASK_WINDOW);
        let _ = set_window_clamp(backend, ASK_WINDOW);
        let outcome = self.ask_until_spliced(client, backend, split).await;
        if matches!(outcome, Outcome::Relay { .. }) {
            let _ = set_window_clamp(client, RELAY_WINDOW);
            let _ = set_window_clamp(backend, RELAY_WINDOW);
        }
        outcome
    }

    async fn ask_until_spliced(
        &self,
        client: &mut TcpStream,
        backend: &mut TcpStream,
        split: bool,
    ) -> Outcome {
        let io =
            |e: std::io::Error| Outcome::Relay(Fallback::Error(format!("before splicing: {e}")));
        let deadline = Instant::now() + SPLICE_WAIT;
        while Instant::now() < deadline {
            // In a split splice what the backend was sent must be
            // acknowledged (its acknowledgements do not pass here then).
            if split {
                let acked = async {
                    while unacknowledged(backend)? != 0 {
                        if Instant::now() > deadline {
                            return Err(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "the backend did not acknowledge in time",
                            ));
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    Ok(())
                };
                if let Err(e) = acked.await {
                    return io(e);
                }
            }
            let (c, b) = match (addrs(client), addrs(backend)) {
                (Ok(c), Ok(b)) => (c, b),
                (Err(e), _) | (_, Err(e)) => return io(e),
            };
            match tokio::task::block_in_place(|| self.ask(c, b, split)) {
                Ok(id) => return Outcome::Spliced(id),
                Err(Error::Kernel { errno, msg }) if errno == libc::EAGAIN => {
                    // Not yet, for a reason that passes by itself: a Fast
                    // Open handshake not over, out-of-order data whose
                    // hole the peer fills, unread bytes the other socket's
                    // send buffer cannot take until its peer acknowledges
                    // more. Nothing is read or relayed here: ask again.
                    crate::debug!("not yet: {}", msg.unwrap_or_default());
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err(Error::NoModule(_)) => return Outcome::Relay(Fallback::NoModule),
                Err(e) => return Outcome::Relay(Fallback::Error(e.to_string())),
            }
        }
        Outcome::Relay(Fallback::Error(format!(
            "the module kept refusing for {} s",
            SPLICE_WAIT.as_secs()
        )))
    }
}

/// The window the sockets may offer while the proxy asks for the splice
/// (the kernel's minimum applies; what was offered already stays), and
/// when it relays if it comes to that.
const ASK_WINDOW: i32 = 1;
const RELAY_WINDOW: i32 = 4 << 20;

fn set_window_clamp(s: &TcpStream, bytes: i32) -> std::io::Result<()> {
    set_int(
        s.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_WINDOW_CLAMP,
        bytes,
    )
}

/// setsockopt() of an int option.
pub(crate) fn set_int(fd: i32, level: i32, opt: i32, v: i32) -> std::io::Result<()> {
    // SAFETY: Passes a pointer to a live int of the size given.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (&v as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Set the MSS the backend connection will advertise (before connecting),
/// so the backend's segments fit the client's.
pub fn clamp_mss(sock: &tokio::net::TcpSocket, mss: i32) -> std::io::Result<()> {
    set_int(sock.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_MAXSEG, mss)
}

/// The MSS of an established connection.
pub fn mss(s: &TcpStream) -> std::io::Result<i32> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: Passes pointers to live locals of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MAXSEG,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(v)
}

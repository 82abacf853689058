// SPDX-License-Identifier: GPL-2.0
//! A generic netlink client of the "tcpsplice" family (neli).
use crate::splices::{ConnInfo, SpliceInfo};
use crate::status::{member_name, Status};
use neli::{
    consts::{
        nl::{NlmF, NlmsgerrAttr},
        socket::NlFamily,
    },
    err::{Nlmsgerr, NlmsghdrErr, RouterError},
    genl::{AttrTypeBuilder, Genlmsghdr, GenlmsghdrBuilder, Nlattr, NlattrBuilder, NoUserHeader},
    nl::{NlPayload, Nlmsghdr, NlmsghdrBuilder},
    router::synchronous::NlRouter,
    socket::synchronous::NlSocketHandle,
    types::{Buffer, GenlBuffer},
    utils::Groups,
};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use tcpsplice_uapi::*;

pub(crate) type Msg = Genlmsghdr<u8, u16>;

/// What went wrong, in words an operator can act on.
#[derive(Debug)]
pub enum Error {
    /// The module is not loaded in this kernel.
    NoModule(String),
    /// The kernel refused: errno and its extended-ack message, if any.
    Kernel { errno: i32, msg: Option<String> },
    /// Talking netlink failed.
    Netlink(String),
    /// The command line asked for nothing sensible.
    Usage(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::NoModule(_) => 3,
            Error::Kernel { errno, .. } if *errno == EPERM => 4,
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// errno EPERM: the kernel's answer without CAP_NET_ADMIN.
const EPERM: i32 = 1;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoModule(e) => write!(
                f,
                "the tcpsplice module is not loaded (no generic netlink family \"{TCPSPLICE_GENL_NAME}\": {e}); load it with 'modprobe tcpsplice' or 'insmod tcpsplice.ko'"
            ),
            Error::Kernel { errno, msg } if *errno == EPERM => write!(
                f,
                "permission denied: this command changes tcpsplice state and needs CAP_NET_ADMIN{}",
                msg.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
            ),
            Error::Kernel { errno, msg } => {
                let os = std::io::Error::from_raw_os_error(*errno);
                match msg {
                    Some(m) => write!(f, "{m} ({os})"),
                    None => write!(f, "{os}"),
                }
            }
            Error::Netlink(e) => write!(f, "netlink: {e}"),
            Error::Usage(e) => write!(f, "{e}"),
        }
    }
}

impl Error {
    /// The kernel's refusal, with its extended-ack message if it sent one.
    fn from_nlmsgerr(e: &Nlmsgerr<NlmsghdrErr<u16, Msg>>) -> Self {
        let msg = e.ext_ack().iter().find_map(|a| {
            (*a.nla_type().nla_type() == NlmsgerrAttr::Msg).then(|| {
                String::from_utf8_lossy(a.nla_payload().as_ref())
                    .trim_end_matches('\0')
                    .to_string()
            })
        });
        Error::Kernel {
            errno: -*e.error(),
            msg,
        }
    }
}

impl<T: fmt::Debug, P: fmt::Debug> From<RouterError<T, P>> for Error {
    fn from(e: RouterError<T, P>) -> Self {
        Error::Netlink(format!("{e:?}"))
    }
}

pub(crate) fn ser<E: fmt::Debug>(e: E) -> Error {
    Error::Netlink(format!("{e:?}"))
}

/// Requests go through `NlSocketHandle`, whose parser keeps the extended-ack
/// messages (neli 0.7's router drops them when it retypes an error); the router
/// is only used to resolve the family.
pub struct Client {
    sock: NlSocketHandle,
    family: u16,
    seq: u32,
}

/// An address from its 4 or 16 bytes.
pub(crate) fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

impl Client {
    pub fn connect() -> Result<Self, Error> {
        let (router, _) =
            NlRouter::connect(NlFamily::Generic, None, Groups::empty()).map_err(ser)?;
        let family = router
            .resolve_genl_family(TCPSPLICE_GENL_NAME)
            .map_err(|e| Error::NoModule(format!("{e}")))?;
        let sock =
            NlSocketHandle::connect(NlFamily::Generic, None, Groups::empty()).map_err(ser)?;
        sock.enable_ext_ack(true).map_err(ser)?;
        Ok(Client {
            sock,
            family,
            seq: 0,
        })
    }

    /// Send a command; collect the replies until the kernel's acknowledgement.
    pub(crate) fn request(
        &mut self,
        cmd: u16,
        attrs: GenlBuffer<u16, Buffer>,
    ) -> Result<Vec<Msg>, Error> {
        self.send(cmd, attrs, false)
    }

    /// Send a command, as a dump or not; collect the replies until the
    /// acknowledgement (or the end of the dump).
    fn send(
        &mut self,
        cmd: u16,
        attrs: GenlBuffer<u16, Buffer>,
        dump: bool,
    ) -> Result<Vec<Msg>, Error> {
        let hdr = GenlmsghdrBuilder::<u8, u16, NoUserHeader>::default()
            .cmd(cmd as u8)
            .version(TCPSPLICE_GENL_VERSION as u8)
            .attrs(attrs)
            .build()
            .map_err(ser)?;
        self.seq += 1;
        let msg = NlmsghdrBuilder::default()
            .nl_type(self.family)
            .nl_flags(if dump {
                NlmF::REQUEST | NlmF::ACK | NlmF::DUMP
            } else {
                NlmF::REQUEST | NlmF::ACK
            })
            .nl_seq(self.seq)
            .nl_payload(NlPayload::Payload(hdr))
            .build()
            .map_err(ser)?;
        self.sock.send(&msg).map_err(ser)?;
        let mut out = Vec::new();
        loop {
            let (msgs, _) = self.sock.recv::<u16, Msg>().map_err(ser)?;
            for m in msgs {
                let m: Nlmsghdr<u16, Msg> = m.map_err(ser)?;
                if *m.nl_seq() != self.seq {
                    continue;
                }
                match m.nl_payload() {
                    NlPayload::Payload(p) => out.push(p.clone()),
                    NlPayload::Ack(_) | NlPayload::DumpExtAck(_) => return Ok(out),
                    NlPayload::Empty if dump && *m.nl_type() == NLMSG_DONE => return Ok(out),
                    NlPayload::Err(e) => return Err(Error::from_nlmsgerr(e)),
                    _ => {}
                }
            }
        }
    }

    pub fn status(&mut self) -> Result<Status, Error> {
        let replies = self.request(TCPSPLICE_CMD_GET_STATUS, GenlBuffer::new())?;
        let msg = replies
            .first()
            .ok_or_else(|| Error::Netlink("GET_STATUS: no reply".into()))?;
        decode_status(msg)
    }

    pub fn set_config(
        &mut self,
        max_splices: Option<u32>,
        idle_timeout: Option<u32>,
    ) -> Result<(), Error> {
        let mut nest = attr(TCPSPLICE_A_CONFIG, true, Buffer::from(Vec::<u8>::new()))?;
        for (t, v) in [
            (TCPSPLICE_CFG_MAX_SPLICES, max_splices),
            (TCPSPLICE_CFG_IDLE_TIMEOUT, idle_timeout),
        ] {
            if let Some(v) = v {
                nest = nest
                    .nest(&attr(t, false, Buffer::from(v.to_ne_bytes().to_vec()))?)
                    .map_err(ser)?;
            }
        }
        let mut attrs = GenlBuffer::new();
        attrs.push(nest);
        self.request(TCPSPLICE_CMD_SET_CONFIG, attrs).map(drop)
    }

    pub fn reset_stats(&mut self) -> Result<(), Error> {
        self.request(TCPSPLICE_CMD_RESET_STATS, GenlBuffer::new())
            .map(drop)
    }
}

impl Client {
    /// Splice the proxy's connection with the client to its connection with
    /// a backend (each as local and remote address).
    pub fn splice(
        &mut self,
        client: (SocketAddr, SocketAddr),
        backend: (SocketAddr, SocketAddr),
    ) -> Result<SpliceInfo, Error> {
        self.splice_synced(client, backend, false).map(|(s, _)| s)
    }

    /// As [`Client::splice`]; with `wait_sync` the reply comes once a
    /// cluster peer acknowledged the entry (at most a second), and says
    /// whether one did.
    pub fn splice_synced(
        &mut self,
        client: (SocketAddr, SocketAddr),
        backend: (SocketAddr, SocketAddr),
        wait_sync: bool,
    ) -> Result<(SpliceInfo, Option<bool>), Error> {
        self.splice_split(client, backend, wait_sync, false)
    }

    /// As [`Client::splice_synced`]; with `split` the backend, if the
    /// cluster knows it as a backend peer, sends server-to-client packets
    /// to the client itself (the entry's `split` says whether it does).
    pub fn splice_split(
        &mut self,
        client: (SocketAddr, SocketAddr),
        backend: (SocketAddr, SocketAddr),
        wait_sync: bool,
        split: bool,
    ) -> Result<(SpliceInfo, Option<bool>), Error> {
        let mut nest = attr(TCPSPLICE_A_SPLICE, true, Buffer::from(Vec::<u8>::new()))?;
        nest = nest
            .nest(&conn(TCPSPLICE_SPLICE_CLIENT, client)?)
            .map_err(ser)?;
        nest = nest
            .nest(&conn(TCPSPLICE_SPLICE_BACKEND, backend)?)
            .map_err(ser)?;
        let mut attrs = GenlBuffer::new();
        attrs.push(nest);
        for (on, a) in [
            (wait_sync, TCPSPLICE_A_WAIT_SYNC),
            (split, TCPSPLICE_A_SPLIT),
        ] {
            if on {
                attrs.push(attr(a, false, Buffer::from(Vec::<u8>::new()))?);
            }
        }
        let replies = self.request(TCPSPLICE_CMD_SPLICE, attrs)?;
        let replicated = replies
            .iter()
            .flat_map(|m| m.attrs().iter())
            .find(|a| *a.nla_type().nla_type() == TCPSPLICE_A_REPLICATED)
            .map(|a| a.nla_payload().as_ref().first() == Some(&1));
        Ok((first_splice(&replies)?, replicated))
    }

    fn by_id(&mut self, cmd: u16, id: u64) -> Result<Vec<Msg>, Error> {
        let nest = attr(TCPSPLICE_A_SPLICE, true, Buffer::from(Vec::<u8>::new()))?
            .nest(&attr(
                TCPSPLICE_SPLICE_ID,
                false,
                Buffer::from(id.to_ne_bytes().to_vec()),
            )?)
            .map_err(ser)?;
        let mut attrs = GenlBuffer::new();
        attrs.push(nest);
        self.request(cmd, attrs)
    }

    /// Remove a splice.
    pub fn unsplice(&mut self, id: u64) -> Result<(), Error> {
        self.by_id(TCPSPLICE_CMD_UNSPLICE, id).map(drop)
    }

    /// One splice.
    pub fn get(&mut self, id: u64) -> Result<SpliceInfo, Error> {
        let replies = self.by_id(TCPSPLICE_CMD_GET_SPLICE, id)?;
        first_splice(&replies)
    }

    /// Every splice of the namespace.
    pub fn list(&mut self) -> Result<Vec<SpliceInfo>, Error> {
        let replies = self.send(TCPSPLICE_CMD_GET_SPLICE, GenlBuffer::new(), true)?;
        let mut out = Vec::new();
        for m in &replies {
            for a in m.attrs().iter() {
                if *a.nla_type().nla_type() == TCPSPLICE_A_SPLICE {
                    out.push(decode_splice(a)?);
                }
            }
        }
        Ok(out)
    }
}

const NLMSG_DONE: u16 = 3;

fn first_splice(replies: &[Msg]) -> Result<SpliceInfo, Error> {
    replies
        .iter()
        .flat_map(|m| m.attrs().iter())
        .find(|a| *a.nla_type().nla_type() == TCPSPLICE_A_SPLICE)
        .ok_or_else(|| Error::Netlink("no TCPSPLICE_A_SPLICE in the reply".into()))
        .and_then(decode_splice)
}

pub(crate) fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn conn(t: u16, (local, remote): (SocketAddr, SocketAddr)) -> Result<Nlattr<u16, Buffer>, Error> {
    let mut nest = attr(t, true, Buffer::from(Vec::<u8>::new()))?;
    for (k, v) in [
        (TCPSPLICE_CONN_LOCAL_ADDR, ip_bytes(local.ip())),
        (
            TCPSPLICE_CONN_LOCAL_PORT,
            local.port().to_ne_bytes().to_vec(),
        ),
        (TCPSPLICE_CONN_REMOTE_ADDR, ip_bytes(remote.ip())),
        (
            TCPSPLICE_CONN_REMOTE_PORT,
            remote.port().to_ne_bytes().to_vec(),
        ),
    ] {
        nest = nest.nest(&attr(k, false, Buffer::from(v))?).map_err(ser)?;
    }
    Ok(nest)
}

fn decode_conn(a: &Nlattr<u16, Buffer>) -> Result<ConnInfo, Error> {
    let mut c = ConnInfo::default();
    let (mut local, mut remote) = (None, None);
    let (mut lport, mut rport) = (0, 0);
    let handle = a.get_attr_handle::<u16>().map_err(ser)?;
    for inner in handle.iter() {
        let b = inner.nla_payload().as_ref();
        let ip = ip_of;
        let u16_of = |b: &[u8]| b.try_into().map(u16::from_ne_bytes).unwrap_or(0);
        match *inner.nla_type().nla_type() {
            TCPSPLICE_CONN_LOCAL_ADDR => local = ip(b),
            TCPSPLICE_CONN_REMOTE_ADDR => remote = ip(b),
            TCPSPLICE_CONN_LOCAL_PORT => lport = u16_of(b),
            TCPSPLICE_CONN_REMOTE_PORT => rport = u16_of(b),
            TCPSPLICE_CONN_MSS => c.mss = u16_of(b),
            TCPSPLICE_CONN_SND_WSCALE => c.snd_wscale = b.first().copied().unwrap_or(0),
            TCPSPLICE_CONN_RCV_WSCALE => c.rcv_wscale = b.first().copied().unwrap_or(0),
            TCPSPLICE_CONN_SACK => c.sack = true,
            TCPSPLICE_CONN_TIMESTAMPS => c.timestamps = true,
            _ => {}
        }
    }
    let (Some(l), Some(r)) = (local, remote) else {
        return Err(Error::Netlink("connection without addresses".into()));
    };
    c.local = SocketAddr::new(l, lport);
    c.remote = SocketAddr::new(r, rport);
    Ok(c)
}

pub(crate) fn decode_splice(a: &Nlattr<u16, Buffer>) -> Result<SpliceInfo, Error> {
    let mut s = SpliceInfo::default();
    let handle = a.get_attr_handle::<u16>().map_err(ser)?;
    for inner in handle.iter() {
        let b = inner.nla_payload().as_ref();
        let n = match b.len() {
            1 => u64::from(b[0]),
            4 => u64::from(u32::from_ne_bytes(b.try_into().unwrap())),
            8 => u64::from_ne_bytes(b.try_into().unwrap()),
            _ => 0,
        };
        match *inner.nla_type().nla_type() {
            TCPSPLICE_SPLICE_ID => s.id = n,
            TCPSPLICE_SPLICE_CLIENT => s.client = decode_conn(inner)?,
            TCPSPLICE_SPLICE_BACKEND => s.backend = decode_conn(inner)?,
            TCPSPLICE_SPLICE_STATE => {
                s.state = member_name(TCPSPLICE_SPLICE_STATE_MEMBERS, "TCPSPLICE_STATE_", n as u16)
            }
            TCPSPLICE_SPLICE_AGE => s.age_secs = n,
            TCPSPLICE_SPLICE_AGE_MS => s.age_ms = n,
            TCPSPLICE_SPLICE_END => {
                s.end = Some(member_name(
                    TCPSPLICE_SPLICE_END_MEMBERS,
                    "TCPSPLICE_END_",
                    n as u16,
                ))
            }
            TCPSPLICE_SPLICE_IDLE => s.idle_secs = n,
            TCPSPLICE_SPLICE_PACKETS_TO_BACKEND => s.packets_to_backend = n,
            TCPSPLICE_SPLICE_BYTES_TO_BACKEND => s.bytes_to_backend = n,
            TCPSPLICE_SPLICE_PACKETS_TO_CLIENT => s.packets_to_client = n,
            TCPSPLICE_SPLICE_BYTES_TO_CLIENT => s.bytes_to_client = n,
            TCPSPLICE_SPLICE_REPLICA => s.replica = true,
            TCPSPLICE_SPLICE_SPLIT => s.split = true,
            _ => {}
        }
    }
    Ok(s)
}

pub(crate) fn attr(t: u16, nested: bool, payload: Buffer) -> Result<Nlattr<u16, Buffer>, Error> {
    NlattrBuilder::default()
        .nla_type(
            AttrTypeBuilder::default()
                .nla_type(t)
                .nla_nested(nested)
                .build()
                .map_err(ser)?,
        )
        .nla_payload(payload)
        .build()
        .map_err(ser)
}

/// Read a nest of u32/u64 attributes into name -> value.
fn numbers(
    a: &Nlattr<u16, Buffer>,
    members: &[(&str, u16)],
    prefix: &str,
    ignored: &[u16],
) -> Result<std::collections::BTreeMap<String, u64>, Error> {
    let mut out = std::collections::BTreeMap::new();
    let handle = a.get_attr_handle::<u16>().map_err(ser)?;
    for inner in handle.iter() {
        let id = *inner.nla_type().nla_type();
        if ignored.contains(&id) {
            continue;
        }
        let b = inner.nla_payload().as_ref();
        let v = match b.len() {
            4 => u64::from(u32::from_ne_bytes(b.try_into().unwrap())),
            8 => u64::from_ne_bytes(b.try_into().unwrap()),
            n => {
                return Err(Error::Netlink(format!(
                    "attribute {id}: unexpected length {n}"
                )))
            }
        };
        out.insert(member_name(members, prefix, id), v);
    }
    Ok(out)
}

fn decode_status(msg: &Msg) -> Result<Status, Error> {
    let mut st = Status::default();
    for a in msg.attrs().iter() {
        let t = *a.nla_type().nla_type();
        let b = a.nla_payload().as_ref();
        match t {
            TCPSPLICE_A_VERSION => {
                st.version = String::from_utf8_lossy(b)
                    .trim_end_matches('\0')
                    .to_string()
            }
            TCPSPLICE_A_ENTRY_BYTES if b.len() == 4 => {
                st.entry_bytes = u32::from_ne_bytes(b.try_into().unwrap())
            }
            TCPSPLICE_A_TABLE_BYTES if b.len() == 4 => {
                st.table_bytes = u32::from_ne_bytes(b.try_into().unwrap())
            }
            TCPSPLICE_A_NETNS_COOKIE if b.len() == 8 => {
                st.netns_cookie = u64::from_ne_bytes(b.try_into().unwrap())
            }
            TCPSPLICE_A_CONFIG => {
                st.config = numbers(a, TCPSPLICE_CONFIG_ATTR_MEMBERS, "TCPSPLICE_CFG_", &[])?
            }
            TCPSPLICE_A_STATS => {
                st.stats = numbers(
                    a,
                    TCPSPLICE_STAT_MEMBERS,
                    "TCPSPLICE_STAT_",
                    &[TCPSPLICE_STAT_PAD],
                )?
            }
            _ => {}
        }
    }
    Ok(st)
}

/// What this client makes of one reply, from its bytes (a generic netlink
/// header and its attributes, without the netlink header).
#[derive(Debug, Default)]
pub struct Decoded {
    pub status: Option<Status>,
    pub splices: Vec<SpliceInfo>,
    pub cluster: Option<crate::ClusterInfo>,
    pub event: Option<crate::Event>,
}

/// Run every decoder of this client over a reply's bytes, as the request
/// functions do over what the kernel sends: whatever the bytes, the result
/// is a value or an [`Error`], never a panic. For the fuzzer and tests.
pub fn decode_reply(bytes: &[u8]) -> Result<Decoded, Error> {
    use neli::FromBytesWithInput;
    let msg =
        Msg::from_bytes_with_input(&mut std::io::Cursor::new(bytes), bytes.len()).map_err(ser)?;
    let mut out = Decoded {
        status: Some(decode_status(&msg)?),
        ..Decoded::default()
    };
    for a in msg.attrs().iter() {
        match *a.nla_type().nla_type() {
            TCPSPLICE_A_SPLICE => out.splices.push(decode_splice(a)?),
            TCPSPLICE_A_CLUSTER => out.cluster = Some(crate::cluster::decode_cluster(a)?),
            TCPSPLICE_A_EVENT => out.event = Some(crate::cluster::decode_event(a)?),
            _ => {}
        }
    }
    Ok(out)
}

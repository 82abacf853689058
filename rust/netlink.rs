// SPDX-License-Identifier: GPL-2.0
//! Generic netlink command handlers (family "tcpsplice"). The command table,
//! attribute policies and permission flags are in `rust/helpers.c`; the ABI is
//! `include/uapi/linux/tcpsplice.h`.

use crate::bindings as b;
use crate::ffi::Request;
use crate::splice_core::config::VERSION_C;
use crate::stats::Counter;
use kernel::prelude::*;

/// `TCPSPLICE_CMD_GET_STATUS`: version, settings and counters of the
/// caller's namespace.
pub(crate) fn get_status(req: &Request) -> Result {
    let net = req.net();
    let mut r = req.reply(b::TCPSPLICE_CMD_GET_STATUS as u8)?;
    r.put_str(b::TCPSPLICE_A_VERSION, VERSION_C)?;
    r.put_u64(
        b::TCPSPLICE_A_NETNS_COOKIE,
        net.cookie(),
        b::TCPSPLICE_A_PAD,
    )?;

    let s = net.settings();
    let nest = r.nest(b::TCPSPLICE_A_CONFIG)?;
    r.put_u32(b::TCPSPLICE_CFG_MAX_SPLICES, s.max_splices)?;
    r.put_u32(b::TCPSPLICE_CFG_IDLE_TIMEOUT, s.idle_timeout)?;
    r.end(nest);

    let nest = r.nest(b::TCPSPLICE_A_STATS)?;
    for c in Counter::ALL {
        r.put_u64(c.attr(), net.stats.get(c), b::TCPSPLICE_STAT_PAD)?;
    }
    r.end(nest);
    r.send()
}

/// `TCPSPLICE_CMD_SET_CONFIG` (admin): change settings, all or nothing.
pub(crate) fn set_config(req: &Request) -> Result {
    let a = req.config()?;
    if a.max_splices.is_none() && a.idle_timeout.is_none() {
        req.error(c"TCPSPLICE_A_CONFIG holds no setting");
        return Err(EINVAL);
    }
    match req.net().update(a.max_splices, a.idle_timeout) {
        Ok(_) => Ok(()),
        Err(e) => {
            req.error(e.message());
            Err(ERANGE)
        }
    }
}

/// `TCPSPLICE_CMD_RESET_STATS` (admin): zero the namespace's counters.
pub(crate) fn reset_stats(req: &Request) -> Result {
    req.net().stats.reset();
    Ok(())
}

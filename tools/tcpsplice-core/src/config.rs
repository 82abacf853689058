// SPDX-License-Identifier: GPL-2.0
//! Per-namespace settings and their limits. The limits repeat the UAPI
//! header's `TCPSPLICE_*_LIMIT`/`_MAX` defines; a host test checks they agree.

/// The module's version, reported by `GET_STATUS`.
pub const VERSION: &str = "0.1.0";
/// [`VERSION`] as a C string, for netlink.
pub const VERSION_C: &core::ffi::CStr = c"0.1.0";

/// Upper bound of `max_splices` (`TCPSPLICE_MAX_SPLICES_LIMIT`).
pub const MAX_SPLICES_LIMIT: u32 = 1_048_576;
/// Upper bound of `idle_timeout`, seconds (`TCPSPLICE_IDLE_TIMEOUT_MAX`).
pub const IDLE_TIMEOUT_MAX: u32 = 86_400;

/// A namespace's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Size bound of the splice table.
    pub max_splices: u32,
    /// Seconds a splice may stay idle.
    pub idle_timeout: u32,
}

/// Which setting was out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingError {
    /// `max_splices` not in `1..=MAX_SPLICES_LIMIT`.
    MaxSplices,
    /// `idle_timeout` not in `1..=IDLE_TIMEOUT_MAX`.
    IdleTimeout,
}

impl SettingError {
    /// A message for the operator.
    pub fn message(self) -> &'static core::ffi::CStr {
        match self {
            SettingError::MaxSplices => c"max_splices must be between 1 and 1048576",
            SettingError::IdleTimeout => c"idle_timeout must be between 1 and 86400 seconds",
        }
    }
}

impl Settings {
    /// Check every field.
    pub fn validate(self) -> Result<Self, SettingError> {
        if !(1..=MAX_SPLICES_LIMIT).contains(&self.max_splices) {
            return Err(SettingError::MaxSplices);
        }
        if !(1..=IDLE_TIMEOUT_MAX).contains(&self.idle_timeout) {
            return Err(SettingError::IdleTimeout);
        }
        Ok(self)
    }

    /// These settings with the given fields replaced, if the result is valid.
    /// All or nothing: on error nothing is meant to change.
    pub fn update(
        self,
        max_splices: Option<u32>,
        idle_timeout: Option<u32>,
    ) -> Result<Self, SettingError> {
        Settings {
            max_splices: max_splices.unwrap_or(self.max_splices),
            idle_timeout: idle_timeout.unwrap_or(self.idle_timeout),
        }
        .validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Settings = Settings {
        max_splices: 100,
        idle_timeout: 60,
    };

    #[test]
    fn update_is_all_or_nothing() {
        assert_eq!(
            BASE.update(Some(5), None),
            Ok(Settings {
                max_splices: 5,
                idle_timeout: 60
            })
        );
        assert_eq!(
            BASE.update(Some(5), Some(0)),
            Err(SettingError::IdleTimeout)
        );
        assert_eq!(BASE.update(Some(0), Some(5)), Err(SettingError::MaxSplices));
        assert_eq!(
            BASE.update(Some(MAX_SPLICES_LIMIT + 1), None),
            Err(SettingError::MaxSplices)
        );
        assert_eq!(
            BASE.update(None, Some(IDLE_TIMEOUT_MAX))
                .unwrap()
                .idle_timeout,
            IDLE_TIMEOUT_MAX
        );
        assert_eq!(BASE.update(None, None), Ok(BASE));
    }

    #[test]
    fn version_strings_agree() {
        assert_eq!(VERSION_C.to_str().unwrap(), VERSION);
        assert_eq!(VERSION, env!("CARGO_PKG_VERSION"));
    }
}

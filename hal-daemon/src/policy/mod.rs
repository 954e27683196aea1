//! Who may call what: rules that map callers' uids and gids to the
//! interfaces and methods they may call.
//!
//! The IPC runtime asks the policy before every incoming call, with the
//! caller's identity from the kernel (`SO_PEERCRED`); a denial reaches the
//! caller as a security exception naming its uid, pid, the interface and
//! the method, and the runtime logs it.
//!
//! # The policy file
//! ```toml
//! # What a call that no rule matches gets: "deny" (the default) or "allow".
//! default = "deny"
//!
//! # Rules are tried in order; the first that matches the call decides.
//! [[rule]]
//! action = "allow"           # required: "allow" or "deny"
//! uid = [0, "@daemon"]       # uids, user names, "@daemon" (the daemon's uid); any if absent
//! # gid = ["audio", 29]      # the caller's effective gid, numbers or group names; any if absent
//! service = "*"              # interface descriptors, `*` matches any run of characters
//! method = "*"               # method names; `*` if absent
//!
//! [[rule]]
//! action = "deny"
//! service = "yunhal.sim.*"
//! ```
//! A value can be one item or a list. A rule with both `uid` and `gid`
//! needs both to match. Only the effective gid the kernel reports for the
//! caller's socket is seen, not its supplementary groups. Calls from the
//! daemon's own process are always allowed: the daemon registers its
//! services through its own service manager.
//!
//! The built-in default ([`DEFAULT_POLICY`], `hal-daemon/default-policy.toml`)
//! lets root and the daemon's uid call everything, and everyone else
//! everything but the simulator control (`yunhal.sim.*`) and the
//! state-changing methods of `yunhal.IDaemon`.

mod accounts;
mod parse;

pub use accounts::Accounts;
pub use parse::{PolicyError, PolicyErrors};

use std::fmt;
use std::path::{Path, PathBuf};
use yunhal_ipc::{PeerInfo, Status};

/// The built-in policy, as a policy file.
pub const DEFAULT_POLICY: &str = include_str!("../../default-policy.toml");

/// The name [`DEFAULT_POLICY`] shows in messages.
pub const DEFAULT_POLICY_NAME: &str = "built-in default policy";

/// Whether a rule lets a call through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// A `*` wildcard pattern over descriptors or method names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(String);

impl Pattern {
    pub fn new(text: impl Into<String>) -> Pattern {
        Pattern(text.into())
    }

    /// Whether `text` matches; `*` matches any run of characters, including
    /// none and including dots.
    pub fn matches(&self, text: &str) -> bool {
        wildcard_match(self.0.as_bytes(), text.as_bytes())
    }
}

fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    // Greedy with one backtrack point: the last `*` seen.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// One rule of a policy.
#[derive(Debug, Clone)]
pub struct Rule {
    pub action: Action,
    /// `None`: any uid.
    pub uids: Option<Vec<u32>>,
    /// `None`: any gid.
    pub gids: Option<Vec<u32>>,
    pub services: Vec<Pattern>,
    pub methods: Vec<Pattern>,
    /// Where the rule is written, e.g. `/etc/yunhal/policy.toml:12`.
    pub origin: String,
}

impl Rule {
    fn matches(&self, caller: &Caller, descriptor: &str, method: &str) -> bool {
        let id_in =
            |ids: &Option<Vec<u32>>, id: u32| ids.as_ref().map_or(true, |l| l.contains(&id));
        id_in(&self.uids, caller.uid)
            && id_in(&self.gids, caller.gid)
            && self.services.iter().any(|p| p.matches(descriptor))
            && self.methods.iter().any(|p| p.matches(method))
    }
}

/// The caller of a method, as the kernel identified it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    pub gid: u32,
    pub pid: i32,
}

impl From<&PeerInfo> for Caller {
    fn from(peer: &PeerInfo) -> Caller {
        Caller {
            uid: peer.uid,
            gid: peer.gid,
            pid: peer.pid,
        }
    }
}

/// A policy: ordered rules and what an unmatched call gets.
#[derive(Debug, Clone)]
pub struct CallPolicy {
    /// Where the policy came from (a path or [`DEFAULT_POLICY_NAME`]).
    pub source: String,
    pub default: Action,
    pub rules: Vec<Rule>,
    /// Calls from this process are always allowed.
    pub own_pid: i32,
}

/// Why a policy file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyLoadError {
    #[error("cannot read policy file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every problem of the file, one per line.
    #[error("{0}")]
    Invalid(#[from] PolicyErrors),
}

impl CallPolicy {
    /// The built-in default for a daemon running as `daemon_uid`.
    pub fn builtin(daemon_uid: u32) -> CallPolicy {
        CallPolicy::parse(
            DEFAULT_POLICY_NAME,
            DEFAULT_POLICY,
            daemon_uid,
            &Accounts::default(),
        )
        .expect("the built-in policy parses (tested)")
    }

    /// Reads a policy file; names resolve through `/etc/passwd` and `/etc/group`.
    pub fn load(path: &Path, daemon_uid: u32) -> Result<CallPolicy, PolicyLoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyLoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let name = path.display().to_string();
        Ok(CallPolicy::parse(
            &name,
            &text,
            daemon_uid,
            &Accounts::system(),
        )?)
    }

    /// Parses policy text; `file` is the name errors show.
    pub fn parse(
        file: &str,
        text: &str,
        daemon_uid: u32,
        accounts: &Accounts,
    ) -> Result<CallPolicy, PolicyErrors> {
        let parsed = parse::parse(file, text, daemon_uid, accounts)?;
        Ok(CallPolicy {
            source: file.to_owned(),
            default: parsed.default,
            rules: parsed.rules,
            own_pid: std::process::id() as i32,
        })
    }

    /// The rule that decides a call, `None` when none matches.
    pub fn deciding_rule(&self, caller: &Caller, descriptor: &str, method: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| rule.matches(caller, descriptor, method))
    }

    /// `Ok` when `caller` may call `descriptor.method`; else a security
    /// exception naming the caller, the call and the rule that denied it.
    pub fn check_call(
        &self,
        caller: &Caller,
        descriptor: &str,
        method: &str,
    ) -> Result<(), Status> {
        if caller.pid == self.own_pid {
            return Ok(());
        }
        let rule = self.deciding_rule(caller, descriptor, method);
        let action = rule.map_or(self.default, |r| r.action);
        if action == Action::Allow {
            return Ok(());
        }
        let why = match rule {
            Some(rule) => format!("denied by {}", rule.origin),
            None => format!("no rule of the {} allows it", self.source),
        };
        Err(Status::security(format!(
            "uid {} (pid {}) may not call {descriptor}.{method}: {why}",
            caller.uid, caller.pid
        )))
    }
}

impl yunhal_ipc::Policy for CallPolicy {
    fn check(&self, caller: &PeerInfo, descriptor: &str, method: &str) -> Result<(), Status> {
        // The runtime logs a denial (with uid and pid) once; no log here.
        self.check_call(&Caller::from(caller), descriptor, method)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
        })
    }
}

#[cfg(test)]
mod tests;

//! User and group names, from `/etc/passwd` and `/etc/group`.
//!
//! Read once when a policy file is loaded, not per call. Only the local
//! files are read (no NSS): a handset has no directory service, and a
//! daemon that must start early cannot wait for one.

use std::collections::HashMap;

/// User and group names to ids.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    users: HashMap<String, u32>,
    groups: HashMap<String, u32>,
}

impl Accounts {
    /// The accounts of `/etc/passwd` and `/etc/group` (none of a file that
    /// cannot be read).
    pub fn system() -> Accounts {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        Accounts::from_files(&read("/etc/passwd"), &read("/etc/group"))
    }

    /// Accounts from the text of a passwd and a group file
    /// (`name:password:id:...` lines).
    pub fn from_files(passwd: &str, group: &str) -> Accounts {
        Accounts {
            users: ids_by_name(passwd),
            groups: ids_by_name(group),
        }
    }

    pub fn uid(&self, name: &str) -> Option<u32> {
        self.users.get(name).copied()
    }

    pub fn gid(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }
}

fn ids_by_name(text: &str) -> HashMap<String, u32> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse().ok()?;
            Some((name.to_owned(), id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_from_passwd_and_group_lines() {
        let accounts = Accounts::from_files(
            "root:x:0:0:root:/root:/bin/sh\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken\n",
            "root:x:0:\naudio:x:29:alice\n",
        );

        assert_eq!(accounts.uid("alice"), Some(1000));
        assert_eq!(accounts.uid("root"), Some(0));
        assert_eq!(accounts.uid("broken"), None);
        assert_eq!(accounts.gid("audio"), Some(29));
        assert_eq!(accounts.gid("alice"), None);
    }
}

//! A starter `relman.toml` from what relman detects in a repository ([`starter_config`]): the
//! forge remote, the release units with their tag series and releases, and every section with
//! relman's defaults as comments. It changes nothing relman decides (only `remote` is set, to
//! what relman would read from `origin` anyway); it documents what was found and where to
//! change it.

use std::fmt::Write as _;

use crate::units::Unit;

/// The text of a starter `relman.toml` for `units` (as [`crate::units::release_units`] found
/// them) and the detected `remote` URL.
///
/// ```
/// use relman_plan::init::starter_config;
///
/// let text = starter_config(&[], Some("https://github.com/acme/widget"));
/// assert!(text.contains("remote = \"https://github.com/acme/widget\""));
/// let config: relman_plan::Config = toml::from_str(&text)?;
/// assert_eq!(config.remote.as_deref(), Some("https://github.com/acme/widget"));
/// # Ok::<(), toml::de::Error>(())
/// ```
pub fn starter_config(units: &[Unit], remote: Option<&str>) -> String {
    let mut t = String::from(
        "# relman.toml, written by `relman init` from what relman found in this repository.\n\
         # Every key is optional: the values below are what relman does without them.\n\
         # Reference: docs/configuration.md\n\n",
    );
    // A local path (a clone of a clone) is no forge: left as a comment.
    let forge = remote.filter(|url| {
        url.starts_with("https://") || url.starts_with("http://") || url.contains('@')
    });
    match forge {
        Some(url) => {
            let _ = writeln!(
                t,
                "# The forge for commit, compare and issue links (from `origin`)."
            );
            let _ = writeln!(t, "remote = {}\n", toml_string(url));
        }
        None => {
            let _ = writeln!(
                t,
                "# The forge for commit, compare and issue links (no forge URL in `origin`)."
            );
            let _ = writeln!(t, "# remote = \"https://github.com/OWNER/REPO\"\n");
        }
    }
    let _ = writeln!(t, "# Release units found, each with its tag series:");
    if units.is_empty() {
        let _ = writeln!(t, "#   (none)");
    }
    for u in units {
        let releases = match (u.releases.len(), u.last_release()) {
            (0, _) | (_, None) => "no release yet".to_owned(),
            (n, Some(last)) => format!("{n} release(s), last {}", last.name),
        };
        let members = if u.members.len() > 1 {
            let names: Vec<&str> = u.members.iter().map(|m| m.as_str()).collect();
            format!(", version group of {}", names.join(", "))
        } else {
            String::new()
        };
        let _ = writeln!(
            t,
            "#   {:<24} tags {:<28} {releases}{members}",
            u.id.as_str(),
            u.pattern.as_str()
        );
    }
    t.push_str(
        "\n# [tags]\n\
         # patterns = [\"v{version}\"]       # one repository-wide series, if yours has one\n\
         \n\
         # To override what was found for one component:\n\
         # [components.NAME]\n\
         # paths = [\"crates/NAME\"]\n\
         # tag = \"NAME-v{version}\"\n\
         \n\
         [bump]\n\
         # policy = \"learned\"              # 0.y.z rules learned from past releases\n\
         # other_changes = \"patch\"         # chore/docs/deps-only changes make a patch release\n\
         # manifest = \"follow\"             # a manifest version ahead of the last tag is the next\n\
         # propagation = \"always_patch\"    # dependents of a released crate are released too\n\
         \n\
         [changelog]\n\
         # title = \"Changelog\"\n\
         \n\
         [approvals]                         # approvals of a release's change request by risk\n\
         # low = 1\n\
         # medium = 1\n\
         # high = 2\n\
         # critical = 2\n\
         \n\
         [pipeline]\n\
         # around_the_clock = false          # true: schedule release tasks at any hour\n\
         # [pipeline.working_hours]          # when release tasks run (UTC)\n\
         # days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]\n\
         # from = \"09:00\"\n\
         # to = \"17:00\"\n",
    );
    t.push_str(ENVIRONMENTS_EXAMPLE);
    t
}

/// The commented `[environments.NAME]` example of the starter: how `relman deploy` deploys.
const ENVIRONMENTS_EXAMPLE: &str = "\n\
# How `relman deploy` and `relman promote` deploy to an environment (docs/deploy.md).\n\
# Commands are argv arrays, never run by a shell; they learn what to deploy from\n\
# RELMAN_ENV, RELMAN_COMPONENT, RELMAN_VERSION, RELMAN_PREVIOUS_VERSION, RELMAN_DEPLOYMENT_ID.\n\
# [environments.staging]\n\
# deploy = [\"./deploy.sh\"]\n\
# timeout = \"5m\"                     # each of pre, deploy and post\n\
# [environments.staging.health]\n\
# command = [\"curl\", \"-fsS\", \"http://staging.internal/health\"]\n\
# retries = 3\n\
# interval = \"2s\"\n\
# timeout = \"10s\"\n";

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_parses_and_sets_only_the_remote() {
        let text = starter_config(&[], Some("https://example.org/a\"b"));
        let config: crate::Config = toml::from_str(&text).expect("valid TOML");
        assert_eq!(config.remote.as_deref(), Some("https://example.org/a\"b"));
        let without = crate::Config {
            remote: None,
            ..config
        };
        assert_eq!(without, crate::Config::default());
        for remote in [None, Some("/srv/git/widget")] {
            let none: crate::Config =
                toml::from_str(&starter_config(&[], remote)).expect("valid TOML");
            assert_eq!(none, crate::Config::default(), "{remote:?}");
        }
    }

    /// Every commented setting is valid as it stands once uncommented (the defaults).
    #[test]
    fn every_commented_setting_is_valid_when_uncommented() {
        let text = starter_config(&[], None);
        let uncommented: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(uncommented.contains("\npatterns = "), "{uncommented}");
        assert!(
            uncommented.contains("\n[pipeline.working_hours]"),
            "{uncommented}"
        );
        let config = crate::config::parse(std::path::Path::new("relman.toml"), &uncommented)
            .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        assert_eq!(config.pipeline.validate(), Ok(()));
        assert_eq!(config.tags.patterns, ["v{version}"]);
    }

    #[test]
    fn the_environments_example_parses_once_uncommented() {
        let text: String = ENVIRONMENTS_EXAMPLE
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with('[') || l.contains(" = "))
            .map(|l| format!("{l}\n"))
            .collect();
        let config: crate::Config = toml::from_str(&text).expect("valid TOML");
        let staging = &config.environments["staging"];
        assert_eq!(staging.deploy.argv(), ["./deploy.sh"]);
    }
}

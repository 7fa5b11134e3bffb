//! The deployment settings of one environment: `[environments.NAME]` in `relman.toml`.
//!
//! ```toml
//! [environments.staging]
//! deploy = ["./deploy.sh"]            # required: argv array, or a string split as below
//! pre = "./check-capacity.sh --min 2" # optional hook before `deploy`
//! post = ["./notify.sh"]              # optional hook after a successful deployment
//! timeout = "5m"                      # each of pre, deploy and post (default 5m)
//!
//! [environments.staging.health]
//! command = ["curl", "-fsS", "http://127.0.0.1:8080/health"]  # success = exit 0
//! retries = 5                         # attempts after the first (default 3)
//! interval = "2s"                     # between attempts (default 2s)
//! timeout = "10s"                     # each attempt (default 10s)
//! ```
//!
//! A command given as a string is split into words as a POSIX shell would split it (blanks
//! separate words, `'...'` and `"..."` quote, `\` escapes the next character) but **no shell
//! runs it**: there is no variable expansion, globbing, pipe or redirection. What a command
//! needs to know (component, version, environment...) reaches it as environment variables only;
//! see [`crate`] for the list.
//!
//! Durations are a number of seconds (`30`, `0.5`) or a string with a unit: `250ms`, `2s`,
//! `5m`, `1h`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// `[environments.NAME]`: how to deploy to one environment and check its health.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EnvironmentConfig {
    /// The deploy command; it deploys `RELMAN_VERSION` (also to roll back).
    pub deploy: CommandLine,
    /// A hook run before the deploy command; its failure fails the deployment (nothing was
    /// deployed, so nothing is rolled back).
    #[serde(default)]
    pub pre: Option<CommandLine>,
    /// A hook run after a successful deployment; its failure is recorded and reported, and
    /// changes nothing.
    #[serde(default)]
    pub post: Option<CommandLine>,
    /// The timeout of each of `pre`, `deploy` and `post`.
    #[serde(default = "default_timeout")]
    pub timeout: Span,
    /// The health check; without it a deployment is healthy when its deploy command exits 0.
    #[serde(default)]
    pub health: Option<HealthConfig>,
}

impl EnvironmentConfig {
    /// Settings that run `deploy`, with no hooks, no health check and the default timeout.
    pub fn new(deploy: CommandLine) -> Self {
        Self {
            deploy,
            pre: None,
            post: None,
            timeout: default_timeout(),
            health: None,
        }
    }
}

/// `[environments.NAME.health]`: the health check of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HealthConfig {
    /// The command; healthy when it exits 0.
    pub command: CommandLine,
    /// How many more attempts after a failed one.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// The wait between attempts.
    #[serde(default = "default_interval")]
    pub interval: Span,
    /// The timeout of each attempt.
    #[serde(default = "default_health_timeout")]
    pub timeout: Span,
}

impl HealthConfig {
    /// A health check running `command` with the default retries (3), interval (2s) and
    /// timeout (10s).
    pub fn new(command: CommandLine) -> Self {
        Self {
            command,
            retries: default_retries(),
            interval: default_interval(),
            timeout: default_health_timeout(),
        }
    }

    /// The longest the check can take: every attempt timing out, with the waits between.
    pub fn budget(&self) -> Duration {
        let attempts = self.retries.saturating_add(1);
        self.timeout
            .0
            .saturating_mul(attempts)
            .saturating_add(self.interval.0.saturating_mul(self.retries))
    }
}

fn default_timeout() -> Span {
    Span(Duration::from_secs(300))
}

fn default_retries() -> u32 {
    3
}

fn default_interval() -> Span {
    Span(Duration::from_secs(2))
}

fn default_health_timeout() -> Span {
    Span(Duration::from_secs(10))
}

/// A command as a program and its arguments; never run through a shell.
///
/// Parses from a string split into words as described in [the module docs](self):
///
/// ```
/// use relman_deploy::config::CommandLine;
///
/// let line: CommandLine = r#"curl -fsS "http://127.0.0.1:8080/a b" 'it''s'"#.parse()?;
/// assert_eq!(line.argv(), ["curl", "-fsS", "http://127.0.0.1:8080/a b", "its"]);
/// // No shell: `$HOME` stays as written.
/// assert_eq!("echo $HOME".parse::<CommandLine>()?.argv(), ["echo", "$HOME"]);
/// # Ok::<(), relman_deploy::config::ParseCommandLineError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommandLine {
    argv: Vec<String>,
}

impl CommandLine {
    /// The command `argv`: program first.
    ///
    /// # Errors
    ///
    /// [`ParseCommandLineError::Empty`] when `argv` is empty or its program is empty.
    pub fn new(argv: Vec<String>) -> Result<Self, ParseCommandLineError> {
        if argv.first().is_none_or(String::is_empty) {
            return Err(ParseCommandLineError::Empty);
        }
        Ok(Self { argv })
    }

    /// The program and its arguments.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The program.
    pub fn program(&self) -> &str {
        &self.argv[0]
    }

    /// The arguments after the program.
    pub fn args(&self) -> &[String] {
        &self.argv[1..]
    }
}

/// Returned when a command line cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseCommandLineError {
    /// No program.
    #[error("the command is empty")]
    Empty,
    /// A quote opened at this byte offset is not closed.
    #[error("unclosed {quote} quote at byte {at}")]
    UnclosedQuote {
        /// The quote character.
        quote: char,
        /// Where it opened.
        at: usize,
    },
    /// The line ends with a lone backslash.
    #[error("the command ends with a lone backslash")]
    TrailingBackslash,
}

impl FromStr for CommandLine {
    type Err = ParseCommandLineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(split_words(s)?)
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in self.argv.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            let plain = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                f.write_str(word)?;
            } else {
                write!(f, "'{}'", word.replace('\'', r"'\''"))?;
            }
        }
        Ok(())
    }
}

/// Splits `s` into words: blanks separate, quotes group, backslash escapes (not inside single
/// quotes; inside double quotes only before `"`, `\`, `$` and `` ` ``).
fn split_words(s: &str) -> Result<Vec<String>, ParseCommandLineError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                let (_, next) = chars
                    .next()
                    .ok_or(ParseCommandLineError::TrailingBackslash)?;
                if next != '\n' {
                    word.push(next);
                    in_word = true;
                }
            }
            '\'' | '"' => {
                in_word = true;
                let mut closed = false;
                while let Some((_, q)) = chars.next() {
                    if q == c {
                        closed = true;
                        break;
                    }
                    if c == '"' && q == '\\' {
                        match chars.peek() {
                            Some(&(_, e)) if "\"\\$`".contains(e) => {
                                word.push(e);
                                chars.next();
                                continue;
                            }
                            _ => {}
                        }
                    }
                    word.push(q);
                }
                if !closed {
                    return Err(ParseCommandLineError::UnclosedQuote { quote: c, at });
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Line(String),
            Argv(Vec<String>),
        }
        let raw = Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("a command is an array of strings or a string")
        })?;
        match raw {
            Raw::Line(s) => s.parse(),
            Raw::Argv(argv) => CommandLine::new(argv),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// A duration setting: seconds as a number, or a string with a unit (`ms`, `s`, `m`, `h`).
///
/// ```
/// use relman_deploy::config::Span;
/// use std::time::Duration;
///
/// assert_eq!("250ms".parse::<Span>()?.0, Duration::from_millis(250));
/// assert_eq!("5m".parse::<Span>()?.to_string(), "300s");
/// # Ok::<(), relman_deploy::config::ParseSpanError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span(pub Duration);

/// Returned when a duration setting cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a duration: give seconds (30, 0.5) or a number with ms, s, m or h")]
pub struct ParseSpanError {
    /// The text refused.
    pub text: String,
}

impl FromStr for Span {
    type Err = ParseSpanError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseSpanError { text: s.to_owned() };
        let t = s.trim();
        let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = t.strip_suffix('s') {
            (n, 1.0)
        } else if let Some(n) = t.strip_suffix('m') {
            (n, 60.0)
        } else if let Some(n) = t.strip_suffix('h') {
            (n, 3600.0)
        } else {
            (t, 1.0)
        };
        let n: f64 = number.trim().parse().map_err(|_| err())?;
        seconds(n * scale).ok_or_else(err)
    }
}

/// `secs` as a duration, when finite, non-negative and below a year.
fn seconds(secs: f64) -> Option<Span> {
    (secs.is_finite() && (0.0..=31_536_000.0).contains(&secs))
        .then(|| Span(Duration::from_secs_f64(secs)))
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() == 0 && self.0.subsec_nanos() == 0 {
            write!(f, "{}s", self.0.as_secs())
        } else {
            write!(f, "{}ms", self.0.as_millis())
        }
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Float(f64),
            Text(String),
        }
        let raw = Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("a duration is a number of seconds or a string like \"2s\"")
        })?;
        match raw {
            #[allow(clippy::cast_precision_loss)]
            Raw::Int(n) => seconds(n as f64).ok_or_else(|| ParseSpanError {
                text: n.to_string(),
            }),
            Raw::Float(n) => seconds(n).ok_or_else(|| ParseSpanError {
                text: n.to_string(),
            }),
            Raw::Text(s) => s.parse(),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        split_words(s).expect("splits")
    }

    #[test]
    fn splits_like_a_shell_without_running_one() {
        assert_eq!(words("  a  b\tc "), ["a", "b", "c"]);
        assert_eq!(words(r#"a "b c" 'd e'"#), ["a", "b c", "d e"]);
        assert_eq!(words(r#"a\ b "x\"y" 'p\q'"#), ["a b", "x\"y", r"p\q"]);
        assert_eq!(words(r#"'' "" x"#), ["", "", "x"]);
        assert_eq!(
            words("echo $(rm -rf /); ls | wc"),
            ["echo", "$(rm", "-rf", "/);", "ls", "|", "wc"]
        );
        assert_eq!(
            split_words("a 'b"),
            Err(ParseCommandLineError::UnclosedQuote { quote: '\'', at: 2 })
        );
        assert_eq!(
            split_words("a\\"),
            Err(ParseCommandLineError::TrailingBackslash)
        );
        assert_eq!(
            "  ".parse::<CommandLine>(),
            Err(ParseCommandLineError::Empty)
        );
    }

    #[test]
    fn command_lines_display_as_they_parse() {
        for argv in [vec!["a", "b c", "it's", ""], vec!["./deploy.sh", "--x=1"]] {
            let line = CommandLine::new(argv.iter().map(|s| (*s).to_owned()).collect())
                .expect("a program");
            let again: CommandLine = line.to_string().parse().expect("parses back");
            assert_eq!(again, line);
        }
    }

    #[test]
    fn spans_read_numbers_and_units() {
        let span = |s: &str| s.parse::<Span>().map(|s| s.0);
        assert_eq!(span("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(span("2h"), Ok(Duration::from_secs(7200)));
        assert!(span("-1s").is_err());
        assert!(span("soon").is_err());
        assert!(span("NaN").is_err());
    }

    #[test]
    fn environment_tables_read_with_defaults_and_refuse_unknown_keys() {
        let config: EnvironmentConfig = toml::from_str(
            r#"
            deploy = "./deploy.sh --fast"
            timeout = 30
            [health]
            command = ["curl", "-fsS", "http://127.0.0.1:1/"]
            interval = "100ms"
            "#,
        )
        .expect("valid");
        assert_eq!(config.deploy.argv(), ["./deploy.sh", "--fast"]);
        assert_eq!(config.timeout, Span(Duration::from_secs(30)));
        let health = config.health.expect("a health check");
        assert_eq!(health.retries, 3);
        assert_eq!(health.interval, Span(Duration::from_millis(100)));
        assert_eq!(
            health.budget(),
            Duration::from_secs(40) + Duration::from_millis(300)
        );
        let err = toml::from_str::<EnvironmentConfig>("deploy = [\"x\"]\nretry = 2\n")
            .expect_err("unknown key");
        assert!(err.to_string().contains("retry"), "{err}");
        let err = toml::from_str::<EnvironmentConfig>("deploy = []\n").expect_err("empty");
        assert!(err.to_string().contains("empty"), "{err}");
    }
}

//! A parser for PSPLIB single-mode `.sm` files (Kolisch & Sprecher, "PSPLIB – a project
//! scheduling problem library", EJOR 96, 1997), a pure function over text.
//!
//! Jobs become tasks with ids `"1"`, `"2"`, ... in file order (so task index = job number − 1),
//! renewable resources become `"R1"`, `"R2"`, ..., successor lists become finish-to-start edges
//! without lag. Nonrenewable and doubly constrained resources are rejected.

use crate::plan::{BuildPlanError, Plan, Precedence, Resource, ResourceId, Task, TaskId};

/// Returned by [`parse_sm`]; positions are 1-based, columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseSmError {
    /// A token is not what the format requires here.
    #[error("line {line}, column {column}: expected {expected}, found {found:?}")]
    Unexpected {
        /// Line of the token.
        line: usize,
        /// Column of the token.
        column: usize,
        /// What the format requires.
        expected: &'static str,
        /// The token found (empty at the end of a line or file).
        found: String,
    },
    /// A required section or header line is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A job number is outside `1..=jobs` or out of order.
    #[error(
        "line {line}, column {column}: job {job} is not expected here (jobs are 1..={jobs} in order)"
    )]
    BadJob {
        /// Line of the job number.
        line: usize,
        /// Column of the job number.
        column: usize,
        /// The job number found.
        job: u64,
        /// Number of jobs declared.
        jobs: usize,
    },
    /// The instance uses a feature outside single-mode, renewable-only PSPLIB.
    #[error("line {line}: unsupported {what}")]
    Unsupported {
        /// Line of the declaration.
        line: usize,
        /// What is unsupported.
        what: &'static str,
    },
    /// The parsed data does not form a valid plan.
    #[error("the instance is not a valid plan")]
    InvalidPlan(#[source] BuildPlanError),
}

struct Cursor<'a> {
    lines: Vec<&'a str>,
    at: usize,
}

/// The whitespace-separated tokens of `line` with their 1-based columns (in characters).
fn tokens(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    // The byte offset and the column of the token being read.
    let mut start = None;
    for (column, (i, c)) in line.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some((i, column + 1)),
            (true, Some((s, col))) => {
                out.push((col, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((s, col)) = start {
        out.push((col, &line[s..]));
    }
    out.into_iter()
}

/// The 1-based column (in characters) just past the end of `line`.
fn end_column(line: &str) -> usize {
    line.chars().count() + 1
}

impl<'a> Cursor<'a> {
    /// Moves to the line after the first line (from the current one) starting with `prefix`.
    fn seek(&mut self, prefix: &str, what: &'static str) -> Result<usize, ParseSmError> {
        while self.at < self.lines.len() {
            let l = self.lines[self.at].trim_start();
            self.at += 1;
            if l.starts_with(prefix) {
                return Ok(self.at - 1);
            }
        }
        Err(ParseSmError::Missing(what))
    }

    /// The number after the `:` of line `i`.
    fn value_after_colon(&self, i: usize) -> Result<u64, ParseSmError> {
        let line = self.lines[i];
        let colon = line.find(':').ok_or(ParseSmError::Unexpected {
            line: i + 1,
            column: end_column(line),
            expected: "':'",
            found: String::new(),
        })?;
        let (col, tok) = tokens(&line[colon + 1..]).next().unwrap_or((1, ""));
        number(i, line[..=colon].chars().count() + col, tok)
    }

    /// The next line holding data (skips blank, separator and header lines).
    fn data_line(&mut self, what: &'static str) -> Result<usize, ParseSmError> {
        while self.at < self.lines.len() {
            let l = self.lines[self.at].trim_start();
            self.at += 1;
            if l.starts_with(|c: char| c.is_ascii_digit()) {
                return Ok(self.at - 1);
            }
            if l.starts_with('*') {
                break;
            }
        }
        Err(ParseSmError::Missing(what))
    }
}

fn number(line: usize, column: usize, tok: &str) -> Result<u64, ParseSmError> {
    tok.parse().map_err(|_| ParseSmError::Unexpected {
        line: line + 1,
        column,
        expected: "a non-negative integer",
        found: tok.to_owned(),
    })
}

fn numbers(lines: &[&str], i: usize, count: usize) -> Result<Vec<(usize, u64)>, ParseSmError> {
    let line = lines[i];
    let toks: Vec<(usize, &str)> = tokens(line).collect();
    if toks.len() < count {
        return Err(ParseSmError::Unexpected {
            line: i + 1,
            column: end_column(line),
            expected: "more numbers on this line",
            found: String::new(),
        });
    }
    toks.iter()
        .map(|&(c, t)| number(i, c, t).map(|v| (c, v)))
        .collect()
}

/// Parses a PSPLIB single-mode `.sm` file into a [`Plan`].
///
/// Complexity O(size of the text).
///
/// # Errors
///
/// [`ParseSmError`] with the line and column of the offending token, a missing section,
/// multi-mode or nonrenewable data, or an instance that is not a valid plan (e.g. a cycle).
pub fn parse_sm(text: &str) -> Result<Plan, ParseSmError> {
    let mut c = Cursor {
        lines: text.lines().collect(),
        at: 0,
    };
    let i = c.seek("jobs (incl", "the 'jobs (incl. supersource/sink)' line")?;
    let jobs = usize::try_from(c.value_after_colon(i)?).unwrap_or(usize::MAX);
    if jobs == 0 || jobs > 1_000_000 {
        return Err(ParseSmError::Unexpected {
            line: i + 1,
            column: 1,
            expected: "a job count in 1..=1000000",
            found: jobs.to_string(),
        });
    }
    let i = c.seek("- renewable", "the '- renewable' line")?;
    let k = usize::try_from(c.value_after_colon(i)?).unwrap_or(usize::MAX);
    if k > 1000 {
        return Err(ParseSmError::Unsupported {
            line: i + 1,
            what: "number of renewable resources above 1000",
        });
    }
    for what in ["- nonrenewable", "- doubly constrained"] {
        let save = c.at;
        if let Ok(i) = c.seek(what, "resource declaration")
            && c.value_after_colon(i)? != 0
        {
            return Err(ParseSmError::Unsupported {
                line: i + 1,
                what: "nonrenewable or doubly constrained resources",
            });
        }
        c.at = save;
    }
    let ids: Vec<TaskId> = (1..=jobs)
        .map(|j| {
            j.to_string()
                .parse()
                .expect("a decimal number is a valid task id")
        })
        .collect();
    c.seek("PRECEDENCE RELATIONS", "the PRECEDENCE RELATIONS section")?;
    let mut precs = Vec::new();
    for j in 1..=jobs {
        let i = c.data_line("a precedence line per job")?;
        let v = numbers(&c.lines, i, 3)?;
        if v[0].1 != j as u64 {
            return Err(ParseSmError::BadJob {
                line: i + 1,
                column: v[0].0,
                job: v[0].1,
                jobs,
            });
        }
        if v[1].1 != 1 {
            return Err(ParseSmError::Unsupported {
                line: i + 1,
                what: "multi-mode job",
            });
        }
        let count = usize::try_from(v[2].1).unwrap_or(usize::MAX);
        if v.len().checked_sub(3) != Some(count) {
            return Err(ParseSmError::Unexpected {
                line: i + 1,
                column: v
                    .get(count.saturating_add(3))
                    .map_or(end_column(c.lines[i]), |x| x.0),
                expected: "exactly the declared number of successors",
                found: v
                    .get(count.saturating_add(3))
                    .map_or(String::new(), |x| x.1.to_string()),
            });
        }
        for &(col, s) in &v[3..] {
            if s == 0 || s > jobs as u64 {
                return Err(ParseSmError::BadJob {
                    line: i + 1,
                    column: col,
                    job: s,
                    jobs,
                });
            }
            precs.push(Precedence::finish_to_start(
                ids[j - 1].clone(),
                ids[s as usize - 1].clone(),
            ));
        }
    }
    c.seek("REQUESTS/DURATIONS", "the REQUESTS/DURATIONS section")?;
    let res_ids: Vec<ResourceId> = (1..=k)
        .map(|r| {
            format!("R{r}")
                .parse()
                .expect("R<n> is a valid resource id")
        })
        .collect();
    let mut tasks = Vec::with_capacity(jobs);
    for j in 1..=jobs {
        let i = c.data_line("a request line per job")?;
        let v = numbers(&c.lines, i, 3 + k)?;
        if v[0].1 != j as u64 {
            return Err(ParseSmError::BadJob {
                line: i + 1,
                column: v[0].0,
                job: v[0].1,
                jobs,
            });
        }
        if v.len() != 3 + k {
            return Err(ParseSmError::Unexpected {
                line: i + 1,
                column: v[3 + k].0,
                expected: "end of line after the resource requests",
                found: v[3 + k].1.to_string(),
            });
        }
        let duration = i64::try_from(v[2].1).map_err(|_| ParseSmError::Unexpected {
            line: i + 1,
            column: v[2].0,
            expected: "a duration below 2^63",
            found: v[2].1.to_string(),
        })?;
        let mut task = Task::new(ids[j - 1].clone(), duration);
        for (r, &(col, q)) in v[3..].iter().enumerate() {
            let q = u32::try_from(q).map_err(|_| ParseSmError::Unexpected {
                line: i + 1,
                column: col,
                expected: "a request below 2^32",
                found: q.to_string(),
            })?;
            if q > 0 {
                task = task.with_demand(res_ids[r].clone(), q);
            }
        }
        tasks.push(task);
    }
    c.seek(
        "RESOURCEAVAILABILITIES",
        "the RESOURCEAVAILABILITIES section",
    )?;
    let i = c.data_line("the resource availability line")?;
    let v = numbers(&c.lines, i, k)?;
    let mut resources = Vec::with_capacity(k);
    for (r, &(col, cap)) in v.iter().take(k).enumerate() {
        let cap = u32::try_from(cap).map_err(|_| ParseSmError::Unexpected {
            line: i + 1,
            column: col,
            expected: "a capacity below 2^32",
            found: cap.to_string(),
        })?;
        resources.push(Resource::new(res_ids[r].clone(), cap));
    }
    Plan::new(tasks, resources, precs).map_err(ParseSmError::InvalidPlan)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
jobs (incl. supersource/sink ):  4
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
****
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     3       2
  3      1     2       1
  4      1     0       0
****
RESOURCEAVAILABILITIES:
  R 1
   2
";

    #[test]
    fn parses_a_small_instance() {
        let plan = parse_sm(SMALL).expect("valid");
        assert_eq!(plan.tasks().len(), 4);
        assert_eq!(plan.precedences().len(), 4);
        assert_eq!(plan.resources()[0].capacity, 2);
        assert_eq!(plan.tasks()[1].duration, 3);
        assert_eq!(plan.demand(1, 0), 2);
    }

    /// Found by `tests/fuzz.rs`: columns were byte offsets, so a line holding a non-ASCII
    /// character reported a column past its end.
    #[test]
    fn columns_count_characters_not_bytes() {
        // U+3000 is whitespace of three bytes.
        let bad = SMALL.replace(
            "   3        1          1           4",
            "\u{3000}3        1          1           x",
        );
        assert_eq!(
            parse_sm(&bad),
            Err(ParseSmError::Unexpected {
                line: 10,
                column: 34,
                expected: "a non-negative integer",
                found: "x".into()
            })
        );
        let short = SMALL.replace("   2        1          1           4", "   2 \u{e9}");
        assert_eq!(
            parse_sm(&short),
            Err(ParseSmError::Unexpected {
                line: 9,
                column: 7,
                expected: "more numbers on this line",
                found: String::new()
            })
        );
    }

    #[test]
    fn errors_carry_positions() {
        let bad = SMALL.replace(
            "   3        1          1           4",
            "   3        1          1           x",
        );
        assert_eq!(
            parse_sm(&bad),
            Err(ParseSmError::Unexpected {
                line: 10,
                column: 36,
                expected: "a non-negative integer",
                found: "x".into()
            })
        );
        let bad = SMALL.replace("           4\n   3", "           9\n   3");
        assert!(matches!(
            parse_sm(&bad),
            Err(ParseSmError::BadJob {
                line: 9,
                job: 9,
                ..
            })
        ));
        let bad = SMALL.replace("  2      1     3       2", "  2      1     3       5");
        assert!(matches!(
            parse_sm(&bad),
            Err(ParseSmError::InvalidPlan(
                BuildPlanError::DemandAboveCapacity { .. }
            ))
        ));
        assert_eq!(
            parse_sm(""),
            Err(ParseSmError::Missing(
                "the 'jobs (incl. supersource/sink)' line"
            ))
        );
        let cyc = SMALL.replace(
            "   4        1          0",
            "   4        1          1           1",
        );
        assert!(matches!(
            parse_sm(&cyc),
            Err(ParseSmError::InvalidPlan(BuildPlanError::Cycle(_)))
        ));
    }
}

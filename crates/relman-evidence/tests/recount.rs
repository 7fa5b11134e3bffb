//! Property tests: whatever report is generated, what the readers return equals a
//! straightforward recount of what was generated.

use proptest::prelude::*;
use relman_evidence::{default_gates, parse_coverage, parse_junit};
use relman_model::{TestKind, Verdict, evaluate_gates};

/// How one generated test case ends, and how its XML spells it.
#[derive(Debug, Clone)]
enum Case {
    /// `<testcase/>` or `<testcase>` with output only.
    Passed { empty: bool },
    /// `<failure>` or `<error>`, possibly after a `<skipped>`.
    Failed { error: bool, also_skipped: bool },
    /// `<skipped>`.
    Skipped,
}

fn case() -> impl Strategy<Value = (Case, Option<u32>)> {
    let outcome = prop_oneof![
        any::<bool>().prop_map(|empty| Case::Passed { empty }),
        (any::<bool>(), any::<bool>()).prop_map(|(error, also_skipped)| Case::Failed {
            error,
            also_skipped
        }),
        Just(Case::Skipped),
    ];
    // Times in whole milliseconds, so the expected total is exact.
    (outcome, proptest::option::of(0u32..100_000))
}

fn suites() -> impl Strategy<Value = Vec<Vec<(Case, Option<u32>)>>> {
    prop::collection::vec(prop::collection::vec(case(), 0..12), 1..4)
}

fn render(suites: &[Vec<(Case, Option<u32>)>]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (s, cases) in suites.iter().enumerate() {
        xml.push_str(&format!(
            "  <testsuite name=\"suite{s}\" tests=\"{}\">\n",
            cases.len()
        ));
        for (c, (outcome, ms)) in cases.iter().enumerate() {
            let time = ms.map_or(String::new(), |ms| {
                format!(" time=\"{}.{:03}\"", ms / 1000, ms % 1000)
            });
            let open = format!("    <testcase name=\"t{c}\" classname=\"x\"{time}");
            match outcome {
                Case::Passed { empty: true } => xml.push_str(&format!("{open}/>\n")),
                Case::Passed { empty: false } => xml.push_str(&format!(
                    "{open}>\n      <system-out>ok &amp; done</system-out>\n    </testcase>\n"
                )),
                Case::Failed {
                    error,
                    also_skipped,
                } => {
                    xml.push_str(&format!("{open}>\n"));
                    if *also_skipped {
                        xml.push_str("      <skipped/>\n");
                    }
                    let tag = if *error { "error" } else { "failure" };
                    xml.push_str(&format!(
                        "      <{tag} message=\"boom\">trace</{tag}>\n    </testcase>\n"
                    ));
                }
                Case::Skipped => {
                    xml.push_str(&format!(
                        "{open}>\n      <skipped message=\"later\"/>\n    </testcase>\n"
                    ));
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// One LCOV record: lines found, lines hit (at most found), and whether to spell out `DA:` lines.
fn record() -> impl Strategy<Value = (u64, u64, bool)> {
    (0u64..500).prop_flat_map(|found| (Just(found), 0..=found, any::<bool>()))
}

fn render_lcov(records: &[(u64, u64, bool)]) -> String {
    let mut lcov = String::from("TN:\n");
    for (i, (found, hit, da)) in records.iter().enumerate() {
        lcov.push_str(&format!(
            "SF:src/file{i}.rs\nFN:1,f\nFNDA:1,f\nFNF:1\nFNH:1\n"
        ));
        if *da {
            for line in 0..*found {
                let count = u64::from(line < *hit);
                lcov.push_str(&format!("DA:{},{count}\n", line + 1));
            }
        }
        lcov.push_str(&format!("LF:{found}\nLH:{hit}\nend_of_record\n"));
    }
    lcov
}

proptest! {
    #[test]
    fn junit_counts_and_verdict_equal_a_recount(suites in suites()) {
        let xml = render(&suites);
        let run = parse_junit(&xml, TestKind::Unit).expect("a generated report parses");
        let cases: Vec<&(Case, Option<u32>)> = suites.iter().flatten().collect();
        let passed = cases.iter().filter(|(c, _)| matches!(c, Case::Passed { .. })).count() as u64;
        let failed = cases.iter().filter(|(c, _)| matches!(c, Case::Failed { .. })).count() as u64;
        let skipped = cases.iter().filter(|(c, _)| matches!(c, Case::Skipped)).count() as u64;
        let ms: u64 = cases.iter().filter_map(|(_, ms)| *ms).map(u64::from).sum();
        prop_assert_eq!((run.passed, run.failed, run.skipped), (passed, failed, skipped));
        prop_assert_eq!(run.duration_ms, ms);
        prop_assert_eq!(run.suite.as_str(), "suite0");

        let runs = [run];
        let report = evaluate_gates(&default_gates(&runs), &runs);
        let expected = if failed == 0 && passed > 0 { Verdict::Pass } else { Verdict::Fail };
        prop_assert_eq!(report.verdict, expected);
    }

    #[test]
    fn junit_cut_short_is_never_a_run(suites in suites(), cut in any::<prop::sample::Index>()) {
        let xml = render(&suites);
        let end = xml.rfind("</testsuites>").expect("root end");
        let at = cut.index(end);
        prop_assert!(parse_junit(&xml[..at], TestKind::Unit).is_err(), "cut at {}", at);
    }

    #[test]
    fn lcov_coverage_is_a_percentage_equal_to_a_recount(
        records in prop::collection::vec(record(), 1..8)
    ) {
        let found: u64 = records.iter().map(|r| r.0).sum();
        let hit: u64 = records.iter().map(|r| r.1).sum();
        let lcov = render_lcov(&records);
        match parse_coverage(&lcov) {
            Ok(percent) => {
                prop_assert!((0.0..=100.0).contains(&percent), "{}", percent);
                prop_assert!(found > 0);
                let expected = 100.0 * hit as f64 / found as f64;
                prop_assert!((percent - expected).abs() < 1e-9, "{} != {}", percent, expected);
            }
            Err(e) => prop_assert!(found == 0, "{e}"),
        }
    }

    #[test]
    fn lcov_with_a_record_hitting_more_than_it_finds_is_an_error(
        mut records in prop::collection::vec(record(), 1..8),
        which in any::<prop::sample::Index>(),
        extra in 1u64..100,
    ) {
        let i = which.index(records.len());
        records[i].1 = records[i].0 + extra;
        records[i].2 = false;
        prop_assert!(parse_coverage(&render_lcov(&records)).is_err());
    }
}

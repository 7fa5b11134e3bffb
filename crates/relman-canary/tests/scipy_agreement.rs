//! `mann_whitney_u` agrees with `scipy.stats.mannwhitneyu(x, y, alternative="two-sided")`
//! within 1e-9 on the cases of `data/mannwhitneyu.json` (written once by
//! `data/make_mannwhitneyu_fixture.py`: sizes 1 to 30, with and without ties, exact and
//! asymptotic paths).

use relman_canary::stats::{Method, mann_whitney_u};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    scipy: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    x: Vec<f64>,
    y: Vec<f64>,
    statistic: f64,
    p_value: f64,
}

fn fixture() -> Fixture {
    let text = include_str!("data/mannwhitneyu.json");
    serde_json::from_str(text).expect("the fixture is valid JSON")
}

#[test]
fn statistic_and_p_value_agree_with_scipy() {
    let fixture = fixture();
    assert!(fixture.cases.len() >= 200, "{} cases", fixture.cases.len());
    let (mut max_stat, mut max_p) = (0.0_f64, 0.0_f64);
    let mut methods = (0, 0);
    for (i, case) in fixture.cases.iter().enumerate() {
        let test = mann_whitney_u(&case.x, &case.y).expect("fixture samples are non-empty");
        let (ds, dp) = (
            (test.statistic - case.statistic).abs(),
            (test.p_value - case.p_value).abs(),
        );
        assert!(
            ds <= 1e-9 && dp <= 1e-9,
            "case {i} (scipy {}): statistic {} vs {}, p {} vs {} ({:?})",
            fixture.scipy,
            test.statistic,
            case.statistic,
            test.p_value,
            case.p_value,
            test.method
        );
        max_stat = max_stat.max(ds);
        max_p = max_p.max(dp);
        match test.method {
            Method::Exact => methods.0 += 1,
            Method::Asymptotic => methods.1 += 1,
        }
    }
    assert!(
        methods.0 >= 40 && methods.1 >= 40,
        "both paths are covered: {methods:?}"
    );
    eprintln!("max |Δ statistic| = {max_stat:e}, max |Δ p| = {max_p:e}, paths {methods:?}");
}

#[test]
fn the_method_follows_scipys_auto_rule() {
    let fixture = fixture();
    for case in &fixture.cases {
        let test = mann_whitney_u(&case.x, &case.y).expect("non-empty");
        let mut all: Vec<f64> = case.x.iter().chain(&case.y).copied().collect();
        all.sort_by(f64::total_cmp);
        let ties = all.windows(2).any(|w| w[0] == w[1]);
        let small = case.x.len() <= 8 || case.y.len() <= 8;
        let expected = if small && !ties {
            Method::Exact
        } else {
            Method::Asymptotic
        };
        assert_eq!(test.method, expected, "x = {:?}, y = {:?}", case.x, case.y);
    }
}

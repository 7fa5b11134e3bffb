//! The statistics of the judge: the two-sided Mann–Whitney U test, computed exactly as
//! `scipy.stats.mannwhitneyu(x, y, alternative="two-sided")` with its default `method="auto"`,
//! and the Hodges–Lehmann estimate of the shift between two samples with its confidence
//! interval.
//!
//! References: H. B. Mann and D. R. Whitney, "On a test of whether one of two random variables
//! is stochastically larger than the other", Ann. Math. Statist. 18 (1947); J. L. Hodges and
//! E. L. Lehmann, "Estimates of location based on rank tests", Ann. Math. Statist. 34 (1963);
//! D. F. Bauer, "Constructing confidence sets using rank statistics", JASA 67 (1972).

use std::cmp::Ordering;

use serde::Serialize;

/// How the p-value of a [`MannWhitney`] test was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// From the exact null distribution of U (no ties, at least one sample of at most 8 values).
    Exact,
    /// From the normal approximation with tie and continuity corrections.
    Asymptotic,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Method::Exact => "exact",
            Method::Asymptotic => "asymptotic",
        })
    }
}

/// The result of a two-sided Mann–Whitney U test of `x` against `y` (see [`mann_whitney_u`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// U of the first sample `x`: its rank sum minus `n_x (n_x + 1) / 2` (scipy's
    /// `statistic`). It is above `n_x n_y / 2` when `x` tends to be larger than `y`.
    pub statistic: f64,
    /// The two-sided p-value, within `0..=1`.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: Method,
}

/// Above this many coefficients (`min(n_x, n_y) * max(n_x, n_y)`), the exact distribution is not
/// built and the normal approximation is used (scipy would build it; the two agree far below
/// 1e-9 at such sizes).
const MAX_EXACT_COEFFICIENTS: usize = 2_000_000;

/// The two-sided Mann–Whitney U test of `x` against `y`, as
/// `scipy.stats.mannwhitneyu(x, y, alternative="two-sided")` (scipy's `method="auto"`):
///
/// - ranks are averaged over ties; the statistic is U of `x`;
/// - the p-value is exact when there are no ties and at least one sample has at most 8 values
///   (scipy's rule), from the null distribution of U counted with integers;
/// - otherwise it comes from the normal approximation with the tie correction and the
///   continuity correction; all-tied samples give 1.
///
/// Returns `None` when a sample is empty. Values are compared with [`f64::total_cmp`]; callers
/// reject NaN before (the judge does).
///
/// Complexity: O((n_x + n_y) log(n_x + n_y)) for the ranks, plus O(m² n) with
/// `m = min(n_x, n_y) ≤ 8` for the exact distribution.
///
/// ```
/// use relman_canary::stats::{Method, mann_whitney_u};
///
/// let test = mann_whitney_u(&[5.0, 6.0, 7.0], &[1.0, 2.0, 3.0]).expect("both samples have values");
/// assert_eq!(test.statistic, 9.0);
/// assert_eq!(test.method, Method::Exact);
/// assert!((test.p_value - 0.1).abs() < 1e-12);
/// ```
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let (n1, n2) = (x.len(), y.len());
    let mut all: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_x = 0.0;
    let mut tie_term = 0.0;
    let mut ties = false;
    let mut start = 0;
    while start < all.len() {
        let mut end = start + 1;
        while end < all.len() && all[end].0.total_cmp(&all[start].0) == Ordering::Equal {
            end += 1;
        }
        let size = (end - start) as f64;
        // 1-based ranks start+1 ..= end, averaged.
        let rank = (start + 1 + end) as f64 / 2.0;
        let in_x = all[start..end].iter().filter(|(_, is_x)| *is_x).count() as f64;
        rank_sum_x += rank * in_x;
        if end - start > 1 {
            ties = true;
        }
        tie_term += size * size * size - size;
        start = end;
    }
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = rank_sum_x - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let u = u1.max(u2);
    // scipy's `_mwu_choose_method`: asymptotic when both samples are larger than 8 or on ties.
    let exact = !(ties || (n1 > 8 && n2 > 8));
    let exact_p = if exact {
        exact_sf(u, n1.min(n2), n1.max(n2))
    } else {
        None
    };
    let (p, method) = match exact_p {
        Some(sf) => (2.0 * sf, Method::Exact),
        None => {
            let mu = f1 * f2 / 2.0;
            let n = f1 + f2;
            let s = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
            let z = (u - mu - 0.5) / s;
            (2.0 * normal_sf(z), Method::Asymptotic)
        }
    };
    Some(MannWhitney {
        statistic: u1,
        p_value: p.clamp(0.0, 1.0),
        method,
    })
}

/// `P(U >= u)` under the null hypothesis for samples of sizes `m <= n` without ties, from the
/// integer counts of the arrangements; `None` when the counts would be too large to build.
fn exact_sf(u: f64, m: usize, n: usize) -> Option<f64> {
    let mn = m.checked_mul(n)?;
    if mn > MAX_EXACT_COEFFICIENTS {
        return None;
    }
    let counts = exact_counts(m, n)?;
    // U is an integer here (no ties); the distribution is symmetric about mn / 2.
    let k = u.round() as usize;
    let total: i128 = counts.iter().sum();
    let tail: i128 = if 2 * k >= mn {
        counts[..=(mn - k.min(mn))].iter().sum()
    } else {
        counts[k..].iter().sum()
    };
    Some(tail as f64 / total as f64)
}

/// The number of arrangements of `m` x's and `n` y's for each value of U: the coefficients of
/// the Gaussian binomial coefficient `[m + n choose m]_q = Π_{i=1..m} (1 - q^(n+i)) / (1 - q^i)`.
fn exact_counts(m: usize, n: usize) -> Option<Vec<i128>> {
    let len = m * n + m + 1;
    let mut c = vec![0i128; len];
    c[0] = 1;
    for i in 1..=m {
        let shift = n + i;
        let top = (i - 1) * n + shift;
        for k in (shift..=top).rev() {
            c[k] = c[k].checked_sub(c[k - shift])?;
        }
        for k in i..=top {
            c[k] = c[k].checked_add(c[k - i])?;
        }
    }
    c.truncate(m * n + 1);
    Some(c)
}

/// The survival function of the standard normal distribution, `P(Z > z)`.
pub(crate) fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The `1 - tail` quantile of the standard normal distribution for `tail` in `(0, 0.5]`, by
/// bisection on [`normal_sf`] (monotone, so 200 halvings reach f64 precision).
pub(crate) fn normal_upper_quantile(tail: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if normal_sf(mid) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// The median of `values` (the mean of the two middle values for an even count); `None` when
/// empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    median_of_sorted(&sorted)
}

fn median_of_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// How a [`Shift`] was estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftMethod {
    /// The Hodges–Lehmann estimate: the median of every pairwise difference, with the
    /// distribution-free confidence interval from the same differences.
    HodgesLehmann,
    /// The difference of the medians, for samples whose pairs are too many to enumerate
    /// (more than 4 000 000); the interval is then the estimate itself.
    MedianDifference,
}

/// The estimated shift of `y` against `x` (`y - x`), with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shift {
    /// The point estimate.
    pub estimate: f64,
    /// The lower end of the confidence interval.
    pub lower: f64,
    /// The upper end of the confidence interval.
    pub upper: f64,
    /// How it was estimated.
    pub method: ShiftMethod,
}

/// Above this many pairs, [`shift`] falls back to the difference of the medians.
const MAX_PAIRS: usize = 4_000_000;

/// The Hodges–Lehmann estimate of the shift of `y` against `x` (the median of every `y_j - x_i`)
/// with its `1 - alpha` confidence interval: the differences of ranks `C` and `n_x n_y + 1 - C`,
/// `C = ⌊n_x n_y / 2 - z_(1-alpha/2) √(n_x n_y (n_x + n_y + 1) / 12)⌋` (at least 1; the normal
/// approximation of Bauer 1972). `None` when a sample is empty or `alpha` is not in `(0, 1)`.
///
/// Complexity: O(n_x n_y log(n_x n_y)); past 4 000 000 pairs, the difference of the medians.
///
/// ```
/// use relman_canary::stats::shift;
///
/// let s = shift(&[10.0, 11.0, 12.0], &[20.0, 21.0, 22.0], 0.05).expect("both samples have values");
/// assert_eq!(s.estimate, 10.0);
/// assert!(s.lower <= 10.0 && 10.0 <= s.upper);
/// ```
pub fn shift(x: &[f64], y: &[f64], alpha: f64) -> Option<Shift> {
    if x.is_empty() || y.is_empty() || !(alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    let pairs = x.len().saturating_mul(y.len());
    if pairs > MAX_PAIRS {
        let estimate = median(y)? - median(x)?;
        return Some(Shift {
            estimate,
            lower: estimate,
            upper: estimate,
            method: ShiftMethod::MedianDifference,
        });
    }
    let mut diffs: Vec<f64> = y
        .iter()
        .flat_map(|&b| x.iter().map(move |&a| b - a))
        .collect();
    diffs.sort_by(f64::total_cmp);
    let estimate = median_of_sorted(&diffs)?;
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let z = normal_upper_quantile(alpha / 2.0);
    let c = (nx * ny / 2.0 - z * (nx * ny * (nx + ny + 1.0) / 12.0).sqrt()).floor();
    let c = if c.is_finite() && c >= 1.0 {
        (c as usize).min(pairs.div_ceil(2))
    } else {
        1
    };
    Some(Shift {
        estimate,
        lower: diffs[c - 1],
        upper: diffs[pairs - c],
        method: ShiftMethod::HodgesLehmann,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_counts_are_gaussian_binomials() {
        // [4 choose 2]_q = 1 + q + 2q² + q³ + q⁴
        assert_eq!(exact_counts(2, 2), Some(vec![1, 1, 2, 1, 1]));
        let counts = exact_counts(3, 5).expect("small");
        assert_eq!(counts.iter().sum::<i128>(), 56, "C(8, 3) arrangements");
        assert_eq!(counts.len(), 16);
        let mirrored: Vec<i128> = counts.iter().rev().copied().collect();
        assert_eq!(counts, mirrored, "the null distribution is symmetric");
    }

    #[test]
    fn all_tied_samples_have_p_value_one() {
        let t = mann_whitney_u(&[3.0; 10], &[3.0; 12]).expect("non-empty");
        assert_eq!(t.p_value, 1.0);
        assert_eq!(t.statistic, 60.0);
        assert_eq!(t.method, Method::Asymptotic);
    }

    #[test]
    fn empty_samples_give_no_test() {
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        assert!(shift(&[1.0], &[], 0.05).is_none());
    }

    #[test]
    fn normal_quantile_inverts_the_survival_function() {
        let z = normal_upper_quantile(0.025);
        assert!((z - 1.959_963_984_540_054).abs() < 1e-9, "{z}");
        assert!((normal_sf(z) - 0.025).abs() < 1e-15);
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}

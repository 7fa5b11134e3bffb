//! Gradient-boosted decision trees (logistic loss) with exact TreeSHAP explanations.
//!
//! Training follows the second-order boosting of XGBoost (Chen & Guestrin 2016): each tree fits
//! the gradient and Hessian of the (weighted) log loss, leaf values are `−G / (H + λ)` scaled
//! by the learning rate, splits maximise the regularised gain over histogram bins (quantile
//! thresholds). Row and column subsampling draw from a seeded SplitMix64 generator, so training
//! is deterministic given the seed.
//!
//! Explanations are exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2):
//! Shapley values of the tree ensemble's margin where a missing feature is integrated out using
//! the training cover of each branch. They sum, with the ensemble's expected margin, to the
//! margin exactly.

use serde::{Deserialize, Serialize};

use crate::data::ChangeMetrics;
use crate::features::{FEATURE_COUNT, FEATURE_NAMES, feature_names, features};
use crate::model::{
    Contribution, Explanation, LoadModelError, ModelKind, RiskModel, Weighting, check_features,
    raw_values,
};

/// Settings of gradient boosting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GbdtOptions {
    /// Number of trees (the maximum when early stopping picks the count).
    pub trees: usize,
    /// Maximum depth of each tree (shallow trees keep interactions simple and robust).
    pub max_depth: usize,
    /// Shrinkage applied to each tree's leaf values.
    pub learning_rate: f64,
    /// L2 penalty `λ` on leaf values.
    pub l2: f64,
    /// Minimum Hessian sum in a child, as a fraction of the tree's total Hessian: large
    /// leaves keep the trees from chasing noise, whatever the data size.
    pub min_child_fraction: f64,
    /// Fraction of rows each tree sees.
    pub subsample: f64,
    /// Fraction of features each tree may split on.
    pub colsample: f64,
    /// Maximum number of histogram bins per feature.
    pub max_bins: usize,
    /// Seed of the subsampling generator.
    pub seed: u64,
    /// Row weighting (class balance, recency).
    pub weighting: Weighting,
}

impl Default for GbdtOptions {
    fn default() -> Self {
        Self {
            trees: 300,
            max_depth: 3,
            learning_rate: 0.05,
            l2: 1.0,
            min_child_fraction: 0.03,
            subsample: 0.8,
            colsample: 0.8,
            max_bins: 64,
            seed: 42,
            weighting: Weighting::default(),
        }
    }
}

/// A node of a [`GbdtTree`].
///
/// JSON shape: a split is `{"feature": j, "threshold": t, "left": i, "right": k, "cover": c}`
/// (rows with feature `j ≤ t` go left; children come after their parent), a leaf is
/// `{"value": v, "cover": c}`; `cover` is the training weight that reached the node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GbdtNode {
    /// An inner node.
    Split {
        /// Feature index.
        feature: usize,
        /// Rows with `x[feature] <= threshold` go left.
        threshold: f64,
        /// Index of the left child.
        left: usize,
        /// Index of the right child.
        right: usize,
        /// Training weight that reached the node.
        cover: f64,
    },
    /// A leaf.
    Leaf {
        /// The margin added by this leaf.
        value: f64,
        /// Training weight that reached the leaf.
        cover: f64,
    },
}

impl GbdtNode {
    fn cover(&self) -> f64 {
        match self {
            GbdtNode::Split { cover, .. } | GbdtNode::Leaf { cover, .. } => *cover,
        }
    }
}

/// One regression tree; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtTree {
    /// The nodes, parents before children.
    pub nodes: Vec<GbdtNode>,
}

impl GbdtTree {
    fn predict(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                GbdtNode::Leaf { value, .. } => return *value,
                GbdtNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                    ..
                } => {
                    i = if x[*feature] <= *threshold {
                        *left
                    } else {
                        *right
                    }
                }
            }
        }
    }

    /// Cover-weighted mean of the leaf values: the tree's output when no feature is known.
    fn expected_value(&self, node: usize) -> f64 {
        match &self.nodes[node] {
            GbdtNode::Leaf { value, .. } => *value,
            GbdtNode::Split {
                left, right, cover, ..
            } => {
                let l = self.nodes[*left].cover();
                let r = self.nodes[*right].cover();
                let _ = cover;
                (l * self.expected_value(*left) + r * self.expected_value(*right)) / (l + r)
            }
        }
    }

    /// Adds this tree's exact TreeSHAP values for `x` to `phi`.
    fn shap(&self, x: &[f64; FEATURE_COUNT], phi: &mut [f64; FEATURE_COUNT]) {
        let path: Vec<PathElement> = Vec::new();
        self.shap_recurse(0, x, phi, &path, 1.0, 1.0, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn shap_recurse(
        &self,
        node: usize,
        x: &[f64; FEATURE_COUNT],
        phi: &mut [f64; FEATURE_COUNT],
        parent_path: &[PathElement],
        zero_fraction: f64,
        one_fraction: f64,
        feature: Option<usize>,
    ) {
        let mut path = parent_path.to_vec();
        extend_path(&mut path, zero_fraction, one_fraction, feature);
        match &self.nodes[node] {
            GbdtNode::Leaf { value, .. } => {
                for i in 1..path.len() {
                    let w = unwound_path_sum(&path, i);
                    let el = path[i];
                    if let Some(f) = el.feature {
                        phi[f] += w * (el.one_fraction - el.zero_fraction) * value;
                    }
                }
            }
            GbdtNode::Split {
                feature: split,
                threshold,
                left,
                right,
                cover,
            } => {
                let (hot, cold) = if x[*split] <= *threshold {
                    (*left, *right)
                } else {
                    (*right, *left)
                };
                let hot_zero = self.nodes[hot].cover() / cover;
                let cold_zero = self.nodes[cold].cover() / cover;
                let mut incoming_zero = 1.0;
                let mut incoming_one = 1.0;
                if let Some(k) = path.iter().position(|e| e.feature == Some(*split)) {
                    incoming_zero = path[k].zero_fraction;
                    incoming_one = path[k].one_fraction;
                    unwind_path(&mut path, k);
                }
                self.shap_recurse(
                    hot,
                    x,
                    phi,
                    &path,
                    hot_zero * incoming_zero,
                    incoming_one,
                    Some(*split),
                );
                self.shap_recurse(
                    cold,
                    x,
                    phi,
                    &path,
                    cold_zero * incoming_zero,
                    0.0,
                    Some(*split),
                );
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct PathElement {
    feature: Option<usize>,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

fn extend_path(path: &mut Vec<PathElement>, zero: f64, one: f64, feature: Option<usize>) {
    let depth = path.len();
    path.push(PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        weight: if depth == 0 { 1.0 } else { 0.0 },
    });
    let denom = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / denom;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / denom;
    }
}

fn unwind_path(path: &mut Vec<PathElement>, index: usize) {
    let depth = path.len() - 1;
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let mut next = path[depth].weight;
    let denom = (depth + 1) as f64;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * denom / ((i + 1) as f64 * one);
            next = tmp - path[i].weight * zero * (depth - i) as f64 / denom;
        } else {
            path[i].weight = path[i].weight * denom / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
    path.pop();
}

fn unwound_path_sum(path: &[PathElement], index: usize) -> f64 {
    let depth = path.len() - 1;
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let mut next = path[depth].weight;
    let denom = (depth + 1) as f64;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next * denom / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].weight - tmp * zero * (depth - i) as f64 / denom;
        } else if zero != 0.0 {
            total += path[i].weight / zero / ((depth - i) as f64 / denom);
        }
    }
    total
}

/// A boosted tree ensemble over the [derived features](crate::features).
///
/// `margin = base + Σ trees`. JSON shape: `{"features": [...], "base": b, "trees": [{"nodes":
/// [...]}, ...]}` (see [`GbdtNode`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    /// Feature names, in order.
    pub features: Vec<String>,
    /// The initial margin.
    pub base: f64,
    /// The trees.
    pub trees: Vec<GbdtTree>,
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed deterministic generator.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Binned training data shared by all trees.
struct Binned {
    /// `thresholds[j]`: ascending cut points of feature `j`.
    thresholds: Vec<Vec<f64>>,
    /// Row-major bin codes, `FEATURE_COUNT` per row.
    codes: Vec<u8>,
}

fn bin(x: &[[f64; FEATURE_COUNT]], max_bins: usize) -> Binned {
    let max_bins = max_bins.clamp(2, 256);
    let mut thresholds = Vec::with_capacity(FEATURE_COUNT);
    for j in 0..FEATURE_COUNT {
        let mut values: Vec<f64> = x.iter().map(|r| r[j]).collect();
        values.sort_by(f64::total_cmp);
        let mut unique = values.clone();
        unique.dedup();
        let cuts: Vec<f64> = if unique.len() <= max_bins {
            unique.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect()
        } else {
            let mut cuts: Vec<f64> = (1..max_bins)
                .map(|k| values[k * values.len() / max_bins])
                .collect();
            cuts.dedup();
            // A cut at the maximum separates nothing.
            if cuts.last() == unique.last() {
                cuts.pop();
            }
            cuts
        };
        thresholds.push(cuts);
    }
    let mut codes = Vec::with_capacity(x.len() * FEATURE_COUNT);
    for row in x {
        for j in 0..FEATURE_COUNT {
            let b = thresholds[j].partition_point(|t| *t < row[j]);
            codes.push(u8::try_from(b).expect("at most 255 cuts"));
        }
    }
    Binned { thresholds, codes }
}

struct Grower<'a> {
    binned: &'a Binned,
    grad: &'a [f64],
    hess: &'a [f64],
    weight: &'a [f64],
    features: &'a [usize],
    options: &'a GbdtOptions,
    min_child_weight: f64,
    nodes: Vec<GbdtNode>,
}

impl Grower<'_> {
    fn grow(&mut self, rows: &[usize], depth: usize) -> usize {
        let g: f64 = rows.iter().map(|&i| self.grad[i]).sum();
        let h: f64 = rows.iter().map(|&i| self.hess[i]).sum();
        let c: f64 = rows.iter().map(|&i| self.weight[i]).sum();
        let lambda = self.options.l2;
        let index = self.nodes.len();
        self.nodes.push(GbdtNode::Leaf {
            value: -g / (h + lambda) * self.options.learning_rate,
            cover: c,
        });
        if depth >= self.options.max_depth {
            return index;
        }
        let parent_score = g * g / (h + lambda);
        let mut best: Option<(f64, usize, usize)> = None; // gain, feature, cut index
        let mut hist_g = [0.0f64; 256];
        let mut hist_h = [0.0f64; 256];
        let mut hist_c = [0.0f64; 256];
        for &j in self.features {
            let cuts = self.binned.thresholds[j].len();
            if cuts == 0 {
                continue;
            }
            hist_g[..=cuts].fill(0.0);
            hist_h[..=cuts].fill(0.0);
            hist_c[..=cuts].fill(0.0);
            for &i in rows {
                let b = usize::from(self.binned.codes[i * FEATURE_COUNT + j]);
                hist_g[b] += self.grad[i];
                hist_h[b] += self.hess[i];
                hist_c[b] += self.weight[i];
            }
            let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0.0);
            for k in 0..cuts {
                gl += hist_g[k];
                hl += hist_h[k];
                cl += hist_c[k];
                let (gr, hr, cr) = (g - gl, h - hl, c - cl);
                if hl < self.min_child_weight
                    || hr < self.min_child_weight
                    || cl <= 0.0
                    || cr <= 0.0
                {
                    continue;
                }
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent_score;
                if gain > 1e-12 && best.is_none_or(|(bg, _, _)| gain > bg) {
                    best = Some((gain, j, k));
                }
            }
        }
        let Some((_, feature, cut)) = best else {
            return index;
        };
        let (left_rows, right_rows): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&i| usize::from(self.binned.codes[i * FEATURE_COUNT + feature]) <= cut);
        let left = self.grow(&left_rows, depth + 1);
        let right = self.grow(&right_rows, depth + 1);
        self.nodes[index] = GbdtNode::Split {
            feature,
            threshold: self.binned.thresholds[feature][cut],
            left,
            right,
            cover: c,
        };
        index
    }
}

impl GbdtModel {
    /// Trains on feature rows `x`, labels `y` and dates; `on_tree` sees the margins after each
    /// tree (for early stopping) and returns `false` to stop.
    ///
    /// The caller guarantees equal, non-zero lengths.
    pub(crate) fn fit_with(
        x: &[[f64; FEATURE_COUNT]],
        y: &[bool],
        dates: &[i64],
        options: &GbdtOptions,
        mut on_tree: impl FnMut(&GbdtModel) -> bool,
    ) -> Self {
        let n = x.len();
        let (w, shift) = super::training_weights(dates, y, &options.weighting);
        let wsum: f64 = w.iter().sum();
        let wpos: f64 = w.iter().zip(y).filter(|(_, y)| **y).map(|(w, _)| w).sum();
        let rate = (wpos / wsum).clamp(1e-6, 1.0 - 1e-6);
        let base = (rate / (1.0 - rate)).ln();
        let binned = bin(x, options.max_bins);
        let mut margin = vec![base; n];
        let mut rng = SplitMix64::new(options.seed);
        let mut model = GbdtModel {
            features: feature_names(),
            base: base - shift,
            trees: Vec::with_capacity(options.trees),
        };
        let mut grad = vec![0.0; n];
        let mut hess = vec![0.0; n];
        let n_features = ((options.colsample.clamp(0.0, 1.0) * FEATURE_COUNT as f64).ceil()
            as usize)
            .clamp(1, FEATURE_COUNT);
        for _ in 0..options.trees {
            for i in 0..n {
                let p = super::sigmoid(margin[i]);
                let yi = if y[i] { 1.0 } else { 0.0 };
                grad[i] = w[i] * (p - yi);
                hess[i] = (w[i] * p * (1.0 - p)).max(1e-12);
            }
            let rows: Vec<usize> = (0..n)
                .filter(|_| options.subsample >= 1.0 || rng.next_f64() < options.subsample)
                .collect();
            let mut all: Vec<usize> = (0..FEATURE_COUNT).collect();
            for k in 0..n_features {
                let r = k + (rng.next_u64() % (FEATURE_COUNT - k) as u64) as usize;
                all.swap(k, r);
            }
            let mut chosen = all[..n_features].to_vec();
            chosen.sort_unstable();
            let root_hessian: f64 = rows.iter().map(|&i| hess[i]).sum();
            let mut grower = Grower {
                binned: &binned,
                grad: &grad,
                hess: &hess,
                weight: &w,
                features: &chosen,
                options,
                min_child_weight: (options.min_child_fraction * root_hessian).max(1e-6),
                nodes: Vec::new(),
            };
            if rows.is_empty() {
                continue;
            }
            grower.grow(&rows, 0);
            let tree = GbdtTree {
                nodes: grower.nodes,
            };
            for (m, row) in margin.iter_mut().zip(x) {
                *m += tree.predict(row);
            }
            model.trees.push(tree);
            if !on_tree(&model) {
                break;
            }
        }
        model
    }

    /// The margin of a feature vector.
    pub(crate) fn margin_of(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        self.base + self.trees.iter().map(|t| t.predict(x)).sum::<f64>()
    }

    /// The margin of the last tree only (for incremental early stopping).
    pub(crate) fn last_tree_output(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        self.trees.last().map_or(0.0, |t| t.predict(x))
    }

    /// Expected margin and exact TreeSHAP values of a feature vector.
    pub(crate) fn shap_of(&self, x: &[f64; FEATURE_COUNT]) -> (f64, [f64; FEATURE_COUNT]) {
        let mut phi = [0.0; FEATURE_COUNT];
        let mut expected = self.base;
        for tree in &self.trees {
            expected += tree.expected_value(0);
            tree.shap(x, &mut phi);
        }
        (expected, phi)
    }

    pub(crate) fn validate(&self) -> Result<(), LoadModelError> {
        check_features(&self.features)?;
        if !self.base.is_finite() {
            return Err(LoadModelError::Inconsistent {
                what: "gbdt base must be finite",
            });
        }
        for tree in &self.trees {
            if tree.nodes.is_empty() {
                return Err(LoadModelError::Inconsistent {
                    what: "gbdt tree without nodes",
                });
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                let ok = match node {
                    GbdtNode::Leaf { value, cover } => {
                        value.is_finite() && cover.is_finite() && *cover > 0.0
                    }
                    GbdtNode::Split {
                        feature,
                        threshold,
                        left,
                        right,
                        cover,
                    } => {
                        *feature < FEATURE_COUNT
                            && !threshold.is_nan()
                            && *left > i
                            && *right > i
                            && *left < tree.nodes.len()
                            && *right < tree.nodes.len()
                            && cover.is_finite()
                            && *cover > 0.0
                    }
                };
                if !ok {
                    return Err(LoadModelError::Inconsistent {
                        what: "gbdt node with a bad feature, link, value or cover",
                    });
                }
            }
        }
        Ok(())
    }
}

impl RiskModel for GbdtModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Gbdt
    }

    fn margin(&self, metrics: &ChangeMetrics) -> f64 {
        self.margin_of(&features(metrics))
    }

    fn explain(&self, metrics: &ChangeMetrics) -> Explanation {
        let (base, phi) = self.shap_of(&features(metrics));
        let raw = raw_values(metrics);
        let contributions = phi
            .iter()
            .enumerate()
            .map(|(j, c)| Contribution {
                feature: FEATURE_NAMES[j].to_owned(),
                value: raw[j],
                contribution: *c,
            })
            .collect();
        Explanation::from_parts(base, contributions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(value: f64, cover: f64) -> GbdtNode {
        GbdtNode::Leaf { value, cover }
    }

    fn split(feature: usize, threshold: f64, left: usize, right: usize, cover: f64) -> GbdtNode {
        GbdtNode::Split {
            feature,
            threshold,
            left,
            right,
            cover,
        }
    }

    /// E[f(x) | x_S known], integrating unknown features out by cover (the path-dependent
    /// definition TreeSHAP computes).
    fn cond_expectation(tree: &GbdtTree, node: usize, x: &[f64; FEATURE_COUNT], known: u32) -> f64 {
        match &tree.nodes[node] {
            GbdtNode::Leaf { value, .. } => *value,
            GbdtNode::Split {
                feature,
                threshold,
                left,
                right,
                ..
            } => {
                if known & (1 << feature) != 0 {
                    let next = if x[*feature] <= *threshold {
                        *left
                    } else {
                        *right
                    };
                    cond_expectation(tree, next, x, known)
                } else {
                    let l = tree.nodes[*left].cover();
                    let r = tree.nodes[*right].cover();
                    (l * cond_expectation(tree, *left, x, known)
                        + r * cond_expectation(tree, *right, x, known))
                        / (l + r)
                }
            }
        }
    }

    /// Brute-force Shapley values over the features 0..k.
    fn brute_shap(tree: &GbdtTree, x: &[f64; FEATURE_COUNT], k: usize) -> Vec<f64> {
        let fact = |n: usize| (1..=n).map(|v| v as f64).product::<f64>();
        let mut phi = vec![0.0; k];
        for (i, p) in phi.iter_mut().enumerate() {
            for s in 0u32..(1 << k) {
                if s & (1 << i) != 0 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let weight = fact(size) * fact(k - size - 1) / fact(k);
                *p += weight
                    * (cond_expectation(tree, 0, x, s | (1 << i))
                        - cond_expectation(tree, 0, x, s));
            }
        }
        phi
    }

    fn sample_tree() -> GbdtTree {
        // Feature 0 used twice on one path, features 1 and 2 elsewhere.
        GbdtTree {
            nodes: vec![
                split(0, 0.5, 1, 2, 100.0),
                split(1, 0.5, 3, 4, 60.0),
                split(2, 0.5, 5, 6, 40.0),
                split(0, 0.2, 7, 8, 25.0),
                leaf(0.4, 35.0),
                leaf(-0.3, 10.0),
                split(1, 1.5, 9, 10, 30.0),
                leaf(1.0, 5.0),
                leaf(-1.0, 20.0),
                leaf(0.7, 12.0),
                leaf(2.0, 18.0),
            ],
        }
    }

    #[test]
    fn tree_shap_matches_brute_force_shapley_values() {
        let tree = sample_tree();
        let points = [
            [0.1, 0.1, 0.1],
            [0.3, 0.2, 0.9],
            [0.9, 2.0, 0.9],
            [0.9, 1.0, 0.1],
            [0.1, 0.9, 0.6],
        ];
        for p in points {
            let mut x = [0.0; FEATURE_COUNT];
            x[..3].copy_from_slice(&p);
            let mut phi = [0.0; FEATURE_COUNT];
            tree.shap(&x, &mut phi);
            let brute = brute_shap(&tree, &x, 3);
            for j in 0..3 {
                assert!((phi[j] - brute[j]).abs() < 1e-10, "{p:?} {phi:?} {brute:?}");
            }
            let total: f64 = phi.iter().sum();
            assert!((total + tree.expected_value(0) - tree.predict(&x)).abs() < 1e-10);
        }
    }

    #[test]
    fn training_is_deterministic_and_learns_a_threshold() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut rng = SplitMix64::new(7);
        for _ in 0..400 {
            let mut row = [0.0; FEATURE_COUNT];
            for v in &mut row {
                *v = rng.next_f64();
            }
            y.push(row[4] > 0.6 || rng.next_f64() < 0.05);
            x.push(row);
        }
        let dates: Vec<i64> = (0..400).collect();
        let options = GbdtOptions {
            trees: 30,
            ..GbdtOptions::default()
        };
        let a = GbdtModel::fit_with(&x, &y, &dates, &options, |_| true);
        let b = GbdtModel::fit_with(&x, &y, &dates, &options, |_| true);
        assert_eq!(a, b);
        let mut hi = [0.5; FEATURE_COUNT];
        hi[4] = 0.9;
        let mut lo = hi;
        lo[4] = 0.1;
        assert!(a.margin_of(&hi) > a.margin_of(&lo) + 1.0);
        let (base, phi) = a.shap_of(&hi);
        assert!((base + phi.iter().sum::<f64>() - a.margin_of(&hi)).abs() < 1e-9);
        let strongest = (0..FEATURE_COUNT)
            .max_by(|&i, &j| phi[i].abs().total_cmp(&phi[j].abs()))
            .expect("features");
        assert_eq!(strongest, 4);
    }

    #[test]
    fn validation_rejects_backward_links() {
        let model = GbdtModel {
            features: feature_names(),
            base: 0.0,
            trees: vec![GbdtTree {
                nodes: vec![split(0, 0.5, 0, 1, 1.0), leaf(0.0, 1.0)],
            }],
        };
        assert!(model.validate().is_err());
    }
}

//! Change- and release-risk scoring.
//!
//! `relman-risk` computes just-in-time change metrics (Kamei et al. 2013) from a stream of
//! [`relman_model`] changes, scores changes with explainable models (expert weights, trained
//! learners), measures them (ROC AUC and friends) and aggregates release risk and a risk register.
//!
//! It is not a git reader: metrics are computed from model values handed to it.
#![forbid(unsafe_code)]

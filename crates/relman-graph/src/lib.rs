//! Dependency and scheduling graphs for release management.
//!
//! `relman-graph` orders the components of a release (release order, parallel waves, cycles,
//! impact, bump propagation) and schedules release tasks under precedence, resource and calendar
//! constraints (critical path, resource-constrained scheduling, Gantt/DOT/iCalendar export).
//!
//! It is not a git or Cargo reader: it takes [`relman_model`] values and returns values. It does no
//! I/O and keeps petgraph out of its public API.
#![forbid(unsafe_code)]

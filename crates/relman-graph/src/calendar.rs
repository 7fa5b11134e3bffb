//! Working-time calendars: working days and hours (UTC) minus blackout (freeze) windows.
//!
//! With a calendar, plan time counts *working* time: a task of 3 hours that starts 1 hour
//! before the end of a working day finishes 2 hours into the next working period, and no task
//! runs inside a blackout window, because blackout time is not working time.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// A window in which no work happens (a change freeze, a holiday).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Blackout {
    /// What the window is, e.g. `"year-end freeze"`.
    pub label: String,
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
}

/// Returned by [`Calendar::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildCalendarError {
    /// No day of the week is a working day.
    #[error("the calendar has no working day")]
    NoWorkingDay,
    /// The working day is empty.
    #[error("the working day ends at {end} before it starts at {start}")]
    EmptyDay {
        /// Start of the working day.
        start: NaiveTime,
        /// End of the working day.
        end: NaiveTime,
    },
    /// A blackout ends before it starts.
    #[error("blackout {0:?} ends before it starts")]
    BackwardsBlackout(String),
}

/// Working days and hours (UTC) with blackout windows.
///
/// JSON shape: `{"working_days": ["Mon", "Tue"], "day_start": "09:00:00", "day_end":
/// "17:00:00", "blackouts": [{"label": "freeze", "from": "...Z", "to": "...Z"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct Calendar {
    working_days: Vec<Weekday>,
    day_start: NaiveTime,
    day_end: NaiveTime,
    blackouts: Vec<Blackout>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CalendarSpec {
    working_days: Vec<Weekday>,
    day_start: NaiveTime,
    day_end: NaiveTime,
    #[serde(default)]
    blackouts: Vec<Blackout>,
}

impl TryFrom<CalendarSpec> for Calendar {
    type Error = BuildCalendarError;
    fn try_from(s: CalendarSpec) -> Result<Self, Self::Error> {
        Calendar::new(s.working_days, s.day_start, s.day_end, s.blackouts)
    }
}

impl From<Calendar> for CalendarSpec {
    fn from(c: Calendar) -> Self {
        Self {
            working_days: c.working_days,
            day_start: c.day_start,
            day_end: c.day_end,
            blackouts: c.blackouts,
        }
    }
}

impl Calendar {
    /// A calendar working `day_start..day_end` (UTC) on `working_days`, except in `blackouts`.
    ///
    /// # Errors
    ///
    /// [`BuildCalendarError`]: no working day, an empty working day, or a blackout that ends
    /// before it starts.
    pub fn new(
        mut working_days: Vec<Weekday>,
        day_start: NaiveTime,
        day_end: NaiveTime,
        mut blackouts: Vec<Blackout>,
    ) -> Result<Self, BuildCalendarError> {
        if working_days.is_empty() {
            return Err(BuildCalendarError::NoWorkingDay);
        }
        if day_end <= day_start {
            return Err(BuildCalendarError::EmptyDay {
                start: day_start,
                end: day_end,
            });
        }
        if let Some(b) = blackouts.iter().find(|b| b.to < b.from) {
            return Err(BuildCalendarError::BackwardsBlackout(b.label.clone()));
        }
        working_days.sort_by_key(Weekday::num_days_from_monday);
        working_days.dedup();
        blackouts.sort_by(|a, b| (a.from, a.to, &a.label).cmp(&(b.from, b.to, &b.label)));
        Ok(Self {
            working_days,
            day_start,
            day_end,
            blackouts,
        })
    }

    /// The blackout windows, sorted by start.
    pub fn blackouts(&self) -> &[Blackout] {
        &self.blackouts
    }

    /// Working intervals of `date` (the working hours minus blackouts), pushed into `out`.
    fn day_intervals(&self, date: NaiveDate, out: &mut Vec<(DateTime<Utc>, DateTime<Utc>)>) {
        out.clear();
        if !self.working_days.contains(&date.weekday()) {
            return;
        }
        let mut from = date.and_time(self.day_start).and_utc();
        let to = date.and_time(self.day_end).and_utc();
        for b in &self.blackouts {
            if b.to <= from || b.from >= to {
                continue;
            }
            if b.from > from {
                out.push((from, b.from));
            }
            from = from.max(b.to);
        }
        if from < to {
            out.push((from, to));
        }
    }

    /// Walks working time from `origin`; `finish` selects whether an amount that ends exactly
    /// at the end of a working interval stays there (finish) or moves to the next one (start).
    fn walk(&self, origin: DateTime<Utc>, work: TimeDelta, finish: bool) -> DateTime<Utc> {
        let day_len = self.day_end - self.day_start;
        let week_work = day_len * self.working_days.len() as i32;
        let last_blackout = self.blackouts.iter().map(|b| b.to).max();
        let mut remaining = work;
        let mut date = origin.date_naive();
        let mut ivs = Vec::new();
        loop {
            // skip whole weeks once no blackout lies ahead
            if date > origin.date_naive()
                && last_blackout.is_none_or(|b| b.date_naive() < date)
                && remaining > week_work * 2
            {
                let weeks = remaining.num_seconds() / week_work.num_seconds().max(1) - 1;
                let (Ok(w), Some(next)) = (
                    i32::try_from(weeks),
                    date.checked_add_days(chrono::Days::new(7 * weeks as u64)),
                ) else {
                    return DateTime::<Utc>::MAX_UTC;
                };
                remaining -= week_work * w;
                date = next;
            }
            self.day_intervals(date, &mut ivs);
            for &(a, b) in &ivs {
                let a = a.max(origin);
                if b <= a {
                    continue;
                }
                let len = b - a;
                if remaining < len || (finish && remaining == len) {
                    return a + remaining;
                }
                remaining -= len;
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
    }

    /// The first working instant after `work` of working time from `origin` (where a task
    /// that needs `work` of waiting starts).
    pub fn start_after(&self, origin: DateTime<Utc>, work: TimeDelta) -> DateTime<Utc> {
        self.walk(origin, work, false)
    }

    /// The instant at which `work` of working time from `origin` is done (where a task ends).
    pub fn finish_after(&self, origin: DateTime<Utc>, work: TimeDelta) -> DateTime<Utc> {
        self.walk(origin, work, true)
    }

    /// Length of one working day.
    pub fn day_length(&self) -> TimeDelta {
        self.day_end - self.day_start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, d, h, 0, 0)
            .single()
            .expect("date")
    }

    fn weekdays() -> Calendar {
        use Weekday::{Fri, Mon, Thu, Tue, Wed};
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        // 2026-01-05 is a Monday; freeze on Wednesday 7th 12:00 - Thursday 8th 12:00
        let freeze = Blackout {
            label: "freeze".into(),
            from: at(7, 12),
            to: at(8, 12),
        };
        Calendar::new(vec![Mon, Tue, Wed, Thu, Fri], t(9), t(17), vec![freeze]).expect("valid")
    }

    #[test]
    fn working_time_skips_nights_weekends_and_blackouts() {
        let c = weekdays();
        let h = TimeDelta::hours;
        assert_eq!(c.start_after(at(5, 9), h(0)), at(5, 9));
        assert_eq!(c.finish_after(at(5, 9), h(8)), at(5, 17));
        assert_eq!(c.start_after(at(5, 9), h(8)), at(6, 9));
        assert_eq!(c.finish_after(at(5, 9), h(11)), at(6, 12));
        // Wednesday: 3 hours before the freeze, then Thursday from 12:00
        assert_eq!(c.finish_after(at(7, 9), h(4)), at(8, 13));
        // Friday 9th 15:00 + 4h -> Monday 12th 11:00
        assert_eq!(c.finish_after(at(9, 15), h(4)), at(12, 11));
        // an origin outside working time starts at the next working instant
        assert_eq!(c.start_after(at(10, 3), h(0)), at(12, 9));
        // far ahead: whole weeks are skipped, 40 hours a week
        let far = c.finish_after(at(12, 9), h(40 * 100));
        assert_eq!(
            far,
            Utc.with_ymd_and_hms(2027, 12, 10, 17, 0, 0)
                .single()
                .expect("date")
        );
    }

    #[test]
    fn bad_calendars_are_typed_errors_and_json_round_trips() {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("time");
        assert_eq!(
            Calendar::new(vec![], t(9), t(17), vec![]),
            Err(BuildCalendarError::NoWorkingDay)
        );
        assert!(matches!(
            Calendar::new(vec![Weekday::Mon], t(17), t(9), vec![]),
            Err(BuildCalendarError::EmptyDay { .. })
        ));
        let back = Blackout {
            label: "x".into(),
            from: at(8, 0),
            to: at(7, 0),
        };
        assert_eq!(
            Calendar::new(vec![Weekday::Mon], t(9), t(17), vec![back]),
            Err(BuildCalendarError::BackwardsBlackout("x".into()))
        );
        let c = weekdays();
        let json = serde_json::to_string(&c).expect("ser");
        assert_eq!(serde_json::from_str::<Calendar>(&json).expect("de"), c);
    }
}

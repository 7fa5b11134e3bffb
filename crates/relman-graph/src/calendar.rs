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

    /// The working time from `from` to `to` (zero when `to` is not after `from`): the inverse
    /// of [`finish_after`](Self::finish_after), so that an instant such as a window's start can
    /// be turned into plan time. Spans beyond 400 years saturate at 400 years of working time.
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
    /// use relman_graph::Calendar;
    ///
    /// let nine_to_five = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    /// let c = Calendar::new(vec![Weekday::Mon, Weekday::Tue], nine_to_five(9), nine_to_five(17), vec![])?;
    /// // Monday 2026-01-05 15:00 to Tuesday 10:00: two hours on Monday, one on Tuesday.
    /// let from = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
    /// let to = Utc.with_ymd_and_hms(2026, 1, 6, 10, 0, 0).unwrap();
    /// assert_eq!(c.work_between(from, to), TimeDelta::hours(3));
    /// assert_eq!(c.finish_after(from, c.work_between(from, to)), to);
    /// # Ok::<(), relman_graph::BuildCalendarError>(())
    /// ```
    pub fn work_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        const MAX_DAYS: i64 = 400 * 366;
        let mut total = TimeDelta::zero();
        if to <= from {
            return total;
        }
        let mut date = from.date_naive();
        let last = to.date_naive();
        let mut ivs = Vec::new();
        let week_work = self.day_length() * self.working_days.len() as i32;
        let last_blackout = self.blackouts.iter().map(|b| b.to).max();
        let mut days = 0;
        while date <= last && days < MAX_DAYS {
            // whole weeks in the middle, once no blackout lies ahead
            if date > from.date_naive()
                && last_blackout.is_none_or(|b| b.date_naive() < date)
                && (last - date).num_days() > 14
            {
                let weeks = (last - date).num_days() / 7 - 1;
                total += week_work * i32::try_from(weeks).unwrap_or(i32::MAX);
                days += weeks * 7;
                match date.checked_add_days(chrono::Days::new(7 * weeks.unsigned_abs())) {
                    Some(d) => date = d,
                    None => break,
                }
            }
            self.day_intervals(date, &mut ivs);
            for &(a, b) in &ivs {
                let (a, b) = (a.max(from), b.min(to));
                if b > a {
                    total += b - a;
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
            days += 1;
        }
        total
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
    fn work_between_inverts_finish_after() {
        let c = weekdays();
        let h = TimeDelta::hours;
        assert_eq!(c.work_between(at(5, 9), at(5, 17)), h(8));
        assert_eq!(c.work_between(at(5, 17), at(5, 9)), h(0));
        // over the freeze: Wednesday 9-12, Thursday 12-17
        assert_eq!(c.work_between(at(7, 0), at(9, 0)), h(8));
        // a weekend in the middle, nights and mornings outside working hours
        assert_eq!(c.work_between(at(9, 3), at(12, 23)), h(16));
        for hours in [0, 1, 7, 8, 9, 40, 41, 333, 4000] {
            let end = c.finish_after(at(5, 9), h(hours));
            assert_eq!(c.work_between(at(5, 9), end), h(hours), "{hours} hours");
        }
    }

    proptest::proptest! {
        #[test]
        fn work_between_counts_what_finish_after_walked(
            start_hour in 0_i64..24 * 60,
            hours in 0_i64..5_000,
        ) {
            let c = weekdays();
            let origin = at(1, 0) + TimeDelta::hours(start_hour);
            let end = c.finish_after(origin, TimeDelta::hours(hours));
            proptest::prop_assert_eq!(c.work_between(origin, end), TimeDelta::hours(hours));
        }
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

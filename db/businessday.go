package db

import "time"

// The business day is the shop's calendar day, in its time zone
// (WMS_TIMEZONE, UTC by default): a kitchen in Shanghai closing at 01:00
// local time has not started tomorrow's codes at 17:00 UTC. Times are stored
// and answered in UTC; only dates are taken in this zone.

// Zone is the Store's time zone for business days.
func (s *Store) Zone() *time.Location {
	if s.Timezone == nil {
		return time.UTC
	}
	return s.Timezone
}

// BusinessDate is the business day t falls on, as YYYYMMDD: the date in
// generated document codes.
func (s *Store) BusinessDate(t time.Time) string { return t.In(s.Zone()).Format("20060102") }

// BusinessDayStart is the start of the business day t falls on, in UTC: the
// boundary of a day in reports.
func (s *Store) BusinessDayStart(t time.Time) time.Time {
	local := t.In(s.Zone())
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.Zone()).UTC()
}

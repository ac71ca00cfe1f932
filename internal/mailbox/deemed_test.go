package mailbox

import (
	"testing"
	"time"
)

func TestDeemedServedAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		dispatched time.Time
		want       string // Berlin local time
	}{
		{"Tuesday morning", time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC), "2027-03-05 00:00 CET"},
		{"just before midnight, Berlin", time.Date(2027, 3, 2, 22, 59, 0, 0, time.UTC), "2027-03-05 00:00 CET"},
		{"just after midnight, Berlin (still the 2nd in UTC)", time.Date(2027, 3, 2, 23, 1, 0, 0, time.UTC), "2027-03-06 00:00 CET"},
		{"over the change to summer time", time.Date(2027, 3, 26, 12, 0, 0, 0, time.UTC), "2027-03-29 00:00 CEST"},
		{"over a month's end", time.Date(2027, 1, 30, 12, 0, 0, 0, time.UTC), "2027-02-02 00:00 CET"},
		{"over the year's end", time.Date(2027, 12, 30, 12, 0, 0, 0, time.UTC), "2028-01-02 00:00 CET"},
	}
	for _, c := range cases {
		got := DeemedServedAt(c.dispatched, berlin).In(berlin).Format("2006-01-02 15:04 MST")
		if got != c.want {
			t.Errorf("%s: dispatched %s, deemed served %s, want %s", c.name, c.dispatched, got, c.want)
		}
	}
}

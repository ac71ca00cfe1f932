package clock

import (
	"testing"
	"time"
)

func TestOffset(t *testing.T) {
	for _, d := range []time.Duration{0, 5 * time.Hour, -time.Hour} {
		before := time.Now().UTC().Add(d)
		got := Offset(d).Now()
		after := time.Now().UTC().Add(d)
		if got.Before(before) || got.After(after) || got.Location() != time.UTC {
			t.Errorf("Offset(%v).Now() = %v, want between %v and %v in UTC", d, got, before, after)
		}
	}
}

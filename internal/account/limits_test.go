package account

import (
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestDailyLimit(t *testing.T) {
	t.Parallel()
	l := DefaultDailyLimit()
	tests := []struct {
		name                     string
		level                    Level
		sentMsgs, sentRcpts, new int
		ok                       bool
	}{
		{"first message", Normal, 0, 0, 1, true},
		{"99th message", Normal, 98, 98, 1, true},
		{"100th message", Normal, 99, 99, 1, true},
		{"101st message", Normal, 100, 100, 1, false},
		{"recipients up to 300", Normal, 10, 290, 10, true},
		{"recipients over 300", Normal, 10, 290, 11, false},
		{"one message to 300", Normal, 0, 0, 300, true},
		{"one message to 301", Normal, 0, 0, 301, false},
		{"recipients exhausted", Normal, 50, 300, 1, false},
		{"high unlimited messages", High, 100000, 0, 1, true},
		{"high unlimited recipients", High, 0, 100000, 5000, true},
		{"unknown level counts as normal", Level(""), 100, 0, 1, false},
		{"negative counts", Normal, -5, -5, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Check(tt.level, tt.sentMsgs, tt.sentRcpts, tt.new)
			if tt.ok {
				wantOK(t, err)
				return
			}
			wantProblem(t, err, problem.TooMany, "to", "daily_limit")
			msg := problem.As(err).Message
			if !strings.Contains(msg, "high") || (!strings.Contains(msg, "100") && !strings.Contains(msg, "300")) {
				t.Errorf("message %q should name the limit and level high", msg)
			}
		})
	}
}

func TestDay(t *testing.T) {
	t.Parallel()
	berlin, err := Berlin()
	wantOK(t, err)
	tests := []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2025, 1, 14, 22, 59, 0, 0, time.UTC), berlin, "2025-01-14"}, // 23:59 CET
		{time.Date(2025, 1, 14, 23, 0, 0, 0, time.UTC), berlin, "2025-01-15"},  // 00:00 CET
		{time.Date(2025, 7, 14, 21, 59, 0, 0, time.UTC), berlin, "2025-07-14"}, // 23:59 CEST
		{time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC), berlin, "2025-07-15"},  // 00:00 CEST
		{time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC), nil, "2025-07-14"},
		{time.Date(2025, 7, 14, 22, 0, 0, 0, time.UTC), time.UTC, "2025-07-14"},
	}
	for _, tt := range tests {
		if got := Day(tt.t, tt.loc); got != tt.want {
			t.Errorf("Day(%s, %v) = %s, want %s", tt.t, tt.loc, got, tt.want)
		}
	}
}

package account

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestQuota(t *testing.T) {
	t.Parallel()
	const limit = 100 << 20
	tests := []struct {
		name                 string
		used                 int64
		low, recovered, full bool
		percent              int
	}{
		{"empty", 0, false, true, false, 0},
		{"half", limit / 2, false, true, false, 50},
		{"just below 90 %", limit*9/10 - 1, false, true, false, 89},
		{"exactly 90 %: 10 % free is not under 10 %", limit * 9 / 10, false, false, false, 90},
		{"just over 90 %", limit*9/10 + 1, true, false, false, 90},
		{"one byte free", limit - 1, true, false, false, 99},
		{"full", limit, true, false, true, 100},
		{"over the quota by receiving", limit + limit/4, true, false, true, 125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Quota{Used: tt.used, Limit: limit}
			if q.Low() != tt.low || q.Recovered() != tt.recovered || q.Full() != tt.full || q.Percent() != tt.percent {
				t.Errorf("%+v: Low %v Recovered %v Full %v Percent %d; want %v %v %v %d", q, q.Low(), q.Recovered(),
					q.Full(), q.Percent(), tt.low, tt.recovered, tt.full, tt.percent)
			}
			if q.Free() < 0 || q.Free() > limit {
				t.Errorf("Free = %d", q.Free())
			}
			err := q.CheckSend()
			if !tt.full {
				wantOK(t, err)
				return
			}
			wantProblem(t, err, problem.Forbidden, "", "mailbox_full")
			for _, want := range []string{MiB(tt.used), "100.0 MiB", "delete letters", "empty the trash", "still arrive"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestCheckQuota(t *testing.T) {
	t.Parallel()
	for mib, ok := range map[int64]bool{0: true, 100: true, 101: true, 1 << 20: true, 99: false, 1: false,
		-100: false, 1<<20 + 1: false} {
		if err := CheckQuota(mib); ok {
			wantOK(t, err)
		} else {
			wantProblem(t, err, problem.Invalid, "mib", "out_of_range")
		}
	}
}

func TestMiB(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0.0 MiB", 100 << 20: "100.0 MiB", 92_274_688: "88.0 MiB", 1 << 19: "0.5 MiB"} {
		if got := MiB(n); got != want {
			t.Errorf("MiB(%d) = %q, want %q", n, got, want)
		}
	}
}

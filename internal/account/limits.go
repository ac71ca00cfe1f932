package account

import (
	"time"
	_ "time/tzdata" // Europe/Berlin on hosts without a zoneinfo database

	"github.com/siegel-mail/siegel/internal/problem"
)

// TR PVD-FU §3.1.1.1: a sender logged in at normal sends at most 100
// messages a day, to at most 300 recipients in total over those messages,
// so a stolen password cannot be used for mass mailings (SPEC Accounts).
// At high there is no such limit.

// DailyLimit is the sending limit per day at level normal.
type DailyLimit struct {
	Messages   int // messages per day
	Recipients int // recipients per day, summed over all messages
}

// DefaultDailyLimit is the limit of TR PVD-FU §3.1.1.1: 100 messages, 300
// recipients.
func DefaultDailyLimit() DailyLimit {
	return DailyLimit{Messages: 100, Recipients: 300}
}

// Check decides whether a sender at level who has sent sentMessages messages
// to sentRecipients recipients today may send one more message to
// newRecipients recipients. Only level normal is limited; any level other
// than high counts as normal.
func (l DailyLimit) Check(level Level, sentMessages, sentRecipients, newRecipients int) error {
	if level == High {
		return nil
	}
	sentMessages = max(sentMessages, 0)
	sentRecipients = max(sentRecipients, 0)
	newRecipients = max(newRecipients, 0)
	if sentMessages+1 > l.Messages {
		return problem.New(problem.TooMany, "to", "daily_limit",
			"At login level normal you may send at most %d messages a day, and you have reached that; log in at level high to send more.",
			l.Messages)
	}
	if sentRecipients+newRecipients > l.Recipients {
		left := max(l.Recipients-sentRecipients, 0)
		return problem.New(problem.TooMany, "to", "daily_limit",
			"At login level normal you may write to at most %d recipients a day in total, and %d are left today; log in at level high to lift the limit.",
			l.Recipients, left)
	}
	return nil
}

// Day is the key of the day t falls in, YYYY-MM-DD in loc, which the daily
// limit counts by. Siegel uses German legal time (Europe/Berlin, see
// Berlin), so the day turns at midnight where the provider operates. A nil
// loc means UTC.
func Day(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(dateLayout)
}

// Berlin loads Europe/Berlin, German legal time. The zone database is
// embedded in the binary (time/tzdata), so it works on minimal hosts. Load it
// once when the provider starts and pass it down.
func Berlin() (*time.Location, error) {
	return time.LoadLocation("Europe/Berlin")
}

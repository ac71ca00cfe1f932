// Package clock is the one source of time for Siegel. Every deadline the law sets
// (8 h delivery, 3rd-day deemed service, 90-day delete guard, lockouts) runs on a
// Clock passed down from the composition root, so tests move days in milliseconds.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns the current time in UTC.
func (Real) Now() time.Time { return time.Now().UTC() }

// Fake is a clock that moves only when told; safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock standing at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	f.mu.Unlock()
}

// Offset is the wall clock moved by a fixed duration: Now is time.Now in UTC
// plus the offset. It is for drills and black-box tests that need a process
// to live hours or days later than the wall clock, so that deadlines (the 4 h
// handover warning, deemed service, session ends) fall due without waiting;
// never for production, where every deadline it moves is a legal one.
type Offset time.Duration

// Now returns the wall clock's time in UTC, moved by the offset.
func (o Offset) Now() time.Time { return time.Now().UTC().Add(time.Duration(o)) }

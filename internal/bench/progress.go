package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a bar on opts.Progress (a terminal's stderr) five times a
// second until the returned function is called: the letters accepted of
// the run's N, and how many of them have their receipt confirmation.
func (r *run) progress(start time.Time) func() {
	w := r.opts.Progress
	if w == nil {
		return func() {}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.drawBar(w, start)
			case <-stop:
				r.drawBar(w, start)
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

func (r *run) drawBar(w io.Writer, start time.Time) {
	n := r.opts.Letters
	acc, failed, conf := r.count.accepted.Load(), r.count.failed.Load(), r.count.confirmed.Load()
	el := r.opts.Now().Sub(start).Seconds()
	fmt.Fprintf(w, "\r%s %s  accepted %d/%d  confirmed %d  errors %d  %.0f s ",
		bar(int(acc+failed), n, 20), bar(int(conf), n, 20), acc, n, conf, failed, el)
}

// bar is a bar of width characters, filled by done of total.
func bar(done, total, width int) string {
	fill := 0
	if total > 0 {
		fill = min(width, done*width/total)
	}
	return "[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + "]"
}

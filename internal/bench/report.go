package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is a run's result, written as JSON by --json.
type Report struct {
	Run       RunInfo           `json:"run"`
	Accepted  int               `json:"accepted"`             // letters A accepted
	EndToEnd  int               `json:"end_to_end"`           // of them, with the receipt confirmation filed at A
	Errors    map[string]int    `json:"errors"`               // by kind: the API's error code, network, timeout, no_receipt_confirmation, delivery_failed …
	ErrorText map[string]string `json:"error_text,omitempty"` // one message of each kind
	// Rates in letters per second: accepted over the time from the first
	// submission to the last acceptance, end to end over the time from the
	// first submission to the last receipt confirmation filed.
	AcceptRate      float64   `json:"accept_rate"`
	EndToEndRate    float64   `json:"end_to_end_rate"`
	AcceptSeconds   float64   `json:"accept_seconds"`
	EndToEndSeconds float64   `json:"end_to_end_seconds"`
	AcceptLatency   Latency   `json:"accept_latency"`     // submission to A's answer
	EndToEndLatency Latency   `json:"end_to_end_latency"` // submission to the receipt confirmation filed at A
	Processes       []Process `json:"processes"`
	Series          []Second  `json:"series"` // per second of the run
	// Quantiles of each latency, 0 to 100 % in steps of 1 %, in
	// milliseconds: the chart's curves.
	AcceptQuantiles   []float64 `json:"accept_quantiles_ms,omitempty"`
	EndToEndQuantiles []float64 `json:"end_to_end_quantiles_ms,omitempty"`
	PollErrors        int       `json:"poll_errors,omitempty"` // failed listings of the confirmations
}

// RunInfo is what was run.
type RunInfo struct {
	ID          string        `json:"id"`
	Started     time.Time     `json:"started"`
	APIA        string        `json:"api_a"`
	APIB        string        `json:"api_b"`
	Letters     int           `json:"letters"`
	Senders     int           `json:"senders"`
	Recipients  int           `json:"recipients"`
	Size        int           `json:"size"`
	Options     LetterOptions `json:"options"`
	Rate        float64       `json:"rate"` // offered letters/s; 0: as fast as possible
	Concurrency int           `json:"concurrency"`
}

// Latency is a latency distribution, in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Process is a provider process during the run.
type Process struct {
	Role       string  `json:"role"` // A, B, or A+B
	PID        int     `json:"pid"`
	PeakRSSMiB float64 `json:"peak_rss_mib"` // highest RSS sampled during the run
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"` // of one core; 200 is two cores busy
	Error      string  `json:"error,omitempty"`
}

// Second is one second of the run.
type Second struct {
	T         int       `json:"t"`                 // seconds since the start
	Accepted  int       `json:"accepted"`          // letters accepted in it
	Confirmed int       `json:"confirmed"`         // receipt confirmations filed in it
	RSSMiB    []float64 `json:"rss_mib,omitempty"` // per process, in Processes' order
}

// report builds the report from the outcomes.
func (r *run) report(start, end time.Time, samples [][]procSample) *Report {
	o := r.opts
	rep := &Report{Run: RunInfo{ID: r.id, Started: start.UTC(), APIA: r.target.A.APIURL, APIB: r.target.B.APIURL,
		Letters: o.Letters, Senders: len(r.senders), Recipients: len(r.target.Recipients), Size: o.Size,
		Options: o.Options, Rate: o.Rate, Concurrency: o.Concurrency},
		Errors: map[string]int{}, ErrorText: map[string]string{}, PollErrors: r.pollErrors}
	var acc, e2e []time.Duration
	var lastAcc, lastConf time.Time
	for i := range r.out {
		x := &r.out[i]
		switch {
		case x.errKind != "":
			rep.addError(x.errKind, x.errText)
		case x.accepted.IsZero():
			rep.addError("not_sent", "the run ended before the letter was sent")
		default:
			rep.Accepted++
			acc = append(acc, x.accepted.Sub(x.start))
			lastAcc = maxTime(lastAcc, x.accepted)
			if !o.Options.Receipt {
				continue
			}
			if c := r.confirmed[i]; !c.IsZero() {
				rep.EndToEnd++
				e2e = append(e2e, c.Sub(x.start))
				lastConf = maxTime(lastConf, c)
			} else if f, ok := r.failures[i]; ok {
				rep.addError(f, "a failure confirmation came instead of the receipt confirmation")
			} else {
				rep.addError("no_receipt_confirmation", fmt.Sprintf("none within %s of the last one", o.Stall))
			}
		}
	}
	rep.AcceptSeconds, rep.AcceptRate = rate(rep.Accepted, start, lastAcc)
	rep.EndToEndSeconds, rep.EndToEndRate = rate(rep.EndToEnd, start, lastConf)
	rep.AcceptLatency, rep.AcceptQuantiles = latencyOf(acc)
	rep.EndToEndLatency, rep.EndToEndQuantiles = latencyOf(e2e)
	rep.Processes = processesOf(r, samples, start, end)
	rep.Series = r.series(start, end, samples)
	return rep
}

func (rep *Report) addError(kind, text string) {
	rep.Errors[kind]++
	if _, ok := rep.ErrorText[kind]; !ok {
		rep.ErrorText[kind] = text
	}
}

func rate(n int, start, last time.Time) (float64, float64) {
	s := last.Sub(start).Seconds()
	if n == 0 || s <= 0 {
		return 0, 0
	}
	return s, float64(n) / s
}

// latencyOf summarises durations: nearest-rank percentiles, and the curve
// of every whole percent.
func latencyOf(d []time.Duration) (Latency, []float64) {
	if len(d) == 0 {
		return Latency{}, nil
	}
	slices.Sort(d)
	q := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(d)))) - 1
		return ms(d[min(max(i, 0), len(d)-1)])
	}
	curve := make([]float64, 101)
	for p := range curve {
		curve[p] = q(float64(p))
	}
	curve[0] = ms(d[0])
	return Latency{N: len(d), P50: q(50), P90: q(90), P99: q(99), Max: ms(d[len(d)-1])}, curve
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

func processesOf(r *run, samples [][]procSample, start, end time.Time) []Process {
	var out []Process
	for i, p := range r.procs {
		pr := Process{Role: p.role, PID: p.pid}
		if i < len(samples) && len(samples[i]) > 0 {
			s := samples[i]
			for _, x := range s {
				pr.PeakRSSMiB = max(pr.PeakRSSMiB, mib(x.rss))
			}
			pr.CPUSeconds = s[len(s)-1].cpu - s[0].cpu
			if el := s[len(s)-1].at.Sub(s[0].at).Seconds(); el > 0 {
				pr.CPUPercent = math.Round(pr.CPUSeconds/el*1000) / 10
			}
		} else {
			pr.Error = "not sampled"
		}
		out = append(out, pr)
	}
	return out
}

func mib(b int64) float64 { return math.Round(float64(b)/(1<<20)*10) / 10 }

// series counts acceptances and confirmations per second, with the
// processes' RSS in each second's last sample.
func (r *run) series(start, end time.Time, samples [][]procSample) []Second {
	n := int(end.Sub(start)/time.Second) + 1
	out := make([]Second, n)
	for i := range out {
		out[i].T = i
	}
	at := func(t time.Time) int { return min(max(int(t.Sub(start)/time.Second), 0), n-1) }
	for i := range r.out {
		if a := r.out[i].accepted; !a.IsZero() {
			out[at(a)].Accepted++
		}
		if c := r.confirmed[i]; !c.IsZero() {
			out[at(c)].Confirmed++
		}
	}
	for p, s := range samples {
		for _, x := range s {
			sec := &out[at(x.at)]
			for len(sec.RSSMiB) <= p {
				sec.RSSMiB = append(sec.RSSMiB, 0)
			}
			sec.RSSMiB[p] = mib(x.rss)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// ParseReport reads a report written by WriteJSON.
func ParseReport(b []byte) (*Report, error) {
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("bench report: %w", err)
	}
	if rep.Run.Letters < 1 || rep.Accepted < 0 || rep.EndToEnd < 0 || rep.EndToEnd > rep.Accepted {
		return nil, fmt.Errorf("bench report: counts out of range (letters %d, accepted %d, end to end %d)",
			rep.Run.Letters, rep.Accepted, rep.EndToEnd)
	}
	return &rep, nil
}

// WriteMarkdown writes the report as a Markdown section.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	r := rep.Run
	var b strings.Builder
	fmt.Fprintf(&b, "Run `%s`, %s: %d letters of %d bytes from %d senders at %s to %d recipients at %s, options %s, %s.\n\n",
		r.ID, r.Started.Format(time.RFC3339), r.Letters, r.Size, r.Senders, r.APIA, r.Recipients, r.APIB,
		optionNames(r.Options), offered(r))
	b.WriteString("| metric | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| accepted | %d of %d, %.1f letters/s over %.1f s |\n", rep.Accepted, r.Letters, rep.AcceptRate, rep.AcceptSeconds)
	fmt.Fprintf(&b, "| end to end (receipt confirmation filed at A) | %d, %.1f letters/s over %.1f s |\n", rep.EndToEnd, rep.EndToEndRate, rep.EndToEndSeconds)
	for _, l := range []struct {
		name string
		l    Latency
	}{{"accept latency", rep.AcceptLatency}, {"end-to-end latency", rep.EndToEndLatency}} {
		fmt.Fprintf(&b, "| %s p50 · p90 · p99 · max | %s · %s · %s · %s |\n", l.name,
			msText(l.l.P50), msText(l.l.P90), msText(l.l.P99), msText(l.l.Max))
	}
	fmt.Fprintf(&b, "| errors | %s |\n", errorsText(rep.Errors))
	for _, p := range rep.Processes {
		fmt.Fprintf(&b, "| provider process %s (pid %d) | peak RSS %.1f MiB, CPU %.1f s (%.0f %% of one core) |\n",
			p.Role, p.PID, p.PeakRSSMiB, p.CPUSeconds, p.CPUPercent)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func optionNames(o LetterOptions) string {
	var n []string
	for _, x := range []struct {
		on   bool
		name string
	}{{o.Dispatch, "dispatch"}, {o.Receipt, "receipt"}, {o.Personal, "personal"}, {o.SenderConfirmed, "sender-confirmed"}} {
		if x.on {
			n = append(n, x.name)
		}
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, " + ")
}

func offered(r RunInfo) string {
	if r.Rate > 0 {
		return fmt.Sprintf("offered at %.0f letters/s (at most %d in flight)", r.Rate, r.Concurrency)
	}
	return fmt.Sprintf("as fast as %d concurrent requests go", r.Concurrency)
}

func msText(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func errorsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

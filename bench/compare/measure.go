package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/bench"
)

// postfixResult is bench/postfix/run.sh's JSON line.
type postfixResult struct {
	Tool            string  `json:"tool"`
	Version         string  `json:"version"`
	Messages        int     `json:"messages"`
	Delivered       int     `json:"delivered"`
	Size            int     `json:"size"`
	Sessions        int     `json:"sessions"`
	TLS             string  `json:"tls"`
	ConnectionReuse string  `json:"connection_reuse"`
	InjectSeconds   float64 `json:"inject_seconds"`
	InjectRate      float64 `json:"inject_rate"`
	EndToEndSeconds float64 `json:"end_to_end_seconds"`
	EndToEndRate    float64 `json:"end_to_end_rate"`
	CPUSeconds      float64 `json:"cpu_seconds"`
}

// parsePostfix reads the last line of run.sh's output that is a JSON
// object of the postfix tool.
func parsePostfix(out []byte) (*postfixResult, error) {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		l := bytes.TrimSpace(lines[i])
		if !bytes.HasPrefix(l, []byte("{")) {
			continue
		}
		var r postfixResult
		if err := json.Unmarshal(l, &r); err != nil || r.Tool != "postfix" {
			continue
		}
		if r.Messages < 1 || r.Delivered < 0 || r.Delivered > r.Messages || r.EndToEndRate < 0 || r.EndToEndSeconds < 0 {
			return nil, fmt.Errorf("postfix bench: figures out of range: %s", l)
		}
		return &r, nil
	}
	return nil, errors.New("postfix bench: no result line in its output")
}

// round is one Postfix run and the Siegel run after it.
type round struct {
	Postfix *postfixResult
	Siegel  *bench.Report
}

// Ratio is Siegel's end-to-end rate over Postfix's.
func (r round) Ratio() float64 {
	if r.Postfix.EndToEndRate == 0 {
		return 0
	}
	return r.Siegel.EndToEndRate / r.Postfix.EndToEndRate
}

// results is everything the report is made of.
type results struct {
	Rounds   []round
	HalfRate *bench.Report // at half the median end-to-end rate
	Profile  *profileSummary
	Peer     peer
	Machine  machine
	Scanning string // what the demo said of malware scanning
	Date     time.Time
	Config   config
}

func (r *results) ratios() []float64 {
	var out []float64
	for _, x := range r.Rounds {
		out = append(out, x.Ratio())
	}
	return out
}

// MedianRatio is the median of the rounds' ratios.
func (r *results) MedianRatio() float64 { return median(r.ratios()) }

// RatioList is the rounds' ratios, in order.
func (r *results) RatioList() string {
	var s []string
	for _, x := range r.ratios() {
		s = append(s, fmt.Sprintf("%.2f", x))
	}
	return strings.Join(s, " · ")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measure warms the demo up, runs the interleaved rounds with profiles in
// the middle Siegel round, and the half-rate run.
func measure(ctx context.Context, c config, w *work, d *demoRun, log *slog.Logger) (*results, error) {
	log.Info("warming up: sessions, caches, first letters")
	if _, err := w.runSiegel(ctx, d, "warmup", 200, 0, ""); err != nil {
		return nil, err
	}
	res := &results{}
	var estimate time.Duration
	for i := range c.rounds {
		log.Info("round", "n", i+1, "of", c.rounds, "side", "postfix")
		p, err := w.runPostfix(ctx, c.letters)
		if err != nil {
			return nil, err
		}
		log.Info("postfix", "end_to_end_rate", p.EndToEndRate, "delivered", p.Delivered)
		chart := ""
		if i == c.rounds-1 {
			chart = c.chart
		}
		var prof *profileRun
		if i == c.rounds/2 {
			if estimate == 0 { // no round before this one to go by
				estimate = 30 * time.Second
			}
			prof = startProfile(ctx, d, w.dir, estimate, log)
		}
		log.Info("round", "n", i+1, "of", c.rounds, "side", "siegel")
		s, err := w.runSiegel(ctx, d, fmt.Sprintf("round%d", i+1), c.letters, 0, chart)
		if err != nil {
			return nil, err
		}
		if prof != nil {
			res.Profile = prof.finish(ctx, w.bin, s)
		}
		estimate = time.Duration(s.EndToEndSeconds * float64(time.Second))
		log.Info("siegel", "end_to_end_rate", s.EndToEndRate, "accepted", s.Accepted, "end_to_end", s.EndToEnd)
		res.Rounds = append(res.Rounds, round{Postfix: p, Siegel: s})
	}
	if c.halfRate {
		var rates []float64
		for _, r := range res.Rounds {
			rates = append(rates, r.Siegel.EndToEndRate)
		}
		half := median(rates) / 2
		log.Info("siegel at half its end-to-end rate", "rate", half)
		h, err := w.runSiegel(ctx, d, "halfrate", c.letters, half, filepath.Join(w.dir, "halfrate.svg"))
		if err != nil {
			return nil, err
		}
		res.HalfRate = h
	}
	return res, nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/siegel-mail/siegel/internal/bench"
)

// profileRun is a CPU profile being taken while a Siegel round runs, and
// the allocation counts from before it.
type profileRun struct {
	dir, cpuFile, allocBase, allocEnd string
	cpuDone                           chan error
	log                               *slog.Logger
	d                                 *demoRun
}

// startProfile takes the allocation counts now and a CPU profile over most
// of the expected run (its first and last tenth left out, where the
// pipeline fills and drains).
func startProfile(ctx context.Context, d *demoRun, dir string, expect time.Duration, log *slog.Logger) *profileRun {
	p := &profileRun{dir: dir, cpuFile: filepath.Join(dir, "cpu.pprof"), allocBase: filepath.Join(dir, "allocs-before.pprof"),
		allocEnd: filepath.Join(dir, "allocs-after.pprof"), cpuDone: make(chan error, 1), log: log, d: d}
	if err := d.fetch(ctx, "allocs", p.allocBase); err != nil {
		log.Warn("allocation profile not taken", "err", err)
	}
	secs := min(max(int(expect.Seconds()*0.8), 5), 300)
	go func() {
		select {
		case <-time.After(expect / 10):
		case <-ctx.Done():
		}
		p.cpuDone <- d.fetch(ctx, fmt.Sprintf("profile?seconds=%d", secs), p.cpuFile)
	}()
	return p
}

// finish waits for the CPU profile, takes the allocation counts again and
// sums both up.
func (p *profileRun) finish(ctx context.Context, bin string, rep *bench.Report) *profileSummary {
	s := &profileSummary{Dir: p.dir}
	if err := <-p.cpuDone; err != nil {
		p.log.Warn("CPU profile not taken", "err", err)
	} else if err := s.readCPU(p.cpuFile); err != nil {
		p.log.Warn("CPU profile unreadable", "err", err)
	}
	if err := p.d.fetch(ctx, "allocs", p.allocEnd); err != nil {
		p.log.Warn("allocation profile not taken", "err", err)
	} else if err := s.readAllocs(p.allocBase, p.allocEnd, rep.Accepted); err != nil {
		p.log.Warn("allocation profiles unreadable", "err", err)
	}
	return s
}

// profileSummary is what the report says of the profiles.
type profileSummary struct {
	Dir               string
	CPUSeconds        float64 // sampled CPU time
	WallSeconds       float64 // the profile's duration
	Categories        []share // exclusive: each sample counted once, in the first category it matches
	TopCPU            []share // functions by flat CPU
	AllocMiB          float64 // allocated during the round
	AllocPerLetterKiB float64
	TopAllocs         []share // functions by bytes allocated (flat)
}

// share is a part of a profile's total.
type share struct {
	Name  string
	Value float64 // seconds or MiB
	Part  float64 // of the total, 0–1
}

// categories name the pipeline's kinds of work by the functions that do
// them, most specific first: a sample counts in the first category any of
// its frames matches (an ECDSA signature inside a TLS handshake is TLS).
var categories = []struct{ name, match string }{
	{"TLS handshakes (API and federation)", "crypto/tls.(*Conn).handshakeContext|crypto/tls.(*Conn).HandshakeContext|crypto/tls.(*serverHandshakeState|crypto/tls.(*clientHandshakeState|crypto/tls.(*serverHandshakeStateTLS13|crypto/tls.(*clientHandshakeStateTLS13"},
	{"certificate chains (x509 verify)", "crypto/x509.(*Certificate).Verify"},
	{"confirmation PDF", "github.com/go-pdf/fpdf"},
	{"ECDSA signatures", "crypto/ecdsa.Sign|crypto/ecdsa.signASN1|crypto/ecdsa.SignASN1|crypto/internal/fips140/ecdsa.Sign"},
	{"ECDSA verifications", "crypto/ecdsa.Verify|crypto/internal/fips140/ecdsa.Verify"},
	{"S/MIME and sealing (ECDH, AES-GCM)", "crypto/ecdh|crypto/aes|crypto/cipher|crypto/internal/fips140/aes"},
	{"fsync", "syscall.Fdatasync|syscall.Fsync|golang.org/x/sys/unix.Fdatasync|golang.org/x/sys/unix.Syncfs|os.(*File).Sync"},
	{"SQLite", "modernc.org/sqlite|modernc.org/libc"},
	{"TLS records (encrypt, decrypt)", "crypto/tls.(*Conn)"},
	{"network and HTTP", "net/http|internal/poll|net.(*conn)|github.com/emersion/go-smtp"},
	{"JSON", "encoding/json|github.com/go-json-experiment"},
	{"garbage collection", "runtime.gcBgMarkWorker|runtime.gcDrain|runtime.markroot|runtime.scanobject|runtime.bgsweep"},
	{"memory allocation", "runtime.mallocgc"},
	{"scheduler and other runtime", "runtime."},
}

func categoryOf(s *profile.Sample) string {
	for _, c := range categories {
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				if l.Function != nil && matchAny(l.Function.Name, c.match) {
					return c.name
				}
			}
		}
	}
	return "other (mail handling, evidence XML, MIME …)"
}

func matchAny(name, patterns string) bool {
	for _, p := range strings.Split(patterns, "|") {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func readProfile(file string) (*profile.Profile, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return profile.Parse(f)
}

func (s *profileSummary) readCPU(file string) error {
	p, err := readProfile(file)
	if err != nil {
		return err
	}
	idx := len(p.SampleType) - 1 // cpu nanoseconds
	byCat, byFunc := map[string]float64{}, map[string]float64{}
	var total float64
	for _, x := range p.Sample {
		v := float64(x.Value[idx]) / 1e9
		total += v
		byCat[categoryOf(x)] += v
		byFunc[leaf(x)] += v
	}
	s.CPUSeconds, s.WallSeconds = total, float64(p.DurationNanos)/1e9
	s.Categories, s.TopCPU = top(byCat, total, 0), top(byFunc, total, 12)
	return nil
}

// readAllocs takes the bytes allocated between two allocation profiles.
func (s *profileSummary) readAllocs(before, after string, letters int) error {
	a, err := readProfile(after)
	if err != nil {
		return err
	}
	if b, err := readProfile(before); err == nil {
		b.Scale(-1)
		if a, err = profile.Merge([]*profile.Profile{a, b}); err != nil {
			return err
		}
	}
	idx := slices.IndexFunc(a.SampleType, func(t *profile.ValueType) bool { return t.Type == "alloc_space" })
	if idx < 0 {
		return fmt.Errorf("no alloc_space in the allocation profile")
	}
	byFunc := map[string]float64{}
	var total float64
	for _, x := range a.Sample {
		v := float64(x.Value[idx]) / (1 << 20)
		total += v
		byFunc[leaf(x)] += v
	}
	s.AllocMiB = total
	if letters > 0 {
		s.AllocPerLetterKiB = total * 1024 / float64(letters)
	}
	s.TopAllocs = top(byFunc, total, 10)
	return nil
}

// leaf is the function a sample was taken in.
func leaf(s *profile.Sample) string {
	if len(s.Location) == 0 || len(s.Location[0].Line) == 0 || s.Location[0].Line[0].Function == nil {
		return "?"
	}
	return s.Location[0].Line[0].Function.Name
}

// top sorts m by value, largest first; n > 0 keeps the first n.
func top(m map[string]float64, total float64, n int) []share {
	var out []share
	for k, v := range m {
		if v <= 0 {
			continue
		}
		out = append(out, share{Name: k, Value: v, Part: v / max(total, 1e-9)})
	}
	slices.SortFunc(out, func(a, b share) int {
		if a.Value != b.Value {
			if a.Value > b.Value {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

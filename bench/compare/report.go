package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/siegel-mail/siegel/internal/bench"
)

// The markers of the generated part of docs/performance.md; what lies
// outside them is written by hand and left alone.
const (
	beginMarker = "<!-- bench/compare:begin -->"
	endMarker   = "<!-- bench/compare:end -->"
	heading     = "## Between providers, against Postfix (bench/compare)"
)

// splice puts body between doc's markers, or appends a new section with
// the markers at doc's end when it has none.
func splice(doc, body string) (string, error) {
	b, e := strings.Index(doc, beginMarker), strings.Index(doc, endMarker)
	switch {
	case b < 0 && e < 0:
		return strings.TrimRight(doc, "\n") + "\n\n" + heading + "\n\n" + beginMarker + "\n" + body + "\n" + endMarker + "\n", nil
	case b < 0 || e < 0 || e < b:
		return "", errors.New("the bench/compare markers are not a begin followed by an end")
	case strings.Count(doc, beginMarker) > 1 || strings.Count(doc, endMarker) > 1:
		return "", errors.New("the bench/compare markers appear more than once")
	}
	return doc[:b+len(beginMarker)] + "\n" + body + "\n" + doc[e:], nil
}

func replaceSection(file, body string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := splice(string(b), body)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// Markdown is the generated part of the report.
func (r *results) Markdown() string {
	var b strings.Builder
	c, m := r.Config, r.Machine
	fmt.Fprintf(&b, "_Written by `go run ./bench/compare` on %s; run it again rather than edit this part._\n\n", r.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d cores, %.0f GiB, Linux %s, %s; load average %s at the end of the run "+
		"(other engineers' builds and tests share these cores, so the rounds are interleaved and compared pairwise).\n\n",
		m.CPU, m.Cores, m.MemGiB, m.Kernel, m.Go, m.Load)
	fmt.Fprintf(&b, "```sh\ngo run ./bench/compare -n %d -rounds %d -size %d -concurrency %d -sessions %d   # as root: Postfix's master runs as root\n```\n\n",
		c.letters, c.rounds, c.size, c.concurrency, c.sessions)
	r.writeSetup(&b)
	r.writeRounds(&b)
	r.writeLatency(&b)
	if rel, err := filepath.Rel(filepath.Dir(c.docs), c.chart); err == nil {
		fmt.Fprintf(&b, "![Letters per second over the last Siegel round, and its latency distribution](%s)\n\n", filepath.ToSlash(rel))
	}
	r.writeProfile(&b)
	r.writeCeiling(&b)
	return strings.TrimRight(b.String(), "\n")
}

func (r *results) writeSetup(b *strings.Builder) {
	c := r.Config
	pv := "?"
	if len(r.Rounds) > 0 {
		pv = r.Rounds[0].Postfix.Version
	}
	fmt.Fprintf(b, "- **Siegel**: `siegel demo` (authority, providers A and B in one process, SQLite, mutual-TLS SMTP "+
		"between them), `siegel bench` in another process: %d letters of %d bytes per round, dispatch and receipt "+
		"confirmation on each, %d requests in flight over HTTPS, senders at A logged in at high; a letter is done when "+
		"B's receipt confirmation is filed in its sender's mailbox at A. Malware scanning: %s.\n", c.letters, c.size, c.concurrency, r.Scanning)
	fmt.Fprintf(b, "- **Postfix %s** (`bench/postfix/run.sh`): two instances on loopback, the sender side relaying to the "+
		"recipient side over SMTP with STARTTLS, both sides verified (ECDSA P-256 certificates from one CA, the client's "+
		"admitted by its fingerprint), TLS connections reused; the recipient side delivers to a Maildir. `smtp-source` "+
		"injects %d messages of %d bytes over %d sessions; a message is done when its file is in `Maildir/new`.\n",
		pv, c.letters, c.size, c.sessions)
	b.WriteString("- Postfix does no signing, time-stamping, S/MIME or evidence: the ratio is what registered mail costs over plain relaying.\n\n")
}

func (r *results) writeRounds(b *strings.Builder) {
	b.WriteString("| round | Postfix end to end (msg/s) | Siegel accepted (letters/s) | Siegel end to end (letters/s) | Siegel ÷ Postfix | Siegel errors |\n|---|---|---|---|---|---|\n")
	var p, sa, se []float64
	for i, x := range r.Rounds {
		fmt.Fprintf(b, "| %d | %.1f | %.1f | %.1f | %.2f | %s |\n", i+1, x.Postfix.EndToEndRate, x.Siegel.AcceptRate,
			x.Siegel.EndToEndRate, x.Ratio(), errorsOf(x.Siegel))
		p, sa, se = append(p, x.Postfix.EndToEndRate), append(sa, x.Siegel.AcceptRate), append(se, x.Siegel.EndToEndRate)
	}
	ratio := r.MedianRatio()
	fmt.Fprintf(b, "| median | %.1f | %.1f | %.1f | **%.2f** | |\n\n", median(p), median(sa), median(se), ratio)
	verdict := "**met**"
	if ratio < 5 {
		verdict = "**missed**"
	}
	fmt.Fprintf(b, "Target: Siegel end to end at least 5 × Postfix: %s (%.2f ×).\n\n", verdict, ratio)
	if len(r.Rounds) > 0 {
		last := r.Rounds[len(r.Rounds)-1]
		n := float64(max(last.Siegel.EndToEnd, 1))
		b.WriteString("| per letter (last round) | Siegel | Postfix |\n|---|---|---|\n")
		fmt.Fprintf(b, "| CPU | %.1f ms | %.1f ms |\n", cpuOf(last.Siegel)*1000/n,
			last.Postfix.CPUSeconds*1000/float64(max(last.Postfix.Delivered, 1)))
		for _, pr := range last.Siegel.Processes {
			fmt.Fprintf(b, "| peak RSS of the provider process %s | %.0f MiB | |\n", pr.Role, pr.PeakRSSMiB)
		}
		b.WriteString("\n")
	}
}

func (r *results) writeLatency(b *strings.Builder) {
	b.WriteString("| run | accept p50 · p90 · p99 · max | end to end p50 · p90 · p99 · max |\n|---|---|---|\n")
	row := func(name string, rep *bench.Report) {
		a, e := rep.AcceptLatency, rep.EndToEndLatency
		fmt.Fprintf(b, "| %s | %s · %s · %s · %s | %s · %s · %s · %s |\n", name, sec(a.P50), sec(a.P90), sec(a.P99), sec(a.Max),
			sec(e.P50), sec(e.P90), sec(e.P99), sec(e.Max))
	}
	for i, x := range r.Rounds {
		row(fmt.Sprintf("round %d, as fast as possible", i+1), x.Siegel)
	}
	if h := r.HalfRate; h != nil {
		row(fmt.Sprintf("%.0f letters/s offered (half the median end-to-end rate)", h.Run.Rate), h)
		verdict := "**met**"
		if h.EndToEndLatency.P99 >= 1000 || h.EndToEnd < h.Run.Letters {
			verdict = "**missed**"
		}
		fmt.Fprintf(b, "\nTarget: p99 end to end under 1 s at half the maximum rate: %s (%s, %d of %d letters end to end).\n",
			verdict, sec(h.EndToEndLatency.P99), h.EndToEnd, h.Run.Letters)
	}
	b.WriteString("\n")
}

func (r *results) writeProfile(b *strings.Builder) {
	p := r.Profile
	if p == nil || p.WallSeconds == 0 {
		b.WriteString("No profile was taken in this run.\n\n")
		return
	}
	fmt.Fprintf(b, "**CPU profile** of the demo process (both providers) over %.0f s of the middle Siegel round: "+
		"%.0f s of CPU, %.0f %% of what the %d cores offer. Each sample counts once, in the first kind of work any of its frames belongs to:\n\n",
		p.WallSeconds, p.CPUSeconds, 100*p.CPUSeconds/p.WallSeconds/float64(max(r.Machine.Cores, 1)), r.Machine.Cores)
	b.WriteString("| work | share of CPU |\n|---|---|\n")
	for _, s := range p.Categories {
		fmt.Fprintf(b, "| %s | %.1f %% |\n", s.Name, 100*s.Part)
	}
	b.WriteString("\nTop functions by own CPU: ")
	for i, s := range p.TopCPU {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "`%s` %.1f %%", shortName(s.Name), 100*s.Part)
	}
	fmt.Fprintf(b, ".\n\n**Allocations** in the same round: %.0f MiB, %.0f KiB per letter accepted; most by ", p.AllocMiB, p.AllocPerLetterKiB)
	for i, s := range p.TopAllocs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "`%s` %.0f %%", shortName(s.Name), 100*s.Part)
	}
	b.WriteString(".\n\n")
}

func (r *results) writeCeiling(b *strings.Builder) {
	pe := r.Peer
	reached := 0.0
	if len(r.Rounds) > 0 {
		var se []float64
		for _, x := range r.Rounds {
			se = append(se, x.Siegel.EndToEndRate)
		}
		reached = median(se)
	}
	ceil := pe.ceiling()
	fmt.Fprintf(b, "**This machine's limit for the pipeline's fixed work**, measured in the same run on one core: a P-256 signature "+
		"%.0f µs, a verification %.0f µs, a 5 KiB append with `fdatasync` %.2f ms. A letter with dispatch and receipt confirmation "+
		"costs %d signatures and about %d verifications: %.2f ms of one core, so the %d cores could sign and check %.0f letters/s "+
		"if they did nothing else; Siegel reached %.0f letters/s end to end, %.0f %% of that ceiling. "+
		"One `fdatasync` per letter and stage would allow %.0f commits/s on this disk; the store groups commits, so fsyncs are not the limit "+
		"while groups form.\n", pe.SignMicros, pe.VerifyMicros, pe.SyncMillis, signaturesPerLetter, verificationsPerLetter,
		(signaturesPerLetter*pe.SignMicros+verificationsPerLetter*pe.VerifyMicros)/1000, r.Machine.Cores, ceil, reached,
		100*reached/max(ceil, 1), 1000/max(pe.SyncMillis, 0.001))
}

func cpuOf(rep *bench.Report) float64 {
	var s float64
	for _, p := range rep.Processes {
		s += p.CPUSeconds
	}
	return s
}

func errorsOf(rep *bench.Report) string {
	if len(rep.Errors) == 0 {
		return "none"
	}
	var parts []string
	for k, v := range rep.Errors {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	return strings.Join(parts, ", ")
}

func sec(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// shortName drops a function name's module path.
func shortName(n string) string {
	if i := strings.LastIndexByte(n, '/'); i >= 0 {
		return n[i+1:]
	}
	return n
}

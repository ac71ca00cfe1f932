package bench

import (
	"strings"
	"testing"
	"time"
)

// The parsers of what the bench reads from outside: demo.json, --sender,
// the session cache, confirmation subjects, a report, and /proc's files.

func FuzzParseDemo(f *testing.F) {
	f.Add([]byte(`{"providers":[{"domain":"a.test","api_url":"https://127.0.0.1:8443"},{"domain":"b.test","api_url":"https://127.0.0.1:8444"}],` +
		`"accounts":[{"address":"x@a.test","password":"p","totp_secret":"S","provider":"a.test"},{"address":"y@b.test","provider":"b.test"}]}`))
	f.Add([]byte(`{"providers":[]}`))
	f.Add([]byte(`{"providers":[{"api_url":"https://h:99999"},{"api_url":"ftp://x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tg, err := ParseDemo(b)
		if err != nil {
			return
		}
		if len(tg.Senders) == 0 || len(tg.Recipients) == 0 {
			t.Fatalf("accepted a target without senders or recipients: %+v", tg)
		}
		for _, u := range []string{tg.A.APIURL, tg.B.APIURL} {
			if p, err := portOf(u); err != nil || p < 1 || p > 65535 {
				t.Fatalf("accepted API URL %q: port %d, %v", u, p, err)
			}
		}
	})
}

func FuzzParseSender(f *testing.F) {
	f.Add("stadt@a.test,pass,word,JBSWY3DPEHPK3PXP")
	f.Add("x,y")
	f.Add(",,")
	f.Fuzz(func(t *testing.T, v string) {
		a, err := ParseSender(v)
		if err != nil {
			return
		}
		if !strings.Contains(a.Address, "@") || a.Password == "" || a.TOTPSecret == "" {
			t.Fatalf("accepted %q as %+v", v, a)
		}
		if !strings.Contains(v, a.Password) || strings.Contains(a.TOTPSecret, ",") {
			t.Fatalf("%q is not made of its parts %+v", v, a)
		}
	})
}

func FuzzParseSessionCache(f *testing.F) {
	f.Add([]byte(`{"x@a.test":{"token":"sgl_1","totp_step":59000000}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c := parseSessionCache(b); c == nil {
			t.Fatal("nil cache")
		}
	})
}

func FuzzParseSeq(f *testing.F) {
	f.Add("*Eingangsbestätigung* siegel bench R1 #42", "R1")
	f.Add("siegel bench R1 #", "R1")
	f.Add("siegel bench R1 #99999999999999 x", "R1")
	f.Fuzz(func(t *testing.T, subject, run string) {
		n, ok := parseSeq(subject, run)
		if !ok {
			return
		}
		if n < 0 || !strings.Contains(subject, subjectMark(run)) {
			t.Fatalf("%q in run %q: letter %d", subject, run, n)
		}
	})
}

func FuzzParseReport(f *testing.F) {
	f.Add([]byte(`{"run":{"letters":10},"accepted":10,"end_to_end":9}`))
	f.Add([]byte(`{"run":{"letters":1},"accepted":1,"end_to_end":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ParseReport(b)
		if err != nil {
			return
		}
		if rep.EndToEnd > rep.Accepted || rep.Run.Letters < 1 {
			t.Fatalf("accepted inconsistent counts: %+v", rep)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte("Name:\tsiegel\nVmHWM:\t  120000 kB\nVmRSS:\t   98000 kB\n"))
	f.Add([]byte("VmRSS: 1 MB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseStatus(b)
		if err == nil && (m.RSS < 0 || m.Peak < 0) {
			t.Fatalf("negative memory %+v", m)
		}
	})
}

func FuzzParseStatCPU(f *testing.F) {
	f.Add([]byte("4242 (siegel demo) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 12 0 100 0 0"))
	f.Add([]byte("1 ((sd)) R"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := parseStatCPU(b)
		if err == nil && n < 0 {
			t.Fatalf("negative CPU time %d", n)
		}
	})
}

func FuzzListenInodes(f *testing.F) {
	f.Add([]byte("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"+
		"   0: 0100007F:20FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0\n"), 8443)
	f.Add([]byte("title\nshort line\n"), 1)
	f.Fuzz(func(t *testing.T, b []byte, port int) {
		ins, err := listenInodes(b, port)
		if err != nil {
			return
		}
		for _, in := range ins {
			if in == "" || in == "0" {
				t.Fatalf("inode %q", in)
			}
		}
	})
}

// TestParsers checks the parsers on real shapes of their input.
func TestParsers(t *testing.T) {
	m, err := parseStatus([]byte("Name:\tsiegel\nVmHWM:\t  120000 kB\nVmRSS:\t   98000 kB\n"))
	if err != nil || m.RSS != 98000<<10 || m.Peak != 120000<<10 {
		t.Errorf("status: %+v, %v", m, err)
	}
	cpu, err := parseStatCPU([]byte("4242 (siegel (demo)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 12 0 100 0 0"))
	if err != nil || cpu != 1801 {
		t.Errorf("stat: %d, %v; want 1801 ticks", cpu, err)
	}
	ins, err := listenInodes([]byte("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"+
		"   0: 0100007F:20FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0\n"+
		"   1: 0100007F:20FB 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 100 0 0 10 0\n"), 8443)
	if err != nil || len(ins) != 1 || ins[0] != "31337" {
		t.Errorf("net tcp: %v, %v; want the listening socket's inode 31337", ins, err)
	}
	if n, ok := parseSeq("*Eingangsbestätigung* siegel bench R1 #42", "R1"); !ok || n != 42 {
		t.Errorf("parseSeq: %d, %v", n, ok)
	}
	if _, ok := parseSeq("*Eingangsbestätigung* siegel bench R2 #42", "R1"); ok {
		t.Error("parseSeq took another run's letter")
	}
	a, err := ParseSender("x@a.test,pa,ss,SECRET")
	if err != nil || a.Password != "pa,ss" || a.TOTPSecret != "SECRET" {
		t.Errorf("ParseSender: %+v, %v", a, err)
	}
}

// TestLatency: nearest-rank percentiles.
func TestLatency(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	l, curve := latencyOf(d)
	if l.P50 != 50 || l.P90 != 90 || l.P99 != 99 || l.Max != 100 || len(curve) != 101 || curve[0] != 1 || curve[100] != 100 {
		t.Errorf("latency %+v, curve ends %v %v", l, curve[0], curve[100])
	}
}

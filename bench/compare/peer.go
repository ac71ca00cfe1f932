package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// peer is what this machine's parts cost, measured in the same run: the
// unit costs the pipeline's ceiling is computed from.
type peer struct {
	SignMicros   float64 // one ECDSA P-256 signature, one core
	VerifyMicros float64 // one ECDSA P-256 verification, one core
	SyncMillis   float64 // appending 5 KiB to a file and fdatasync, once
}

// The pipeline's fixed work per letter with dispatch and receipt
// confirmation (docs/performance.md, "Confirmations"; evidence.md):
// two confirmations, each an evidence file sealed and time-stamped and an
// S/MIME message signed and time-stamped, 4 ECDSA signatures apiece; A
// checks B's receipt confirmation: the message's signature and its token,
// the evidence's signature and its token, and the seal's and the TSA's
// certificates against the root, about 8 verifications.
const (
	signaturesPerLetter    = 8
	verificationsPerLetter = 8
)

// measurePeer times the unit costs, on one core, a few hundred times each.
func measurePeer(dir string) peer {
	var p peer
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p
	}
	digest := sha256.Sum256([]byte("siegel bench peer"))
	const n = 500
	var sig []byte
	start := time.Now()
	for range n {
		sig, _ = ecdsa.SignASN1(rand.Reader, key, digest[:])
	}
	p.SignMicros = float64(time.Since(start).Microseconds()) / n
	start = time.Now()
	for range n {
		ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig)
	}
	p.VerifyMicros = float64(time.Since(start).Microseconds()) / n
	p.SyncMillis = syncCost(dir, 200)
	return p
}

// syncCost is the mean time of n appends of 5 KiB, each made durable with
// fdatasync, as one commit per letter would be.
func syncCost(dir string, n int) float64 {
	f, err := os.CreateTemp(dir, "peer-sync-")
	if err != nil {
		return 0
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := bytes.Repeat([]byte("x"), 5<<10)
	start := time.Now()
	for range n {
		if _, err := f.Write(block); err != nil {
			return 0
		}
		if err := fdatasync(f); err != nil {
			return 0
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(n) / 1000
}

// ceiling is the letters per second the machine's cores allow for the
// signatures and verifications alone, with every core on them.
func (p peer) ceiling() float64 {
	perLetter := signaturesPerLetter*p.SignMicros + verificationsPerLetter*p.VerifyMicros
	if perLetter == 0 {
		return 0
	}
	return float64(runtime.NumCPU()) * 1e6 / perLetter
}

// machine describes where the run ran.
type machine struct {
	CPU     string
	Cores   int
	MemGiB  float64
	Kernel  string
	Go      string
	Load    string // the load average when the report was made
	DiskDir string
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = field(b, "model name")
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscan(field(b, "MemTotal"), &kb); err == nil {
			m.MemGiB = kb / (1 << 20)
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.Load = strings.Join(f[:3], " ")
		}
	}
	m.DiskDir = filepath.Clean(os.TempDir())
	return m
}

// field is the value of the first "name: value" line of a /proc file.
func field(b []byte, name string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MboxWriter writes messages into an mbox (RFC 4155) of the mboxrd
// variant, the one every mail program reads and the only one whose
// quoting can be undone exactly:
//
//   - each message begins with a "From " line: the envelope sender (the
//     letter's sender address) and the arrival time in asctime form, UTC
//     ("From anna@example.org Tue Mar  2 09:00:00 2027");
//   - a line of the message that begins with "From ", after any number of
//     ">", gets one more ">" ("From " → ">From ", ">From " → ">>From ");
//     ReadMbox takes it off again;
//   - each message ends with an empty line.
//
// Line endings are CRLF throughout: the messages are written as stored,
// with the CRLF of RFC 5322, and the From lines and the empty lines
// between messages follow them. A program that reads the file with CRLF
// intact gets each message back byte for byte, and its integrity value
// (X-de-mail-integrity, over the CRLF body) still checks.
type MboxWriter struct {
	w *bufio.Writer
	n int
}

// NewMboxWriter writes an mbox to w; Flush after the last message.
func NewMboxWriter(w io.Writer) *MboxWriter {
	return &MboxWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Add writes one message: sender is the envelope sender, at the time in
// its From line.
func (m *MboxWriter) Add(sender string, at time.Time, raw []byte) error {
	m.w.WriteString(FromLine(sender, at))
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line = raw[:i+1]
		}
		raw = raw[len(line):]
		if quoted(line) {
			m.w.WriteByte('>')
		}
		m.w.Write(line)
		if len(raw) == 0 && line[len(line)-1] != '\n' {
			m.w.WriteString("\r\n") // the last line had no end
		}
	}
	_, err := m.w.WriteString("\r\n")
	m.n++
	return err
}

// Count is how many messages were added.
func (m *MboxWriter) Count() int { return m.n }

// Flush writes what is buffered.
func (m *MboxWriter) Flush() error { return m.w.Flush() }

// FromLine is the "From " line that begins a message in an mbox. A sender
// that is no single word (empty, or with spaces or controls) is written
// as MAILER-DAEMON, as mail systems do for a bounce's empty sender.
func FromLine(sender string, at time.Time) string {
	if sender == "" || strings.ContainsFunc(sender, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		sender = "MAILER-DAEMON"
	}
	return "From " + sender + " " + at.UTC().Format(asctime) + "\r\n"
}

// asctime is the date of a From line (RFC 4155 §2: the output of asctime()).
const asctime = "Mon Jan _2 15:04:05 2006"

// quoted reports whether line, of a message, begins with "From " after
// any number of ">": the lines mboxrd quotes.
func quoted(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From "))
}

// MboxMessage is one message read back from an mbox.
type MboxMessage struct {
	Sender string    // of its From line
	Date   time.Time // of its From line; zero when not in asctime form
	Raw    []byte    // the message, unquoted
}

// ReadMbox reads an mboxrd file as MboxWriter writes it and calls fn with
// each message, unquoted and without the empty line that ends it. A
// message longer than max bytes is an error; so is anything before the
// first From line.
func ReadMbox(r io.Reader, max int, fn func(MboxMessage) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur *MboxMessage
	flush := func() error {
		if cur == nil {
			return nil
		}
		// The empty line after each message belongs to the mbox.
		raw, n := cur.Raw, len(cur.Raw)
		switch {
		case bytes.HasSuffix(raw, []byte("\r\n")) && (n == 2 || raw[n-3] == '\n'):
			raw = raw[:n-2]
		case bytes.HasSuffix(raw, []byte("\n")) && (n == 1 || raw[n-2] == '\n'):
			raw = raw[:n-1]
		}
		cur.Raw = raw
		m := *cur
		cur = nil
		return fn(m)
	}
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
				if len(long) > max || (cur != nil && len(cur.Raw)+len(long) > max) {
					return fmt.Errorf("mbox: line %d: a message longer than %d bytes", lineNo, max)
				}
			}
			line = long
		}
		if len(line) > 0 {
			if bytes.HasPrefix(line, []byte("From ")) {
				if err := flush(); err != nil {
					return err
				}
				cur = parseFromLine(line)
			} else if cur == nil {
				return fmt.Errorf("mbox: line %d: not a From line: the file is no mbox", lineNo)
			} else {
				if quoted(line) {
					line = line[1:]
				}
				if len(cur.Raw)+len(line) > max {
					return fmt.Errorf("mbox: line %d: a message longer than %d bytes", lineNo, max)
				}
				cur.Raw = append(cur.Raw, line...)
			}
		}
		if err == io.EOF {
			return flush()
		}
		if err != nil {
			return err
		}
	}
}

// parseFromLine reads the sender and date of a From line.
func parseFromLine(line []byte) *MboxMessage {
	rest := strings.TrimRight(string(line[len("From "):]), "\r\n")
	sender, date, _ := strings.Cut(rest, " ")
	m := &MboxMessage{Sender: sender, Raw: []byte{}}
	if t, err := time.Parse(asctime, strings.TrimSpace(date)); err == nil {
		m.Date = t
	}
	return m
}

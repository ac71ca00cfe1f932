package evidence

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// The PDF of a confirmation is for people: the facts of the evidence on an
// A4 page, each with its label in German and English. It is not evidence of
// its own (the signed XML is): the confirmation message signs it with the
// rest, but a PDF taken out of the message proves nothing. It is written
// with github.com/go-pdf/fpdf and its core font Helvetica, so no font is
// embedded; text goes through fpdf's cp1252 translator, which covers German
// and most Western European names and shows any other character as ".".

// Page layout, in millimetres (A4 is 210 × 297).
const (
	pdfMargin      = 20.0
	pdfBottom      = 25.0 // where the text ends and the footer begins
	pdfLabelWidth  = 58.0
	pdfValueWidth  = 210 - 2*pdfMargin - pdfLabelWidth
	pdfLine        = 4.0 // the height of a line of the facts
	pdfRowSpace    = 0.8
	pdfLabelPoints = 8.0
	pdfValuePoints = 9.0
)

// RenderPDF renders e as a one- or two-page A4 PDF: the event as title in
// German and English, what happened in a sentence, every field of the
// evidence with bilingual labels (the content digest in hex, the issuer
// certificate's subject and SHA-256 fingerprint), and a footer on how to
// check the evidence. It refuses evidence that Check refuses. The same
// evidence gives the same bytes: the creation date is the event time, and
// fpdf writes its resources in a fixed order.
//
// The page is not compressed: fpdf makes a new deflate writer (a megabyte
// of state) per stream, which cost a third of issuing a confirmation; the
// uncompressed page is about 12 KiB instead of 4 (BenchmarkRenderPDF,
// BenchmarkIssueConfirmations in internal/api: 924 instead of 630
// confirmations a second on two cores).
func RenderPDF(e *Evidence) ([]byte, error) { return renderPDF(e, false) }

// renderPDF is RenderPDF, with compression a choice.
func renderPDF(e *Evidence, compress bool) ([]byte, error) {
	if err := e.Check(); err != nil {
		return nil, fmt.Errorf("evidence: pdf: %w", err)
	}
	w, _ := wordingOf(e.Event) // Check checked the event
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := winANSI
	pdf.SetCompression(compress)
	pdf.SetCatalogSort(true) // else the resources follow Go's map order
	at := e.EventTime.UTC()
	pdf.SetCreationDate(at) // else the wall clock
	pdf.SetModificationDate(at)
	pdf.SetTitle(w.titleDE+" / "+w.titleEN, true)
	pdf.SetAuthor(e.Issuer.Name, true)
	pdf.SetSubject(e.ID, true)
	pdf.SetLang("de")
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfBottom)
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(func() { pdfFooter(pdf, tr) })
	pdf.AddPage()
	pdfHeading(pdf, tr, e, w)
	for _, f := range factsOf(e) {
		pdfRow(pdf, tr(f.de), tr(f.en), tr(f.value))
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("evidence: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfHeading writes the title and what happened, in German, then English.
func pdfHeading(pdf *fpdf.Fpdf, tr func(string) string, e *Evidence, w wording) {
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr(w.titleDE), "", "L", false)
	pdf.SetFont("Helvetica", "I", 12)
	pdf.MultiCell(0, 6, tr(w.titleEN), "", "L", false)
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 5, tr(e.Issuer.Name+" bestätigt: "+w.saysDE), "", "L", false)
	pdf.SetFont("Helvetica", "I", 10)
	pdf.MultiCell(0, 5, tr(e.Issuer.Name+" confirms: "+w.saysEN), "", "L", false)
	pdf.Ln(4)
}

// pdfRow writes one fact: the German label above the English one on the
// left, the value on the right. A row is not split between pages: one that
// does not fit starts the next page.
func pdfRow(pdf *fpdf.Fpdf, de, en, value string) {
	pdf.SetFont("Helvetica", "B", pdfLabelPoints)
	lines := len(pdf.SplitLines([]byte(de), pdfLabelWidth))
	pdf.SetFont("Helvetica", "", pdfLabelPoints)
	lines += len(pdf.SplitLines([]byte(en), pdfLabelWidth))
	pdf.SetFont("Helvetica", "", pdfValuePoints)
	lines = max(lines, len(pdf.SplitLines([]byte(value), pdfValueWidth)))
	h := float64(lines) * pdfLine
	if _, pageHeight := pdf.GetPageSize(); pdf.GetY()+h > pageHeight-pdfBottom {
		pdf.AddPage()
	}
	x, y := pdf.GetXY()
	pdf.SetFont("Helvetica", "B", pdfLabelPoints)
	pdf.MultiCell(pdfLabelWidth, pdfLine, de, "", "L", false)
	pdf.SetFont("Helvetica", "", pdfLabelPoints)
	pdf.SetTextColor(80, 80, 80)
	pdf.MultiCell(pdfLabelWidth, pdfLine, en, "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(x+pdfLabelWidth, y)
	pdf.SetFont("Helvetica", "", pdfValuePoints)
	pdf.MultiCell(pdfValueWidth, pdfLine, value, "", "L", false)
	pdf.SetXY(x, y+h+pdfRowSpace)
}

// pdfFooter says on every page how to check the evidence, and the page.
func pdfFooter(pdf *fpdf.Fpdf, tr func(string) string) {
	pdf.SetY(-pdfBottom + 6)
	pdf.SetFont("Helvetica", "", 7)
	pdf.MultiCell(0, 3.2, tr("Diese Datei zeigt den Nachweis; geprüft wird die signierte Bestätigungsnachricht "+
		"oder Nachweisdatei: siegel verify <Datei> --root <Wurzelzertifikat>, oder openssl cms -verify -in <Datei> "+
		"-CAfile <Wurzelzertifikat der Akkreditierungsstelle> -purpose any (bei einer Nachweisdatei .p7m mit -inform DER)."), "", "L", false)
	pdf.MultiCell(0, 3.2, tr("This file shows the evidence; what is checked is the signed confirmation message "+
		"or evidence file: siegel verify <file> --root <root certificate>, or openssl cms -verify -in <file> "+
		"-CAfile <the accreditation authority's root certificate> -purpose any (for an evidence file .p7m with -inform DER)."), "", "L", false)
	pdf.CellFormat(0, 3.2, fmt.Sprintf("%d/{nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
}

// winANSI encodes s in Windows-1252, the core fonts' encoding; a character
// it lacks becomes ".". (fpdf's own translator parses its code page table
// with fmt.Sscanf on every document: a quarter of the rendering's time.)
func winANSI(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x80 || (r >= 0xa0 && r <= 0xff) {
			b = append(b, byte(r))
		} else {
			b = append(b, winANSIHigh(r))
		}
	}
	return string(b)
}

// winANSIHigh is the Windows-1252 code of a character of its 0x80–0x9f.
func winANSIHigh(r rune) byte {
	const high = "€\x00‚ƒ„…†‡ˆ‰Š‹Œ\x00Ž\x00\x00‘’“”•–—˜™š›œ\x00žŸ"
	i := 0
	for _, c := range high {
		if c == r && c != 0 {
			return byte(0x80 + i)
		}
		i++
	}
	return '.'
}

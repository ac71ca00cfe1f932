package bench

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The chart is two panels side by side: letters per second over the run
// (accepted at A, and receipt confirmations filed at A), and the latency
// curves (the latency under which a given share of the letters stayed).
// It is drawn from the report alone, so a report's JSON can be charted
// again later.

var (
	acceptColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	e2eColor    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// WriteChart draws rep's chart to w as SVG, or as PNG when format is "png".
func WriteChart(w io.Writer, rep *Report, format string) error {
	tp, err := throughputPlot(rep)
	if err != nil {
		return err
	}
	lp, err := latencyPlot(rep)
	if err != nil {
		return err
	}
	width, height := 26*vg.Centimeter, 10*vg.Centimeter
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(120))}
	case "svg", "":
		c = vgsvg.New(width, height)
	default:
		return fmt.Errorf("chart: format %q, want svg or png", format)
	}
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	plots := [][]*plot.Plot{{tp, lp}}
	canvases := plot.Align(plots, tiles, dc)
	tp.Draw(canvases[0][0])
	lp.Draw(canvases[0][1])
	_, err = c.WriteTo(w)
	return err
}

// ChartFormat is the format a chart file's name asks for.
func ChartFormat(name string) string {
	return strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
}

func throughputPlot(rep *Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Letters per second"
	p.X.Label.Text = "seconds since the first submission"
	p.Y.Label.Text = "letters/s"
	p.Y.Min = 0
	acc, e2e := make(plotter.XYs, len(rep.Series)), make(plotter.XYs, len(rep.Series))
	for i, s := range rep.Series {
		acc[i] = plotter.XY{X: float64(s.T), Y: float64(s.Accepted)}
		e2e[i] = plotter.XY{X: float64(s.T), Y: float64(s.Confirmed)}
	}
	if err := addLine(p, acc, acceptColor, "accepted at A"); err != nil {
		return nil, err
	}
	if rep.Run.Options.Receipt {
		if err := addLine(p, e2e, e2eColor, "end to end"); err != nil {
			return nil, err
		}
	}
	p.Legend.Top = true
	return p, nil
}

func latencyPlot(rep *Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Latency distribution"
	p.X.Label.Text = "share of letters (%)"
	p.Y.Label.Text = "latency (s)"
	p.X.Min, p.X.Max, p.Y.Min = 0, 100, 0
	for _, c := range []struct {
		q     []float64
		col   color.Color
		label string
	}{{rep.AcceptQuantiles, acceptColor, "accept"}, {rep.EndToEndQuantiles, e2eColor, "end to end"}} {
		if len(c.q) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(c.q))
		for i, v := range c.q {
			xy[i] = plotter.XY{X: float64(i) * 100 / float64(len(c.q)-1), Y: v / 1000}
		}
		if err := addLine(p, xy, c.col, c.label); err != nil {
			return nil, err
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

func addLine(p *plot.Plot, xy plotter.XYs, c color.Color, label string) error {
	if len(xy) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.2)
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

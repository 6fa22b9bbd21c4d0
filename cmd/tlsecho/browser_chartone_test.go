package main

import (
	"strconv"
	"testing"
)

// chartLinePixels is a poll expression for how many of the chart's
// pixels are painted in the color of its line of round trips (give or
// take antialiasing), as a string.
const chartLinePixels = `(() => { const c = document.getElementById("chart");
	const probe = document.createElement("canvas").getContext("2d");
	probe.fillStyle = getComputedStyle(c).getPropertyValue("--chart-line").trim();
	probe.fillRect(0, 0, 1, 1);
	const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
	const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
	let n = 0;
	for (let i = 0; i < d.length; i += 4) {
		if (d[i + 3] > 200 && Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24) n++;
	}
	return String(n); })()`

// TestBrowserChartOneEcho: the chart of a single round trip shows it. A
// line needs two points, so with one echo the chart drew its axes and
// the median and nothing of the echo itself.
func TestBrowserChartOneEcho(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.send("one")
	tab.waitFor("the echo", recvLine(`b === "one"`))
	tab.waitFor("the chart of it", `document.getElementById("st-count").textContent === "1" ? "y" : ""`)
	n, err := strconv.Atoi(tab.eval("the line's pixels", chartLinePixels))
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Errorf("%d pixels of the chart are in its line's color after one echo, want the echo drawn", n)
	}
	tab.checkProblems(nil)
}

package main

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// contrastJS defines, in the page, contrast(fg, el): the WCAG 2 contrast
// ratio of the colour fg drawn on el's background, as the computed styles
// paint it (translucent backgrounds and opacity composed over what is
// under them), and lowContrast(): every piece of text whose contrast is
// under WCAG AA's 4.5:1, but on a disabled control, which AA exempts.
const contrastJS = `(() => {
	const parse = (c) => { const p = c.match(/[\d.]+/g).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
	const over = (t, b) => ({ r: t.r * t.a + b.r * (1 - t.a), g: t.g * t.a + b.g * (1 - t.a), b: t.b * t.a + b.b * (1 - t.a), a: 1 });
	const lum = (c) => [c.r, c.g, c.b].map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
		.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
	const background = (el) => {
		const layers = [];
		for (let e = el; e; e = e.parentElement) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (c.a > 0) layers.push(c);
			if (c.a === 1) break;
		}
		return layers.reduceRight((under, c) => over(c, under), { r: 255, g: 255, b: 255, a: 1 });
	};
	const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
	// A colour as CSS writes it (#7a8699, a name) in rgb() terms.
	const probe = document.createElement("span");
	const resolve = (c) => { probe.style.color = c; document.body.append(probe); const v = getComputedStyle(probe).color; probe.remove(); return v; };
	window.contrast = (fg, el) => {
		const bg = background(el), f = parse(resolve(fg));
		const l1 = lum(over({ ...f, a: f.a * opacity(el) }, bg)), l2 = lum(bg);
		return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
	};
	window.lowContrast = () => {
		const out = new Set();
		for (const el of document.querySelectorAll("body *")) {
			if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
			if (!el.getBoundingClientRect().width || el.closest(":disabled") || el.closest(".skip")) continue;
			const r = contrast(getComputedStyle(el).color, el);
			if (r < 4.5) out.add(r.toFixed(2) + ":1 " + (el.id || el.tagName.toLowerCase() + "." + el.className) + " \"" + el.textContent.trim().slice(0, 24) + "\"");
		}
		return [...out].join("; ");
	};
	return "";
})()`

// TestBrowserContrast: in the page's light and dark colours, every text
// on it, the flag of a wrong echo and the chart's labels among them, has
// WCAG AA's contrast of 4.5:1 with its background; the focus ring and a
// text field's border, which show where focus is and where to type, have
// the 3:1 that AA asks of such marks. The server here answers every
// message in capitals, so the log holds a flagged line.
func TestBrowserContrast(t *testing.T) {
	t.Parallel()
	tab := wrongEchoTab(t)
	tab.waitFor("the flagged echo", `document.querySelector("#log li.recv.bad .flag") ? "y" : ""`)
	tab.eval("contrast", contrastJS)
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			tab := tab.with(t)
			tab.do("colour scheme", cdpDo(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}))
			if got := tab.eval("text", `lowContrast()`); got != "" {
				t.Errorf("text under 4.5:1: %s", got)
			}
			// The chart draws its labels on the card in this colour.
			if got := tab.eval("chart labels", `(() => { const c = document.getElementById("chart"), s = getComputedStyle(c);
				const r = contrast(s.getPropertyValue("--chart-text").trim() || "#000", c); return r < 4.5 ? r.toFixed(2) : ""; })()`); got != "" {
				t.Errorf("the chart's labels have a contrast of %s:1, want 4.5:1", got)
			}
			tab.do("focus the text field", chromedp.Focus(chromedp.CSS("#text-msg")))
			if got := tab.eval("focus ring and border", `(() => { const e = document.getElementById("text-msg"), s = getComputedStyle(e), out = [];
				if (!e.matches(":focus-visible") || s.outlineStyle === "none") return "no focus ring";
				const card = e.closest(".card"), ring = contrast(s.outlineColor, card), border = contrast(s.borderTopColor, card);
				if (ring < 3) out.push("focus ring " + ring.toFixed(2) + ":1");
				if (border < 3) out.push("field border " + border.toFixed(2) + ":1");
				return out.join(", "); })()`); got != "" {
				t.Errorf("against the card, %s; want 3:1", got)
			}
		})
	}
	tab.checkProblems(nil)
}

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// namedRoles are the roles whose node a screen reader announces by its
// name alone: without one it says only "button" or "edit".
var namedRoles = map[string]bool{
	"button": true, "checkbox": true, "textbox": true, "spinbutton": true, "link": true,
	"progressbar": true, "DisclosureTriangle": true, "log": true, "image": true, "region": true,
}

// TestBrowserAccessibility: in Chromium's accessibility tree, every
// control of the connected page and everything that takes focus has a
// name, every stop of the Tab key shows a focus ring, and pressing
// Connect or Disconnect leaves the focus on a control.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.waitFor("the ClientHello panel", `document.getElementById("hello").dataset.loaded === "true" ? "y" : ""`)
	// A chosen fault preset is told apart from the others by more than the
	// hue of its border (WCAG 1.4.1): compared to one not chosen, it
	// differs in a property other than that colour.
	tab.do("choose a preset", chromedp.Click(chromedp.CSS("#fault-presets button")))
	if got := tab.eval("the chosen preset", `(() => {
		const [on, off] = [...document.querySelectorAll("#fault-presets button")].map(getComputedStyle);
		if (document.querySelector("#fault-presets button").getAttribute("aria-pressed") !== "true") return "the preset is not pressed";
		return ["backgroundColor", "boxShadow", "borderTopWidth", "fontWeight", "textDecorationLine", "outlineStyle"]
			.some((p) => on[p] !== off[p]) ? "" : "only its border's colour marks it"; })()`); got != "" {
		t.Errorf("a chosen fault preset: %s", got)
	}
	tab.do("unchoose it", chromedp.Click(chromedp.CSS("#fault-presets button")))

	// Connect and Disconnect by keyboard: each is disabled once pressed,
	// and the focus goes to the other, not to the page itself.
	focusOn := func(id string) {
		t.Helper()
		if got := tab.eval("focus", `document.activeElement.id || document.activeElement.tagName`); got != id {
			t.Errorf("the focus is on %s, want %s", got, id)
		}
	}
	tab.do("connect by keyboard", chromedp.Focus(chromedp.CSS("#connect-btn")), chromedp.KeyEvent("\r"))
	tab.waitState("open")
	focusOn("disconnect-btn")
	tab.do("disconnect by keyboard", chromedp.KeyEvent("\r"))
	tab.waitState("closed")
	focusOn("connect-btn")
	tab.do("connect again", chromedp.KeyEvent("\r"))
	tab.waitState("open")

	tree, err := chromedp.Run(tab.ctx, func(ctx context.Context, tg *chromedp.Target) (accessibility.GetFullAXTreeResult, error) {
		return cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	})
	if err != nil {
		t.Fatalf("accessibility tree: %v", err)
	}
	unquote := func(v *accessibility.Value) string {
		if v == nil {
			return ""
		}
		return strings.Trim(string(v.Value), `"`)
	}
	named := 0
	for _, n := range tree.Nodes {
		if n.Ignored {
			continue
		}
		role := unquote(n.Role)
		focusable := false
		for _, p := range n.Properties {
			if p.Name == accessibility.PropertyNameFocusable && unquote(p.Value) == "true" {
				focusable = true
			}
		}
		if role == "RootWebArea" || !focusable && !namedRoles[role] {
			continue
		}
		if strings.TrimSpace(unquote(n.Name)) == "" {
			t.Errorf("a %s (focusable %v) has no accessible name", role, focusable)
			continue
		}
		named++
	}
	// The Connection form alone has a dozen; an empty tree cannot pass.
	if named < 20 {
		t.Errorf("only %d named controls in the accessibility tree", named)
	}

	// Every stop of the Tab key shows where focus is. Tab goes on from
	// the Connect button, clicked, to the page's end and out of it; the
	// round is then from the page's start to its end again.
	focused := func() string {
		return tab.eval("focus", `(() => { const e = document.activeElement;
			if (e === document.body) return "";
			const s = getComputedStyle(e), name = e.id || e.tagName.toLowerCase() + ":" + e.textContent.trim().slice(0, 20);
			return name + (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2 ? " NO RING" : ""); })()`)
	}
	for range 60 {
		tab.do("Tab", chromedp.KeyEvent("\t"))
		if focused() == "" {
			break
		}
	}
	var stops []string
	for range 60 {
		tab.do("Tab", chromedp.KeyEvent("\t"))
		got := focused()
		if got == "" {
			break
		}
		stops = append(stops, got)
		if strings.HasSuffix(got, " NO RING") {
			t.Errorf("no focus ring on %s", strings.TrimSuffix(got, " NO RING"))
		}
	}
	if len(stops) < 20 {
		t.Errorf("only %d stops of the Tab key: %q", len(stops), stops)
	}

	// A Copy button's name stays; what it did is said in a status. The
	// clipboard may be refused here: the page then selects the text.
	tab.do("copy", chromedp.Click(chromedp.CSS(`button[data-copy="cmd-openssl"]`)))
	if got := tab.waitFor("the copy said", `(() => { const s = document.getElementById("copy-status");
		return s && s.getAttribute("role") === "status" ? s.textContent : ""; })()`); got != "Copied the openssl command" &&
		!strings.HasPrefix(got, "Selected the openssl command to copy by hand") {
		t.Errorf("after Copy the status says %q, want that the openssl command was copied or selected", got)
	}
	tab.checkProblems(nil)
}

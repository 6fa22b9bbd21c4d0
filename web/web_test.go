package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

var headerTests = []struct {
	name, path  string
	status      int
	contentType string
}{
	{"page", "/", http.StatusOK, "text/html; charset=utf-8"},
	{"script", "/app.js", http.StatusOK, "text/javascript; charset=utf-8"},
	{"style", "/style.css", http.StatusOK, "text/css; charset=utf-8"},
	{"icon", "/favicon.svg", http.StatusOK, "image/svg+xml"},
	{"index redirect", "/index.html", http.StatusMovedPermanently, ""},
	{"missing", "/nope.js", http.StatusNotFound, "text/plain; charset=utf-8"},
}

// TestHeaders checks that every answer of the page handler, errors and
// redirects included, carries the security headers.
func TestHeaders(t *testing.T) {
	ts := httptest.NewTLSServer(Handler())
	defer ts.Close()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tt := range headerTests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			if tt.contentType != "" {
				if got := resp.Header.Get("Content-Type"); got != tt.contentType {
					t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
				}
			}
			if tt.status == http.StatusOK && len(body) == 0 {
				t.Errorf("GET %s: empty body", tt.path)
			}
			want := map[string]string{
				"Content-Security-Policy":      pageCSP,
				"X-Content-Type-Options":       "nosniff",
				"Referrer-Policy":              "no-referrer",
				"X-Frame-Options":              "DENY",
				"Cross-Origin-Opener-Policy":   "same-origin",
				"Cross-Origin-Resource-Policy": "same-origin",
				"Permissions-Policy":           "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
			}
			// net/http drops Cache-Control from error answers by itself.
			if tt.status == http.StatusOK {
				want["Cache-Control"] = "no-cache"
			}
			for name, v := range want {
				if got := resp.Header.Get(name); got != v {
					t.Errorf("%s = %q, want %q", name, got, v)
				}
			}
		})
	}
}

// TestHeaderCSPIsStrict parses the page's policy: only its own scripts
// and styles, nothing inline, no framing, Trusted Types enforced.
func TestHeaderCSPIsStrict(t *testing.T) {
	directives := map[string][]string{}
	for _, d := range strings.Split(pageCSP, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		if _, dup := directives[f[0]]; dup {
			t.Errorf("directive %s given twice; browsers use only the first", f[0])
		}
		directives[f[0]] = f[1:]
	}
	want := map[string]string{
		"default-src":               "'none'",
		"script-src":                "'self'",
		"style-src":                 "'self'",
		"img-src":                   "'self'",
		"connect-src":               "'self' wss:",
		"base-uri":                  "'none'",
		"form-action":               "'none'",
		"frame-ancestors":           "'none'",
		"require-trusted-types-for": "'script'",
		"trusted-types":             "'none'",
	}
	for name, v := range want {
		if got := strings.Join(directives[name], " "); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	for name, srcs := range directives {
		for _, s := range srcs {
			if s == "*" || strings.HasPrefix(s, "'unsafe-") || s == "data:" || s == "http:" || s == "ws:" {
				t.Errorf("%s allows %s", name, s)
			}
		}
	}
}

// pageRules are patterns the CSP would block in the page, or that would
// break under Trusted Types in the script: finding one means the page
// and its header disagree, which shows only as a broken page.
var pageRules = []struct {
	name, file string
	re         *regexp.Regexp
}{
	{"inline script", "index.html", regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]`)},
	{"style element", "index.html", regexp.MustCompile(`(?i)<style[\s>]`)},
	{"style attribute", "index.html", regexp.MustCompile(`(?i)\sstyle\s*=`)},
	{"event handler attribute", "index.html", regexp.MustCompile(`(?i)\son[a-z]+\s*=`)},
	{"javascript: URL", "index.html", regexp.MustCompile(`(?i)javascript:`)},
	{"other origin", "index.html", regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`)},
	{"HTML sink", "*.js", regexp.MustCompile(`innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write`)},
	{"eval", "*.js", regexp.MustCompile(`\beval\(|new Function\(|setTimeout\(\s*["'` + "`]")},
	{"inline style", "*.js", regexp.MustCompile(`\.style\.|setAttribute\(\s*["']style|cssText`)},
	{"console error", "*.js", regexp.MustCompile(`console\.(error|assert)`)},
	{"remote URL", "*.js", regexp.MustCompile(`https?://`)},
}

// TestHeaderCSPMatchesPage checks that the page obeys its own policy and
// that every file it references is embedded.
func TestHeaderCSPMatchesPage(t *testing.T) {
	files := map[string]string{}
	entries, err := fs.ReadDir(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(static, "static/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	for _, r := range pageRules {
		t.Run(r.name, func(t *testing.T) {
			// "*.js" rules hold for every script of the page.
			for name, body := range files {
				if ok, _ := path.Match(r.file, name); !ok {
					continue
				}
				if m := r.re.FindString(body); m != "" {
					t.Errorf("%s contains %q", name, m)
				}
			}
		})
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(files["index.html"], -1) {
		if !regexp.MustCompile(` src="[a-z]`).MatchString(tag) {
			t.Errorf("index.html has a script without a same-origin src: %s", tag)
		}
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"#]+)"`).FindAllStringSubmatch(files["index.html"], -1)
	if len(refs) < 3 {
		t.Fatalf("found %d references in index.html, want the script, the style sheet and the icon", len(refs))
	}
	// Every reference is relative, to a file beside the page: behind an
	// ingress that serves the page under a path, it goes there too.
	for _, m := range refs {
		if _, err := fs.Stat(static, "static/"+m[1]); err != nil || !fs.ValidPath(m[1]) || strings.Contains(m[1], ":") {
			t.Errorf("index.html references %q, which is not an embedded file beside it: %v", m[1], err)
		}
	}
}

// TestPaths: Paths names the page and every file of the embedded tree,
// and Handler serves each (the page's index by a redirect to "/").
func TestPaths(t *testing.T) {
	ts := httptest.NewServer(Handler())
	defer ts.Close()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	paths := Paths()
	files, err := fs.ReadDir(static, "static")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(files)+1 || paths[0] != "/" {
		t.Errorf("Paths() = %q, want / and the %d files of the tree", paths, len(files))
	}
	for _, p := range paths {
		resp, err := client.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if p == "/index.html" {
			want = http.StatusMovedPermanently
		}
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", p, resp.StatusCode, want)
		}
	}
}

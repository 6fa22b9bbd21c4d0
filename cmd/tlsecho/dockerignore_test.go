package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerIgnore is a .dockerignore as the Docker CLI reads it: one pattern
// a line, "#" comments, "!" for an exception, the last matching line
// deciding, and a pattern that matches a directory leaving out all of it.
type dockerIgnore []struct {
	re      *regexp.Regexp
	exclude bool
}

func readDockerIgnore(t *testing.T, path string) dockerIgnore {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var di dockerIgnore
	for line := range strings.Lines(string(b)) {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		exclude := !strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/")
		di = append(di, struct {
			re      *regexp.Regexp
			exclude bool
		}{dockerGlob(t, p), exclude})
	}
	return di
}

// dockerGlob turns a pattern into a regexp as the Docker CLI does
// (moby/patternmatcher): * and ? within one path element, ** across any
// number of them, none included.
func dockerGlob(t *testing.T, p string) *regexp.Regexp {
	t.Helper()
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			i++
			if i+1 < len(p) && p[i+1] == '/' {
				i++
				b.WriteString("(.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[' || c == '\\':
			t.Fatalf(".dockerignore pattern %q: character classes and escapes are not followed by this test", p)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// excludes tells whether the build context leaves out path (slash
// separated, relative to the context's root): the last pattern that
// matches it or a directory above it decides.
func (di dockerIgnore) excludes(path string) bool {
	var candidates []string
	for p := path; p != "." && p != "/"; p = filepath.ToSlash(filepath.Dir(p)) {
		candidates = append(candidates, p)
	}
	excluded := false
	for _, pat := range di {
		for _, c := range candidates {
			if pat.re.MatchString(c) {
				excluded = pat.exclude
				break
			}
		}
	}
	return excluded
}

// TestDockerIgnoreLeavesOutKeys: the README's recipes write keys inside
// the repository (tlsecho cert -ca -out certs, a client's in alice/, the
// Kubernetes secret's cert.pem and key.pem), and `docker build .` or
// `docker compose up --build` from there sends the build context to the
// builder, where COPY . . would keep a local CA's private key in the
// build stage's layer. None of them may go; everything the build reads
// must.
func TestDockerIgnoreLeavesOutKeys(t *testing.T) {
	t.Parallel()
	di := readDockerIgnore(t, "../../.dockerignore")
	for _, path := range []string{
		"certs/ca-key.pem", "certs/ca.pem", "certs/cert.pem", "certs/key.pem", "certs/cert.p12",
		"alice/ca-key.pem", "alice/key.pem", "alice/cert.p12",
		"key.pem", "cert.pem", "tls.key", "tls.crt", "certs/ca-plain.key",
	} {
		if !di.excludes(path) {
			t.Errorf(".dockerignore sends %s to the docker build", path)
		}
	}

	needed := 0
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || strings.HasSuffix(rel, "/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") && rel != "go.mod" && rel != "go.sum" && !strings.HasPrefix(rel, "web/static/") {
			return nil
		}
		needed++
		if di.excludes(rel) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if needed < 50 {
		t.Fatalf("found %d source files to check; is the test run from cmd/tlsecho?", needed)
	}
}

package certs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchDebounce is how long [Source.Watch] waits after the last change in a
// watched directory before reloading. A pair is written as two files, and
// certbot or a Kubernetes secret update touches several names in a row;
// reloading after the first event would read a new certificate with the
// old key and log a needless error.
const WatchDebounce = 200 * time.Millisecond

// Watch reloads the pair and the client CA file (see [Source.ReloadAndLog])
// whenever one of them, or a symlink in their directories that they are
// reached through, or their whole directory changes, until ctx ends.
// Other files in those directories (a log written beside cert.pem) are
// ignored. It returns nil then, at once for a Source without files, and
// an error only when the watch cannot be set up; it logs "watching
// certificate files" once it is, having first reloaded the files if they
// changed since they were last read.
//
// It watches the directories: tools replace a pair by renaming new files
// into place (certbot swaps symlinks, Kubernetes secret volumes swap the
// ..data symlink), and a watch on the old file would only see it
// disappear. A directory replaced whole is watched again at its path. The
// files are watched too, anew before each reload (a SIGHUP's as well),
// for what reaches them by another path: a file bind-mounted on its own
// and written in place on the host, or the target of a symlink into
// another directory, whose directory is watched too, so that a target
// deleted and created again is seen. A change
// to a symlink outside the watched directories on the way to a file (a
// symlinked parent of a symlink's target) is not seen; send the server
// SIGHUP for that.
func (s *Source) Watch(ctx context.Context, log *slog.Logger) error {
	var dirs, files []string
	var attrs []any
	for _, f := range []struct{ key, file string }{
		{"cert_file", s.certFile}, {"key_file", s.keyFile}, {"client_ca_file", s.ca.file},
	} {
		if f.file == "" {
			continue
		}
		attrs = append(attrs, f.key, f.file)
		// Absolute, so that a directory's parent can be watched and the
		// events of both compared by name.
		abs, err := filepath.Abs(f.file)
		if err != nil {
			return fmt.Errorf("certs: watch %s: %w", f.file, err)
		}
		files = append(files, abs)
		if d := filepath.Dir(abs); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("certs: watch: %w", err)
	}
	defer w.Close()
	dw, err := newDirWatch(w, log, dirs, files)
	if err != nil {
		return fmt.Errorf("certs: watch: %w", err)
	}
	s.addWatch(dw)
	// Before w.Close, deferred earlier: no reload may touch a closed watcher.
	defer s.removeWatch(dw)
	// A change made after the files were first read and before the watch
	// began has no event of its own (a pair renamed into place just after
	// the start, which a test met on a loaded machine): the files are
	// compared with what is served now that any later change is seen, and
	// reloaded if they differ, before the watch says it has begun.
	if s.changedSinceLoad() {
		s.ReloadAndLog(log, "file change")
	}
	log.Info("watching certificate files", append(attrs, "dirs", dirs)...)

	debounce := WatchDebounce
	if s.debounce > 0 {
		debounce = s.debounce
	}
	timer := time.NewTimer(debounce)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			// Only the watched files matter: a log written beside them
			// would hold the reload back for as long as it is written,
			// and at debug level the line below would be a write causing
			// the next one, without end. A chmod of one of them counts:
			// it can make a key the last reload could not read readable.
			if !dw.relevant(ev.Name) || !affects(ev.Name, files) {
				continue
			}
			log.Debug("certificate directory changed", "event", ev.String())
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// Overflow means events were lost; reloading is the safe answer.
			log.Warn("certificate watch error", "err", fmt.Errorf("certs: watch: %w", err))
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(debounce)
			}
		case <-timer.C:
			s.ReloadAndLog(log, "file change")
		}
	}
}

// affects reports whether a change to name can change what one of files
// reads: name is the file, or a symlink on the way to it within the
// watched directories (the ..data of a Kubernetes secret volume, which
// tls.crt links through), or a directory it lies in.
func affects(name string, files []string) bool {
	up := ".." + string(filepath.Separator)
	name, _ = filepath.Abs(name)
	for _, f := range files {
		p, _ := filepath.Abs(f)
		for range 8 { // links followed, as a bound against loops
			if rel, err := filepath.Rel(name, p); err == nil && rel != ".." && !strings.HasPrefix(rel, up) {
				return true
			}
			next, ok := readLink(p)
			if !ok {
				break
			}
			p = next
		}
	}
	return false
}

// ReloadAndLog is [Source.Reload] with its outcome logged, for the file
// watcher and SIGHUP alike; trigger says which. A new certificate is logged
// at info level with its subject, expiry and SHA-256 fingerprint; the same
// certificate again only at debug level, since a file can be written again
// as it was. A failure is logged as an error naming the
// files, and the old certificate keeps serving; the same failure again,
// with the files unchanged since, only at debug level; the first reload
// that works after one at info level, the same certificate too. The client CA file, when
// there is one, is reloaded and logged the same way, on its own: a broken
// CA file does not hold back a renewed pair, nor the other way round.
//
// Before reading the files it sets the watches of [Source.Watch] up
// anew, whatever the outcome: a file deleted and created again is a new
// file, and a watch lost with the old one comes back at the latest with
// the next reload, SIGHUP included. Refreshed before the files are read,
// any later change is seen by the watch.
func (s *Source) ReloadAndLog(log *slog.Logger, trigger string) error {
	if s.certFile == "" && s.ca.file == "" {
		log.Info("certificate is in memory; nothing to reload", "trigger", trigger)
		return nil
	}
	s.refreshWatches()
	var errs []error
	if s.certFile != "" {
		errs = append(errs, s.reloadPairAndLog(log, trigger))
	}
	if s.ca.file != "" {
		errs = append(errs, s.reloadCAsAndLog(log, trigger))
	}
	return errors.Join(errs...)
}

// addWatch and removeWatch keep the set of watches a reload refreshes.
func (s *Source) addWatch(dw *dirWatch) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.watches == nil {
		s.watches = map[*dirWatch]struct{}{}
	}
	s.watches[dw] = struct{}{}
}

func (s *Source) removeWatch(dw *dirWatch) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	delete(s.watches, dw)
}

// refreshWatches refreshes every running watch (see [dirWatch.refresh]).
func (s *Source) refreshWatches() {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	for dw := range s.watches {
		dw.refresh()
	}
}

// reloadPairAndLog is the certificate half of [Source.ReloadAndLog].
func (s *Source) reloadPairAndLog(log *slog.Logger, trigger string) error {
	old, cur, err := s.reload()
	again, cleared := s.pairRefused.note(err, s.certFile, s.keyFile)
	if again {
		log.Debug("certificate reload refused again, files and reason unchanged; still serving the previous one",
			"trigger", trigger, "cert_file", s.certFile, "key_file", s.keyFile, "err", err)
		return err
	}
	if err != nil {
		log.Error("certificate reload failed; still serving the previous one",
			"trigger", trigger,
			"cert_file", s.certFile,
			"key_file", s.keyFile,
			"err", err,
			"serving_sha256", Fingerprint(s.Leaf().Raw))
		return err
	}
	attrs := []any{
		"trigger", trigger,
		"subject", cur.Leaf.Subject.String(),
		"not_after", cur.Leaf.NotAfter.UTC().Format(time.RFC3339),
		"sha256", Fingerprint(cur.Leaf.Raw),
	}
	if old != nil && sameChain(old, cur) {
		if cleared {
			// The files were put back as they were: without this line
			// the refusal's error would stay the last word at info level.
			log.Info("certificate files load again after the refused reload; still serving the same certificate", attrs...)
			return nil
		}
		log.Debug("certificate unchanged", attrs...)
		return nil
	}
	log.Info("certificate reloaded", attrs...)
	if p := DatesProblem(cur.Leaf, time.Now()); p != "" {
		log.Warn("reloaded certificate "+p+"; clients will refuse it",
			"not_before", cur.Leaf.NotBefore.UTC().Format(time.RFC3339),
			"not_after", cur.Leaf.NotAfter.UTC().Format(time.RFC3339),
			"cert_file", s.certFile)
	}
	if p := ChainProblem(cur); p != "" {
		log.Warn("reloaded certificate chain incomplete", "cert_file", s.certFile, "err", p, "hint", ChainHint)
	}
	if p := BrowserKeyProblem(cur.Leaf); p != "" {
		log.Warn("reloaded certificate: browsers refuse the certificate's key", "cert_file", s.certFile, "err", p, "hint", BrowserKeyHint)
	}
	return nil
}

func sameChain(a, b *tls.Certificate) bool {
	if len(a.Certificate) != len(b.Certificate) {
		return false
	}
	for i := range a.Certificate {
		if !bytes.Equal(a.Certificate[i], b.Certificate[i]) {
			return false
		}
	}
	return true
}

// Fingerprint is the SHA-256 of a DER certificate in lowercase hex, as
// `openssl x509 -fingerprint -sha256` shows it without the colons.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// changedSinceLoad reports whether the pair or the client CA file reads
// otherwise than what is served: different certificates, or files that
// no longer load (whose error a reload then logs). Files that read the
// same make no log line.
func (s *Source) changedSinceLoad() bool {
	if s.certFile != "" {
		cur, err := loadPair(s.certFile, s.keyFile)
		if old := s.current.Load(); err != nil || old == nil || !sameChain(old, cur) {
			return true
		}
	}
	if s.ca.file != "" {
		cur, err := loadClientCAs(s.ca.file)
		if old := s.ca.cur.Load(); err != nil || old == nil || !bytes.Equal(old.sum[:], cur.sum[:]) {
			return true
		}
	}
	return false
}

package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// catchHangup takes SIGHUP from now on, until stop is called; the signals
// wait in hup until [app.startReload] reads them. SIGHUP's default action
// ends the process, and a reload asked for while the server is still
// starting (a supervisor's reload right after its start, a script's kill
// -HUP once it has written new files) must not: serve catches it from its
// first line.
func catchHangup() (hup chan os.Signal, stop func()) {
	hup = make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup, func() { signal.Stop(hup) }
}

// startReload reloads the certificate files and the client CA file when
// they change and on SIGHUP, until the returned stop is called. SIGHUP is
// caught even for an in-memory certificate, whose default action would
// end the process. It reads a.hup when set, where serve caught the
// signals since its start; otherwise it catches them from here on.
func (a *app) startReload(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	hup, stopHup := a.hup, func() {}
	if hup == nil {
		hup, stopHup = catchHangup()
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				a.src.ReloadAndLog(a.log, "SIGHUP")
			}
		}
	})
	if a.src.ClientCAFile() != "" {
		wg.Go(func() { a.src.WatchClientCAExpiry(ctx, a.log) })
	}
	if f, _ := a.src.Files(); f != "" || a.src.ClientCAFile() != "" {
		wg.Go(func() {
			if err := a.src.Watch(ctx, a.log); err != nil {
				a.log.Warn("certificate files are not watched; send SIGHUP after replacing them", "err", err)
			}
		})
	}
	return func() {
		stopHup()
		cancel()
		wg.Wait()
	}
}

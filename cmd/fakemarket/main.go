// Command fakemarket serves the simulated Yahoo + Naver market of package
// sourcetest on one listener, so marketd can be tried end to end offline:
//
//	fakemarket --listen 127.0.0.1:8089 --symbols AAPL,MSFT,005930,000660,7203.T,BTC-USD \
//	    --faults 'yahoo:5xx=0.05;naver:latency=50ms' --rate yahoo=100/m,naver=10/s
//
// Point marketd's Yahoo base_url and Naver fchart_url, api_url,
// polling_url and mobile_url at the printed URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/marketd/marketd/sources/sourcetest"
)

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args[1:])))
}

// exitCode is 0 for a clean stop and for -h (the usage was asked for and
// printed), else 1 with the error on stderr.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(os.Stderr, "fakemarket:", err)
	return 1
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fakemarket", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8089", "address to serve on")
	symbols := fs.String("symbols", "AAPL,MSFT,005930,000660,7203.T,BTC-USD",
		"comma-separated symbols: US tickers and indices (AAPL, ^GSPC), KRX codes (KOSPI), CODE.KQ for KOSDAQ, "+
			"shares with a Yahoo market suffix (7203.T, SAP.DE, VOD.L), other indices (^N225), crypto pairs (BTC-USD), currency pairs (EURUSD=X)")
	illiquid := fs.String("illiquid", "", "comma-separated symbols of --symbols that trade in only some minutes (about one in four)")
	only := fs.Bool("only-listed", false, "answer symbols not in --symbols as unknown (404, <protocol />)")
	faults := fs.String("faults", "", "fault spec, e.g. 'yahoo:5xx=0.05,timeout=0.02;naver:latency=50ms,reset=0.01'")
	rate := fs.String("rate", "", "rate limits, e.g. 'yahoo=100/m,naver=10/s' per client IP address, as the sites count (a key may also be a host name)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic histories and fault draws")
	maxHang := fs.Duration("max-hang", time.Minute, "longest a timeout fault holds a request")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	opts := sourcetest.Options{Seed: *seed, OnlyListed: *only, MaxHang: *maxHang}
	thin := map[string]bool{}
	for s := range strings.SplitSeq(*illiquid, ",") {
		if s = strings.TrimSpace(s); s != "" {
			thin[strings.ToUpper(s)] = true
		}
	}
	for s := range strings.SplitSeq(*symbols, ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			opts.Symbols = append(opts.Symbols, sourcetest.Symbol{Symbol: s, Illiquid: thin[s]})
			delete(thin, s)
		}
	}
	for s := range thin {
		return fmt.Errorf("--illiquid: %s is not one of --symbols", s)
	}
	var err error
	if opts.Faults, err = sourcetest.ParseFaults(*faults); err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	if opts.Limits, err = sourcetest.ParseLimits(*rate); err != nil {
		return fmt.Errorf("--rate: %w", err)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("--symbols: %w", err)
	}
	m := sourcetest.New(opts)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", *listen, err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: logRequests(log, m), ReadHeaderTimeout: 10 * time.Second}

	fmt.Printf(`fakemarket serving on %[1]s
  yahoo:  base_url    = %[1]s
  naver:  fchart_url  = %[1]s
          api_url     = %[1]s
          polling_url = %[1]s
          mobile_url  = %[1]s
`, base)
	log.Info("serving", "addr", base, "symbols", *symbols, "faults", *faults, "rate", *rate, "seed", *seed)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	m.Close() // release requests held by timeout faults
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	st := m.Stats()
	log.Info("stopped", "requests", st.Requests, "violations", st.Violations, "faults", st.Faults)
	for route, c := range st.Routes {
		log.Info("route", "route", route, "requests", c.Requests, "violations", c.Violations, "faults", c.Faults)
	}
	for client, c := range st.Clients {
		log.Info("client", "address", client, "requests", c.Requests, "violations", c.Violations, "faults", c.Faults)
	}
	return nil
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (hijacking for
// reset faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			log.Debug("request", "host", r.Host, "uri", r.URL.RequestURI(), "status", sw.status, "took", time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

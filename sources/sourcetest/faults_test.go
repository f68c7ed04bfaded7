package sourcetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	got, err := ParseFaults("yahoo:5xx=0.05,timeout=0.02,truncate=0.01;naver:latency=50ms,reset=0.01,drift=1;polling:410=0.5,malformed=0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Fault{
		"yahoo":   {ServerError: 0.05, Timeout: 0.02, Truncate: 0.01},
		"naver":   {Latency: 50 * time.Millisecond, Reset: 0.01, Drift: 1},
		"polling": {Gone: 0.5, Malformed: 0.1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"bing:5xx=0.1", "yahoo:5xx=2", "yahoo:5xx", "yahoo:latency=fast", "yahoo:jitter=0.1", "yahoo"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
}

// fetch returns the status, or the transport error, of one request.
func fetch(client *http.Client, url string) (int, []byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestFaultKinds(t *testing.T) {
	chart := "/v8/finance/chart/AAPL?range=5d"
	tests := []struct {
		name  string
		fault Fault
		path  string
		check func(status int, body []byte, err error) error
	}{
		{"5xx", Fault{ServerError: 1}, chart, func(s int, _ []byte, err error) error {
			if err != nil || s < 500 {
				return fmt.Errorf("status %d err %v, want 5xx", s, err)
			}
			return nil
		}},
		{"410", Fault{Gone: 1}, chart, func(s int, _ []byte, err error) error {
			if err != nil || s != 410 {
				return fmt.Errorf("status %d err %v, want 410", s, err)
			}
			return nil
		}},
		{"reset", Fault{Reset: 1}, chart, func(_ int, _ []byte, err error) error {
			if err == nil {
				return errors.New("no error")
			}
			return nil
		}},
		{"truncate", Fault{Truncate: 1}, chart, func(s int, _ []byte, err error) error {
			if s != 200 || !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("status %d err %v, want 200 and an unexpected EOF", s, err)
			}
			return nil
		}},
		{"malformed", Fault{Malformed: 1}, chart, func(s int, b []byte, err error) error {
			var v any
			if s != 200 || err != nil || json.Unmarshal(b, &v) == nil {
				return fmt.Errorf("status %d err %v: body decodes", s, err)
			}
			return nil
		}},
		{"drift yahoo", Fault{Drift: 1}, chart, func(s int, b []byte, err error) error {
			if s != 200 || !strings.Contains(string(b), `"closePrice":[`) || strings.Contains(string(b), `"close":[`) {
				return fmt.Errorf("status %d: close not renamed in %.200s", s, b)
			}
			return nil
		}},
		{"drift fchart", Fault{Drift: 1}, "/sise.nhn?symbol=005930&timeframe=day&count=1", func(s int, b []byte, err error) error {
			if s != 200 || !strings.Contains(string(b), `data="2026.09.29|`) {
				return fmt.Errorf("status %d: date format unchanged in %q", s, b)
			}
			return nil
		}},
		{"drift siseJson", Fault{Drift: 1}, "/siseJson.naver?symbol=005930&startTime=20260929&endTime=20260929", func(s int, b []byte, err error) error {
			if s != 200 || strings.Count(strings.SplitN(string(b), "\n", 3)[1], "'") != 2*8 { // eight quoted columns
				return fmt.Errorf("status %d: header not widened in %q", s, b)
			}
			return nil
		}},
		{"drift polling", Fault{Drift: 1}, "/api/realtime/domestic/stock/005930", func(s int, b []byte, err error) error {
			if s != 200 || strings.Contains(string(b), `"closePrice"`) {
				return fmt.Errorf("status %d: closePrice still there", s)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Options{Now: fixedNow(recorded), Faults: map[string]Fault{GroupYahoo: tt.fault, GroupNaver: tt.fault}})
			url, stop := m.Start()
			defer stop()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			s, b, err := fetch(client, url+tt.path)
			if cerr := tt.check(s, b, err); cerr != nil {
				t.Error(cerr)
			}
			if st := m.Stats(); st.Faults < 1 {
				t.Errorf("stats %+v count no fault", st)
			}
		})
	}
}

// A hung request ends when the client gives up.
func TestTimeoutFault(t *testing.T) {
	m := New(Options{Now: fixedNow(recorded), Faults: map[string]Fault{RouteChart: {Timeout: 1}}})
	url, stop := m.Start()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v8/finance/chart/AAPL?range=5d", nil)
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the client's deadline", err)
	}
}

// The same seed draws the same faults for the same requests, in any
// arrival order; a retried URL draws anew.
func TestFaultsDeterministic(t *testing.T) {
	outcomes := func(seed uint64, reverse bool) map[string]string {
		m := New(Options{Seed: seed, Now: fixedNow(recorded), Faults: map[string]Fault{GroupYahoo: {ServerError: 0.5}}})
		url, stop := m.Start()
		defer stop()
		out := map[string]string{}
		syms := []string{"AAPL", "MSFT", "IBM", "KO", "PEP", "XOM", "GE", "F"}
		for i := range syms {
			if reverse {
				i = len(syms) - 1 - i
			}
			for try := range 3 {
				s, _, err := fetch(http.DefaultClient, url+"/v8/finance/chart/"+syms[i]+"?range=5d")
				out[fmt.Sprint(syms[i], try)] = fmt.Sprint(s, err)
			}
		}
		return out
	}
	a, b, c := outcomes(1, false), outcomes(1, true), outcomes(2, false)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("order changed the draws:\n%v\n%v", a, b)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("another seed drew the same faults: %v", a)
	}
	ok, failed := 0, 0
	for _, v := range a {
		if strings.HasPrefix(v, "200") {
			ok++
		} else {
			failed++
		}
	}
	if ok == 0 || failed == 0 {
		t.Errorf("rate 0.5 gave %d ok and %d failed of 24", ok, failed)
	}
}

package sourcetest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestThrottleShedsEveryNth(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	th := &Throttle{Handler: ok, Every: 3, RetryAfter: 2}
	var got []int
	var retry []string
	for range 7 {
		w := httptest.NewRecorder()
		th.ServeHTTP(w, httptest.NewRequest("GET", "/v8/finance/chart/AAPL", nil))
		got = append(got, w.Code)
		retry = append(retry, w.Header().Get("Retry-After"))
	}
	want := []int{200, 200, 429, 200, 200, 429, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		if (want[i] == 429) != (retry[i] == "2") {
			t.Fatalf("Retry-After %q on answer %d (%d)", retry[i], i, got[i])
		}
	}
	if th.Throttled() != 2 {
		t.Errorf("Throttled() = %d, want 2", th.Throttled())
	}
}

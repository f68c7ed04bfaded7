package validate_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/validate"
)

// Write prints the text report, or the report as indented JSON.
func TestReportWrite(t *testing.T) {
	r := &validate.Report{Problems: []validate.Problem{{Kind: validate.KindGap, Market: market.XKRX,
		Key: market.Key{Source: market.SourceNaver, Symbol: "005930"}, From: 20261001, To: 20261001, Sessions: 1, Detail: "missing"}}}
	var out bytes.Buffer
	if err := r.Write(&out, false); err != nil {
		t.Fatal(err)
	}
	text, err := r.Text()
	if err != nil || out.String() != text {
		t.Errorf("Write(text) = %q, want Text() %q (%v)", out.String(), text, err)
	}
	out.Reset()
	if err := r.Write(&out, true); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Problems []validate.ProblemJSON `json:"problems"`
	}
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back.Problems) != 1 || back.Problems[0].Symbol != "005930" {
		t.Errorf("Write(json) = %s: %v", out.String(), err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("{\n  \"")) {
		t.Errorf("Write(json) is not indented: %.40s", out.String())
	}
}

package validate

import "encoding/json"

// ProblemJSON is one problem as `validate --format json` prints it.
type ProblemJSON struct {
	Kind     string `json:"kind"`
	Market   string `json:"market,omitempty"`
	Source   string `json:"source,omitempty"`
	Symbol   string `json:"symbol,omitempty"`
	Job      string `json:"job,omitempty"`
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Sessions int    `json:"sessions,omitempty"`
	Interval string `json:"interval,omitempty"` // minute bars' problems
	Detail   string `json:"detail"`
	New      bool   `json:"new"`
	Repair   string `json:"repair,omitempty"`
}

// MarshalJSON is the report as `validate --format json` prints it: the
// subject, whether it is clean, the markets checked, and every problem with
// its repair command, flat, dates as YYYY-MM-DD, and the minute bars'
// coverage of each instrument that collects them.
func (r *Report) MarshalJSON() ([]byte, error) {
	conv := func(ps []Problem) []ProblemJSON {
		out := make([]ProblemJSON, 0, len(ps))
		for _, p := range ps {
			j := ProblemJSON{
				Kind: string(p.Kind), Market: p.Market, Source: p.Key.Source, Symbol: p.Key.Symbol, Job: p.Job,
				From: p.From.String(), To: p.To.String(), Sessions: p.Sessions, Detail: p.Detail, New: p.New,
				Repair: p.RepairCommand(),
			}
			if p.Intraday() {
				j.Interval = p.Interval.String()
			}
			out = append(out, j)
		}
		return out
	}
	return json.Marshal(struct {
		Subject  string          `json:"subject"`
		Clean    bool            `json:"clean"`
		Markets  []MarketSummary `json:"markets"`
		Problems []ProblemJSON   `json:"problems"`
		Repaired []ProblemJSON   `json:"repaired"`
		Resolved []string        `json:"resolved"`
		Intraday []intradayJSON  `json:"intraday,omitempty"`
	}{r.Subject(), r.Clean(), r.Markets, conv(r.Problems), conv(r.Repaired), r.Resolved, intradayRows(r.Intraday)})
}

// intradayJSON is one instrument's minute coverage in the JSON report.
type intradayJSON struct {
	Market   string  `json:"market"`
	Source   string  `json:"source"`
	Symbol   string  `json:"symbol"`
	Interval string  `json:"interval"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Sessions int     `json:"sessions"`
	Stored   int     `json:"stored"`
	Expected int     `json:"expected"`
	Median   float64 `json:"median_coverage"`
	Illiquid bool    `json:"illiquid"`
}

func intradayRows(cs []IntradayCoverage) []intradayJSON {
	out := make([]intradayJSON, len(cs))
	for i, c := range cs {
		out[i] = intradayJSON{Market: c.Market, Source: c.Key.Source, Symbol: c.Key.Symbol, Interval: c.Interval.String(),
			From: c.From.String(), To: c.To.String(), Sessions: c.Sessions, Stored: c.Stored, Expected: c.Expected,
			Median: c.Median, Illiquid: c.Illiquid}
	}
	return out
}

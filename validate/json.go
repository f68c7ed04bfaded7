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
	Detail   string `json:"detail"`
	New      bool   `json:"new"`
	Repair   string `json:"repair,omitempty"`
}

// MarshalJSON is the report as `validate --format json` prints it: the
// subject, whether it is clean, the markets checked, and every problem with
// its repair command, flat, dates as YYYY-MM-DD.
func (r *Report) MarshalJSON() ([]byte, error) {
	conv := func(ps []Problem) []ProblemJSON {
		out := make([]ProblemJSON, 0, len(ps))
		for _, p := range ps {
			out = append(out, ProblemJSON{
				Kind: string(p.Kind), Market: p.Market, Source: p.Key.Source, Symbol: p.Key.Symbol, Job: p.Job,
				From: p.From.String(), To: p.To.String(), Sessions: p.Sessions, Detail: p.Detail, New: p.New,
				Repair: p.RepairCommand(),
			})
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
	}{r.Subject(), r.Clean(), r.Markets, conv(r.Problems), conv(r.Repaired), r.Resolved})
}

package e2e_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	smtpmock "github.com/mocktools/go-smtp-mock/v2"

	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/httpx"
	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/sources/market/calendar"
	"github.com/marketd/marketd/sources/sourcetest"
	"github.com/marketd/marketd/store/storetest"
	"github.com/marketd/marketd/validate"
	"github.com/marketd/marketd/validate/mailer"
)

// Bars deleted from a complete store show up in the emailed report as
// exactly those gaps; self-repair refills them from the source.
func TestValidateReportsAndRepairsDeletedBars(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenMySQL(t)
	insts, syms := universe(6)
	m := sourcetest.New(sourcetest.Options{Now: clockAt(fixedNow), Symbols: syms, HistoryStart: market.NewDate(2024, 1, 2)})
	url := server(t, m, m)
	if _, err := st.AddInstruments(ctx, insts); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, st, url, clockAt(fixedNow), httpx.Config{MinBackoff: time.Millisecond}, collector.Config{})
	from := market.NewDate(2025, 3, 3)
	if s, _, err := p.c.Backfill(ctx, collector.BackfillRequest{From: from}); err != nil || s.Failed != 0 {
		t.Fatalf("backfill: %s, %v", s, err)
	}
	checkTruth(t, st, m, insts, from, fixedNow)

	// Delete three sessions of one US stock (across a weekend), one of
	// another, and one of a Korean stock.
	xnys, _ := calendar.For(market.XNYS)
	xkrx, _ := calendar.For(market.XKRX)
	usS, kr := xnys.Sessions(from, market.NewDate(2026, 3, 5)), xkrx.Sessions(from, market.NewDate(2026, 3, 5))
	type cut struct {
		key      market.Key
		from, to market.Date
		sessions int
	}
	friday := usS[slices.IndexFunc(usS, func(d market.Date) bool { return d > market.NewDate(2025, 6, 1) && d.Weekday() == time.Friday })]
	cuts := []cut{
		{insts[0].Key, friday, xnys.Next(xnys.Next(friday)), 3},
		{insts[2].Key, usS[200], usS[200], 1},
		{insts[1].Key, kr[50], kr[50], 1},
	}
	for _, c := range cuts {
		res, err := st.DB().ExecContext(ctx, "DELETE FROM bars WHERE source = ? AND symbol = ? AND trade_date BETWEEN ? AND ?",
			c.key.Source, c.key.Symbol, c.from.String(), c.to.String())
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != int64(c.sessions) {
			t.Fatalf("deleted %d bars of %s %s..%s, want %d", n, c.key, c.from, c.to, c.sessions)
		}
	}

	cals := func(_ context.Context, code string) (validate.Calendar, error) { return calendar.For(code) }
	cfg := validate.Config{Since: from}
	report, err := validate.New(cfg, st, cals, nil, fixedNow).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []cut
	for _, pr := range report.Problems {
		if pr.Kind != validate.KindGap {
			t.Errorf("unexpected problem %s %s %s: %s", pr.Kind, pr.Who(), pr.Dates(), pr.Detail)
			continue
		}
		got = append(got, cut{pr.Key, pr.From, pr.To, pr.Sessions})
	}
	sortCuts := func(cs []cut) {
		slices.SortFunc(cs, func(a, b cut) int { return strings.Compare(a.key.String(), b.key.String()) })
	}
	sortCuts(got)
	sortCuts(cuts)
	if !slices.Equal(got, cuts) {
		t.Fatalf("gaps found %+v, want exactly the deleted %+v", got, cuts)
	}

	// The email lists exactly those gaps, each with its repair command.
	if err := validate.Track(ctx, st, report); err != nil {
		t.Fatal(err)
	}
	srv := smtpmock.New(smtpmock.ConfigurationAttr{HostAddress: "127.0.0.1", MultipleMessageReceiving: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	ml, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: srv.PortNumber(), TLS: mailer.TLSNone,
		From: "marketd@example.com", To: []string{"ops@example.com"}, HELO: "marketd.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Send(ctx, st, ml, report); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitForMessages(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	subject, text := mailText(t, msgs[0].MsgRequest())
	if want := "marketd: 3 gaps — XKRX, XNYS (2026-03-06)"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	var listed []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, "- [") {
			listed = append(listed, strings.TrimRight(line, "\r"))
		}
	}
	var want []string
	for _, c := range cuts {
		dates := c.from.String()
		if c.to != c.from {
			dates += ".." + c.to.String()
		}
		line := fmt.Sprintf("- [gap, new] %s %s %s", c.key.Source, c.key.Symbol, dates)
		if c.sessions > 1 {
			line += fmt.Sprintf(" (%d sessions)", c.sessions)
		}
		want = append(want, line+": missing")
		cmd := fmt.Sprintf("marketd backfill --source %s --symbols %s --from %s --to %s", c.key.Source, c.key.Symbol, c.from, c.to)
		if !strings.Contains(text, cmd) {
			t.Errorf("the email lacks the repair command %q", cmd)
		}
	}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("the email lists\n%s\nwant\n%s\n--- email:\n%s", strings.Join(listed, "\n"), strings.Join(want, "\n"), text)
	}

	// Self-repair refills the deleted bars from the source.
	cfg.RepairBudget = 10
	report, err = validate.New(cfg, st, cals, p.c, fixedNow).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Problems) != 0 || len(report.Repaired) != len(cuts) || len(report.RepairFailures) != 0 {
		t.Errorf("after repair: %d problems, %d repaired, %d repair failures; want 0, %d, 0 (%+v)",
			len(report.Problems), len(report.Repaired), len(report.RepairFailures), len(cuts), report.RepairFailures)
	}
	checkTruth(t, st, m, insts, from, fixedNow)
}

// mailText returns a raw message's decoded subject and text/plain part.
func mailText(t *testing.T, raw string) (subject, text string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(strings.TrimSuffix(raw, "\r\n.\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if !strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain") {
			continue
		}
		var r io.Reader = part
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(part)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return subject, string(b)
	}
}

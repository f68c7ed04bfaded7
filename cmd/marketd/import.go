package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

func newSymbolsImportCmd(a *app) *cobra.Command {
	var board string
	cmd := &cobra.Command{
		Use:   "import --market KOSPI|KOSDAQ",
		Short: "Make the naver instruments of a board match its listing",
		Long: `import reads the listing of a KRX board (stocks and ETFs) from Naver and makes the
store's naver instruments of that board match it: listed codes are added, or made
active again, and codes of the board that are no longer listed are marked inactive.
Bars are never deleted. An empty or incomplete listing changes nothing, and so does
one that would mark more than 5 and more than 10% of the board's active instruments
inactive at once: remove codes that really were delisted with symbols remove first.

Instruments added without a board (symbols add without --market KOSPI or KOSDAQ)
are given their board when listed, and left alone when not.`,
		Example: `  marketd symbols import --market KOSPI
  marketd symbols import --market KOSDAQ`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := strings.ToUpper(strings.TrimSpace(board))
			if b != "KOSPI" && b != "KOSDAQ" {
				if board == "" {
					return usagef("--market is required: KOSPI or KOSDAQ")
				}
				return usagef("--market %q: want KOSPI or KOSDAQ (the boards Naver lists)", board)
			}
			res, err := a.importListing(cmd.Context(), b)
			if err != nil {
				return err
			}
			writeSummary(a.stdout, "imported %s: %d listed, %d added, %d reactivated, %d marked inactive",
				b, res.listed, res.Added, res.Reactivated, res.deactivated)
			return nil
		},
	}
	cmd.Flags().StringVar(&board, "market", "", "the `board` to import: KOSPI or KOSDAQ (required)")
	return cmd
}

// importResult counts what an import changed.
type importResult struct {
	listed int
	store.AddResult
	deactivated int
}

// importListing syncs the store's naver instruments of board with Naver's
// listing of it.
func (a *app) importListing(ctx context.Context, board string) (importResult, error) {
	var res importResult
	st, err := a.openStore(ctx, true)
	if err != nil {
		return res, err
	}
	w, err := a.wire(ctx)
	if err != nil {
		return importResult{}, err
	}
	listed, err := w.naverSource().Listing(ctx, board)
	if err != nil {
		return res, fmt.Errorf("symbols import %s: %w; nothing changed", board, err)
	}
	// A board never empties: an empty answer is a broken or blocked feed,
	// and believing it would mark every instrument of the board inactive.
	if len(listed) == 0 {
		return res, fmt.Errorf("symbols import %s: the listing came back empty; nothing changed", board)
	}
	res.listed = len(listed)
	onList := make(map[string]bool, len(listed))
	for _, in := range listed {
		onList[in.Symbol] = true
	}
	stored, err := st.Instruments(ctx, store.InstrumentFilter{Source: market.SourceNaver, Market: market.XKRX, ActiveOnly: true})
	if err != nil {
		return res, fmt.Errorf("symbols import %s: %w", board, err)
	}
	var gone []market.Key
	active := 0
	for _, in := range stored {
		if in.Board != board {
			continue
		}
		active++
		if !onList[in.Symbol] {
			gone = append(gone, in.Key)
		}
	}
	if err := checkDeactivations(board, len(listed), active, gone); err != nil {
		return res, err
	}
	res.AddResult, err = st.AddInstruments(ctx, listed)
	if err != nil {
		return res, fmt.Errorf("symbols import %s: %w", board, err)
	}
	if len(gone) > 0 {
		res.deactivated, err = st.DeactivateInstruments(ctx, gone)
		if err != nil {
			return res, fmt.Errorf("symbols import %s: %w", board, err)
		}
		a.log.Info("symbols import: no longer listed, marked inactive", "board", board, "count", res.deactivated)
	}
	return res, nil
}

// At most this many of a board's active instruments, or this share of
// them, whichever is more, may leave in one import. A board loses a few
// codes a month; a listing that drops more is cut short (a feed change, a
// page missing with a total to match) and believing it would stop the
// collection of most of the board.
const (
	maxDeactivated      = 5
	maxDeactivatedShare = 0.10
)

// checkDeactivations refuses an import that would mark more of the
// board's active instruments inactive than a listing change plausibly
// explains. Codes that really were delisted are removed first with
// symbols remove; no flag overrides the check.
func checkDeactivations(board string, listed, active int, gone []market.Key) error {
	if len(gone) <= maxDeactivated || float64(len(gone)) <= maxDeactivatedShare*float64(active) {
		return nil
	}
	const shown = 3
	codes := make([]string, 0, shown+1)
	for _, k := range gone[:min(len(gone), shown)] {
		codes = append(codes, k.Symbol)
	}
	if len(gone) > shown {
		codes = append(codes, fmt.Sprintf("and %d more", len(gone)-shown))
	}
	return fmt.Errorf("symbols import %s: with %d listed, %d of the %d active %s instruments would be marked inactive (%s): "+
		"more than %d and more than %.0f%% at once looks like a broken listing; nothing changed. "+
		"If they really were delisted, remove them first: marketd symbols remove --source naver CODE...",
		board, listed, len(gone), active, board, strings.Join(codes, ", "), maxDeactivated, maxDeactivatedShare*100)
}

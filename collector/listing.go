package collector

import (
	"context"
	"fmt"
	"strings"

	"github.com/marketd/marketd/sources/market"
	"github.com/marketd/marketd/store"
)

// Lister reads the listing of a board: every instrument trading on it, of
// one source, with that board and its market (Naver's market-value
// ranking).
type Lister interface {
	Listing(ctx context.Context, board string) ([]market.Instrument, error)
}

// ListingStore is the part of the store a listing import changes.
type ListingStore interface {
	Instruments(ctx context.Context, f store.InstrumentFilter) ([]market.Instrument, error)
	AddInstruments(ctx context.Context, insts []market.Instrument) (store.AddResult, error)
	DeactivateInstruments(ctx context.Context, keys []market.Key) (int, error)
}

// ImportResult counts what a listing import changed.
type ImportResult struct {
	Listed int
	store.AddResult
	Deactivated int
}

// ImportListing makes the stored instruments of board match its listing:
// listed ones are added, or made active again, and the board's active
// instruments of the listing's source that are no longer listed are marked
// inactive (their bars stay). Instruments stored without a board are given
// it when listed and left alone when not. A listing that is empty, or that
// would mark too many inactive at once (*DeactivationError), changes
// nothing. Errors begin "import BOARD:".
func ImportListing(ctx context.Context, st ListingStore, l Lister, board string) (ImportResult, error) {
	var res ImportResult
	listed, err := l.Listing(ctx, board)
	if err != nil {
		return res, fmt.Errorf("import %s: %w; nothing changed", board, err)
	}
	// A board never empties: an empty answer is a broken or blocked feed,
	// and believing it would mark every instrument of the board inactive.
	if len(listed) == 0 {
		return res, fmt.Errorf("import %s: the listing came back empty; nothing changed", board)
	}
	res.Listed = len(listed)
	onList := make(map[string]bool, len(listed))
	for _, in := range listed {
		if in.Source != listed[0].Source || in.Market != listed[0].Market || in.Board != board {
			return res, fmt.Errorf("import %s: the listing holds %s on %s %s beside %s on %s %s: want one source's instruments of %s; nothing changed",
				board, in.Key, in.Market, in.Board, listed[0].Key, listed[0].Market, listed[0].Board, board)
		}
		onList[in.Symbol] = true
	}
	stored, err := st.Instruments(ctx, store.InstrumentFilter{Source: listed[0].Source, Market: listed[0].Market, Board: board, ActiveOnly: true})
	if err != nil {
		return res, fmt.Errorf("import %s: %w", board, err)
	}
	var gone []market.Key
	for _, in := range stored {
		if !onList[in.Symbol] {
			gone = append(gone, in.Key)
		}
	}
	if err := checkDeactivations(board, len(listed), len(stored), gone); err != nil {
		return res, fmt.Errorf("import %s: %w", board, err)
	}
	if res.AddResult, err = st.AddInstruments(ctx, listed); err != nil {
		return res, fmt.Errorf("import %s: %w", board, err)
	}
	if len(gone) > 0 {
		if res.Deactivated, err = st.DeactivateInstruments(ctx, gone); err != nil {
			return res, fmt.Errorf("import %s: %w", board, err)
		}
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

// DeactivationError refuses an import that would mark more of a board's
// active instruments inactive than a listing change plausibly explains.
// Instruments that really were delisted are removed first, one by one; no
// option overrides the check.
type DeactivationError struct {
	Board          string
	Listed, Active int
	Gone           []market.Key
}

func (e *DeactivationError) Error() string {
	const shown = 3
	codes := make([]string, 0, shown+1)
	for _, k := range e.Gone[:min(len(e.Gone), shown)] {
		codes = append(codes, k.Symbol)
	}
	if len(e.Gone) > shown {
		codes = append(codes, fmt.Sprintf("and %d more", len(e.Gone)-shown))
	}
	return fmt.Sprintf("with %d listed, %d of the %d active %s instruments would be marked inactive (%s): "+
		"more than %d and more than %.0f%% at once looks like a broken listing; nothing changed. "+
		"If they really were delisted, remove them first: marketd symbols remove --source naver CODE...",
		e.Listed, len(e.Gone), e.Active, e.Board, strings.Join(codes, ", "), maxDeactivated, maxDeactivatedShare*100)
}

func checkDeactivations(board string, listed, active int, gone []market.Key) error {
	if len(gone) <= maxDeactivated || float64(len(gone)) <= maxDeactivatedShare*float64(active) {
		return nil
	}
	return &DeactivationError{Board: board, Listed: listed, Active: active, Gone: gone}
}

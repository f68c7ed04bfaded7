package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/marketd/marketd/cmd/marketd/internal/cli"
	"github.com/marketd/marketd/collector"
	"github.com/marketd/marketd/sources/market"
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
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := strings.ToUpper(strings.TrimSpace(board))
			if b != market.BoardKOSPI && b != market.BoardKOSDAQ {
				if board == "" {
					return cli.Usagef("--market is required: KOSPI or KOSDAQ")
				}
				return cli.Usagef("--market %q: want KOSPI or KOSDAQ (the boards Naver lists)", board)
			}
			w, err := a.wire(cmd.Context())
			if err != nil {
				return err
			}
			res, err := collector.ImportListing(cmd.Context(), w.Store, w.NaverSource(), b)
			if err != nil {
				return fmt.Errorf("symbols %w", err)
			}
			if res.Deactivated > 0 {
				a.log.Info("symbols import: no longer listed, marked inactive", "board", b, "count", res.Deactivated)
			}
			writeSummary(a.stdout, "imported %s: %d listed, %d added, %d reactivated, %d marked inactive",
				b, res.Listed, res.Added, res.Reactivated, res.Deactivated)
			return nil
		},
	}
	cmd.Flags().StringVar(&board, "market", "", "the `board` to import: KOSPI or KOSDAQ (required)")
	return cmd
}

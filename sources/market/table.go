package market

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteInstruments writes insts as the table marketd symbols list prints,
// a row each in their order, and returns how many are active.
func WriteInstruments(w io.Writer, insts []Instrument) (active int, err error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSYMBOL\tMARKET\tBOARD\tTYPE\tCURRENCY\tACTIVE\tNAME")
	for _, in := range insts {
		if in.Active {
			active++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%t\t%s\n", in.Source, in.Symbol, in.Market, in.Board, in.Type, in.Currency, in.Active, in.Name)
	}
	return active, tw.Flush()
}

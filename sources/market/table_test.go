package market

import (
	"bytes"
	"testing"
)

func TestWriteInstruments(t *testing.T) {
	var out bytes.Buffer
	active, err := WriteInstruments(&out, []Instrument{
		{Key: Key{Source: SourceNaver, Symbol: "005930"}, Market: XKRX, Board: BoardKOSPI, Type: TypeEquity, Currency: "KRW", Active: true, Name: "Samsung Electronics"},
		{Key: Key{Source: SourceYahoo, Symbol: "MSFT"}, Market: XNYS, Active: false},
	})
	want := "SOURCE  SYMBOL  MARKET  BOARD  TYPE    CURRENCY  ACTIVE  NAME\n" +
		"naver   005930  XKRX    KOSPI  EQUITY  KRW       true    Samsung Electronics\n" +
		"yahoo   MSFT    XNYS                             false   \n"
	if err != nil || active != 1 || out.String() != want {
		t.Errorf("WriteInstruments = %d, %v:\n%q\nwant\n%q", active, err, out.String(), want)
	}
}

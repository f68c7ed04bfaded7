package sourcetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/marketd/marketd/sources/market"
)

type naverCode struct {
	Code string `json:"code"`
	Text string `json:"text"`
	Name string `json:"name"`
}

type stockExchangeType struct {
	Code               string `json:"code"`
	ZoneID             string `json:"zoneId"`
	NationType         string `json:"nationType"`
	DelayTime          int    `json:"delayTime"`
	StartTime          string `json:"startTime"`
	EndTime            string `json:"endTime"`
	ClosePriceSendTime string `json:"closePriceSendTime"`
	NameKor            string `json:"nameKor"`
	NameEng            string `json:"nameEng"`
	NationCode         string `json:"nationCode"`
	NationName         string `json:"nationName"`
	StockType          string `json:"stockType"`
	Name               string `json:"name"`
}

type overMarketPriceInfo struct {
	TradingSessionType          string    `json:"tradingSessionType"`
	OverMarketStatus            string    `json:"overMarketStatus"`
	OverPrice                   string    `json:"overPrice"`
	OpenPrice                   string    `json:"openPrice"`
	HighPrice                   string    `json:"highPrice"`
	LowPrice                    string    `json:"lowPrice"`
	CompareToPreviousPrice      naverCode `json:"compareToPreviousPrice"`
	CompareToPreviousClosePrice string    `json:"compareToPreviousClosePrice"`
	FluctuationsRatio           string    `json:"fluctuationsRatio"`
	LocalTradedAt               string    `json:"localTradedAt"`
	TradeStopType               naverCode `json:"tradeStopType"`
	TradableStatus              string    `json:"tradableStatus"`
	TradableStatusCode          string    `json:"tradableStatusCode"`
	TradableStatusUpdatedAt     string    `json:"tradableStatusUpdatedAt"`
	AccumulatedTradingVolume    string    `json:"accumulatedTradingVolume"`
	AccumulatedTradingValue     string    `json:"accumulatedTradingValue"`
	AccumulatedTradingVolumeRaw string    `json:"accumulatedTradingVolumeRaw"`
	AccumulatedTradingValueRaw  string    `json:"accumulatedTradingValueRaw"`
}

type integratedPriceInfo struct {
	OpenPrice                   string `json:"openPrice"`
	HighPrice                   string `json:"highPrice"`
	LowPrice                    string `json:"lowPrice"`
	AccumulatedTradingVolume    string `json:"accumulatedTradingVolume"`
	AccumulatedTradingValue     string `json:"accumulatedTradingValue"`
	AccumulatedTradingVolumeRaw string `json:"accumulatedTradingVolumeRaw"`
	AccumulatedTradingValueRaw  string `json:"accumulatedTradingValueRaw"`
}

// pollingData mirrors one entry of datas, field for field, in the order
// of the recording. Top-level prices are KRX's; integratedPriceInfo adds
// Nextrade, which a collector must not store.
type pollingData struct {
	ItemCode                       string              `json:"itemCode"`
	StockName                      string              `json:"stockName"`
	StockExchangeType              stockExchangeType   `json:"stockExchangeType"`
	ClosePrice                     string              `json:"closePrice"`
	CompareToPreviousClosePrice    string              `json:"compareToPreviousClosePrice"`
	CompareToPreviousPrice         naverCode           `json:"compareToPreviousPrice"`
	FluctuationsRatio              string              `json:"fluctuationsRatio"`
	TradeStopType                  naverCode           `json:"tradeStopType"`
	TradableStatus                 string              `json:"tradableStatus"`
	TradableStatusCode             string              `json:"tradableStatusCode"`
	TradableStatusUpdatedAt        string              `json:"tradableStatusUpdatedAt"`
	OpenPrice                      string              `json:"openPrice"`
	HighPrice                      string              `json:"highPrice"`
	LowPrice                       string              `json:"lowPrice"`
	AccumulatedTradingVolume       string              `json:"accumulatedTradingVolume"`
	AccumulatedTradingValue        string              `json:"accumulatedTradingValue"`
	MarketStatus                   string              `json:"marketStatus"`
	MarketStatusDetailType         string              `json:"marketStatusDetailType"`
	LocalTradedAt                  string              `json:"localTradedAt"`
	OverMarketPriceInfo            overMarketPriceInfo `json:"overMarketPriceInfo"`
	IntegratedPriceInfo            integratedPriceInfo `json:"integratedPriceInfo"`
	IsinCode                       string              `json:"isinCode"`
	MyDataCode                     *string             `json:"myDataCode"`
	StockEndURL                    *string             `json:"stockEndUrl"`
	CurrencyType                   naverCode           `json:"currencyType"`
	SymbolCode                     string              `json:"symbolCode"`
	MarketSessionType              string              `json:"marketSessionType"`
	ClosePriceRaw                  string              `json:"closePriceRaw"`
	CompareToPreviousClosePriceRaw string              `json:"compareToPreviousClosePriceRaw"`
	FluctuationsRatioRaw           string              `json:"fluctuationsRatioRaw"`
	OpenPriceRaw                   string              `json:"openPriceRaw"`
	HighPriceRaw                   string              `json:"highPriceRaw"`
	LowPriceRaw                    string              `json:"lowPriceRaw"`
	AccumulatedTradingVolumeRaw    string              `json:"accumulatedTradingVolumeRaw"`
	AccumulatedTradingValueRaw     string              `json:"accumulatedTradingValueRaw"`
	MarketValueFull                string              `json:"marketValueFull"`
	MarketValueFullRaw             string              `json:"marketValueFullRaw"`
}

type pollingBody struct {
	PollingInterval int           `json:"pollingInterval"`
	Datas           []pollingData `json:"datas"`
	Time            string        `json:"time"`
}

var (
	trading = naverCode{Code: "1", Text: "운영.Trading", Name: "TRADING"}
	halted  = naverCode{Code: "2", Text: "거래정지.Halt", Name: "HALT"}
	krw     = naverCode{Code: "KRW", Text: "Republic of Korea won", Name: "KRW"}
)

// direction is Naver's compareToPreviousPrice for a move.
func direction(diff market.Decimal) naverCode {
	switch {
	case diff > 0:
		return naverCode{Code: "2", Text: "상승", Name: "RISING"}
	case diff < 0:
		return naverCode{Code: "5", Text: "하락", Name: "FALLING"}
	}
	return naverCode{Code: "3", Text: "보합", Name: "EVEN"}
}

// ratio formats (c-prev)/prev as a percentage with two decimals.
func ratio(c, prev market.Decimal) string {
	if prev == 0 {
		return "0.00"
	}
	bp := int64(c-prev) * 20_000 / int64(prev) // half basis points, rounded half away from zero below
	if bp >= 0 {
		bp = (bp + 1) / 2
	} else {
		bp = (bp - 1) / 2
	}
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d", sign, bp/100, bp%100)
}

func won(d market.Decimal) int64 { return int64(d.Round(0) / market.DecimalFromInt(1)) }

// session describes the state of the latest session at now.
type session struct {
	last, prev  bar
	ok, hasPrev bool
	open        bool   // the regular session is in progress
	tradedAt    string // localTradedAt
}

func (m *Market) latest(in *instrument, now time.Time) session {
	if in.delisted != 0 && in.delisted < in.mkt.Today(now) {
		return session{}
	}
	hist := m.recentHistory(in, now, 0, 2)
	if len(hist) == 0 {
		return session{}
	}
	s := session{last: hist[len(hist)-1], ok: true}
	if len(hist) > 1 {
		s.prev, s.hasPrev = hist[len(hist)-2], true
	}
	_, closeAt := in.hours(s.last.date) // 16:30 on the college entrance exam's day
	settle := in.at(s.last.date, in.mkt.Settle)
	s.open = now.Before(closeAt)
	at := settle
	if now.Before(settle) {
		at = now.In(in.mkt.Location).Truncate(time.Second)
	}
	s.tradedAt = at.Format(time.RFC3339)
	if s.open && !s.last.halted {
		s.live(in, now)
	}
	return s
}

// live sets the session in progress from its minutes: the feed shows the
// trades of the minutes that have ended, so the price is the close of
// the last minute that traded, stamped at that minute's last second, and
// the volume the sum of those minutes' volumes. Polled once a minute, it
// gives every minute's close and volume exactly (MinuteTruth). Before the
// first trade it shows the previous close, no volume, stamped at the open.
func (s *session) live(in *instrument, now time.Time) {
	fin := finalHistory(in, now, 0, 1)
	if len(fin) == 0 || fin[0].date != s.last.date {
		return
	}
	open, _ := in.hours(s.last.date)
	b := bar{date: s.last.date, provisional: true}
	prev := s.prev.c
	if !s.hasPrev {
		prev = fin[0].o
	}
	b.o, b.h, b.l, b.c = prev, prev, prev, prev
	at := earlierOf(open, now.Truncate(time.Second)) // a late opening has not begun at the market's usual open
	for i, x := range in.regularMinutes(fin[0], 0) {
		if x.start.Add(time.Minute).After(now) {
			break
		}
		if i == 0 {
			b.o, b.h, b.l = x.o, x.h, x.l
		}
		b.h, b.l, b.c = max(b.h, x.h), min(b.l, x.l), x.c
		b.v += x.v
		at = x.start.Add(59 * time.Second)
	}
	s.last = b
	s.tradedAt = at.In(in.mkt.Location).Format(time.RFC3339)
}

// shares is a plausible share count, fixed per symbol.
func (in *instrument) shares() int64 { return 10_000_000 + int64(in.seed%3_000_000_000) }

// polling serves /api/realtime/domestic/stock/CODE1,CODE2,...: codes it
// does not know are simply absent.
func (m *Market) polling(r *http.Request, drift bool) response {
	now := m.now()
	body := pollingBody{PollingInterval: 70000, Datas: []pollingData{}}
	for code := range strings.SplitSeq(r.PathValue("codes"), ",") {
		in, ok := m.lookup(market.SourceNaver, code)
		if !ok {
			continue
		}
		s := m.latest(in, now)
		if !s.ok {
			continue
		}
		body.Datas = append(body.Datas, m.pollingEntry(in, s))
	}
	kst, _ := market.LookupMarket(market.XKRX)
	body.Time = now.In(kst.Location).Format("20060102150405")
	out, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("sourcetest: encoding polling answer: %v", err)) // plain values only
	}
	if drift { // the close renamed
		out = bytes.ReplaceAll(out, []byte(`"closePrice`), []byte(`"currentPrice`))
	}
	return response{status: http.StatusOK, contentType: "application/json;charset=UTF-8", body: out}
}

func (m *Market) pollingEntry(in *instrument, s session) pollingData {
	b := s.last
	prevClose := b.c
	if s.hasPrev {
		prevClose = s.prev.c
	}
	o, h, l := won(b.o), won(b.h), won(b.l)
	stop := trading
	if b.halted {
		o, h, l, stop = 0, 0, 0, halted
	}
	c, v := won(b.c), b.v
	value := c * v
	// Nextrade trades beside KRX: the integrated figures are wider and
	// larger than KRX's own, which is what a collector must store.
	iv := v + v/2
	ivalue := c * iv
	status, detail, sessionType := "CLOSE", "close", "afterMarket"
	if s.open {
		status, detail, sessionType = "OPEN", "open", "regularMarket"
	}
	ex := stockExchangeType{
		Code: "KS", ZoneID: "Asia/Seoul", NationType: "KOR", StartTime: "0900", EndTime: "1530", ClosePriceSendTime: "1630",
		NameKor: "코스피", NameEng: "KOSPI", NationCode: "KOR", NationName: "대한민국", StockType: "domestic", Name: "KOSPI",
	}
	if in.board == market.BoardKOSDAQ {
		ex.Code, ex.NameKor, ex.NameEng, ex.Name = "KQ", "코스닥", "KOSDAQ", "KOSDAQ"
	}
	diff := b.c - prevClose
	updated := b.date.In(in.mkt.Location).Add(8*time.Hour + 1*time.Minute + 45*time.Second + 151*time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
	over := c - c/200
	mv := c * in.shares()
	return pollingData{
		ItemCode: in.code, StockName: in.name, StockExchangeType: ex,
		ClosePrice: commas(c), CompareToPreviousClosePrice: commas(won(diff)), CompareToPreviousPrice: direction(diff),
		FluctuationsRatio: ratio(b.c, prevClose), TradeStopType: stop,
		TradableStatus: "tradable", TradableStatusCode: "ok", TradableStatusUpdatedAt: updated,
		OpenPrice: commas(o), HighPrice: commas(h), LowPrice: commas(l),
		AccumulatedTradingVolume: commas(v), AccumulatedTradingValue: koreanAmount(value),
		MarketStatus: status, MarketStatusDetailType: detail, LocalTradedAt: s.tradedAt,
		OverMarketPriceInfo: overMarketPriceInfo{
			TradingSessionType: "AFTER_MARKET", OverMarketStatus: "CLOSE", OverPrice: commas(over),
			OpenPrice: commas(o), HighPrice: commas(h), LowPrice: commas(l),
			CompareToPreviousPrice:      direction(market.DecimalFromInt(over) - prevClose),
			CompareToPreviousClosePrice: commas(over - won(prevClose)), FluctuationsRatio: ratio(market.DecimalFromInt(over), prevClose),
			LocalTradedAt: strings.Replace(s.tradedAt, "+", ".000000+", 1), TradeStopType: stop,
			TradableStatus: "tradable", TradableStatusCode: "ok", TradableStatusUpdatedAt: updated,
			AccumulatedTradingVolume: commas(v / 2), AccumulatedTradingValue: koreanAmount(over * (v / 2)),
			AccumulatedTradingVolumeRaw: strconv.FormatInt(v/2, 10), AccumulatedTradingValueRaw: strconv.FormatInt(over*(v/2), 10),
		},
		IntegratedPriceInfo: integratedPriceInfo{
			OpenPrice: commas(max(o-o/100, 0)), HighPrice: commas(h + h/100), LowPrice: commas(max(l-l/100, 0)),
			AccumulatedTradingVolume: commas(iv), AccumulatedTradingValue: koreanAmount(ivalue),
			AccumulatedTradingVolumeRaw: strconv.FormatInt(iv, 10), AccumulatedTradingValueRaw: strconv.FormatInt(ivalue, 10),
		},
		IsinCode: isin(in.code), CurrencyType: krw, SymbolCode: in.code, MarketSessionType: sessionType,
		ClosePriceRaw: strconv.FormatInt(c, 10), CompareToPreviousClosePriceRaw: strconv.FormatInt(won(diff), 10),
		FluctuationsRatioRaw: ratio(b.c, prevClose),
		OpenPriceRaw:         strconv.FormatInt(o, 10), HighPriceRaw: strconv.FormatInt(h, 10), LowPriceRaw: strconv.FormatInt(l, 10),
		AccumulatedTradingVolumeRaw: strconv.FormatInt(v, 10), AccumulatedTradingValueRaw: strconv.FormatInt(value, 10),
		MarketValueFull: commas(mv), MarketValueFullRaw: strconv.FormatInt(mv, 10),
	}
}

type listingStock struct {
	StockType      string `json:"stockType"`
	StockEndType   string `json:"stockEndType"`
	ItemCode       string `json:"itemCode"`
	StockName      string `json:"stockName"`
	ClosePrice     string `json:"closePrice"`
	ClosePriceRaw  string `json:"closePriceRaw"`
	MarketValue    string `json:"marketValue"`
	MarketValueRaw string `json:"marketValueRaw"`
	LocalTradedAt  string `json:"localTradedAt"`
	MarketStatus   string `json:"marketStatus"`
}

type listingBody struct {
	StockListSortType     string         `json:"stockListSortType"`
	StockListCategoryType string         `json:"stockListCategoryType"`
	Stocks                []listingStock `json:"stocks"`
	TotalCount            int            `json:"totalCount"`
	Page                  int            `json:"page"`
	PageSize              int            `json:"pageSize"`
	MarketStatus          string         `json:"marketStatus"`
}

// listing serves /api/stocks/marketValue/{KOSPI|KOSDAQ}: the configured
// instruments of the board that trade today, largest first, paged.
func (m *Market) listing(r *http.Request, drift bool) response {
	board := r.PathValue("board")
	if board != market.BoardKOSPI && board != market.BoardKOSDAQ {
		return naverText(http.StatusBadRequest, "unknown market "+strconv.Quote(board)+": want KOSPI or KOSDAQ")
	}
	q := r.URL.Query()
	page, pageSize := 1, 20
	if v := q.Get("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return naverText(http.StatusBadRequest, "invalid page "+strconv.Quote(v))
		}
		page = p
	}
	if v := q.Get("pageSize"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 100 {
			return naverText(http.StatusBadRequest, "invalid pageSize "+strconv.Quote(v)+": want 1 to 100")
		}
		pageSize = p
	}
	now := m.now()
	type entry struct {
		stock listingStock
		value int64
	}
	var all []entry
	status := "CLOSE"
	for _, in := range m.order {
		if !in.krx || in.board != board || m.unknown[in.code] {
			continue
		}
		s := m.latest(in, now)
		if !s.ok {
			continue
		}
		c := won(s.last.c)
		mv := c * in.shares()
		st := "CLOSE"
		if s.open {
			st, status = "OPEN", "OPEN"
		}
		all = append(all, entry{value: mv, stock: listingStock{
			StockType: "domestic", StockEndType: "stock", ItemCode: in.code, StockName: in.name,
			ClosePrice: commas(c), ClosePriceRaw: strconv.FormatInt(c, 10),
			MarketValue: commas((mv + 50_000_000) / 100_000_000), MarketValueRaw: strconv.FormatInt(mv, 10),
			LocalTradedAt: s.tradedAt, MarketStatus: st,
		}})
	}
	slices.SortStableFunc(all, func(a, b entry) int { return cmp64(b.value, a.value) })
	body := listingBody{StockListSortType: "MARKET_VALUE", StockListCategoryType: board, Stocks: []listingStock{},
		TotalCount: len(all), Page: page, PageSize: pageSize, MarketStatus: status}
	for i := (page - 1) * pageSize; i < len(all) && i < page*pageSize; i++ {
		body.Stocks = append(body.Stocks, all[i].stock)
	}
	out, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("sourcetest: encoding listing: %v", err)) // plain values only
	}
	if drift { // the code renamed
		out = bytes.ReplaceAll(out, []byte(`"itemCode"`), []byte(`"code"`))
	}
	return response{status: http.StatusOK, contentType: "application/json;charset=UTF-8", body: out}
}
